/* cmd_query.c — `reckon query`: list and run the named reports in queries/
 * (query.h), rendered by report/ (render.h) through query_print. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "query_print.h"

static void help(void)
{
	cli_print_usage("query");
	printf("\n"
	       "Runs a named report: one SQL file from queries/, compiled into the binary.\n"
	       "'--list' shows every report with its description and [:parameters].\n"
	       "A parameter not given is NULL, which the reports read as \"all\"; values are\n"
	       "passed as text, e.g. --param day=2025-11-22 --param symbol=BTC-USD.\n\n"
	       "Options:\n"
	       "  --list                 list the reports\n"
	       "  --db FILE              journal database (must exist; opened read-only, so a\n"
	       "                         read-only file, directory or filesystem is fine)\n"
	       "  --param KEY=VALUE      set the report's parameter :KEY (repeatable)\n"
	       "  --format FORMAT        table (aligned, for people; default), csv (RFC 4180)\n"
	       "                         or json (an array of objects)\n"
	       "  --sql                  print the report's SQL (runs in the sqlite3 shell\n"
	       "                         with '.parameter set :KEY VALUE')\n"
	       "  -h, --help             this help\n\n"
	       "Amounts are exact decimal text. Reports add, multiply and compare them with\n"
	       "decimal_sum, decimal_add, decimal_sub, decimal_mul and decimal_cmp: the\n"
	       "functions of SQLite's decimal extension, which the sqlite3 shell ships and\n"
	       "reckon registers with the same exact arithmetic (nothing is rounded), so\n"
	       "--sql prints SQL that gives the same figures in the shell.\n"
	       "Exit 0 on success, 64 for a wrong report name, parameter or option, 65 when\n"
	       "FILE is not a reckon journal or has another schema version (an older one is\n"
	       "upgraded by 'reckon init --db FILE') or a decimal function refuses a value\n"
	       "(over 1000 digits), 66 when there is no such journal, 74 on database or\n"
	       "output errors.\n");
}

/* --param KEY=VALUE, repeatable: collected into the args array. */
struct params {
	struct query_arg *args;
	size_t n;
};

static int take_param(const char *command, const char *option, const char *value, void *ctx)
{
	struct params *p = ctx;
	struct rk_err err = {0};
	(void)option;
	if (query_arg_parse(value, &p->args[p->n], &err))
		return cli_usage_error(command, "%s", err.msg);
	p->n++;
	return -1;
}

static int take_format(const char *command, const char *option, const char *value, void *ctx)
{
	enum render_format *fmt = ctx;
	(void)option;
	/* html is for the mail report, not offered here (yet) */
	if (!render_format_parse(value, fmt) || *fmt == RENDER_HTML)
		return cli_usage_error(command, "unknown format '%s' (table, csv or json)", value);
	return -1;
}

int cmd_query(int argc, char **argv)
{
	const char *db = NULL, *name = NULL;
	enum render_format fmt = RENDER_TABLE;
	bool list = false, show_sql = false;
	struct params params = {0};
	struct query_def q;
	struct rk_err err = {0};
	struct journal *j = NULL;
	int optind, code;
	const struct cli_opt opts[] = {
		{.name = "db", .value = &db},
		{.name = "param", .take = take_param, .ctx = &params},
		{.name = "format", .take = take_format, .ctx = &fmt},
		{.name = "list", .flag = &list},
		{.name = "sql", .flag = &show_sql},
		{0},
	};

	/* at most one --param per argument */
	if (!(params.args = calloc((size_t)argc, sizeof *params.args))) {
		fprintf(stderr, "reckon: out of memory\n");
		return EX_SOFTWARE;
	}
	struct query_arg *args = params.args;
	if ((code = cli_opts_parse("query", argc, argv, opts, help, &optind)) >= 0)
		goto out;
	code = EX_OK;
	size_t nargs = params.n;
	if (list) {
		if (optind < argc || db || nargs || show_sql) {
			code = cli_usage_error("query", "--list takes no other arguments");
			goto out;
		}
		if (query_list(stdout, &err))
			code = cli_fail(&err);
		goto out;
	}
	if (optind >= argc) {
		code = cli_usage_error("query", "missing report NAME (see 'reckon query --list')");
		goto out;
	}
	if (argc - optind > 1) {
		code = cli_usage_error("query", "one report NAME at a time");
		goto out;
	}
	name = argv[optind];
	if (query_find(name, &q, &err)) {
		fprintf(stderr, "reckon query: %s\n", err.msg);
		code = err.rc == RK_ENOTFOUND ? EX_USAGE : cli_fail(&err);
		goto out;
	}
	if (query_check_args(&q, args, nargs, &err)) {
		code = cli_usage_error("query", "%s", err.msg);
		goto out;
	}
	if (show_sql) {
		fputs(q.sql, stdout);
		goto out;
	}
	if ((code = cli_require_db("query", db)) >= 0)
		goto out;
	code = EX_OK;
	/* Read-only: never creates, migrates or writes the journal. */
	if (!(j = cli_open_journal(db, JOURNAL_READONLY, JOURNAL_ANY, &code)))
		goto out;
	if (query_print(j, &q, args, nargs, fmt, stdout, NULL, &err))
		code = cli_fail(&err);
out:
	journal_close(j);
	free(args);
	return code;
}
