/*
 * cli_opts.h — the one option parser of the `reckon` sub-commands. Each
 * command describes its options in a table (name, where the value goes) and
 * hands it to cli_opts_parse, which walks argv once and reports every error
 * the same way, naming the option:
 *
 *     const char *db = NULL;
 *     bool sim = false;
 *     const struct cli_opt opts[] = {
 *             {"db", .value = &db}, {"sim", .flag = &sim}, {NULL}};
 *     int first, code = cli_opts_parse("init", argc, argv, opts, help, &first);
 *     if (code >= 0)
 *             return code;          // help printed (0) or a usage error (64)
 *     ... argv[first..argc-1] are the positional arguments
 *
 * GNU conventions, as getopt_long (which does the walking): options and
 * arguments in any order, "--NAME VALUE" or "--NAME=VALUE", a unique prefix
 * of a name stands for it, "--" ends the options; -h and --help always mean
 * help. A value option given twice keeps the last value.
 *
 * Not reentrant: it uses getopt's globals (optind, optarg). Borrowed
 * pointers only: a stored value points into argv.
 */
#ifndef RECKON_CLI_OPTS_H
#define RECKON_CLI_OPTS_H

#include <stdbool.h>

/* One option, --NAME. Exactly one of value, flag and take is set. */
struct cli_opt {
	const char *name;    /* without the dashes: "db"; NULL ends the table */
	const char **value;  /* takes a value, stored here (OUT) */
	bool *flag;          /* takes no value: set true when given (OUT) */
	/* Takes a value and checks or collects it (a repeatable option, a
	 * number): `option` is the row's name. Returns -1 to go on, or the exit
	 * code after printing the error through cli_usage_error. */
	int (*take)(const char *command, const char *option, const char *value, void *ctx);
	void *ctx;           /* for take */
};

#define CLI_OPTS_MAX 24 /* options in one table, help excluded */

/*
 * Parses argv[1..argc-1] (argv[0] is the command name) against `opts`.
 * Returns -1 to go on, with *first the index of the first positional
 * argument (argv is permuted so they come last); or the exit code to return:
 * EX_OK after calling help(), EX_USAGE after printing "reckon COMMAND:
 * unknown option '--frob'" or "option '--db' needs a value" (and the --help
 * hint), or what a take callback returned.
 */
int cli_opts_parse(const char *command, int argc, char **argv, const struct cli_opt *opts,
		   void (*help)(void), int *first /* OUT */);

/* A take callback for --venue: accepts coinbase, binance-usdm or sim and
 * stores the name in *(const char **)ctx; otherwise a usage error naming the
 * value. */
int cli_take_venue(const char *command, const char *option, const char *value, void *ctx);

/* A whole number within [min, max], for cli_take_long's ctx. */
struct cli_long {
	long *out;
	long min, max;
};

/* A take callback for a whole number: stores it in *((struct cli_long *)ctx)->out,
 * or says "--OPTION must be MIN..MAX". */
int cli_take_long(const char *command, const char *option, const char *value, void *ctx);

#endif
