/*
 * test_secret.c — specification of secret_load: NAME or NAME_FILE, never
 * both; the file must be private (0600/0400); errors never show the secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

#define VAR "RECKON_TEST_API_SECRET"
#define VAR_FILE "RECKON_TEST_API_SECRET_FILE"
#define SECRET_TEXT "Zq8v-not-a-real-secret-4711"

struct fixture {
	char path[64]; /* temp file, "" when none */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	unsetenv(VAR);
	unsetenv(VAR_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unsetenv(VAR);
	unsetenv(VAR_FILE);
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

/* Writes `content` to a new /tmp file with `mode`, points VAR_FILE at it. */
static void secret_file(struct fixture *f, const char *content, mode_t mode)
{
	snprintf(f->path, sizeof f->path, "/tmp/reckon-test-secret-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	size_t len = strlen(content);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	assert_int_equal(setenv(VAR_FILE, f->path, 1), 0);
}

static void test_env_var_value_is_returned(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(setenv(VAR, SECRET_TEXT, 1), 0);
	assert_int_equal(secret_load(VAR, &s, &err), RK_OK);
	assert_string_equal(s, SECRET_TEXT);
	secret_free(s);
}

static void test_file_0600_read_with_trailing_newlines_stripped(void **state)
{
	struct fixture *f = *state;
	char *s = NULL;
	struct rk_err err = {0};
	secret_file(f, SECRET_TEXT "\r\n\n", 0600);
	assert_int_equal(secret_load(VAR, &s, &err), RK_OK);
	assert_string_equal(s, SECRET_TEXT);
	secret_free(s);
}

static void test_file_0400_accepted(void **state)
{
	struct fixture *f = *state;
	char *s = NULL;
	struct rk_err err = {0};
	secret_file(f, SECRET_TEXT, 0400);
	assert_int_equal(secret_load(VAR, &s, &err), RK_OK);
	assert_string_equal(s, SECRET_TEXT);
	secret_free(s);
}

static void test_file_pem_keeps_internal_newlines(void **state)
{
	struct fixture *f = *state;
	const char *pem = "-----BEGIN EC PRIVATE KEY-----\nAAAA\nBBBB\n-----END EC PRIVATE KEY-----";
	char *s = NULL;
	struct rk_err err = {0};
	char *with_nl = NULL;
	assert_true(asprintf(&with_nl, "%s\n", pem) > 0);
	secret_file(f, with_nl, 0600);
	assert_int_equal(secret_load(VAR, &s, &err), RK_OK);
	assert_string_equal(s, pem);
	secret_free(s);
	free(with_nl);
}

static void test_file_0644_refused_and_message_hides_secret(void **state)
{
	struct fixture *f = *state;
	char *s = (char *)"sentinel";
	struct rk_err err = {0};
	secret_file(f, SECRET_TEXT "\n", 0644);
	assert_int_equal(secret_load(VAR, &s, &err), RK_EPERM);
	assert_null(s);
	assert_int_equal(err.rc, RK_EPERM);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "0644"));
	assert_null(strstr(err.msg, SECRET_TEXT));
	assert_null(strstr(err.msg, "Zq8v"));
}

static void test_file_group_readable_0640_refused(void **state)
{
	struct fixture *f = *state;
	char *s = NULL;
	struct rk_err err = {0};
	secret_file(f, SECRET_TEXT, 0640);
	assert_int_equal(secret_load(VAR, &s, &err), RK_EPERM);
	assert_null(s);
	assert_non_null(strstr(err.msg, "0640"));
}

static void test_file_not_regular_refused(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(setenv(VAR_FILE, "/tmp", 1), 0);
	assert_int_equal(secret_load(VAR, &s, &err), RK_EPERM);
	assert_null(s);
	assert_non_null(strstr(err.msg, "regular file"));
}

static void test_file_missing_is_not_found(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(setenv(VAR_FILE, "/tmp/reckon-test-no-such-secret-file", 1), 0);
	assert_int_equal(secret_load(VAR, &s, &err), RK_ENOTFOUND);
	assert_null(s);
	assert_non_null(strstr(err.msg, "/tmp/reckon-test-no-such-secret-file"));
}

static void test_empty_file_refused(void **state)
{
	struct fixture *f = *state;
	char *s = NULL;
	struct rk_err err = {0};
	secret_file(f, "\n", 0600);
	assert_int_equal(secret_load(VAR, &s, &err), RK_ECONFIG);
	assert_null(s);
}

static void test_empty_env_var_refused(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(setenv(VAR, "", 1), 0);
	assert_int_equal(secret_load(VAR, &s, &err), RK_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(err.msg, VAR));
}

static void test_neither_set_is_not_found_naming_both(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(secret_load(VAR, &s, &err), RK_ENOTFOUND);
	assert_null(s);
	assert_non_null(strstr(err.msg, VAR " "));
	assert_non_null(strstr(err.msg, VAR_FILE));
}

static void test_both_set_is_config_error(void **state)
{
	struct fixture *f = *state;
	char *s = NULL;
	struct rk_err err = {0};
	secret_file(f, SECRET_TEXT, 0600);
	assert_int_equal(setenv(VAR, SECRET_TEXT, 1), 0);
	assert_int_equal(secret_load(VAR, &s, &err), RK_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(err.msg, "not both"));
	assert_null(strstr(err.msg, SECRET_TEXT));
}

static void test_invalid_name_refused(void **state)
{
	(void)state;
	char *s = NULL;
	struct rk_err err = {0};
	assert_int_equal(secret_load("", &s, &err), RK_EINVAL);
	assert_int_equal(secret_load(NULL, &s, &err), RK_EINVAL);
	assert_int_equal(secret_load(VAR, NULL, &err), RK_EINVAL);
	assert_null(s);
}

static void test_secret_free_null_is_noop(void **state)
{
	(void)state;
	secret_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_env_var_value_is_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_0600_read_with_trailing_newlines_stripped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_0400_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_pem_keeps_internal_newlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_0644_refused_and_message_hides_secret, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_group_readable_0640_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_not_regular_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_missing_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_env_var_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neither_set_is_not_found_naming_both, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_both_set_is_config_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_name_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_free_null_is_noop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
