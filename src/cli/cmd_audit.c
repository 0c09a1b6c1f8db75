/* cmd_audit.c — `reckon audit`: journal verification (and, later, post-mortems). */
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "cli_opts.h"

static void help(void)
{
	cli_print_usage("audit");
	printf("\n"
	       "verify  checks the file's application_id is reckon's, runs SQLite's\n"
	       "        integrity check, recomputes the SHA-256 hash chain over every event,\n"
	       "        checks that the schema is exactly what reckon's migrations created\n"
	       "        (the append-only triggers' full definitions; no other table, index,\n"
	       "        trigger or view), that journal_meta holds exactly one well-formed\n"
	       "        journal_id (the identity client order ids derive from), and that\n"
	       "        the materialized tables equal a replay of the events into a\n"
	       "        separate temporary database, where nothing in the journal file can\n"
	       "        run. It reads one snapshot in a read transaction that never blocks\n"
	       "        writers (ingest and reconcile keep committing) and writes nothing.\n"
	       "        Prints 'ok: N events' (the events of that snapshot) and exits 0 when\n"
	       "        sound; otherwise names the first bad event, schema object, or table,\n"
	       "        row and column, and exits 65.\n\n"
	       "The journal is opened read-only and never migrated or written: a read-only\n"
	       "file, directory or filesystem is fine. A journal of an older schema version\n"
	       "is refused (65) until 'reckon init --db FILE' upgrades it; a missing one is\n"
	       "66.\n\n"
	       "Options:\n  --db FILE   journal database\n  -h, --help  this help\n");
}

int cmd_audit(int argc, char **argv)
{
	const char *db = NULL;
	const struct cli_opt opts[] = {{"db", .value = &db}, {NULL}};
	int first, code = cli_opts_parse("audit", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if (first >= argc)
		return cli_usage_error("audit", "missing subcommand (verify)");
	if (strcmp(argv[first], "verify") != 0)
		return cli_usage_error("audit", "unknown subcommand '%s'", argv[first]);
	if ((code = cli_require_db("audit", db)) >= 0)
		return code;
	code = EX_OK;
	/* Verifying never changes the journal: read-only, never migrated. */
	struct journal *j = cli_open_journal(db, JOURNAL_READONLY, JOURNAL_ANY, &code);
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
