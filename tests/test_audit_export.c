/*
 * test_audit_export.c — a slice of the journal verifies on its own
 * (src/journal/audit_export.c): its hashes are the journal's, it chains from
 * the hash before it, and any change — one payload byte, two lines swapped,
 * a line dropped or added, a header field — fails naming the line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_export.h"
#include "journal.h"
#include "rk_clock.h"
#include "testutil.h"
#include "tu_events.h"

struct fixture {
	char path[128];
	struct journal *j;
	int64_t now;
};

/* Ten events journaled a second apart from 2025-06-01T00:00:01Z. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	fx->now = tu_us("2025-06-01T00:00:00Z");
	journal_set_clock(fx->j, rk_clock_manual(&fx->now));
	for (int i = 1; i <= 10; i++) {
		char id[16];
		snprintf(id, sizeof id, "f%d", i);
		fx->now += 1000000;
		tu_fill(fx->j, "2025-01-01T00:00:00Z", i % 2 ? "BTC-USD" : "ETH-USD", id, id, "buy",
			"1");
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	journal_close(fx->j);
	tu_remove_db(fx->path);
	free(fx);
	return 0;
}

static char *export(struct journal *j, const char *from, const char *to,
		    struct audit_export_result *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct rk_err err = {0};
	assert_non_null(out);
	if (audit_export(j, tu_us(from), tu_us(to), out, res, &err))
		fail_msg("audit_export: %s", err.msg);
	fclose(out);
	return text;
}

static enum rk_rc verify(const char *text, struct audit_export_result *res, struct rk_err *err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(in);
	enum rk_rc rc = audit_export_verify(in, res, err);
	fclose(in);
	return rc;
}

static void expect_refused(const char *text, const char *what)
{
	struct audit_export_result res;
	struct rk_err err = {0};
	enum rk_rc rc = verify(text, &res, &err);
	if (rc != RK_ECORRUPT || !strstr(err.msg, what))
		fail_msg("verify = %d (%s), want RK_ECORRUPT naming \"%s\"", rc, err.msg, what);
}

/* The export's lines, to edit: lines[i] (line i + 1) points into a copy. */
struct lines {
	char *copy;
	char *v[32];
	size_t n;
};

static void split(const char *text, struct lines *l)
{
	l->copy = strdup(text);
	l->n = 0;
	for (char *save = NULL, *s = strtok_r(l->copy, "\n", &save); s && l->n < 32;
	     s = strtok_r(NULL, "\n", &save))
		l->v[l->n++] = s;
}

static char *join(const struct lines *l)
{
	size_t cap = 1;
	for (size_t i = 0; i < l->n; i++)
		cap += strlen(l->v[i]) + 1;
	char *out = calloc(1, cap);
	for (size_t i = 0; i < l->n; i++) {
		strcat(out, l->v[i]);
		strcat(out, "\n");
	}
	return out;
}

static void test_slice_verifies_alone_and_chains_from_the_event_before_it(void **state)
{
	struct fixture *fx = *state;
	struct audit_export_result res, v;
	char *text = export(fx->j, "2025-06-01T00:00:03Z", "2025-06-01T00:00:08Z", &res);
	assert_int_equal(res.first_seq, 3);
	assert_int_equal(res.last_seq, 7);
	assert_int_equal(res.events, 5);
	char want[80];
	tu_query_text(fx->j, "SELECT hash FROM events WHERE seq = 2", want, sizeof want);
	assert_string_equal(res.chain_from, want);
	tu_query_text(fx->j, "SELECT hash FROM events WHERE seq = 7", want, sizeof want);
	assert_string_equal(res.head_hash, want);
	struct rk_err err = {0};
	if (verify(text, &v, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(v.first_seq, 3);
	assert_int_equal(v.events, 5);
	assert_string_equal(v.head_hash, res.head_hash);
	free(text);
}

static void test_slice_from_the_first_event_chains_from_zeros(void **state)
{
	struct fixture *fx = *state;
	struct audit_export_result res, v;
	char *text = export(fx->j, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", &res);
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.events, 10);
	assert_string_equal(res.chain_from,
			    "0000000000000000000000000000000000000000000000000000000000000000");
	struct rk_err err = {0};
	assert_int_equal(verify(text, &v, &err), RK_OK);
	free(text);
}

static void test_empty_window_is_not_found(void **state)
{
	struct fixture *fx = *state;
	struct audit_export_result res;
	struct rk_err err = {0};
	FILE *out = tmpfile();
	assert_int_equal(audit_export(fx->j, tu_us("2024-01-01T00:00:00Z"),
				      tu_us("2024-02-01T00:00:00Z"), out, &res, &err),
			 RK_ENOTFOUND);
	fclose(out);
}

static char *slice(struct fixture *fx)
{
	struct audit_export_result res;
	return export(fx->j, "2025-06-01T00:00:03Z", "2025-06-01T00:00:08Z", &res);
}

static void test_changed_payload_byte_fails_naming_its_line(void **state)
{
	struct fixture *fx = *state;
	char *text = slice(fx);
	char *p = strstr(text, "\\\"qty\\\":\\\"1\\\""); /* the first event line's payload */
	assert_non_null(p);
	p[strlen("\\\"qty\\\":\\\"")] = '2';
	expect_refused(text, "line 2 (event 3): content does not match its hash");
	free(text);
}

static void test_swapped_lines_fail_naming_the_line(void **state)
{
	struct fixture *fx = *state;
	char *text = slice(fx);
	struct lines l;
	split(text, &l);
	char *t = l.v[3];
	l.v[3] = l.v[4];
	l.v[4] = t;
	char *bad = join(&l);
	expect_refused(bad, "line 4 (event 6): expected event 5");
	free(bad);
	free(l.copy);
	free(text);
}

static void test_dropped_or_added_line_fails(void **state)
{
	struct fixture *fx = *state;
	char *text = slice(fx);
	struct lines l;
	split(text, &l);
	/* A middle line dropped. */
	struct lines d = l;
	memmove(&d.v[2], &d.v[3], (d.n - 3) * sizeof d.v[0]);
	d.n--;
	char *bad = join(&d);
	expect_refused(bad, "line 3 (event 5): expected event 4");
	free(bad);
	/* The last line dropped: the header's count and head say so. */
	d = l;
	d.n--;
	bad = join(&d);
	expect_refused(bad, "lines dropped or added");
	free(bad);
	/* A line repeated at the end. */
	d = l;
	d.v[d.n] = d.v[d.n - 1];
	d.n++;
	bad = join(&d);
	expect_refused(bad, "line 7 (event 7): expected event 8");
	free(bad);
	free(l.copy);
	free(text);
}

static void test_changed_header_fails(void **state)
{
	struct fixture *fx = *state;
	char *text = slice(fx);
	struct audit_export_result res;
	free(export(fx->j, "2025-06-01T00:00:03Z", "2025-06-01T00:00:08Z", &res));
	/* Another chain start: the first event no longer links to it. */
	char *bad = strdup(text), *p = strstr(bad, res.chain_from);
	p[0] = p[0] == 'a' ? 'b' : 'a';
	expect_refused(bad, "line 2 (event 3): prev_hash");
	free(bad);
	/* Another head. */
	bad = strdup(text);
	p = strstr(bad, "\"head_hash\":\"") + strlen("\"head_hash\":\"");
	p[0] = p[0] == 'a' ? 'b' : 'a';
	expect_refused(bad, "line 1: head_hash");
	free(bad);
	/* Another range. */
	bad = strdup(text);
	p = strstr(bad, "\"first_seq\":3");
	p[strlen("\"first_seq\":")] = '4';
	expect_refused(bad, "line 1: header fields missing or inconsistent");
	free(bad);
	expect_refused("not json\n", "line 1: not a JSON object");
	expect_refused("", "line 1: empty");
	free(text);
}

/* Replaces the first `from` in text by `to` (a new string). */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	assert_non_null(p);
	char *out = malloc(strlen(text) + strlen(to) + 1);
	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return out;
}

/* Header counts and event seqs are exact integers: beyond 2^53 (where a
 * double would round 2^53 + 1 to 2^53), a fraction, an exponent or a
 * string is refused, naming the field. */
static void test_inexact_integers_are_refused_naming_the_field(void **state)
{
	struct fixture *fx = *state;
	char *text = slice(fx);
	const struct {
		const char *from, *to, *what;
	} cases[] = {
		{"\"last_seq\":7", "\"last_seq\":9007199254740993", "line 1: field 'last_seq'"},
		{"\"events\":5", "\"events\":5.0", "line 1: field 'events'"},
		{"\"events\":5", "\"events\":5e0", "line 1: field 'events'"},
		{"\"first_seq\":3", "\"first_seq\":\"3\"", "line 1: field 'first_seq'"},
		{"\"first_seq\":3", "\"first_seq\":-3", "line 1: field 'first_seq'"},
		{"{\"seq\":3,", "{\"seq\":3.5,", "line 2: not an event (field 'seq'"},
		{"{\"seq\":3,", "{\"seq\":9007199254740995,", "line 2: not an event (field 'seq'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *bad = replaced(text, cases[i].from, cases[i].to);
		expect_refused(bad, cases[i].what);
		free(bad);
	}
	/* 2^53 itself reads: the seq, then the chain, says what is wrong. */
	char *big = replaced(text, "{\"seq\":3,", "{\"seq\":9007199254740992,");
	expect_refused(big, "line 2 (event 9007199254740992): expected event 3");
	free(big);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_slice_verifies_alone_and_chains_from_the_event_before_it),
		T(test_slice_from_the_first_event_chains_from_zeros),
		T(test_empty_window_is_not_found),
		T(test_changed_payload_byte_fails_naming_its_line),
		T(test_swapped_lines_fail_naming_the_line),
		T(test_dropped_or_added_line_fails),
		T(test_changed_header_fails),
		T(test_inexact_integers_are_refused_naming_the_field),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
