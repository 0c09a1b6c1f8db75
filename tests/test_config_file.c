/*
 * test_config_file.c — loading the configuration file (src/daemon/
 * config_file.c): relative paths are resolved against the file's own
 * folder, whatever the current directory; errors name the file, then the
 * JSON path; a file that cannot be read or holds a NUL byte is refused; and
 * both examples shipped in config/ load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_file.h"

struct dir {
	char path[64];
};

static int setup_dir(void **state)
{
	static struct dir d;
	snprintf(d.path, sizeof d.path, "/tmp/reckon-cfgXXXXXX");
	if (!mkdtemp(d.path))
		return -1;
	*state = &d;
	return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int teardown_dir(void **state)
{
	struct dir *d = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_relative_paths_are_resolved_against_the_file_folder(void **state)
{
	struct dir *d = *state;
	char path[128], sub[96];
	static const char doc[] =
		"{\"db\":\"journal.db\",\"socket\":\"/run/r.sock\","
		"\"venues\":[{\"venue\":\"sim\",\"scenario\":\"s/demo.json\"}]}";
	snprintf(sub, sizeof sub, "%s/etc", d->path);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/reckon.json", sub);
	write_file(path, doc, sizeof doc - 1);

	struct rk_config *c = NULL;
	struct rk_err err = {0};
	assert_int_equal(config_load(path, &c, &err), RK_OK);
	char want[160];
	snprintf(want, sizeof want, "%s/journal.db", sub);
	assert_string_equal(c->db, want);
	assert_string_equal(c->socket, "/run/r.sock");
	snprintf(want, sizeof want, "%s/s/demo.json", sub);
	assert_string_equal(c->venues[0].scenario, want);
	config_free(c);

	/* From inside the folder, a bare file name: paths stay relative to it. */
	char *cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(sub), 0);
	assert_int_equal(config_load("reckon.json", &c, &err), RK_OK);
	assert_string_equal(c->db, "journal.db");
	config_free(c);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
}

static void test_errors_name_the_file_then_the_json_path(void **state)
{
	struct dir *d = *state;
	char path[128];
	static const char doc[] = "{\"db\":\"j\",\"socket\":\"s\",\"venues\":[{\"venue\":\"sim\","
				  "\"scenario\":\"x\",\"interval_s\":0}]}";
	snprintf(path, sizeof path, "%s/bad.json", d->path);
	write_file(path, doc, sizeof doc - 1);
	struct rk_config *c = (struct rk_config *)&c;
	struct rk_err err = {0};
	assert_int_equal(config_load(path, &c, &err), RK_ECONFIG);
	assert_null(c);
	char want[256];
	snprintf(want, sizeof want, "%s: venues[0].interval_s: must be a whole number", path);
	assert_non_null(strstr(err.msg, want));
}

static void test_missing_file_is_not_found(void **state)
{
	struct dir *d = *state;
	char path[128];
	struct rk_config *c = NULL;
	struct rk_err err = {0};
	snprintf(path, sizeof path, "%s/none.json", d->path);
	assert_int_equal(config_load(path, &c, &err), RK_ENOTFOUND);
	assert_null(c);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(config_load(d->path, &c, &err), RK_ENOTFOUND); /* a directory */
	assert_int_equal(config_load("", &c, &err), RK_ECONFIG);
}

static void test_nul_byte_and_oversized_files_are_refused(void **state)
{
	struct dir *d = *state;
	char path[128];
	struct rk_config *c = NULL;
	struct rk_err err = {0};
	static const char doc[] = "{\"db\":\"j\"}\0{\"socket\":1}";
	snprintf(path, sizeof path, "%s/nul.json", d->path);
	write_file(path, doc, sizeof doc - 1);
	assert_int_equal(config_load(path, &c, &err), RK_ECONFIG);
	assert_non_null(strstr(err.msg, "NUL byte"));

	size_t big = CONFIG_FILE_MAX + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, ' ', big);
	snprintf(path, sizeof path, "%s/big.json", d->path);
	write_file(path, text, big);
	free(text);
	assert_int_equal(config_load(path, &c, &err), RK_ECONFIG);
	assert_non_null(strstr(err.msg, "larger than"));
}

static void test_shipped_examples_load(void **state)
{
	(void)state;
	struct rk_config *c = NULL;
	struct rk_err err = {0};
	if (config_load(RECKON_SOURCE_DIR "/config/reckon.example.json", &c, &err) != RK_OK)
		fail_msg("reckon.example.json: %s", err.msg);
	assert_int_equal(c->nvenues, 2);
	assert_true(c->metrics);
	assert_true(c->report.present);
	assert_non_null(c->policy_json);
	config_free(c);
	if (config_load(RECKON_SOURCE_DIR "/config/reckon.sim.example.json", &c, &err) != RK_OK)
		fail_msg("reckon.sim.example.json: %s", err.msg);
	assert_string_equal(c->policy_file, RECKON_SOURCE_DIR "/config/policy.example.json");
	assert_string_equal(c->venues[0].scenario,
			    RECKON_SOURCE_DIR "/config/../scenarios/demo.json");
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_paths_are_resolved_against_the_file_folder),
		cmocka_unit_test(test_errors_name_the_file_then_the_json_path),
		cmocka_unit_test(test_missing_file_is_not_found),
		cmocka_unit_test(test_nul_byte_and_oversized_files_are_refused),
		cmocka_unit_test(test_shipped_examples_load),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
