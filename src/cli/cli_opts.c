/* cli_opts.c — the sub-commands' option parser (see cli_opts.h). */
#include "cli_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "model.h"
#include "rk_buf.h"

#define HELP_VAL (-2) /* getopt's val for --help; table row i has i + 1 */

/* The table as getopt_long wants it; val is the row's index + 1, so that
 * getopt's optopt is non-zero exactly for a known option it refused. */
static int build_longopts(const struct cli_opt *opts, struct option *out)
{
	int n = 0;
	for (; opts[n].name; n++) {
		if (n == CLI_OPTS_MAX)
			return -1;
		out[n] = (struct option){opts[n].name, opts[n].flag ? no_argument : required_argument,
					 NULL, n + 1};
	}
	out[n++] = (struct option){"help", no_argument, NULL, HELP_VAL};
	out[n] = (struct option){0, 0, 0, 0};
	return n;
}

/* The usage error for what getopt refused. optopt tells the cases apart:
 * a printable character is an unknown short option (argv[optind - 1] may
 * then still be the argument before its cluster); a row's val (1..MAX, or
 * HELP_VAL) is a known long option given a value it does not take; 0 is a
 * long option getopt did not match: unknown, or an ambiguous abbreviation. */
static int refused(const char *command, char **argv, int c, const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	bool is_long = arg[0] == '-' && arg[1] == '-';
	const char *name = is_long ? arg + 2 : arg;
	size_t len = strcspn(name, "=");
	char both[160] = "";
	int matches = 0;
	if (c == ':')
		return cli_usage_error(command, "option '%s' needs a value", arg);
	if (optopt > ' ' && optopt < 127)
		return cli_usage_error(command, "unknown option '-%c'", optopt);
	if (optopt) /* --flag=value */
		return cli_usage_error(command, "option '--%.*s' takes no value", (int)len, name);
	if (is_long)
		for (const struct option *o = longopts; o->name; o++)
			if (strncmp(o->name, name, len) == 0 && matches++ < 4) {
				size_t n = strlen(both);
				rk_fmt(both + n, sizeof both - n, " '--%s'", o->name);
			}
	if (matches > 1)
		return cli_usage_error(command, "option '--%.*s' is ambiguous; possibilities:%s",
				       (int)len, name, both);
	return cli_usage_error(command, "unknown option '%s'", arg);
}

static int take(const char *command, const struct cli_opt *o)
{
	if (o->flag)
		*o->flag = true;
	else if (o->value)
		*o->value = optarg;
	else if (o->take)
		return o->take(command, o->name, optarg, o->ctx);
	return -1;
}

int cli_opts_parse(const char *command, int argc, char **argv, const struct cli_opt *opts,
		   void (*help)(void), int *first)
{
	struct option longopts[CLI_OPTS_MAX + 2];
	int c, code = -1;
	*first = argc;
	if (build_longopts(opts, longopts) < 0)
		return cli_usage_error(command, "too many options (internal error)");
	optind = 1;
	opterr = 0; /* errors are ours, naming the option */
	while (code < 0 && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h' || c == HELP_VAL) {
			help();
			return EX_OK;
		}
		if (c < 1 || c > CLI_OPTS_MAX)
			return refused(command, argv, c, longopts);
		code = take(command, &opts[c - 1]);
	}
	*first = optind;
	return code;
}

int cli_take_venue(const char *command, const char *option, const char *value, void *ctx)
{
	if (venue_parse(value) == VENUE_UNKNOWN)
		return cli_usage_error(command, "--%s '%s': not coinbase, binance-usdm or sim",
				       option, value);
	*(const char **)ctx = value;
	return -1;
}

int cli_take_long(const char *command, const char *option, const char *value, void *ctx)
{
	const struct cli_long *r = ctx;
	char *end = NULL;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (end == value || *end || errno || n < r->min || n > r->max)
		return cli_usage_error(command, "--%s must be %ld..%ld", option, r->min, r->max);
	*r->out = n;
	return -1;
}
