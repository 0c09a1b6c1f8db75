/*
 * test_policy_file.c — reading the policy file (src/cli/policy_file.c):
 * the example loads, a missing or unreadable file is an I/O error naming
 * it, a file that is not a policy is a configuration error, and no file
 * means the built-in defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_file.h"

/* Writes `n` bytes to a new temporary file; the caller unlinks it. */
static void temp_file(char path[64], const char *bytes, size_t n)
{
	snprintf(path, 64, "/tmp/reckon-policy-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

static void test_example_file_loads(void **state)
{
	(void)state;
	struct policy *p = NULL;
	struct rk_err err = {0};
	if (policy_file_load(RECKON_SOURCE_DIR "/config/policy.example.json", &p, &err) != RK_OK)
		fail_msg("example: %s", err.msg);
	assert_int_equal(policy_for(p, VENUE_COINBASE, NULL)->far, FAR_STOP_FROM_LAST);
	policy_free(p);
}

static void test_missing_file_is_an_io_error(void **state)
{
	(void)state;
	struct policy *p = NULL;
	struct rk_err err = {0};
	assert_int_equal(policy_file_load("/nonexistent/policy.json", &p, &err), RK_EIO);
	assert_null(p);
	assert_non_null(strstr(err.msg, "/nonexistent/policy.json"));
}

static void test_no_file_gives_the_defaults(void **state)
{
	(void)state;
	struct policy *p = NULL;
	struct rk_err err = {0};
	assert_int_equal(policy_file_load(NULL, &p, &err), RK_OK);
	assert_int_equal(policy_for(p, VENUE_SIM, NULL)->fill_lookback_hours, 168);
	policy_free(p);
}

static void test_a_directory_is_an_io_error(void **state)
{
	(void)state;
	struct policy *p = NULL;
	struct rk_err err = {0};
	assert_int_equal(policy_file_load("/tmp", &p, &err), RK_EIO);
	assert_null(p);
	assert_non_null(strstr(err.msg, "/tmp"));
}

static void test_bad_document_names_the_file_and_the_key(void **state)
{
	(void)state;
	static const char doc[] = "{\"defaults\":{\"stop_pct\":\"0\"}}";
	struct policy *p = NULL;
	struct rk_err err = {0};
	char path[64];
	temp_file(path, doc, sizeof doc - 1);
	assert_int_equal(policy_file_load(path, &p, &err), RK_ECONFIG);
	unlink(path);
	assert_null(p);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "defaults.stop_pct"));
}

static void test_nul_byte_is_refused(void **state)
{
	(void)state;
	static const char doc[] = "{}\0{\"defaults\":1}";
	struct policy *p = NULL;
	struct rk_err err = {0};
	char path[64];
	temp_file(path, doc, sizeof doc - 1);
	assert_int_equal(policy_file_load(path, &p, &err), RK_ECONFIG);
	unlink(path);
	assert_null(p);
	assert_non_null(strstr(err.msg, "NUL"));
}

static void test_oversized_file_is_refused_not_truncated(void **state)
{
	(void)state;
	size_t n = POLICY_FILE_MAX + 1;
	char *big = malloc(n), path[64];
	struct policy *p = NULL;
	struct rk_err err = {0};
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	temp_file(path, big, n);
	free(big);
	assert_int_equal(policy_file_load(path, &p, &err), RK_ECONFIG);
	unlink(path);
	assert_null(p);
	assert_non_null(strstr(err.msg, "larger than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file_loads),
		cmocka_unit_test(test_missing_file_is_an_io_error),
		cmocka_unit_test(test_no_file_gives_the_defaults),
		cmocka_unit_test(test_a_directory_is_an_io_error),
		cmocka_unit_test(test_bad_document_names_the_file_and_the_key),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_oversized_file_is_refused_not_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
