/* cmd_audit.c — `reckon audit`: journal verification, and the post-mortem
 * commands (gaps, state, timeline, export) that answer from the events alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_gaps.h"
#include "audit_print.h"
#include "cli.h"
#include "cli_opts.h"
#include "events.h"
#include "rtime.h"

static void help(void)
{
	cli_print_usage("audit");
	printf("\n"
	       "verify  checks the journal. In full (--full, and whenever the journal has\n"
	       "        no usable checkpoint) it checks the file's application_id is\n"
	       "        reckon's, runs SQLite's integrity check, recomputes the SHA-256 hash\n"
	       "        chain over every event, checks that the schema is exactly what\n"
	       "        reckon's migrations created (the append-only triggers' full\n"
	       "        definitions; no other table, index, trigger or view), that\n"
	       "        journal_meta holds exactly one well-formed journal_id (the identity\n"
	       "        client order ids derive from), and that the materialized tables\n"
	       "        equal a replay of the events into a separate temporary file, where\n"
	       "        nothing in the journal file can run, compared table by table in\n"
	       "        primary-key order (memory stays bounded). It reads one snapshot in a\n"
	       "        read transaction that never blocks writers (ingest and reconcile\n"
	       "        keep committing). Prints 'ok: N events' (the events of that\n"
	       "        snapshot) and exits 0 when sound; otherwise names the first bad\n"
	       "        event, schema object, or table, row and column, and exits 65.\n\n"
	       "        Incremental (the default once 'verify --checkpoint' has recorded a\n"
	       "        checkpoint, an audit_checkpoint event in the chain saying events\n"
	       "        1..S were verified with event S's hash H, and kept the replay as\n"
	       "        the replica FILE.audit): takes time proportional to the events\n"
	       "        after S. It checks the application_id, the schema and journal_meta\n"
	       "        as above; that event S's hash is still H and the chain from S+1 to\n"
	       "        the end (the new events weren't altered and link to the verified\n"
	       "        prefix); and that every table row the new events wrote, replayed\n"
	       "        onto the replica, equals the journal's row. It does NOT re-check\n"
	       "        events 1..S, rows no new event wrote, or SQLite's integrity check,\n"
	       "        and it trusts FILE.audit: --full checks all of that. Its output\n"
	       "        says so after the 'ok' line. Without a usable replica it runs in\n"
	       "        full and says why on stderr.\n\n"
	       "The journal is opened read-only and never migrated or written, except by\n"
	       "--checkpoint, which appends one audit_checkpoint event after a verify that\n"
	       "passed (a short write, like one ingest) and writes FILE.audit. Otherwise a\n"
	       "read-only file, directory or filesystem is fine. A journal of an older\n"
	       "schema version is refused (65) until 'reckon init --db FILE' upgrades it;\n"
	       "a missing one is 66.\n\n"
	       "Options:\n"
	       "  --db FILE     journal database\n"
	       "  --full        every check on every event and row, whatever the checkpoint\n"
	       "  --checkpoint  after a verify that passed, record it (audit_checkpoint\n"
	       "                event) and keep the replica FILE.audit for the next\n"
	       "                incremental verify\n"
	       "  -h, --help    this help\n");
}

/* What an incremental run checked, and what only --full checks. */
static void say_incremental(const char *db, const struct audit_result *res)
{
	printf("incremental: events %lld..%lld re-hashed and linked to event %lld, verified"
	       " before (audit checkpoint event %lld); the %lld table rows they wrote equal a"
	       " replay onto %s.audit; schema and journal_meta checked; head hash %s\n",
	       (long long)res->from_seq + 1, (long long)res->events, (long long)res->from_seq,
	       (long long)res->checkpoint_seq, (long long)res->rows_checked, db, res->head_hash);
	printf("not re-checked: events 1..%lld, rows no new event wrote, SQLite's integrity"
	       " check ('reckon audit verify --full' checks them)\n",
	       (long long)res->from_seq);
}

/* Every option of every audit sub-command; each checks it was given only
 * what it takes. */
struct audit_args {
	const char *db, *symbol, *order, *out, *export_file;
	bool full, checkpoint, json;
	int64_t at, from, to; /* microseconds; 0: not given */
};

/* A take callback for --at, --from, --to: an RFC 3339 time. */
static int take_time(const char *command, const char *option, const char *value, void *ctx)
{
	struct rk_err err = {0};
	if (rtime_parse(value, (int64_t *)ctx, &err) || *(int64_t *)ctx == 0)
		return cli_usage_error(command, "--%s: not an RFC 3339 time: '%s' (%s)", option,
				       value, err.msg[0] ? err.msg : "the epoch");
	return -1;
}

/* Refuses an option the sub-command does not take. */
static int only(const char *sub, const char *option, bool given)
{
	if (!given)
		return -1;
	return cli_usage_error("audit", "%s does not take --%s", sub, option);
}

static int audit_gaps_cmd(const struct audit_args *a)
{
	int code = EX_OK;
	if ((code = only("gaps", "at", a->at)) >= 0 || (code = only("gaps", "order", a->order)) >= 0 ||
	    (code = only("gaps", "out", a->out)) >= 0 || (code = only("gaps", "full", a->full)) >= 0 ||
	    (code = only("gaps", "checkpoint", a->checkpoint)) >= 0 ||
	    (code = only("gaps", "export", a->export_file)) >= 0 ||
	    (code = cli_require_db("audit", a->db)) >= 0)
		return code;
	if (a->from && a->to && a->to <= a->from)
		return cli_usage_error("audit", "--to must be after --from");
	code = EX_OK;
	struct journal *j = cli_open_journal(a->db, JOURNAL_READONLY, JOURNAL_ANY, &code);
	if (!j)
		return code;
	struct audit_gap_filter f = {a->symbol, a->from, a->to};
	struct audit_gap *g = NULL;
	size_t n = 0;
	int64_t until = a->to;
	struct rk_err err = {0};
	enum rk_rc rc = audit_gaps(j, &f, &g, &n, &err);
	if (!rc && !until)
		rc = audit_last_ts(j, &until, &err);
	journal_close(j);
	if (rc)
		code = cli_fail(&err);
	else if (!audit_print_gaps(stdout, g, n, until, a->json))
		code = cli_fail(&(struct rk_err){RK_EIO, "writing the output failed"});
	free(g);
	return code;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_args a = {0};
	const struct cli_opt opts[] = {{"db", .value = &a.db},
				       {"full", .flag = &a.full},
				       {"checkpoint", .flag = &a.checkpoint},
				       {"symbol", .value = &a.symbol},
				       {"order", .value = &a.order},
				       {"at", .take = take_time, .ctx = &a.at},
				       {"from", .take = take_time, .ctx = &a.from},
				       {"to", .take = take_time, .ctx = &a.to},
				       {"json", .flag = &a.json},
				       {"out", .value = &a.out},
				       {"export", .value = &a.export_file},
				       {NULL}};
	int first, code = cli_opts_parse("audit", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if (first >= argc)
		return cli_usage_error("audit", "missing subcommand (verify, gaps, state, timeline, export)");
	if (first + 1 < argc)
		return cli_usage_error("audit", "unexpected argument '%s'", argv[first + 1]);
	if (strcmp(argv[first], "gaps") == 0)
		return audit_gaps_cmd(&a);
	if (strcmp(argv[first], "verify") != 0)
		return cli_usage_error("audit", "unknown subcommand '%s'", argv[first]);
	if ((code = only("verify", "symbol", a.symbol)) >= 0 ||
	    (code = only("verify", "order", a.order)) >= 0 || (code = only("verify", "at", a.at)) >= 0 ||
	    (code = only("verify", "from", a.from)) >= 0 || (code = only("verify", "to", a.to)) >= 0 ||
	    (code = only("verify", "json", a.json)) >= 0 || (code = only("verify", "out", a.out)) >= 0)
		return code;
	const char *db = a.db;
	bool full = a.full, checkpoint = a.checkpoint;
	if ((code = cli_require_db("audit", db)) >= 0)
		return code;
	code = EX_OK;
	/* Verifying never changes the journal: read-only, never migrated. */
	struct journal *j = cli_open_journal(db, JOURNAL_READONLY, JOURNAL_ANY, &code);
	if (!j)
		return code;
	char replica[4200];
	snprintf(replica, sizeof replica, "%s.audit", db);
	struct audit_opts o = {full ? AUDIT_FULL : AUDIT_AUTO, replica, checkpoint};
	struct audit_result res;
	struct rk_err err = {0};
	enum rk_rc rc = audit_verify_opts(j, &o, &res, &err);
	journal_close(j);
	if (res.fallback[0])
		fprintf(stderr, "reckon: running the full verify: %s\n", res.fallback);
	if (rc)
		return cli_fail(&err);
	printf("ok: %lld events\n", (long long)res.events);
	if (res.incremental)
		say_incremental(db, &res);
	if (!checkpoint)
		return EX_OK;
	/* The record of this verify, appended as the next event: a short write. */
	struct journal *w = cli_open_journal(db, JOURNAL_WRITE, JOURNAL_ANY, &code);
	int64_t seq = 0;
	if (!w)
		return code;
	if (audit_record_checkpoint(w, &res, rk_clock_system(), &seq, &err))
		code = cli_fail(&err);
	else
		printf("checkpoint: event %lld records events 1..%lld verified (hash %s)\n",
		       (long long)seq, (long long)res.events, res.head_hash);
	journal_close(w);
	return code;
}
