/*
 * test_daemon_load.c — what `reckon run` checks before it uses a config
 * (src/daemon/load.c: start and SIGHUP alike) and how it logs
 * (src/daemon/dlog.c): every venue opened, credentials and scenarios
 * present, the policy parsed, simulated and real venues never sharing a
 * journal, each error naming where; log values quoted when they need it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_int.h"
#include "dlog.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/reckon-dload-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("RECKON_BINANCE_API_KEY", "k0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd", 1);
	setenv("RECKON_BINANCE_API_SECRET", "s0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes DIR/name and returns its path (static buffer of the caller). */
static const char *write_file(char *path, const char *name, const char *text)
{
	snprintf(path, 256, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* loaded_read of a config holding `venues` and `extra`; RK_OK frees it. */
static enum rk_rc load(const char *venues, const char *extra, struct rk_err *err)
{
	char path[256], text[2048];
	snprintf(text, sizeof text, "{\"db\": \"j.db\", \"socket\": \"r.sock\", \"venues\": %s%s%s}",
		 venues, extra ? ", " : "", extra ? extra : "");
	struct loaded *l = NULL;
	enum rk_rc rc = loaded_read(write_file(path, "reckon.json", text), &l, err);
	if (rc == RK_OK) {
		assert_non_null(l);
		assert_true(l->nunits >= 1);
		assert_non_null(l->units[0].v);
		assert_int_equal(l->policy->refs, 1);
		loaded_free(NULL, l);
	} else {
		assert_null(l);
	}
	return rc;
}

static void test_a_real_venue_with_credentials_opens(void **state)
{
	(void)state;
	struct rk_err err = {0};
	if (load("[{\"venue\": \"binance-usdm\", \"base_url\": \"http://127.0.0.1:9\"}]", NULL, &err))
		fail_msg("%s", err.msg);
}

static void test_a_sim_entry_is_every_venue_of_its_scenario(void **state)
{
	(void)state;
	char path[256], text[512];
	struct rk_err err = {0};
	struct loaded *l = NULL;
	snprintf(text, sizeof text,
		 "{\"db\": \"j.db\", \"socket\": \"r.sock\", \"venues\": [{\"venue\": \"sim\", "
		 "\"scenario\": \"%s/scenarios/demo.json\", \"interval_s\": 7}]}",
		 RECKON_SOURCE_DIR);
	if (loaded_read(write_file(path, "sim.json", text), &l, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(l->kind, JOURNAL_SIM);
	assert_int_equal(l->nunits, 2); /* demo.json: coinbase and binance-usdm */
	assert_int_equal(l->units[0].kind, VENUE_COINBASE);
	assert_int_equal(l->units[1].kind, VENUE_BINANCE_USDM);
	assert_string_equal(l->units[1].account, "default");
	assert_int_equal(l->units[1].interval_s, 7);
	loaded_free(NULL, l);
}

static void test_one_venue_account_twice_is_refused(void **state)
{
	(void)state;
	char path[256], text[512];
	struct rk_err err = {0};
	struct loaded *l = NULL;
	snprintf(text, sizeof text,
		 "{\"db\": \"j.db\", \"socket\": \"r.sock\", \"venues\": ["
		 "{\"venue\": \"sim\", \"scenario\": \"%s/scenarios/demo.json\"},"
		 "{\"venue\": \"sim\", \"account\": \"default\", \"scenario\": \"%s/scenarios/faults.json\"}]}",
		 RECKON_SOURCE_DIR, RECKON_SOURCE_DIR);
	assert_int_not_equal(loaded_read(write_file(path, "twice.json", text), &l, &err), RK_OK);
	assert_null(l);
	assert_non_null(strstr(err.msg, "venues["));
}

static void test_missing_credentials_name_the_variable(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(load("[{\"venue\": \"binance-usdm\", \"key_env\": \"RK_TEST_NO_KEY\", "
			      "\"secret_env\": \"RK_TEST_NO_SECRET\"}]",
			      NULL, &err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "venues[0] (binance-usdm)"));
	assert_non_null(strstr(err.msg, "RK_TEST_NO_"));
}

static void test_missing_scenario_names_the_venue(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(load("[{\"venue\": \"sim\", \"scenario\": \"nope.json\"}]", NULL, &err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "venues[0].scenario"));
	assert_non_null(strstr(err.msg, "nope.json"));
}

static void test_sim_and_real_venues_cannot_share_a_journal(void **state)
{
	(void)state;
	struct rk_err err = {0};
	char path[256];
	write_file(path, "s.json", "{}");
	assert_int_equal(load("[{\"venue\": \"sim\", \"scenario\": \"s.json\"}, "
			      "{\"venue\": \"binance-usdm\"}]",
			      NULL, &err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "cannot share a journal"));
}

static void test_a_bad_policy_file_is_named_with_its_path(void **state)
{
	(void)state;
	struct rk_err err = {0};
	char path[256];
	write_file(path, "policy.json", "{\"defaults\": {\"stop_pct\": \"x\"}}");
	assert_int_equal(load("[{\"venue\": \"binance-usdm\"}]", "\"policy_file\": \"policy.json\"",
			      &err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "policy.json"));
	assert_non_null(strstr(err.msg, "stop_pct"));
}

static void test_a_bad_embedded_policy_names_its_json_path(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(load("[{\"venue\": \"binance-usdm\"}]",
			      "\"policy\": {\"defaults\": {\"stop_pct\": \"x\"}}", &err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "policy.defaults.stop_pct"));
}

static void test_a_missing_config_file_is_not_found(void **state)
{
	(void)state;
	struct rk_err err = {0};
	struct loaded *l = NULL;
	assert_int_equal(loaded_read("/nonexistent/reckon.json", &l, &err), RK_ENOTFOUND);
	assert_null(l);
	assert_non_null(strstr(err.msg, "/nonexistent/reckon.json"));
}

/* The log line dlog writes for one value, read back from stderr. */
static void logged(const char *value, char *out, size_t cap)
{
	char path[256];
	snprintf(path, sizeof path, "%s/log", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	struct dlog l;
	dlog_begin(&l, DLOG_WARN, "test_event");
	dlog_str(&l, "v", value);
	dlog_int(&l, "n", -42);
	dlog_end(&l);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, out, cap - 1, 0);
	close(fd);
	assert_true(n > 0);
	out[n] = '\0';
}

static void test_log_values_are_quoted_when_they_need_it(void **state)
{
	(void)state;
	char line[512];
	logged("plain", line, sizeof line);
	assert_non_null(strstr(line, " level=warn event=test_event v=plain n=-42\n"));
	assert_memory_equal(line, "ts=", 3);
	logged("two words", line, sizeof line);
	assert_non_null(strstr(line, " v=\"two words\" n=-42\n"));
	logged("a\"b\\c\nd=e", line, sizeof line);
	assert_non_null(strstr(line, " v=\"a\\\"b\\\\c\\nd=e\" n=-42\n"));
	logged("", line, sizeof line);
	assert_non_null(strstr(line, " v=\"\" n=-42\n"));
	/* One line per event, whatever the value held. */
	assert_int_equal(strchr(line, '\n') - line + 1, (long)strlen(line));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_real_venue_with_credentials_opens),
		cmocka_unit_test(test_a_sim_entry_is_every_venue_of_its_scenario),
		cmocka_unit_test(test_one_venue_account_twice_is_refused),
		cmocka_unit_test(test_missing_credentials_name_the_variable),
		cmocka_unit_test(test_missing_scenario_names_the_venue),
		cmocka_unit_test(test_sim_and_real_venues_cannot_share_a_journal),
		cmocka_unit_test(test_a_bad_policy_file_is_named_with_its_path),
		cmocka_unit_test(test_a_bad_embedded_policy_names_its_json_path),
		cmocka_unit_test(test_a_missing_config_file_is_not_found),
		cmocka_unit_test(test_log_values_are_quoted_when_they_need_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
