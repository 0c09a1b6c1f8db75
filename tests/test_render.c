/*
 * test_render.c — the renderers of src/report on results built by hand, with
 * no database: each format's exact text for NULL cells, text that needs CSV
 * quoting, JSON escaping or HTML entities, UTF-8, numbers and exact
 * decimals, an empty result and a result of no columns; a FILE* and an
 * rk_buf get the same bytes; the streamed formats write each row as it
 * comes while the table waits for the last; and misuse and failed writes
 * are errors, never silently short output. Links reckon_report only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render.h"
#include "render_format.h" /* render_is_number */

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define NUL {RK_CELL_NULL, NULL}
#define TXT(s) {RK_CELL_TEXT, (s)}
#define INT(s) {RK_CELL_INT, (s)}
#define REAL(s) {RK_CELL_REAL, (s)}
#define BLOB(s) {RK_CELL_BLOB, (s)}

/* A small ledger: an id, a venue whose text needs quoting, an exact amount
 * (TEXT), a note with UTF-8 and control characters, and a NULL. */
static const char *const LEDGER_NAMES[] = {"id", "venue", "amount", "note"};
static const struct rk_cell LEDGER_CELLS[] = {
	INT("1"),  TXT("coinbase"),  TXT("0.1"),                            TXT("plain"),
	INT("22"), TXT("bin,\"ance\""), TXT("-1234567890123456789.000000000001"), TXT("é€ a\tb\nc"),
	INT("3"),  TXT(""),          NUL,                                   NUL,
};
static const struct rk_result LEDGER = {4, LEDGER_NAMES, 3, LEDGER_CELLS};

static const struct rk_result EMPTY = {4, LEDGER_NAMES, 0, NULL};

/* Renders `res` in `fmt` to an rk_buf and to a FILE*, asserts that both
 * succeed with the same bytes, and returns them (caller frees). */
static char *rendered(enum render_format fmt, const struct rk_result *res)
{
	struct rk_buf b = {0};
	struct rk_err err = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	if (render_result_buf(fmt, res, &b, &err) != RK_OK)
		fail_msg("render_result_buf: %s", err.msg);
	if (render_result_file(fmt, res, f, &err) != RK_OK)
		fail_msg("render_result_file: %s", err.msg);
	fclose(f);
	assert_int_equal(len, b.len);
	assert_memory_equal(text, rk_buf_str(&b), len);
	rk_buf_free(&b);
	return text;
}

#define assert_rendered(fmt, res, want)                                        \
	do {                                                                   \
		char *got_ = rendered((fmt), (res));                           \
		assert_string_equal(got_, (want));                             \
		free(got_);                                                    \
	} while (0)

/* --- table ----------------------------------------------------------------- */

static void test_table_aligns_numbers_right_and_shows_null_blank(void **state)
{
	(void)state;
	/* id holds only numbers: right-aligned; amount has a NULL and decimals
	 * (TEXT that looks numeric): right-aligned too; widths count code
	 * points (é€ is two), \t and \n are escaped; trailing spaces cut. */
	assert_rendered(RENDER_TABLE, &LEDGER,
			"id  venue                                  amount  note\n"
			"--  ----------  ---------------------------------  ----------\n"
			" 1  coinbase                                  0.1  plain\n"
			"22  bin,\"ance\"  -1234567890123456789.000000000001  é€ a\\tb\\nc\n"
			" 3\n"
			"(3 rows)\n");
}

static void test_table_of_no_rows_keeps_header_and_left_alignment(void **state)
{
	(void)state;
	/* No value seen: no column is taken for numbers. */
	assert_rendered(RENDER_TABLE, &EMPTY,
			"id  venue  amount  note\n"
			"--  -----  ------  ----\n"
			"(0 rows)\n");
}

static void test_table_text_and_blob_are_not_numbers(void **state)
{
	(void)state;
	static const char *const names[] = {"a", "b", "r", "c"};
	static const struct rk_cell cells[] = {
		TXT("12"),  BLOB("12"), REAL("Inf"), TXT("1."),
		TXT("-0.5"), BLOB("ff"), REAL("1.5"), TXT("7"),
	};
	static const struct rk_result res = {4, names, 2, cells};
	/* TEXT "12" and "-0.5" are numbers; a BLOB's hex never is; REAL always
	 * is, even "Inf"; "1." is not a number. Control bytes show as '?'. */
	assert_rendered(RENDER_TABLE, &res,
			"   a  b     r  c\n"
			"----  --  ---  --\n"
			"  12  12  Inf  1.\n"
			"-0.5  ff  1.5  7\n"
			"(2 rows)\n");
	static const char *const one[] = {"x\x01y"};
	static const struct rk_cell ctl[] = {TXT("a\rb\x7f")};
	static const struct rk_result res2 = {1, one, 1, ctl};
	assert_rendered(RENDER_TABLE, &res2,
			"x?y\n"
			"-----\n"
			"a\\rb?\n"
			"(1 row)\n");
}

/* --- csv ------------------------------------------------------------------- */

static void test_csv_quotes_what_needs_it_and_tells_null_from_empty(void **state)
{
	(void)state;
	assert_rendered(RENDER_CSV, &LEDGER,
			"id,venue,amount,note\r\n"
			"1,coinbase,0.1,plain\r\n"
			"22,\"bin,\"\"ance\"\"\",-1234567890123456789.000000000001,\"é€ a\tb\nc\"\r\n"
			"3,\"\",,\r\n");
	static const char *const names[] = {"a,b", "say \"x\"", "cr"};
	static const struct rk_cell cells[] = {TXT("\""), TXT("x\ry"), BLOB("00ff")};
	static const struct rk_result res = {3, names, 1, cells};
	assert_rendered(RENDER_CSV, &res,
			"\"a,b\",\"say \"\"x\"\"\",cr\r\n"
			"\"\"\"\",\"x\ry\",00ff\r\n");
}

static void test_csv_of_no_rows_is_the_header(void **state)
{
	(void)state;
	assert_rendered(RENDER_CSV, &EMPTY, "id,venue,amount,note\r\n");
}

/* --- json ------------------------------------------------------------------ */

static void test_json_keeps_types_and_exact_decimals(void **state)
{
	(void)state;
	assert_rendered(RENDER_JSON, &LEDGER,
			"[\n"
			"{\"id\":1,\"venue\":\"coinbase\",\"amount\":\"0.1\",\"note\":\"plain\"},\n"
			"{\"id\":22,\"venue\":\"bin,\\\"ance\\\"\","
			"\"amount\":\"-1234567890123456789.000000000001\","
			"\"note\":\"é€ a\\tb\\nc\"},\n"
			"{\"id\":3,\"venue\":\"\",\"amount\":null,\"note\":null}\n"
			"]\n");
}

static void test_json_numbers_only_when_valid_and_strings_escaped(void **state)
{
	(void)state;
	static const char *const names[] = {"big", "r", "inf", "t", "b", "k\"\\"};
	static const struct rk_cell cells[] = {
		INT("-9007199254740993"), REAL("1.5e+20"), REAL("Inf"),
		TXT("12"), BLOB("00ff"), TXT("\b\f\x01\x1f\x7f/"),
	};
	static const struct rk_result res = {6, names, 1, cells};
	/* 64-bit integers keep every digit; "Inf" cannot be a JSON number; TEXT
	 * digits stay a string; control characters are escaped, DEL and '/'
	 * are not. */
	assert_rendered(RENDER_JSON, &res,
			"[\n{\"big\":-9007199254740993,\"r\":1.5e+20,\"inf\":\"Inf\",\"t\":\"12\","
			"\"b\":\"00ff\",\"k\\\"\\\\\":\"\\b\\f\\u0001\\u001f\x7f/\"}\n]\n");
}

static void test_json_of_no_rows_is_an_empty_array(void **state)
{
	(void)state;
	assert_rendered(RENDER_JSON, &EMPTY, "[]\n");
}

/* --- html ------------------------------------------------------------------ */

static void test_html_escapes_entities_and_leaves_null_cells_empty(void **state)
{
	(void)state;
	static const char *const names[] = {"a<b", "q"};
	static const struct rk_cell cells[] = {
		TXT("<b>&amp;'x'\"y\"</b>"), NUL,
		TXT("é€"), INT("7"),
	};
	static const struct rk_result res = {2, names, 2, cells};
	assert_rendered(RENDER_HTML, &res,
			"<table>\n"
			"<thead><tr><th>a&lt;b</th><th>q</th></tr></thead>\n"
			"<tbody>\n"
			"<tr><td>&lt;b&gt;&amp;amp;&#39;x&#39;&quot;y&quot;&lt;/b&gt;</td><td></td></tr>\n"
			"<tr><td>é€</td><td>7</td></tr>\n"
			"</tbody>\n"
			"</table>\n");
}

static void test_html_of_no_rows_is_an_empty_body(void **state)
{
	(void)state;
	assert_rendered(RENDER_HTML, &EMPTY,
			"<table>\n"
			"<thead><tr><th>id</th><th>venue</th><th>amount</th><th>note</th></tr></thead>\n"
			"<tbody>\n"
			"</tbody>\n"
			"</table>\n");
}

/* --- every format ----------------------------------------------------------- */

static void test_a_result_of_no_columns(void **state)
{
	(void)state;
	static const struct rk_result none = {0, NULL, 2, NULL};
	assert_rendered(RENDER_TABLE, &none, "\n\n\n\n(2 rows)\n");
	assert_rendered(RENDER_CSV, &none, "\r\n\r\n\r\n");
	assert_rendered(RENDER_JSON, &none, "[\n{},\n{}\n]\n");
}

static void test_streamed_formats_write_each_row_as_it_comes(void **state)
{
	(void)state;
	static const enum render_format STREAMED[] = {RENDER_CSV, RENDER_JSON, RENDER_HTML};
	struct rk_err err = {0};
	for (size_t i = 0; i < NCOLS(STREAMED) + 1; i++) {
		enum render_format fmt = i < NCOLS(STREAMED) ? STREAMED[i] : RENDER_TABLE;
		struct rk_buf b = {0};
		struct render *r = NULL;
		long rows = -1;
		assert_int_equal(render_open_buf(fmt, &b, &r, &err), RK_OK);
		struct rk_row_sink sink = render_sink(r);
		assert_int_equal(sink.columns(sink.ctx, 4, LEDGER_NAMES, &err), RK_OK);
		size_t before = b.len;
		assert_int_equal(sink.row(sink.ctx, LEDGER_CELLS, &err), RK_OK);
		if (fmt == RENDER_TABLE)
			assert_int_equal(b.len, 0); /* the widths need every row */
		else
			assert_true(b.len > before);
		assert_int_equal(render_finish(r, &rows, &err), RK_OK);
		assert_int_equal(rows, 1);
		assert_true(b.len > 0);
		render_free(r);
		rk_buf_free(&b);
	}
}

static void test_names_are_copied_so_the_producer_may_reuse_them(void **state)
{
	(void)state;
	struct rk_buf b = {0};
	struct rk_err err = {0};
	struct render *r = NULL;
	char name[8] = "sym";
	const char *names[] = {name};
	struct rk_cell cell = {RK_CELL_TEXT, "BTC"};
	assert_int_equal(render_open_buf(RENDER_JSON, &b, &r, &err), RK_OK);
	struct rk_row_sink sink = render_sink(r);
	assert_int_equal(sink.columns(sink.ctx, 1, names, &err), RK_OK);
	strcpy(name, "XXX"); /* the producer's memory changes after the call */
	assert_int_equal(sink.row(sink.ctx, &cell, &err), RK_OK);
	assert_int_equal(render_finish(r, NULL, &err), RK_OK);
	assert_string_equal(rk_buf_str(&b), "[\n{\"sym\":\"BTC\"}\n]\n");
	render_free(r);
	rk_buf_free(&b);
}

static void test_misuse_is_an_error(void **state)
{
	(void)state;
	struct rk_buf b = {0};
	struct rk_err err = {0};
	struct render *r = NULL;
	struct rk_cell cell = {RK_CELL_TEXT, "x"};
	assert_int_equal(render_open_buf(RENDER_CSV, &b, &r, &err), RK_OK);
	struct rk_row_sink sink = render_sink(r);
	assert_int_equal(sink.row(sink.ctx, &cell, &err), RK_EINVAL);
	assert_int_equal(render_finish(r, NULL, &err), RK_EINVAL);
	assert_int_equal(sink.columns(sink.ctx, 1, LEDGER_NAMES, &err), RK_OK);
	assert_int_equal(sink.columns(sink.ctx, 1, LEDGER_NAMES, &err), RK_EINVAL);
	render_free(r);
	render_free(NULL);
	rk_buf_free(&b);
	assert_int_equal(render_open_buf((enum render_format)99, &b, &r, &err), RK_EINVAL);
	assert_null(r);
}

static void test_a_failed_write_is_an_io_error(void **state)
{
	(void)state;
	struct rk_err err = {0};
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	assert_int_equal(render_result_file(RENDER_CSV, &LEDGER, full, &err), RK_EIO);
	assert_string_equal(err.msg, "writing the result failed");
	fclose(full);
}

static void test_format_names(void **state)
{
	(void)state;
	static const char *const NAMES[] = {"table", "csv", "json", "html"};
	enum render_format f;
	for (size_t i = 0; i < NCOLS(NAMES); i++) {
		assert_true(render_format_parse(NAMES[i], &f));
		assert_int_equal(f, (enum render_format)i);
	}
	assert_false(render_format_parse("xml", &f));
	assert_false(render_format_parse("CSV", &f));
	assert_false(render_format_parse("", &f));
}

/* A sink that refuses its second row. */
static enum rk_rc count_columns(void *ctx, size_t ncols, const char *const *names,
				struct rk_err *err)
{
	(void)ctx, (void)ncols, (void)names, (void)err;
	return RK_OK;
}

static enum rk_rc refuse_second(void *ctx, const struct rk_cell *cells, struct rk_err *err)
{
	(void)cells;
	return ++*(int *)ctx == 2 ? rk_err_set(err, RK_ENOMEM, "full") : RK_OK;
}

static void test_feed_stops_at_the_first_refusal(void **state)
{
	(void)state;
	int seen = 0;
	struct rk_err err = {0};
	struct rk_row_sink sink = {count_columns, refuse_second, &seen};
	assert_int_equal(rk_result_feed(&LEDGER, &sink, &err), RK_ENOMEM);
	assert_string_equal(err.msg, "full");
	assert_int_equal(seen, 2);
}

/* One number scanner serves both renderers: JSON's grammar for bare INT and
 * REAL values, plain decimals (leading zeros allowed) for right alignment. */
static void test_number_text_for_json_and_for_alignment(void **state)
{
	(void)state;
	const char *both[] = {"0", "-12", "0.5", "12.250", "-0.000001"};
	const char *table_only[] = {"007", "-01.5"};
	const char *json_only[] = {"1e5", "-2.5E-3", "0e0"};
	const char *neither[] = {"", "-", ".5", "5.", "1.2.3", "+1", "1e", "0x10", " 1", "1 ", "NaN"};
	for (size_t i = 0; i < sizeof both / sizeof *both; i++) {
		assert_true(render_is_number(both[i], true));
		assert_true(render_is_number(both[i], false));
	}
	for (size_t i = 0; i < sizeof table_only / sizeof *table_only; i++) {
		assert_false(render_is_number(table_only[i], true));
		assert_true(render_is_number(table_only[i], false));
	}
	for (size_t i = 0; i < sizeof json_only / sizeof *json_only; i++) {
		assert_true(render_is_number(json_only[i], true));
		assert_false(render_is_number(json_only[i], false));
	}
	for (size_t i = 0; i < sizeof neither / sizeof *neither; i++) {
		assert_false(render_is_number(neither[i], true));
		assert_false(render_is_number(neither[i], false));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_text_for_json_and_for_alignment),
		cmocka_unit_test(test_table_aligns_numbers_right_and_shows_null_blank),
		cmocka_unit_test(test_table_of_no_rows_keeps_header_and_left_alignment),
		cmocka_unit_test(test_table_text_and_blob_are_not_numbers),
		cmocka_unit_test(test_csv_quotes_what_needs_it_and_tells_null_from_empty),
		cmocka_unit_test(test_csv_of_no_rows_is_the_header),
		cmocka_unit_test(test_json_keeps_types_and_exact_decimals),
		cmocka_unit_test(test_json_numbers_only_when_valid_and_strings_escaped),
		cmocka_unit_test(test_json_of_no_rows_is_an_empty_array),
		cmocka_unit_test(test_html_escapes_entities_and_leaves_null_cells_empty),
		cmocka_unit_test(test_html_of_no_rows_is_an_empty_body),
		cmocka_unit_test(test_a_result_of_no_columns),
		cmocka_unit_test(test_streamed_formats_write_each_row_as_it_comes),
		cmocka_unit_test(test_names_are_copied_so_the_producer_may_reuse_them),
		cmocka_unit_test(test_misuse_is_an_error),
		cmocka_unit_test(test_a_failed_write_is_an_io_error),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_feed_stops_at_the_first_refusal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
