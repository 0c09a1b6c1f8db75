/* cmd_audit.c — `reckon audit`: journal verification (and, later, post-mortems). */
#include <string.h>

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
	const char *db = NULL;
	int code = cli_parse_db_options(argc, argv, "audit", help, &db);
	if (code >= 0)
		return code;
	code = EX_OK;
	if (optind >= argc)
		return cli_usage_error("audit", "missing subcommand (verify)");
	if (strcmp(argv[optind], "verify") != 0)
		return cli_usage_error("audit", "unknown subcommand '%s'", argv[optind]);
	if ((code = cli_require_existing_db("audit", db)) >= 0)
		return code;
	code = EX_OK;
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
