/* cmd_audit.c — `reckon audit`: journal verification (and, later, post-mortems). */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"

static void help(void)
{
	printf("Usage: reckon audit verify --db FILE\n\n"
	       "verify  recomputes the SHA-256 hash chain over every event, runs SQLite's\n"
	       "        integrity check, checks the append-only triggers, and checks that the\n"
	       "        materialized tables equal a replay of the events. Prints\n"
	       "        'ok: N events' and exits 0 when sound; otherwise names the first bad\n"
	       "        event (or table) and exits 65.\n\n"
	       "Options:\n  --db FILE   journal database\n  -h, --help  this help\n");
}

int cmd_audit(int argc, char **argv)
{
	static const struct option OPTS[] = {
		{"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	const char *db = NULL;
	int c, code = EX_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'h')
			return help(), EX_OK;
		else
			return cli_usage_error("audit", "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error("audit", "missing subcommand (verify)");
	if (strcmp(argv[optind], "verify") != 0)
		return cli_usage_error("audit", "unknown subcommand '%s'", argv[optind]);
	if (!db)
		return cli_usage_error("audit", "--db FILE is required");
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "reckon: no database at %s\n", db);
		return EX_NOINPUT;
	}
	struct journal *j = cli_open_journal(db, &code);
	if (!j)
		return code;
	struct audit_result res;
	struct rk_err err = {0};
	if (audit_verify(j, &res, &err))
		code = cli_fail(&err);
	else
		printf("ok: %lld events\n", (long long)res.events);
	journal_close(j);
	return code;
}
