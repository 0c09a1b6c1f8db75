/* cli.c — shared helpers for the reckon subcommands (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

int cli_exit_code(enum rk_rc rc)
{
	switch (rc) {
	case RK_OK: return EX_OK;
	case RK_EINVAL: case RK_ECONFLICT: case RK_ECORRUPT: case RK_EVERSION: case RK_EFOREIGN:
		return EX_DATAERR;
	case RK_ENOTFOUND: return EX_NOINPUT;
	case RK_ECONFIG: return EX_CONFIG;
	case RK_EPERM: return EX_NOPERM;
	case RK_EIO: case RK_EDB: return EX_IOERR;
	case RK_EUNKNOWN: case RK_EREJECTED: return EX_UNAVAILABLE;
	case RK_ENOMEM: case RK_EOVERFLOW: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}

int cli_fail_to(FILE *f, const struct rk_err *err)
{
	fprintf(f, "reckon: %s\n", err->msg[0] ? err->msg : rk_rc_name(err->rc));
	return cli_exit_code(err->rc);
}

int cli_fail(const struct rk_err *err) { return cli_fail_to(stderr, err); }

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "reckon %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'reckon %s --help'.\n", command);
	return EX_USAGE;
}

struct journal *cli_open_journal(const char *path, enum journal_mode mode, enum journal_kind kind,
				 int *exit_code)
{
	struct journal *j = NULL;
	struct rk_err err = {0};
	if (events_open(path, mode, kind, &j, &err)) {
		*exit_code = cli_fail(&err);
		return NULL;
	}
	return j;
}

struct prefixed {
	FILE *to;
	const char *prefix;
	bool at_line_start;
};

static ssize_t prefixed_write(void *cookie, const char *buf, size_t n)
{
	struct prefixed *p = cookie;
	for (size_t i = 0; i < n; i++) {
		if (p->at_line_start && fputs(p->prefix, p->to) == EOF)
			return -1;
		if (putc(buf[i], p->to) == EOF)
			return -1;
		p->at_line_start = buf[i] == '\n';
	}
	return (ssize_t)n;
}

static int prefixed_close(void *cookie)
{
	struct prefixed *p = cookie;
	int rc = fflush(p->to);
	free(p);
	return rc;
}

FILE *cli_prefixed_stream(FILE *to, const char *prefix)
{
	struct prefixed *p = malloc(sizeof *p);
	cookie_io_functions_t io = {.write = prefixed_write, .close = prefixed_close};
	FILE *f;
	if (!p)
		return NULL;
	*p = (struct prefixed){.to = to, .prefix = prefix, .at_line_start = true};
	if (!(f = fopencookie(p, "w", io))) {
		free(p);
		return NULL;
	}
	/* Line by line, so the pass's progress and its errors keep their order. */
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

int cli_parse_db_options(int argc, char **argv, const char *command, void (*help)(void),
			 const char **db)
{
	static const struct option OPTS[] = {
		{"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	int c;
	*db = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
		if (c == 'd')
			*db = optarg;
		else if (c == 'h')
			return help(), EX_OK;
		else
			return cli_usage_error(command, "unknown option");
	}
	return -1;
}

int cli_require_db(const char *command, const char *db)
{
	return db ? -1 : cli_usage_error(command, "--db FILE is required");
}
