/* test_ingest.c — the ingest contract: every bad line is refused with its line
 * number and field, good lines are committed exactly, re-ingesting changes
 * nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "events.h"
#include "testutil.h"

#define FILL_HEAD "{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f1\",\"order_id\":\"o1\",\"side\":\"buy\""

struct fixture {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->j = tu_open_temp_journal(f->path, sizeof f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	journal_close(f->j);
	tu_remove_db(f->path);
	free(f);
	return 0;
}

/* Ingests one line that must be rejected with a reason containing `want`,
 * and checks that nothing was journaled. */
static void expect_rejected(struct journal *j, const char *line, const char *want)
{
	char reason[512];
	long long before = tu_query_int(j, "SELECT count(*) FROM events");
	assert_int_equal(tu_ingest(j, line, reason, sizeof reason), INGEST_REJECTED);
	if (!strstr(reason, want))
		fail_msg("reason '%s' does not mention '%s'", reason, want);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), before);
}

static void test_malformed_json_is_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, "{\"type\":\"fill\",", "malformed JSON");
	expect_rejected(f->j, "not json at all", "malformed JSON");
	expect_rejected(f->j, "[1,2,3]", "not an object");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\"} trailing", "trailing");
}

static void test_invalid_utf8_is_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, "{\"type\":\"fill\",\"symbol\":\"UNI\xC3\x28\"}", "UTF-8");
	expect_rejected(f->j, "{\"type\":\"fill\",\"symbol\":\"\xED\xA0\x80\"}", "UTF-8"); /* surrogate */
	expect_rejected(f->j, "{\"type\":\"fill\",\"symbol\":\"\xC0\xAF\"}", "UTF-8");     /* overlong */
}

static void test_nan_and_infinity_are_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"qty\":NaN,\"price\":\"2\"}", "malformed JSON");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"NaN\",\"price\":\"2\"}", "field 'qty'");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"Infinity\"}", "field 'price'");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":1e999}", "field 'price'");
}

static void test_negative_and_zero_quantities_are_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"-1\",\"price\":\"2\"}", "field 'qty': must not be negative");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":0,\"price\":\"2\"}", "field 'qty': must be greater than zero");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"0\"}", "field 'price': must be greater than zero");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\",\"fee\":\"-0.1\",\"fee_currency\":\"USD\"}",
			"field 'fee': must not be negative");
}

static void test_absurd_numbers_are_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1000000000000001\",\"price\":\"2\"}", "field 'qty': absurdly large");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"1e30\"}", "field 'price'");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"0.0000000000000000001\",\"price\":\"2\"}",
			"field 'qty': more than 18");
}

static void test_json_number_with_too_many_digits_asks_for_a_string(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"qty\":0.12345678901234567,\"price\":\"2\"}",
			"field 'qty': JSON number has more than 15 significant digits");
}

static void test_json_numbers_are_read_exactly(void **state)
{
	struct fixture *f = *state;
	char v[64];
	assert_int_equal(tu_ingest(f->j, FILL_HEAD ",\"qty\":0.1,\"price\":1e-8,\"fee\":12345.6789012345,\"fee_currency\":\"USD\"}", NULL, 0),
			 INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT qty || ' ' || price || ' ' || fee FROM fills", v, sizeof v);
	assert_string_equal(v, "0.1 0.00000001 12345.6789012345");
}

static void test_unknown_type_is_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, "{\"type\":\"teleport\",\"ts\":\"2025-11-22T10:00:01Z\"}",
			"field 'type': unknown event type 'teleport'");
	expect_rejected(f->j, "{\"ts\":\"2025-11-22T10:00:01Z\"}", "field 'type': missing");
}

static void test_missing_and_mistyped_fields_are_named(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"price\":\"2\"}", "field 'qty': missing");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":true,\"price\":\"2\"}", "field 'qty': must be a decimal");
	expect_rejected(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":7,\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"2\"}",
		"field 'fill_id': must be a string");
	expect_rejected(f->j,
		"{\"type\":\"fill\",\"ts\":\"yesterday\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"x\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"2\"}",
		"field 'ts'");
	expect_rejected(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"kraken\",\"symbol\":\"UNI-USD\",\"fill_id\":\"x\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"2\"}",
		"field 'venue': 'kraken' is not one of");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"qty\":\"2\",\"price\":\"2\"}", "field 'qty': appears twice");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\",\"fee\":\"0.1\"}", "field 'fee_currency': missing");
}

/* A fill line at timestamp `ts` (fill id from the timestamp's length). */
static void fill_at(char *buf, size_t cap, const char *id, const char *ts)
{
	snprintf(buf, cap,
		 "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		 "\"fill_id\":\"%s\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"2\"}",
		 ts, id);
}

static void test_timestamp_it_cannot_keep_exactly_is_rejected(void **state)
{
	struct fixture *f = *state;
	char line[512], ts[64];
	fill_at(line, sizeof line, "t1", "2025-11-22T17:44:09.1234567Z");
	expect_rejected(f->j, line, "field 'ts': timestamp has more than 6 fractional digits");
	fill_at(line, sizeof line, "t2", "2025-11-22T17:44:60Z");
	expect_rejected(f->j, line, "field 'ts': timestamp has second 60 (a leap second)");
	fill_at(line, sizeof line, "t3", "2025-11-22T23:59:60.5+00:00");
	expect_rejected(f->j, line, "field 'ts'");
	/* Zeros beyond the microsecond change nothing: accepted, kept exactly. */
	fill_at(line, sizeof line, "t4", "2025-11-22T17:44:09.123456000Z");
	assert_int_equal(tu_ingest(f->j, line, NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT ts FROM fills WHERE fill_id = 't4'", ts, sizeof ts);
	assert_string_equal(ts, "2025-11-22T17:44:09.123456Z");
}

/* The materialized tables (tu_dump_tables without `events`): what a stale
 * report must leave as it was, though its event is journaled. */
/* Removes table `name`'s section ("name:" and its rows) from a dump. */
static void drop_section(char *all, const char *name)
{
	char head[64];
	snprintf(head, sizeof head, "%s:\n", name);
	char *ev = strstr(all, head);
	assert_non_null(ev);
	/* The section ends where the next "name:" line begins. */
	char *end = ev + strlen(head);
	while (*end) {
		char *nl = strchr(end, '\n');
		size_t n = nl ? (size_t)(nl - end) : strlen(end);
		if (n > 0 && end[n - 1] == ':' && !memchr(end, '|', n))
			break;
		end = nl ? nl + 1 : end + n;
	}
	memmove(ev, end, strlen(end) + 1);
}

/* Every table but the event store's (events and its dedup keys). */
static char *dump_state(struct journal *j)
{
	char *all = tu_dump_tables(j);
	drop_section(all, "events");
	drop_section(all, "event_dedup");
	return all;
}

static void test_report_taking_a_finished_order_back_is_stale(void **state)
{
	struct fixture *f = *state;
	char reason[512];
	const char *cancelled =
		"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o9\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"cancelled\",\"qty\":\"1\",\"price\":\"9\"}";
	const char *reopened =
		"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:05Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o9\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"open\",\"qty\":\"1\",\"price\":\"9\"}";
	assert_int_equal(tu_ingest(f->j, cancelled, NULL, 0), INGEST_ACCEPTED);
	char *before = dump_state(f->j);
	/* Delivered late: journaled, counted stale, and the order stays cancelled. */
	assert_int_equal(tu_ingest(f->j, reopened, reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "stale, changes nothing: order o9 is already cancelled; the report says open"));
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 2);
	assert_int_equal(tu_ingest(f->j, reopened, NULL, 0), INGEST_DUPLICATE);
	char *after = dump_state(f->j);
	assert_string_equal(before, after);
	char st[64];
	tu_query_text(f->j, "SELECT status FROM orders WHERE order_id = 'o9'", st, sizeof st);
	assert_string_equal(st, "cancelled");
	struct rk_err err = {0};
	assert_int_equal(events_verify(f->j, &err), RK_OK);
	free(before);
	free(after);
}

static void test_fill_without_order_creates_the_order(void **state)
{
	struct fixture *f = *state;
	char row[256];
	assert_int_equal(tu_ingest(f->j, FILL_HEAD ",\"qty\":\"4.158\",\"price\":\"7.5\"}", NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT side || ' ' || status || ' ' || qty || ' ' || filled_qty || ' ' || from_fill"
			    " FROM orders WHERE order_id = 'o1'", row, sizeof row);
	assert_string_equal(row, "buy filled 4.158 4.158 1");
	tu_query_text(f->j, "SELECT qty || ' ' || avg_entry FROM positions WHERE symbol = 'UNI-USD'", row, sizeof row);
	assert_string_equal(row, "4.158 7.5");
}

static void test_fills_update_order_and_position(void **state)
{
	struct fixture *f = *state;
	char row[256];
	assert_int_equal(tu_ingest(f->j,
		"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\",\"qty\":\"3\",\"price\":\"10\"}",
		NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"10\"}", NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "partially_filled 1");
	assert_int_equal(tu_ingest(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:02Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f2\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"2\",\"price\":\"7\"}", NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 3");
	/* (1*10 + 2*7) / 3 = 8 exactly. */
	tu_query_text(f->j, "SELECT qty || ' ' || avg_entry FROM positions", row, sizeof row);
	assert_string_equal(row, "3 8");
	/* A third fill would overfill the order: refused. */
	expect_rejected(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:03Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f3\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"7\"}", "would be filled 4 of qty 3");
}

/* Feeds text through ingest_stream; returns the diagnostics written. */
static char *run_stream(struct journal *j, const char *text, size_t len, struct ingest_stats *stats)
{
	FILE *in = fmemopen((void *)text, len, "rb");
	char *diag = NULL;
	size_t dlen = 0;
	FILE *d = open_memstream(&diag, &dlen);
	struct rk_err err = {0};
	assert_int_equal(ingest_stream(j, in, d, "test", stats, &err), RK_OK);
	fclose(in);
	fclose(d);
	return diag;
}

static void test_ten_megabyte_line_is_rejected_and_the_rest_ingested(void **state)
{
	struct fixture *f = *state;
	size_t big = 10 * 1024 * 1024;
	const char *good = FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\"}\n";
	size_t glen = strlen(good);
	char *text = malloc(big + 2 + glen);
	memset(text, 'x', big);
	text[0] = '{';
	text[big] = '\n';
	memcpy(text + big + 1, good, glen + 1);
	struct ingest_stats st;
	char *diag = run_stream(f->j, text, big + 1 + glen, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.rejected, 1);
	assert_non_null(strstr(diag, "line 1: line longer than"));
	free(diag);
	free(text);
}

static void test_mixed_stream_commits_good_lines_and_second_run_is_duplicates(void **state)
{
	struct fixture *f = *state;
	const char *text =
		FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\"}\n"
		"\n"
		"{oops\n"
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:02Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f2\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"-3\",\"price\":\"2\"}\r\n"
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:03Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f3\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"3\",\"price\":\"2\"}"; /* no final newline */
	struct ingest_stats st;
	char *diag = run_stream(f->j, text, strlen(text), &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.rejected, 2);
	assert_non_null(strstr(diag, "line 3: malformed JSON"));
	assert_non_null(strstr(diag, "line 4: field 'qty': must not be negative"));
	free(diag);
	char *before = tu_dump_tables(f->j);
	diag = run_stream(f->j, text, strlen(text), &st);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.rejected, 2);
	char *after = tu_dump_tables(f->j);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(diag);
}

/* ---- point 10: a \u0000 escape is refused like a raw NUL ----------------- */

#define FILL_ID(id) "{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"" id "\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"2\"}"

static void test_nul_escape_in_a_string_is_rejected_with_its_field(void **state)
{
	struct fixture *f = *state;
	/* Both would read as fill "F": the second would pass as a duplicate. */
	expect_rejected(f->j, FILL_ID("F\\u0000a"), "field 'fill_id': contains \\u0000");
	expect_rejected(f->j, FILL_ID("F\\u0000b"), "field 'fill_id': contains \\u0000");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\\u00005\",\"price\":\"2\"}", "field 'qty': contains \\u0000");
	/* In a member name it would turn "qty\u0000x" into a second "qty". */
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"qty\\u0000x\":\"9\",\"price\":\"2\"}",
			"field name 'qty\\u0000...' contains \\u0000");
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM fills"), 0);
	/* An escaped backslash before "u0000" is plain text, not a NUL. */
	assert_int_equal(tu_ingest(f->j, FILL_ID("F\\\\u0000a"), NULL, 0), INGEST_ACCEPTED);
	char id[32];
	tu_query_text(f->j, "SELECT fill_id FROM fills", id, sizeof id);
	assert_string_equal(id, "F\\u0000a");
}

/* ---- point 16: only what the contract allows ----------------------------- */

static void test_amounts_not_written_as_json_writes_numbers_are_rejected(void **state)
{
	struct fixture *f = *state;
	static const char *const BAD_STRINGS[] = {"+1", ".5", "1.", "01", "00.5", "1.e5", "-.5",
						  "1e", "1e+", " 1", "1 ", "1 000", "0x10", "1,5"};
	for (size_t i = 0; i < sizeof BAD_STRINGS / sizeof BAD_STRINGS[0]; i++) {
		char line[512];
		snprintf(line, sizeof line, FILL_HEAD ",\"qty\":\"%s\",\"price\":\"2\"}", BAD_STRINGS[i]);
		expect_rejected(f->j, line, "field 'qty'");
	}
	static const char *const BAD_NUMBERS[] = {"01", "-01", "00.5", "1.", "1.e5", "-.5"};
	for (size_t i = 0; i < sizeof BAD_NUMBERS / sizeof BAD_NUMBERS[0]; i++) {
		char line[512];
		snprintf(line, sizeof line, FILL_HEAD ",\"qty\":\"1\",\"price\":%s}", BAD_NUMBERS[i]);
		expect_rejected(f->j, line, "field 'price': malformed JSON number");
	}
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":2e}", "malformed JSON");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":+2}", "malformed JSON");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":.5}", "malformed JSON");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":0x10}", "malformed JSON");
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 0);
}

static void test_amounts_written_as_json_writes_numbers_are_accepted(void **state)
{
	struct fixture *f = *state;
	char v[128];
	assert_int_equal(tu_ingest(f->j, FILL_HEAD ",\"qty\":\"0.0500\",\"price\":\"1E+2\",\"fee\":\"-0\",\"fee_currency\":\"USD\"}", NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:02Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\",\"fill_id\":\"f2\","
		"\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":0.5,\"price\":25e-1,\"fee\":0}", NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT group_concat(qty || '@' || price || '/' || fee, ' ') FROM (SELECT * FROM fills ORDER BY seq)",
		      v, sizeof v);
	assert_string_equal(v, "0.05@100/0 0.5@2.5/0");
}

static void test_inferred_flag_from_a_bot_is_rejected(void **state)
{
	struct fixture *f = *state;
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\",\"inferred\":true}", "field 'inferred'");
	expect_rejected(f->j, FILL_HEAD ",\"qty\":\"1\",\"price\":\"2\",\"inferred\":false}", "field 'inferred'");
}

static void test_inferred_fill_from_the_reconciler_is_journaled_and_replays(void **state)
{
	struct fixture *f = *state;
	struct fill_rec fill;
	struct rk_err err = {0};
	enum events_result res;
	memset(&fill, 0, sizeof fill);
	snprintf(fill.ts, sizeof fill.ts, "2025-11-22T10:00:01.000000Z");
	fill.venue = VENUE_COINBASE;
	snprintf(fill.account, sizeof fill.account, "default");
	snprintf(fill.symbol, sizeof fill.symbol, "UNI-USD");
	snprintf(fill.fill_id, sizeof fill.fill_id, "inferred-1");
	snprintf(fill.order_id, sizeof fill.order_id, "o1");
	fill.side = SIDE_BUY;
	fill.qty = tu_dec("4");
	fill.price = tu_dec("20");
	fill.inferred = true;
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_append_fill(f->j, &fill, "reconcile", &res, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(res, EVENTS_APPENDED);
	assert_int_equal(tu_query_int(f->j, "SELECT inferred FROM fills WHERE fill_id = 'inferred-1'"), 1);
	assert_int_equal(events_verify(f->j, &err), RK_OK);
}

/* ---- point 11: the summary counts only committed lines ------------------- */

/* n distinct fill lines f1..fn of one order, newline-terminated. Caller frees. */
static char *fill_lines(long n, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);
	for (long i = 1; i <= n; i++)
		fprintf(m, "{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\","
			   "\"symbol\":\"UNI-USD\",\"fill_id\":\"f%ld\",\"order_id\":\"o%ld\",\"side\":\"buy\","
			   "\"qty\":\"1\",\"price\":\"2\"}\n", i, i);
	fclose(m);
	return text;
}

/* The commit tests run with batches of TEST_BATCH lines (ingest_stream_batch),
 * not INGEST_BATCH's, to stay quick under valgrind. */
#define TEST_BATCH 512

static enum rk_rc stream_rc(struct journal *j, const char *text, size_t len,
			    struct ingest_stats *stats, struct rk_err *err)
{
	FILE *in = fmemopen((void *)text, len, "rb");
	FILE *diag = fopen("/dev/null", "w");
	enum rk_rc rc = ingest_stream_batch(j, in, diag, "test", TEST_BATCH, stats, err);
	fclose(in);
	fclose(diag);
	return rc;
}

/* ---- lines refused after they wrote, without a savepoint per line ------- */

#define O1_LINE(status, filled) \
	"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\"," \
	"\"symbol\":\"UNI-USD\",\"order_id\":\"o1\",\"side\":\"buy\",\"order_type\":\"limit\"," \
	"\"qty\":\"10\",\"price\":\"2\",\"status\":\"" status "\",\"filled_qty\":\"" filled "\"}\n"
#define O1_FILL(id, side, qty) \
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\"," \
	"\"symbol\":\"UNI-USD\",\"fill_id\":\"" id "\",\"order_id\":\"o1\",\"side\":\"" side "\"," \
	"\"qty\":\"" qty "\",\"price\":\"2\"}\n"

/* A line the projection refuses is refused after its event was written:
 * ingest_stream journals lines without a savepoint each, so it rolls the
 * transaction back and journals the lines before it again. Nothing already
 * accepted is lost, nothing is counted or reported twice, the chain has no
 * gap, and the tables equal a replay; a second such line in the same
 * transaction (then under savepoints) is refused the same way. */
static void test_line_refused_after_writing_loses_nothing_before_or_after_it(void **state)
{
	struct fixture *f = *state;
	static const char text[] =
		O1_LINE("partially_filled", "4") /* 1 accepted */
		O1_FILL("f1", "buy", "4")        /* 2 accepted */
		O1_LINE("open", "0")             /* 3 stale: behind the fill */
		O1_FILL("f2", "sell", "1")       /* 4 refused by the projection */
		O1_FILL("f1", "buy", "4")        /* 5 duplicate of line 2 */
		O1_FILL("f3", "buy", "2")        /* 6 accepted */
		O1_FILL("f4", "sell", "1")       /* 7 refused again */
		O1_FILL("f5", "buy", "1");       /* 8 accepted */
	char *diag_text = NULL;
	size_t diag_len = 0;
	struct ingest_stats st;
	struct rk_err err = {0};
	FILE *in = fmemopen((void *)text, sizeof text - 1, "rb");
	FILE *diag = open_memstream(&diag_text, &diag_len);
	assert_int_equal(ingest_stream(f->j, in, diag, "test", &st, &err), RK_OK);
	fclose(in);
	fclose(diag);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.rejected, 2);
	/* Each refused and each stale line is reported once, with its number. */
	const char *l4 = strstr(diag_text, "line 4: "), *l7 = strstr(diag_text, "line 7: ");
	const char *l3 = strstr(diag_text, "line 3: stale");
	assert_non_null(l3);
	assert_null(strstr(l3 + 1, "line 3:"));
	assert_non_null(l4);
	assert_null(strstr(l4 + 1, "line 4:"));
	assert_non_null(l7);
	assert_non_null(strstr(l4, "side"));
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 5);
	assert_int_equal(tu_query_int(f->j, "SELECT max(seq) FROM events"), 5);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events e JOIN events p"
					    " ON p.seq = e.seq - 1 WHERE e.prev_hash = p.hash"), 4);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM event_dedup"), 5);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM fills"), 3);
	char v[64];
	tu_query_text(f->j, "SELECT fills_qty || ' ' || status FROM orders WHERE order_id = 'o1'", v,
		      sizeof v);
	assert_string_equal(v, "7 partially_filled");
	assert_int_equal(events_verify(f->j, &err), RK_OK);
	/* The same text again: every line journaled is a duplicate now. */
	FILE *again = fmemopen((void *)text, sizeof text - 1, "rb");
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(ingest_stream(f->j, again, null, "test", &st, &err), RK_OK);
	fclose(again);
	fclose(null);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.duplicates, 6);
	assert_int_equal(st.rejected, 2);
	free(diag_text);
}

static int fail_second_commit(void *arg)
{
	int *commits = arg;
	return ++*commits == 2; /* non-zero turns this COMMIT into a ROLLBACK */
}

static void test_failed_commit_counts_only_committed_lines_and_names_the_first_lost(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *text = fill_lines(TEST_BATCH + 88, &len);
	int commits = 0;
	struct ingest_stats st;
	struct rk_err err = {0};
	sqlite3_commit_hook(journal_db(f->j), fail_second_commit, &commits);
	assert_int_not_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	sqlite3_commit_hook(journal_db(f->j), NULL, NULL);
	assert_int_equal(st.accepted, TEST_BATCH);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), TEST_BATCH);
	char first_lost[32];
	snprintf(first_lost, sizeof first_lost, "line %d", TEST_BATCH + 1);
	if (!strstr(err.msg, first_lost))
		fail_msg("error '%s' does not name %s", err.msg, first_lost);
	/* The first batch stays; a second run brings the rest. */
	assert_int_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	assert_int_equal(st.accepted, 88);
	assert_int_equal(st.duplicates, TEST_BATCH);
	free(text);
}

static void test_disk_full_counts_only_committed_lines_and_names_the_first_lost(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *text = fill_lines(4 * TEST_BATCH, &len);
	struct ingest_stats st;
	struct rk_err err = {0};
	/* Room for about one and a half batches. */
	long long p0 = tu_query_int(f->j, "PRAGMA page_count");
	char *one = fill_lines(TEST_BATCH, &(size_t){0});
	assert_int_equal(stream_rc(f->j, one, strlen(one), &st, &err), RK_OK);
	long long p1 = tu_query_int(f->j, "PRAGMA page_count");
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %lld", p1 + (p1 - p0) * 3 / 2);
	assert_int_equal(sqlite3_exec(journal_db(f->j), pragma, NULL, NULL, NULL), SQLITE_OK);
	long long events0 = tu_query_int(f->j, "SELECT count(*) FROM events");
	assert_int_not_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	assert_int_equal(st.duplicates, TEST_BATCH);
	assert_true(st.accepted < 3 * TEST_BATCH);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), events0 + st.accepted);
	char want[32];
	snprintf(want, sizeof want, "line %ld", st.duplicates + st.accepted + 1);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not name %s", err.msg, want);
	free(one);
	free(text);
}

/* ---- point 12: the journal holds no contradiction ------------------------ */

#define ORDER_AT(sec, rest)                                                                        \
	"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:" sec "Z\",\"venue\":\"coinbase\",\"symbol\":" \
	"\"UNI-USD\",\"order_id\":\"o9\"," rest "}"
#define FILL_OF(id, sec, rest)                                                                     \
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:" sec "Z\",\"venue\":\"coinbase\",\"symbol\":" \
	"\"UNI-USD\",\"fill_id\":\"" id "\",\"order_id\":\"o9\"," rest "}"
#define STOP_CANCELLED(sec, rest)                                                                  \
	ORDER_AT(sec, "\"client_order_id\":\"bot-9\",\"order_type\":\"stop_limit\",\"status\":"     \
		      "\"cancelled\",\"purpose\":\"stop_loss\"," rest)

static void test_terminal_order_identity_never_changes(void **state)
{
	struct fixture *f = *state;
	char reason[512];
	assert_int_equal(tu_ingest(f->j, STOP_CANCELLED("00", "\"side\":\"sell\",\"reduce_only\":true,"
		"\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), NULL, 0), INGEST_ACCEPTED);
	char *before = tu_dump_tables(f->j);
	static const struct {
		const char *line, *field;
	} CHANGES[] = {
		{STOP_CANCELLED("05", "\"side\":\"buy\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), "side"},
		{ORDER_AT("05", "\"client_order_id\":\"bot-9\",\"order_type\":\"stop_market\",\"status\":\"cancelled\",\"purpose\":\"stop_loss\","
			  "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), "order_type"},
		{ORDER_AT("05", "\"client_order_id\":\"bot-9\",\"order_type\":\"stop_limit\",\"status\":\"cancelled\",\"purpose\":\"exit\","
			  "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), "purpose"},
		{STOP_CANCELLED("05", "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"999\",\"price\":\"9\",\"stop_price\":\"9.5\""), "qty"},
		{STOP_CANCELLED("05", "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"8\",\"stop_price\":\"9.5\""), "price"},
		{STOP_CANCELLED("05", "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"stop_price\":\"9.5\""), "price"},
		{STOP_CANCELLED("05", "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.4\""), "stop_price"},
		{STOP_CANCELLED("05", "\"side\":\"sell\",\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), "reduce_only"},
		{ORDER_AT("05", "\"client_order_id\":\"bot-10\",\"order_type\":\"stop_limit\",\"status\":\"cancelled\",\"purpose\":\"stop_loss\","
			  "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\""), "client_order_id"},
		{"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:05Z\",\"venue\":\"coinbase\",\"symbol\":\"ATOM-USD\",\"order_id\":\"o9\","
		 "\"client_order_id\":\"bot-9\",\"order_type\":\"stop_limit\",\"status\":\"cancelled\",\"purpose\":\"stop_loss\","
		 "\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\"}", "symbol"},
	};
	for (size_t i = 0; i < sizeof CHANGES / sizeof CHANGES[0]; i++) {
		char want[64];
		snprintf(want, sizeof want, "field '%s'", CHANGES[i].field);
		expect_rejected(f->j, CHANGES[i].line, want);
	}
	char *after = tu_dump_tables(f->j);
	assert_string_equal(before, after);
	/* A later report that agrees is accepted and changes no identity field;
	 * the same line again is a duplicate. */
	const char *agrees = ORDER_AT("07", "\"order_type\":\"stop_limit\",\"status\":\"cancelled\","
		"\"side\":\"sell\",\"reduce_only\":true,\"qty\":\"10\",\"price\":\"9\",\"stop_price\":\"9.5\"");
	assert_int_equal(tu_ingest(f->j, agrees, reason, sizeof reason), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, agrees, reason, sizeof reason), INGEST_DUPLICATE);
	char row[256];
	tu_query_text(f->j, "SELECT client_order_id || ' ' || side || ' ' || order_type || ' ' || purpose || ' ' ||"
			    " reduce_only || ' ' || qty || ' ' || price || ' ' || stop_price || ' ' || status FROM orders",
		      row, sizeof row);
	assert_string_equal(row, "bot-9 sell stop_limit stop_loss 1 10 9 9.5 cancelled");
	free(before);
	free(after);
}

static void test_fill_side_contradicting_its_order_is_rejected(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9\""), NULL, 0), INGEST_ACCEPTED);
	expect_rejected(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"10\",\"price\":\"9\""), "field 'side'");
	/* An order known only from its fills keeps the fills' side too. */
	assert_int_equal(tu_ingest(f->j, "{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\","
		"\"symbol\":\"UNI-USD\",\"fill_id\":\"f7\",\"order_id\":\"o7\",\"side\":\"buy\",\"qty\":\"2\",\"price\":\"9\"}",
		NULL, 0), INGEST_ACCEPTED);
	expect_rejected(f->j, "{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:02Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o7\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"open\",\"qty\":\"5\",\"price\":\"9\"}",
		"field 'side'");
	char row[128];
	tu_query_text(f->j, "SELECT side || ' ' || status || ' ' || filled_qty FROM orders WHERE order_id = 'o7'", row, sizeof row);
	assert_string_equal(row, "buy filled 2");
	tu_query_text(f->j, "SELECT side || ' ' || status || ' ' || filled_qty FROM orders WHERE order_id = 'o9'", row, sizeof row);
	assert_string_equal(row, "sell open 0");
}

static void test_reports_behind_completing_fills_are_stale(void **state)
{
	struct fixture *f = *state;
	char row[256], reason[512];
	/* The fill arrives first and completes the order; the order's own
	 * earlier report that it was open is stale, but the first report of an
	 * order known only from its fills still gives the row its details. */
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"536.6\",\"price\":\"0.05\""),
				   NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "order o9 is already filled (by its fills); the report says open"));
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty || ' ' || fills_qty || ' ' || from_fill || ' ' ||"
			    " order_type || ' ' || price FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 536.6 536.6 0 limit 0.05");
	/* A cancel acknowledged after the completing fill: stale too. */
	char *before = dump_state(f->j);
	assert_int_equal(tu_ingest(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"cancelled\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "order o9 is already filled; the report says cancelled"));
	char *after = dump_state(f->j);
	assert_string_equal(before, after);
	assert_int_equal(tu_ingest(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"filled\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty || ' ' || from_fill FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 536.6 0");
	tu_query_text(f->j, "SELECT qty FROM positions", row, sizeof row);
	assert_string_equal(row, "536.6");
	struct rk_err err = {0};
	assert_int_equal(events_verify(f->j, &err), RK_OK);
	free(before);
	free(after);
}

static void test_fill_completing_a_cancelled_order_leaves_it_filled(void **state)
{
	struct fixture *f = *state;
	char row[128];
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9\""), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"4\",\"price\":\"9\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"cancelled\","
		"\"qty\":\"10\",\"price\":\"9\",\"filled_qty\":\"4\""), NULL, 0), INGEST_ACCEPTED);
	/* The cancel raced the rest of the fills: the fills are the facts. */
	assert_int_equal(tu_ingest(f->j, FILL_OF("f2", "03", "\"side\":\"buy\",\"qty\":\"6\",\"price\":\"9\""), NULL, 0),
			 INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 10");
	struct rk_err err = {0};
	assert_int_equal(events_verify(f->j, &err), RK_OK);
}

static void test_order_report_cannot_give_a_qty_below_its_fills(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9\""), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"4\",\"price\":\"9\""), NULL, 0),
			 INGEST_ACCEPTED);
	char *before = tu_dump_tables(f->j);
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"3\",\"price\":\"9\""), "field 'qty': order o9 has 4 filled; qty 3 is less");
	/* "filled" with less than qty filled says two things at once. */
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"filled\","
		"\"qty\":\"10\",\"price\":\"9\",\"filled_qty\":\"6\""), "field 'filled_qty'");
	/* So does a filled_qty that completes qty under another status. */
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"10\",\"price\":\"9\",\"filled_qty\":\"10\""), "field 'status'");
	char *after = tu_dump_tables(f->j);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_report_of_less_filled_than_the_journal_is_stale(void **state)
{
	struct fixture *f = *state;
	char reason[512], row[256];
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9\""), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"4\",\"price\":\"9\""), NULL, 0),
			 INGEST_ACCEPTED);
	/* Behind the fill: its filled_qty and status change nothing; the order
	 * is still working, so its price is recorded as every report's is. */
	assert_int_equal(tu_ingest(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"10\",\"price\":\"9.5\",\"filled_qty\":\"2\""), reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "stale, changes no status or filled quantity: order o9 has 4 filled in the"
				       " journal; the report says 2"));
	tu_query_text(f->j, "SELECT status || ' ' || qty || ' ' || filled_qty || ' ' || fills_qty || ' ' || price"
			    " FROM orders", row, sizeof row);
	assert_string_equal(row, "partially_filled 10 4 4 9.5");
	/* Its "open" of before the fill: stale too. */
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9.5\""), reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "order o9 is already partially_filled; the report says open"));
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "partially_filled 4");
	struct rk_err err = {0};
	assert_int_equal(events_verify(f->j, &err), RK_OK);
}

/* ---- an order's reported filled quantity and its fills are not added --------- */

#define M1_ORDER(status, rest)                                                                     \
	"{\"type\":\"order\",\"ts\":\"2025-11-22T17:44:00Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","    \
	"\"order_id\":\"m1\",\"side\":\"buy\",\"order_type\":\"market\",\"status\":\"" status "\"," rest "}"
#define M1_FILL(id, qty)                                                                           \
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T17:44:00Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","     \
	"\"fill_id\":\"" id "\",\"order_id\":\"m1\",\"side\":\"buy\",\"qty\":\"" qty "\",\"price\":\"0.05\","      \
	"\"fee\":\"0.01\",\"fee_currency\":\"USD\"}"

/* "status qty filled_qty fills_qty" of order m1, and the position. */
static void expect_m1(struct journal *j, const char *order, const char *position)
{
	char row[256];
	tu_query_text(j, "SELECT status || ' ' || qty || ' ' || filled_qty || ' ' || fills_qty FROM orders"
			 " WHERE order_id = 'm1'", row, sizeof row);
	assert_string_equal(row, order);
	tu_query_text(j, "SELECT qty FROM positions WHERE symbol = 'TOWNS-USD'", row, sizeof row);
	assert_string_equal(row, position);
	struct rk_err err = {0};
	assert_int_equal(events_verify(j, &err), RK_OK);
}

static void test_fill_of_an_order_reported_filled_is_not_an_overfill(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, M1_ORDER("filled", "\"qty\":\"100\",\"filled_qty\":\"100\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, M1_FILL("mf1", "100"), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "filled 100 100 100", "100");
	/* The fills alone exceeding qty is an overfill. */
	expect_rejected(f->j, M1_FILL("mf2", "1"), "field 'qty': fill mf2: order m1 would be filled 101 of qty 100");
}

static void test_fills_after_a_partial_report_complete_the_order(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, M1_ORDER("partially_filled", "\"qty\":\"10\",\"filled_qty\":\"5\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, M1_FILL("mf1", "5"), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "partially_filled 10 5 5", "5");
	assert_int_equal(tu_ingest(f->j, M1_FILL("mf2", "5"), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "filled 10 10 10", "10");
}

static void test_filled_report_without_filled_qty_is_filled_to_its_qty(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, M1_ORDER("filled", "\"qty\":\"10\""), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "filled 10 10 0", "");
	assert_int_equal(tu_ingest(f->j, M1_FILL("mf1", "2"), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "filled 10 10 2", "2");
	assert_int_equal(tu_ingest(f->j, M1_FILL("mf2", "8"), NULL, 0), INGEST_ACCEPTED);
	expect_m1(f->j, "filled 10 10 10", "10");
}

/* ---- out-of-order delivery: stale reports change nothing -------------------- */

#define I1(ts, status, rest)                                                                       \
	"{\"type\":\"order\",\"ts\":\"2025-11-22T17:" ts "Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","  \
	"\"order_id\":\"i1\",\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"" status "\"," rest "}"
#define I1_FILL(id, ts, qty)                                                                       \
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T17:" ts "Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","   \
	"\"fill_id\":\"" id "\",\"order_id\":\"i1\",\"side\":\"buy\",\"qty\":\"" qty "\",\"price\":\"0.05\"}"

static void test_earlier_reports_delivered_after_the_fill_are_stale(void **state)
{
	struct fixture *f = *state;
	char row[256], reason[512];
	assert_int_equal(tu_ingest(f->j, I1_FILL("if1", "45:00", "5"), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("44:00", "open", "\"qty\":\"5\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_STALE);
	char *before = dump_state(f->j);
	assert_int_equal(tu_ingest(f->j, I1("44:00", "partially_filled", "\"qty\":\"5\",\"price\":\"0.05\","
		"\"filled_qty\":\"2\""), reason, sizeof reason), INGEST_STALE);
	assert_non_null(strstr(reason, "order i1 is already filled; the report says partially_filled"));
	/* The cancel acknowledged after the completing fill, later by ts. */
	assert_int_equal(tu_ingest(f->j, I1("46:00", "cancelled", "\"qty\":\"5\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_STALE);
	char *after = dump_state(f->j);
	assert_string_equal(before, after);
	tu_query_text(f->j, "SELECT status || ' ' || qty || ' ' || filled_qty || ' ' || fills_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 5 5 5");
	tu_query_text(f->j, "SELECT qty FROM positions", row, sizeof row);
	assert_string_equal(row, "5");
	/* Every stale report was journaled, and a replay agrees. */
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 4);
	struct rk_err err = {0};
	assert_int_equal(events_verify(f->j, &err), RK_OK);
	free(before);
	free(after);
}

static void test_fills_of_an_order_reported_after_them_keep_it_open(void **state)
{
	struct fixture *f = *state;
	char row[256];
	/* 5 of an order of 10 filled; its earlier "open" report, delivered
	 * later, gives the qty: the order is partially filled, not finished. */
	assert_int_equal(tu_ingest(f->j, I1_FILL("if1", "45:00", "5"), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("44:00", "open", "\"qty\":\"10\",\"price\":\"0.05\","
		"\"filled_qty\":\"7\""), NULL, 0), INGEST_STALE);
	tu_query_text(f->j, "SELECT status || ' ' || qty || ' ' || filled_qty || ' ' || fills_qty || ' ' || from_fill"
			    " FROM orders", row, sizeof row);
	assert_string_equal(row, "partially_filled 10 5 5 0");
	assert_int_equal(tu_ingest(f->j, I1_FILL("if2", "46:00", "5"), NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 10");
}

static void test_report_moving_an_order_forward_applies_whatever_its_ts(void **state)
{
	struct fixture *f = *state;
	char row[128];
	/* Coinbase stamps every report of an order with its creation time, so a
	 * report's ts says nothing about which is newer: progress does. */
	assert_int_equal(tu_ingest(f->j, I1("44:05", "open", "\"qty\":\"5\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("44:00", "partially_filled", "\"qty\":\"5\",\"price\":\"0.05\","
		"\"filled_qty\":\"1\""), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("44:00", "cancelled", "\"qty\":\"5\",\"price\":\"0.05\","
		"\"filled_qty\":\"1\""), NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty || ' ' || last_seen FROM orders", row, sizeof row);
	assert_string_equal(row, "cancelled 1 2025-11-22T17:44:05.000000Z");
}

static void test_report_with_an_older_ts_still_records_a_working_orders_qty(void **state)
{
	struct fixture *f = *state;
	char row[128];
	/* A journal the previous reckon accepted, in this order: the 10:02
	 * report amends qty to 10, so the later fill of 2 fits. Judged by ts,
	 * that report would have been ignored and the fill refused. */
	assert_int_equal(tu_ingest(f->j, I1_FILL("if1", "23:15", "3"), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("51:29", "partially_filled", "\"qty\":\"4\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1("02:23", "partially_filled", "\"qty\":\"10\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, I1_FILL("if2", "17:37", "2"), NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || qty || ' ' || filled_qty FROM orders", row, sizeof row);
	assert_string_equal(row, "partially_filled 10 5");
}

static void test_stale_report_contradicting_the_order_is_still_rejected(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, I1_FILL("if1", "45:00", "5"), NULL, 0), INGEST_ACCEPTED);
	expect_rejected(f->j,
		"{\"type\":\"order\",\"ts\":\"2025-11-22T17:44:00Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","
		"\"order_id\":\"i1\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"open\",\"qty\":\"5\","
		"\"price\":\"0.05\"}", "field 'side': order i1 is a buy (by its fills), not a sell");
	assert_int_equal(tu_ingest(f->j, I1("46:00", "filled", "\"qty\":\"5\",\"price\":\"0.05\""), NULL, 0),
			 INGEST_ACCEPTED);
	/* A finished order's type never changes, stale report or not. */
	expect_rejected(f->j,
		"{\"type\":\"order\",\"ts\":\"2025-11-22T17:44:00Z\",\"venue\":\"coinbase\",\"symbol\":\"TOWNS-USD\","
		"\"order_id\":\"i1\",\"side\":\"buy\",\"order_type\":\"market\",\"status\":\"open\",\"qty\":\"5\"}",
		"field 'order_type': order i1 is filled and a finished order never changes");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_malformed_json_is_rejected),
		T(test_invalid_utf8_is_rejected),
		T(test_nan_and_infinity_are_rejected),
		T(test_negative_and_zero_quantities_are_rejected),
		T(test_absurd_numbers_are_rejected),
		T(test_json_number_with_too_many_digits_asks_for_a_string),
		T(test_json_numbers_are_read_exactly),
		T(test_unknown_type_is_rejected),
		T(test_missing_and_mistyped_fields_are_named),
		T(test_timestamp_it_cannot_keep_exactly_is_rejected),
		T(test_report_taking_a_finished_order_back_is_stale),
		T(test_fill_without_order_creates_the_order),
		T(test_fills_update_order_and_position),
		T(test_ten_megabyte_line_is_rejected_and_the_rest_ingested),
		T(test_mixed_stream_commits_good_lines_and_second_run_is_duplicates),
		T(test_nul_escape_in_a_string_is_rejected_with_its_field),
		T(test_amounts_not_written_as_json_writes_numbers_are_rejected),
		T(test_amounts_written_as_json_writes_numbers_are_accepted),
		T(test_inferred_flag_from_a_bot_is_rejected),
		T(test_inferred_fill_from_the_reconciler_is_journaled_and_replays),
		T(test_failed_commit_counts_only_committed_lines_and_names_the_first_lost),
		T(test_line_refused_after_writing_loses_nothing_before_or_after_it),
		T(test_disk_full_counts_only_committed_lines_and_names_the_first_lost),
		T(test_terminal_order_identity_never_changes),
		T(test_fill_side_contradicting_its_order_is_rejected),
		T(test_reports_behind_completing_fills_are_stale),
		T(test_fill_completing_a_cancelled_order_leaves_it_filled),
		T(test_order_report_cannot_give_a_qty_below_its_fills),
		T(test_report_of_less_filled_than_the_journal_is_stale),
		T(test_fill_of_an_order_reported_filled_is_not_an_overfill),
		T(test_fills_after_a_partial_report_complete_the_order),
		T(test_filled_report_without_filled_qty_is_filled_to_its_qty),
		T(test_earlier_reports_delivered_after_the_fill_are_stale),
		T(test_fills_of_an_order_reported_after_them_keep_it_open),
		T(test_report_moving_an_order_forward_applies_whatever_its_ts),
		T(test_report_with_an_older_ts_still_records_a_working_orders_qty),
		T(test_stale_report_contradicting_the_order_is_still_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
