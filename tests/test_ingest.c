/* test_ingest.c — the ingest contract: every bad line is refused with its line
 * number and field, good lines are committed exactly, re-ingesting changes
 * nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "project.h"
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

static void test_impossible_order_transition_is_rejected(void **state)
{
	struct fixture *f = *state;
	const char *cancelled =
		"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o9\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"cancelled\",\"qty\":\"1\",\"price\":\"9\"}";
	const char *reopened =
		"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:05Z\",\"venue\":\"coinbase\",\"symbol\":\"UNI-USD\","
		"\"order_id\":\"o9\",\"side\":\"sell\",\"order_type\":\"limit\",\"status\":\"open\",\"qty\":\"1\",\"price\":\"9\"}";
	assert_int_equal(tu_ingest(f->j, cancelled, NULL, 0), INGEST_ACCEPTED);
	expect_rejected(f->j, reopened, "impossible transition cancelled -> open");
	char st[32];
	tu_query_text(f->j, "SELECT status FROM orders WHERE order_id = 'o9'", st, sizeof st);
	assert_string_equal(st, "cancelled");
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
	enum journal_append_result res;
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
	assert_int_equal(ingest_append_fill(f->j, &fill, "reconcile", &res, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(res, JOURNAL_APPENDED);
	assert_int_equal(tu_query_int(f->j, "SELECT inferred FROM fills WHERE fill_id = 'inferred-1'"), 1);
	assert_int_equal(project_verify(f->j, &err), RK_OK);
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

static enum rk_rc stream_rc(struct journal *j, const char *text, size_t len,
			    struct ingest_stats *stats, struct rk_err *err)
{
	FILE *in = fmemopen((void *)text, len, "rb");
	FILE *diag = fopen("/dev/null", "w");
	enum rk_rc rc = ingest_stream(j, in, diag, "test", stats, err);
	fclose(in);
	fclose(diag);
	return rc;
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
	char *text = fill_lines(INGEST_BATCH + 88, &len);
	int commits = 0;
	struct ingest_stats st;
	struct rk_err err = {0};
	sqlite3_commit_hook(journal_db(f->j), fail_second_commit, &commits);
	assert_int_not_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	sqlite3_commit_hook(journal_db(f->j), NULL, NULL);
	assert_int_equal(st.accepted, INGEST_BATCH);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), INGEST_BATCH);
	if (!strstr(err.msg, "line 513"))
		fail_msg("error '%s' does not name line 513", err.msg);
	/* The first batch stays; a second run brings the rest. */
	assert_int_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	assert_int_equal(st.accepted, 88);
	assert_int_equal(st.duplicates, INGEST_BATCH);
	free(text);
}

static void test_disk_full_counts_only_committed_lines_and_names_the_first_lost(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *text = fill_lines(4 * INGEST_BATCH, &len);
	struct ingest_stats st;
	struct rk_err err = {0};
	/* Room for about one and a half batches. */
	long long p0 = tu_query_int(f->j, "PRAGMA page_count");
	char *one = fill_lines(INGEST_BATCH, &(size_t){0});
	assert_int_equal(stream_rc(f->j, one, strlen(one), &st, &err), RK_OK);
	long long p1 = tu_query_int(f->j, "PRAGMA page_count");
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %lld", p1 + (p1 - p0) * 3 / 2);
	assert_int_equal(sqlite3_exec(journal_db(f->j), pragma, NULL, NULL, NULL), SQLITE_OK);
	long long events0 = tu_query_int(f->j, "SELECT count(*) FROM events");
	assert_int_not_equal(stream_rc(f->j, text, len, &st, &err), RK_OK);
	assert_int_equal(st.duplicates, INGEST_BATCH);
	assert_true(st.accepted < 3 * INGEST_BATCH);
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

static void test_order_report_contradicting_completing_fills_is_rejected(void **state)
{
	struct fixture *f = *state;
	char row[128];
	/* The fill arrives first and completes the order; a report that the
	 * order is still open contradicts it. */
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"536.6\",\"price\":\"0.05\""),
				   NULL, 0), INGEST_ACCEPTED);
	expect_rejected(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), "field 'status'");
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"cancelled\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), "field 'status'");
	assert_int_equal(tu_ingest(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"filled\","
		"\"qty\":\"536.6\",\"price\":\"0.05\""), NULL, 0), INGEST_ACCEPTED);
	tu_query_text(f->j, "SELECT status || ' ' || filled_qty || ' ' || from_fill FROM orders", row, sizeof row);
	assert_string_equal(row, "filled 536.6 0");
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
	assert_int_equal(project_verify(f->j, &err), RK_OK);
}

static void test_order_report_cannot_lower_filled_qty_or_qty_below_fills(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(tu_ingest(f->j, ORDER_AT("00", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"open\","
		"\"qty\":\"10\",\"price\":\"9\""), NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(f->j, FILL_OF("f1", "01", "\"side\":\"buy\",\"qty\":\"4\",\"price\":\"9\""), NULL, 0),
			 INGEST_ACCEPTED);
	char *before = tu_dump_tables(f->j);
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"10\",\"price\":\"9\",\"filled_qty\":\"2\""), "field 'filled_qty'");
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"3\",\"price\":\"9\""), "field 'qty'");
	/* "filled" with less than qty filled says two things at once. */
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"filled\","
		"\"qty\":\"10\",\"price\":\"9\",\"filled_qty\":\"6\""), "field 'filled_qty'");
	/* Nor may a report call an order open whose filled_qty completes it. */
	expect_rejected(f->j, ORDER_AT("02", "\"side\":\"buy\",\"order_type\":\"limit\",\"status\":\"partially_filled\","
		"\"qty\":\"4\",\"price\":\"9\""), "field 'status'");
	char *after = tu_dump_tables(f->j);
	assert_string_equal(before, after);
	free(before);
	free(after);
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
		T(test_impossible_order_transition_is_rejected),
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
		T(test_disk_full_counts_only_committed_lines_and_names_the_first_lost),
		T(test_terminal_order_identity_never_changes),
		T(test_fill_side_contradicting_its_order_is_rejected),
		T(test_order_report_contradicting_completing_fills_is_rejected),
		T(test_fill_completing_a_cancelled_order_leaves_it_filled),
		T(test_order_report_cannot_lower_filled_qty_or_qty_below_fills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
