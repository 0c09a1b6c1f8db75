/* cmd_query.c — `reckon query`: list and run the named reports in queries/
 * (query.h), rendered by report/ (render.h) through query_print. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "query_print.h"

static void help(void)
{
	printf("Usage: reckon query --list\n"
	       "       reckon query NAME --db FILE [--param KEY=VALUE ...] [--format table|csv|json]\n"
	       "       reckon query NAME --sql\n\n"
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

int cmd_query(int argc, char **argv)
{
	static const struct option OPTS[] = {
		{"db", required_argument, NULL, 'd'},   {"param", required_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'f'}, {"list", no_argument, NULL, 'l'},
		{"sql", no_argument, NULL, 's'},        {"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0}};
	const char *db = NULL, *name = NULL;
	enum render_format fmt = RENDER_TABLE;
	bool list = false, show_sql = false;
	struct query_arg *args = NULL;
	size_t nargs = 0;
	struct query_def q;
	struct rk_err err = {0};
	struct journal *j = NULL;
	int c, code = EX_OK;

	if (cli_wants_help(argc, argv))
		return help(), EX_OK;
	args = calloc((size_t)argc, sizeof *args); /* at most one --param per argument */
	if (!args) {
		fprintf(stderr, "reckon: out of memory\n");
		return EX_SOFTWARE;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
		} else if (c == 'p') {
			if (query_arg_parse(optarg, &args[nargs], &err)) {
				code = cli_usage_error("query", "%s", err.msg);
				goto out;
			}
			nargs++;
		} else if (c == 'f') {
			/* html is for the mail report, not offered here (yet) */
			if (!render_format_parse(optarg, &fmt) || fmt == RENDER_HTML) {
				code = cli_usage_error("query", "unknown format '%s' (table, csv or json)",
						       optarg);
				goto out;
			}
		} else if (c == 'l') {
			list = true;
		} else if (c == 's') {
			show_sql = true;
		} else if (c == 'h') {
			help();
			goto out;
		} else {
			code = cli_usage_error("query", "unknown option");
			goto out;
		}
	}
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
