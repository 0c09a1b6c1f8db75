/* cmd_audit.c — `reckon audit`: journal verification, and the post-mortem
 * commands (gaps, state, timeline, export) that answer from the events alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_gaps.h"
#include "audit_export.h"
#include "audit_state.h"
#include "audit_timeline.h"
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
	       "verify --export FILE.jsonl  checks a slice written by 'audit export' on its\n"
	       "        own, without the journal: every event's hash recomputed, each linked to\n"
	       "        the one before (the first to the header's chain start), the count and\n"
	       "        the last hash as the header says. Exit 65 names the line that fails.\n\n"
	       "gaps    every interval during which a position had no acknowledged\n"
	       "        protective stop on the exchange, from the events alone: the overall\n"
	       "        total first, then each position's, then each interval (start, end or\n"
	       "        'still open', duration, what started and what ended it). A position\n"
	       "        is dust (not counted) only once the venue's pass reported it so; open\n"
	       "        intervals count until --to or the journal's last event. README\n"
	       "        'Post-mortems' gives the rules. Read from the protection-gap\n"
	       "        projection (index seeks); --replay recomputes them from the events\n"
	       "        instead (the reference implementation: slow on a long journal).\n\n"
	       "state   positions, open orders and the stops protecting each position as the\n"
	       "        journal knew them at --at (events journaled up to then): the rows\n"
	       "        alive after the last of those events, read from the state history\n"
	       "        (index seeks); --replay replays the events up to then through the\n"
	       "        same projections instead (the reference implementation: slow on a\n"
	       "        long journal).\n\n"
	       "timeline  every event of the selection in order, one line each: time, who\n"
	       "        (bot, venue, reconciler, operator, audit), seq, what happened, indented\n"
	       "        along the chain finding -> action -> request -> answer -> orders, and\n"
	       "        the event it follows from '(<- #SEQ)'. A window alone (--from/--to,\n"
	       "        no --symbol or --order) reads the window's events by their ts, and\n"
	       "        what they cite before it by seq: the same lines as the whole timeline.\n\n"
	       "export  the events journaled in [--from, --to) with their hashes, and the\n"
	       "        hash they chain from, as JSON lines to --out (written whole or not\n"
	       "        at all).\n\n"
	       "The journal is opened read-only and never migrated or written, except by\n"
	       "--checkpoint, which appends one audit_checkpoint event after a verify that\n"
	       "passed (a short write, like one ingest) and writes FILE.audit. Otherwise a\n"
	       "read-only file, directory or filesystem is fine. A journal of an older\n"
	       "schema version is refused (65) until 'reckon init --db FILE' upgrades it;\n"
	       "a missing one is 66. Times are RFC 3339 (2025-11-23T03:03:45Z or with an\n"
	       "offset).\n\n"
	       "Options:\n"
	       "  --db FILE     journal database\n"
	       "  --full        (verify) every check on every event and row, whatever the\n"
	       "                checkpoint\n"
	       "  --checkpoint  (verify) after a verify that passed, record it\n"
	       "                (audit_checkpoint event) and keep the replica FILE.audit for\n"
	       "                the next incremental verify\n"
	       "  --export FILE (verify) check an exported slice instead of a journal\n"
	       "  --symbol S    (gaps, state, timeline) one symbol\n"
	       "  --order ID    (timeline) one order: its reports, fills, findings, actions\n"
	       "  --at T        (state) the moment\n"
	       "  --from T, --to T  (gaps, timeline: event ts; export: when journaled) the\n"
	       "                window [from, to)\n"
	       "  --out FILE    (export) where the slice goes\n"
	       "  --json        (gaps, state, timeline) one JSON document instead of text\n"
	       "  --replay      (gaps, state) replay the events instead of reading the\n"
	       "                projection / the state history\n"
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
	bool full, checkpoint, json, replay;
	int64_t at, from, to; /* microseconds; 0: not given */
};

/* Refuses the options of the other sub-commands. */
static int only_takes(const char *sub, const struct audit_args *a, const char *takes)
{
	const struct {
		const char *name;
		bool given;
	} all[] = {{"db", a->db != NULL},        {"symbol", a->symbol != NULL},
		   {"order", a->order != NULL},  {"out", a->out != NULL},
		   {"export", a->export_file != NULL}, {"full", a->full},
		   {"checkpoint", a->checkpoint}, {"json", a->json},
		   {"at", a->at != 0},           {"from", a->from != 0},
		   {"to", a->to != 0},           {"replay", a->replay}};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		char word[24];
		snprintf(word, sizeof word, " %s ", all[i].name);
		if (all[i].given && !strstr(takes, word))
			return cli_usage_error("audit", "%s does not take --%s", sub, all[i].name);
	}
	return -1;
}

/* A take callback for --at, --from, --to: an RFC 3339 time. */
static int take_time(const char *command, const char *option, const char *value, void *ctx)
{
	struct rk_err err = {0};
	if (rtime_parse(value, (int64_t *)ctx, &err) || *(int64_t *)ctx == 0)
		return cli_usage_error(command, "--%s: not an RFC 3339 time: '%s' (%s)", option,
				       value, err.msg[0] ? err.msg : "the epoch");
	return -1;
}

/* The preamble of the commands that read a journal (gaps, state, timeline,
 * export): only the options in `takes`, a --db, what `needs` says is
 * missing (NULL: nothing), --to after --from; then the journal, opened
 * read-only and never migrated. NULL: *code (OUT) is the exit code. */
static struct journal *open_for(const char *sub, const struct audit_args *a, const char *takes,
				const char *needs, int *code)
{
	if ((*code = only_takes(sub, a, takes)) >= 0 || (*code = cli_require_db("audit", a->db)) >= 0)
		return NULL;
	if (needs) {
		*code = cli_usage_error("audit", "%s", needs);
		return NULL;
	}
	if (a->from && a->to && a->to <= a->from) {
		*code = cli_usage_error("audit", "--to must be after --from");
		return NULL;
	}
	*code = EX_OK;
	return cli_open_journal(a->db, JOURNAL_READONLY, JOURNAL_ANY, code);
}

static int audit_gaps_cmd(const struct audit_args *a)
{
	int code;
	struct journal *j = open_for("gaps", a, " db symbol from to json replay ", NULL, &code);
	if (!j)
		return code;
	struct audit_gap_filter f = {a->symbol, a->from, a->to};
	struct audit_gap *g = NULL;
	size_t n = 0;
	int64_t until = a->to;
	struct rk_err err = {0};
	enum rk_rc rc = (a->replay ? audit_gaps_replay : audit_gaps)(j, &f, &g, &n, &err);
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

/* The scratch journal at --at, shown through the protection and open_orders
 * queries. */
static int audit_state_cmd(const struct audit_args *a)
{
	int code;
	struct journal *j = open_for("state", a, " db symbol at json replay ",
				     a->at ? NULL : "state needs --at TIME", &code),
		       *s = NULL;
	if (!j)
		return code;
	struct audit_state_info info;
	struct rk_err err = {0};
	char at[RTIME_STR_MAX];
	enum render_format fmt = a->json ? RENDER_JSON : RENDER_TABLE;
	enum rk_rc rc =
		(a->replay ? audit_state_replay : audit_state_at)(j, a->at, a->symbol, &s, &info, &err);
	journal_close(j);
	if (rc)
		return cli_fail(&err);
	rtime_format(a->at, at);
	if (a->json)
		printf("{\"at\":\"%s\",\"events\":%lld,\"last_seq\":%lld,\"positions\":", at,
		       (long long)info.events, (long long)info.last_seq);
	else
		printf("state at %s: %lld events replayed (the journal up to event %lld%s)\n\n"
		       "positions and the stops protecting them:\n",
		       at, (long long)info.events, (long long)info.last_seq,
		       info.next_seq ? ", the next one journaled after that moment" : ", its end");
	rc = audit_print_query(s, "protection", a->symbol, fmt, stdout, NULL, &err);
	if (!rc)
		printf(a->json ? ",\"open_orders\":" : "\nopen orders:\n");
	if (!rc)
		rc = audit_print_query(s, "open_orders", a->symbol, fmt, stdout, NULL, &err);
	if (!rc && a->json)
		printf("}\n");
	journal_close(s);
	return rc ? cli_fail(&err) : EX_OK;
}

static int audit_timeline_cmd(const struct audit_args *a)
{
	int code;
	struct journal *j =
		open_for("timeline", a, " db symbol order from to json ", NULL, &code);
	if (!j)
		return code;
	struct audit_tl_filter f = {a->symbol, a->order, a->from, a->to};
	struct audit_tl_printer p = {stdout, a->json, 0};
	struct rk_err err = {0};
	enum rk_rc rc = audit_timeline(j, &f, audit_print_timeline_entry, &p, &err);
	journal_close(j);
	if (!rc)
		rc = audit_print_timeline_end(&p, &err);
	return rc ? cli_fail(&err) : EX_OK;
}

/* The slice goes to OUT.tmp, renamed to OUT once complete: a failed export
 * leaves no partial file behind. */
static int audit_export_cmd(const struct audit_args *a)
{
	int code;
	struct journal *j = open_for("export", a, " db from to out ",
				     a->from && a->to && a->out
					     ? NULL
					     : "export needs --from TIME --to TIME --out FILE",
				     &code);
	if (!j)
		return code;
	char tmp[4200];
	struct audit_export_result res;
	struct rk_err err = {0};
	snprintf(tmp, sizeof tmp, "%s.tmp", a->out);
	FILE *out = fopen(tmp, "w");
	enum rk_rc rc = out ? audit_export(j, a->from, a->to, out, &res, &err)
			    : rk_err_set(&err, errno == EACCES || errno == EROFS ? RK_EPERM : RK_EIO,
					 "cannot create %s: %s", tmp, strerror(errno));
	journal_close(j);
	if (out && fclose(out) != 0 && !rc)
		rc = rk_err_set(&err, RK_EIO, "writing %s failed", tmp);
	if (!rc && rename(tmp, a->out) != 0)
		rc = rk_err_set(&err, RK_EIO, "cannot move the export into %s: %s", a->out,
				strerror(errno));
	if (rc) {
		if (out)
			remove(tmp);
		return cli_fail(&err);
	}
	printf("exported events %lld..%lld (%lld events) to %s; they chain from %s, the last"
	       " hash is %s\n",
	       (long long)res.first_seq, (long long)res.last_seq, (long long)res.events, a->out,
	       res.chain_from, res.head_hash);
	return EX_OK;
}

static int audit_verify_export_cmd(const struct audit_args *a)
{
	if (a->db || a->full || a->checkpoint)
		return cli_usage_error("audit", "verify --export takes no journal: it checks the file"
						" alone");
	struct audit_export_result res;
	struct rk_err err = {0};
	FILE *in = fopen(a->export_file, "r");
	if (!in) {
		rk_err_set(&err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot open %s: %s",
			   a->export_file, strerror(errno));
		return cli_fail(&err);
	}
	enum rk_rc rc = audit_export_verify(in, &res, &err);
	fclose(in);
	if (rc) {
		rk_err_prefix(&err, "%s", a->export_file);
		return cli_fail(&err);
	}
	printf("ok: events %lld..%lld (%lld events) are intact and chain from %s; the last hash is"
	       " %s\n",
	       (long long)res.first_seq, (long long)res.last_seq, (long long)res.events,
	       res.chain_from, res.head_hash);
	return EX_OK;
}

/* The journal's integrity: full or incremental (audit.h), and --checkpoint. */
static int audit_verify_cmd(const struct audit_args *a)
{
	const char *db = a->db;
	bool full = a->full, checkpoint = a->checkpoint;
	int code;
	if ((code = only_takes("verify", a, " db full checkpoint export ")) >= 0)
		return code;
	if (a->export_file)
		return audit_verify_export_cmd(a);
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
				       {"replay", .flag = &a.replay},
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
	if (strcmp(argv[first], "state") == 0)
		return audit_state_cmd(&a);
	if (strcmp(argv[first], "timeline") == 0)
		return audit_timeline_cmd(&a);
	if (strcmp(argv[first], "export") == 0)
		return audit_export_cmd(&a);
	if (strcmp(argv[first], "verify") != 0)
		return cli_usage_error("audit", "unknown subcommand '%s'", argv[first]);
	return audit_verify_cmd(&a);
}
