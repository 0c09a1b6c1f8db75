/*
 * test_lib.c — the domain-free helpers in src/lib: the growable array keeps
 * its contents through growth and is untouched by a refused growth; the
 * string builder's errors are sticky and its output exact; the file reader
 * refuses (never truncates) an oversized file and names missing ones; the
 * clock is a value, and a manual clock reads what its owner sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rk_array.h"
#include "rk_buf.h"
#include "rk_clock.h"
#include "rk_file.h"

struct pair {
	int a;
	long b;
};

static void test_array_keeps_every_element_through_growth(void **state)
{
	(void)state;
	RK_ARRAY(struct pair) xs = {0};
	for (int i = 0; i < 1000; i++) {
		struct pair *p = rk_array_push(&xs);
		assert_non_null(p);
		assert_int_equal(p->a, 0); /* a pushed slot starts zeroed */
		assert_int_equal(p->b, 0);
		p->a = i;
		p->b = -i;
	}
	assert_int_equal(xs.n, 1000);
	assert_true(xs.cap >= 1000);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(xs.v[i].a, i);
		assert_int_equal(xs.v[i].b, -i);
	}
	free(xs.v);
}

static void test_array_refused_growth_leaves_it_unchanged(void **state)
{
	(void)state;
	RK_ARRAY(struct pair) xs = {0};
	assert_non_null(rk_array_push(&xs));
	struct pair *before = xs.v;
	size_t cap = xs.cap;
	assert_false(rk_array_grow(&xs, SIZE_MAX / 2)); /* overflows the byte count */
	assert_false(rk_array_reserve(&xs.v, &xs.cap, SIZE_MAX, 1));
	assert_ptr_equal(xs.v, before);
	assert_int_equal(xs.cap, cap);
	assert_int_equal(xs.n, 1);
	assert_true(rk_array_grow(&xs, 100));
	assert_true(xs.cap >= 101);
	assert_int_equal(xs.n, 1);
	free(xs.v);
}

static void test_array_append_copies_a_block(void **state)
{
	(void)state;
	RK_ARRAY(struct pair) xs = {0};
	const struct pair src[3] = {{1, -1}, {2, -2}, {3, -3}};
	assert_true(rk_array_append(&xs, src, 3));
	assert_true(rk_array_append(&xs, NULL, 0));
	assert_true(rk_array_append(&xs, src, 1));
	assert_int_equal(xs.n, 4);
	assert_int_equal(xs.v[2].a, 3);
	assert_int_equal(xs.v[3].b, -1);
	struct pair *before = xs.v;
	assert_false(rk_array_append(&xs, src, SIZE_MAX)); /* refused, unchanged */
	assert_ptr_equal(xs.v, before);
	assert_int_equal(xs.n, 4);
	free(xs.v);
}

static void test_buf_builds_exact_text(void **state)
{
	(void)state;
	struct rk_buf b = {0};
	assert_string_equal(rk_buf_str(&b), "");
	rk_buf_add(&b, "orders?limit=");
	rk_buf_addf(&b, "%d&cursor=%s", 100, "abc");
	rk_buf_addn(&b, "xyz", 2);
	assert_string_equal(rk_buf_str(&b), "orders?limit=100&cursor=abcxy");
	assert_int_equal(b.len, strlen("orders?limit=100&cursor=abcxy"));
	for (int i = 0; i < 10000; i++)
		rk_buf_add(&b, "0123456789");
	assert_int_equal(b.len, 29 + 100000);
	assert_int_equal(rk_buf_status(&b, NULL), RK_OK);
	rk_buf_reset(&b);
	assert_string_equal(rk_buf_str(&b), "");
	rk_buf_add(&b, "again");
	char *s = rk_buf_take(&b);
	assert_string_equal(s, "again");
	assert_null(b.p);
	free(s);
	s = rk_buf_take(&b); /* an empty buffer yields "", never NULL */
	assert_string_equal(s, "");
	free(s);
}

static void test_buf_failure_is_sticky_and_reported(void **state)
{
	(void)state;
	struct rk_buf b = {0};
	struct rk_err err = {0};
	rk_buf_add(&b, "start");
	rk_buf_addn(&b, "x", SIZE_MAX - 2); /* cannot be held: marks the buffer failed */
	assert_true(b.failed);
	rk_buf_add(&b, "later"); /* ignored */
	assert_string_equal(rk_buf_str(&b), "");
	assert_int_equal(rk_buf_status(&b, &err), RK_ENOMEM);
	assert_int_equal(err.rc, RK_ENOMEM);
	assert_null(rk_buf_take(&b));
	assert_null(b.p);
}

static void test_fmt_truncates_and_terminates(void **state)
{
	(void)state;
	char small[8];
	rk_fmt(small, sizeof small, "%s-%d", "abcdef", 42);
	assert_string_equal(small, "abcdef-");
}

static char *write_temp(const char *content, size_t n)
{
	char *path = strdup("/tmp/test_lib_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
	return path;
}

static void test_file_reads_whole_file_within_limit(void **state)
{
	(void)state;
	char *path = write_temp("a\0b\nc", 5);
	char *out = NULL;
	size_t len = 0;
	struct rk_err err = {0};
	assert_int_equal(rk_file_read(path, 5, &out, &len, &err), RK_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "a\0b\nc", 5);
	assert_int_equal(out[5], '\0');
	free(out);
	unlink(path);
	free(path);
}

static void test_file_over_limit_is_refused_not_truncated(void **state)
{
	(void)state;
	size_t n = 20000;
	char *big = malloc(n);
	memset(big, 'x', n);
	char *path = write_temp(big, n);
	char *out = (char *)1;
	struct rk_err err = {0};
	assert_int_equal(rk_file_read(path, n - 1, &out, NULL, &err), RK_EINVAL);
	assert_null(out);
	assert_non_null(strstr(err.msg, "larger than 19999 bytes"));
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(rk_file_read(path, n, &out, NULL, &err), RK_OK);
	assert_int_equal(strlen(out), n);
	free(out);
	unlink(path);
	free(path);
	free(big);
}

static void test_file_missing_or_directory_is_named(void **state)
{
	(void)state;
	char *out = NULL;
	struct rk_err err = {0};
	assert_int_equal(rk_file_read("/nonexistent/reckon.json", 100, &out, NULL, &err), RK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/reckon.json"));
	assert_null(out);
	assert_int_equal(rk_file_read("/tmp", 100, &out, NULL, &err), RK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot read /tmp: Is a directory"));
	assert_null(out);
}

static void test_manual_clock_reads_what_its_owner_sets(void **state)
{
	(void)state;
	int64_t now = 1700000000000000;
	struct rk_clock c = rk_clock_manual(&now);
	assert_int_equal(rk_clock_now(c), 1700000000000000);
	now += 5000000;
	assert_int_equal(rk_clock_now(c), 1700000005000000);
	struct rk_clock zero = {0}; /* a zeroed clock is the system clock */
	int64_t a = rk_clock_now(zero), b = rk_clock_now(rk_clock_system());
	assert_true(a > 1700000000000000);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_keeps_every_element_through_growth),
		cmocka_unit_test(test_array_refused_growth_leaves_it_unchanged),
		cmocka_unit_test(test_array_append_copies_a_block),
		cmocka_unit_test(test_buf_builds_exact_text),
		cmocka_unit_test(test_buf_failure_is_sticky_and_reported),
		cmocka_unit_test(test_fmt_truncates_and_terminates),
		cmocka_unit_test(test_file_reads_whole_file_within_limit),
		cmocka_unit_test(test_file_over_limit_is_refused_not_truncated),
		cmocka_unit_test(test_file_missing_or_directory_is_named),
		cmocka_unit_test(test_manual_clock_reads_what_its_owner_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
