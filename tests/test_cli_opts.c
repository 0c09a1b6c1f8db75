/*
 * test_cli_opts.c — the sub-commands' option parser (src/cli/cli_opts.c)
 * and command table (src/cli/cli.c): values and flags land where the table
 * says, positional arguments come after, -h/--help always means help, and
 * every usage error names the option it is about.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"

static int helps; /* calls of help() */

static void help(void)
{
	helps++;
}

/* stderr while a parse runs, captured. */
static char captured[1024];
static int saved_fd = -1;
static FILE *capture_file;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_fd = dup(STDERR_FILENO);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

static const char *capture_end(void)
{
	fflush(stderr);
	assert_true(dup2(saved_fd, STDERR_FILENO) >= 0);
	close(saved_fd);
	rewind(capture_file);
	size_t n = fread(captured, 1, sizeof captured - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

/* The options of a typical command. */
struct args {
	const char *db, *venue, *account;
	bool sim, dry_run;
	int takes;
	char taken[64];
};

static int take_param(const char *command, const char *option, const char *value, void *ctx)
{
	struct args *a = ctx;
	if (strcmp(value, "bad") == 0)
		return cli_usage_error(command, "--%s '%s': bad", option, value);
	a->takes++;
	snprintf(a->taken, sizeof a->taken, "%s", value);
	return -1;
}

/* Parses the NULL-terminated words as `reckon test WORDS...`. */
static int parse(struct args *a, int *first, const char *const *words)
{
	char *argv[32] = {"test"};
	int argc = 1;
	for (; words[argc - 1]; argc++)
		argv[argc] = (char *)words[argc - 1];
	const struct cli_opt opts[] = {{"db", .value = &a->db},
				       {"venue", .take = cli_take_venue, .ctx = &a->venue},
				       {"account", .value = &a->account},
				       {"sim", .flag = &a->sim},
				       {"dry-run", .flag = &a->dry_run},
				       {"param", .take = take_param, .ctx = a},
				       {NULL}};
	memset(a, 0, sizeof *a);
	helps = 0;
	return cli_opts_parse("test", argc, argv, opts, help, first);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_values_and_flags_land_where_the_table_says(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--db", "j.db", "--sim", "--account=main")), -1);
	assert_string_equal(a.db, "j.db");
	assert_string_equal(a.account, "main");
	assert_true(a.sim);
	assert_false(a.dry_run);
	assert_null(a.venue);
	assert_int_equal(first, 5);
}

static void test_positional_arguments_come_after_the_options(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	char *argv[] = {"test", "verify", "--db", "j.db", "extra", NULL};
	const struct cli_opt opts[] = {{"db", .value = &a.db}, {NULL}};
	memset(&a, 0, sizeof a);
	assert_int_equal(cli_opts_parse("test", 5, argv, opts, help, &first), -1);
	assert_string_equal(a.db, "j.db");
	assert_int_equal(first, 3);
	assert_string_equal(argv[first], "verify");
	assert_string_equal(argv[first + 1], "extra");
}

static void test_double_dash_ends_the_options(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--sim", "--", "--db", "x")), -1);
	assert_true(a.sim);
	assert_null(a.db);
	assert_int_equal(first, 3);
}

static void test_the_last_value_wins(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--db", "a.db", "--db=b.db")), -1);
	assert_string_equal(a.db, "b.db");
}

static void test_a_unique_prefix_stands_for_the_option(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--dr", "--acc", "x")), -1);
	assert_true(a.dry_run);
	assert_string_equal(a.account, "x");
}

static void test_help_anywhere_prints_help_and_exits_0(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--db", "x", "--help", "--bogus")), EX_OK);
	assert_int_equal(helps, 1);
	assert_int_equal(parse(&a, &first, WORDS("verify", "-h")), EX_OK);
	assert_int_equal(helps, 1);
}

static void test_a_table_without_options_still_has_help(void **state)
{
	(void)state;
	int first = 0;
	char *argv[] = {"test", "--help", NULL};
	const struct cli_opt none[] = {{NULL}};
	helps = 0;
	assert_int_equal(cli_opts_parse("test", 2, argv, none, help, &first), EX_OK);
	assert_int_equal(helps, 1);
}

/* Parses, expecting EX_USAGE and `want` in what stderr got. */
static void check_refused(const char *const *words, const char *want)
{
	struct args a;
	int first = 0;
	capture_start();
	int code = parse(&a, &first, words);
	const char *err = capture_end();
	assert_int_equal(code, EX_USAGE);
	if (!strstr(err, want))
		fail_msg("stderr \"%s\" lacks \"%s\"", err, want);
	assert_non_null(strstr(err, "Try 'reckon test --help'."));
	assert_int_equal(helps, 0);
}

static void test_an_unknown_option_is_named(void **state)
{
	(void)state;
	check_refused(WORDS("--db", "x", "--frob"), "reckon test: unknown option '--frob'");
	check_refused(WORDS("--frob=1"), "unknown option '--frob=1'");
	check_refused(WORDS("-q"), "unknown option '-q'");
}

/* An unknown letter in a cluster is named itself, never blamed on the long
 * option before it. */
static void test_an_unknown_short_option_in_a_cluster_is_named(void **state)
{
	(void)state;
	check_refused(WORDS("--sim", "-xq"), "reckon test: unknown option '-x'");
	check_refused(WORDS("--db", "a.db", "-qx"), "unknown option '-q'");
}

/* A prefix of two options is named as ambiguous with both, not as unknown. */
static void test_an_ambiguous_prefix_lists_the_options_it_could_be(void **state)
{
	(void)state;
	check_refused(WORDS("--d", "x.db"),
		      "reckon test: option '--d' is ambiguous; possibilities: '--db' '--dry-run'");
	check_refused(WORDS("--d=x.db"), "option '--d' is ambiguous");
}

static void test_a_missing_value_names_the_option(void **state)
{
	(void)state;
	check_refused(WORDS("--sim", "--db"), "reckon test: option '--db' needs a value");
	check_refused(WORDS("--venue"), "option '--venue' needs a value");
}

static void test_a_value_for_a_flag_names_the_option(void **state)
{
	(void)state;
	check_refused(WORDS("--sim=yes"), "option '--sim' takes no value");
}

static void test_a_take_callback_collects_and_may_refuse(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--param", "k=1", "--param=k=2")), -1);
	assert_int_equal(a.takes, 2);
	assert_string_equal(a.taken, "k=2");
	check_refused(WORDS("--param", "bad"), "--param 'bad': bad");
}

static void test_venue_names_are_checked(void **state)
{
	(void)state;
	struct args a;
	int first = 0;
	assert_int_equal(parse(&a, &first, WORDS("--venue", "binance-usdm")), -1);
	assert_string_equal(a.venue, "binance-usdm");
	check_refused(WORDS("--venue", "kraken"),
		      "--venue 'kraken': not coinbase, binance-usdm or sim");
}

static void test_whole_numbers_are_checked_against_their_range(void **state)
{
	(void)state;
	long ms = 0;
	int first = 0;
	struct cli_long range = {&ms, 1, 600000};
	const struct cli_opt opts[] = {{"timeout-ms", .take = cli_take_long, .ctx = &range},
				       {NULL}};
	char *ok[] = {"test", "--timeout-ms", "2500", NULL};
	assert_int_equal(cli_opts_parse("test", 3, ok, opts, help, &first), -1);
	assert_int_equal(ms, 2500);
	const char *bad[] = {"0", "600001", "12x", "", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = {"test", "--timeout-ms", (char *)bad[i], NULL};
		capture_start();
		int code = cli_opts_parse("test", 3, argv, opts, help, &first);
		const char *err = capture_end();
		assert_int_equal(code, EX_USAGE);
		assert_non_null(strstr(err, "reckon test: --timeout-ms must be 1..600000"));
		assert_int_equal(ms, 2500);
	}
}

/* The table `reckon help` lists and dispatches through. */
static void test_every_command_has_a_handler_summary_and_usage(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct cli_command *c = CLI_COMMANDS; c->name; c++, n++) {
		char want[32];
		snprintf(want, sizeof want, "reckon %s", c->name);
		assert_non_null(c->run);
		assert_non_null(c->summary);
		assert_non_null(c->usage);
		assert_memory_equal(c->usage, want, strlen(want));
		assert_ptr_equal(cli_command_find(c->name), c);
	}
	assert_int_equal(n, 13); /* run and status: issue 11; report: issue 13 */
	assert_null(cli_command_find("frobnicate"));
}

static void test_unknown_command_is_a_usage_error(void **state)
{
	(void)state;
	char *argv[] = {"reckon", "frobnicate", NULL};
	capture_start();
	int code = cli_main(2, argv);
	const char *err = capture_end();
	assert_int_equal(code, EX_USAGE);
	assert_non_null(strstr(err, "unknown command 'frobnicate'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_flags_land_where_the_table_says),
		cmocka_unit_test(test_positional_arguments_come_after_the_options),
		cmocka_unit_test(test_double_dash_ends_the_options),
		cmocka_unit_test(test_the_last_value_wins),
		cmocka_unit_test(test_a_unique_prefix_stands_for_the_option),
		cmocka_unit_test(test_help_anywhere_prints_help_and_exits_0),
		cmocka_unit_test(test_a_table_without_options_still_has_help),
		cmocka_unit_test(test_an_unknown_option_is_named),
		cmocka_unit_test(test_an_unknown_short_option_in_a_cluster_is_named),
		cmocka_unit_test(test_an_ambiguous_prefix_lists_the_options_it_could_be),
		cmocka_unit_test(test_a_missing_value_names_the_option),
		cmocka_unit_test(test_a_value_for_a_flag_names_the_option),
		cmocka_unit_test(test_a_take_callback_collects_and_may_refuse),
		cmocka_unit_test(test_venue_names_are_checked),
		cmocka_unit_test(test_whole_numbers_are_checked_against_their_range),
		cmocka_unit_test(test_every_command_has_a_handler_summary_and_usage),
		cmocka_unit_test(test_unknown_command_is_a_usage_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
