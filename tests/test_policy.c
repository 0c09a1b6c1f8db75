/*
 * test_policy.c — the policy document (src/core/policy.c): documented
 * defaults from the key table, layering defaults <- venue <- symbol, errors
 * that name the JSON path for unknown keys and bad values, and which changes
 * a running process may take on reload. Reading the file is tested in
 * test_policy_file.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy.h"

static void assert_dec_text(struct dec d, const char *want)
{
	char buf[DEC_STR_MAX];
	assert_string_equal(dec_format(d, buf), want);
}

static struct policy *parse_ok(const char *json)
{
	struct policy *p = NULL;
	struct rk_err err = {0};
	if (policy_parse(json, &p, &err) != RK_OK)
		fail_msg("policy_parse(%s): %s", json, err.msg);
	return p;
}

/* Parses `json`, expecting RK_ECONFIG with `want` in the message. */
static void check_rejected(const char *json, const char *want, const char *file, int line)
{
	struct policy *p = NULL;
	struct rk_err err = {0};
	enum rk_rc rc = policy_parse(json, &p, &err);
	if (rc != RK_ECONFIG || p != NULL)
		fail_msg("%s:%d: %s accepted (rc %d)", file, line, json, (int)rc);
	if (!strstr(err.msg, want))
		fail_msg("%s:%d: error \"%s\" lacks \"%s\"", file, line, err.msg, want);
}
#define assert_rejected(json, want) check_rejected((json), (want), __FILE__, __LINE__)

static void check_defaults(const struct policy_rule *r)
{
	assert_dec_text(r->stop_pct, "5");
	assert_int_equal(r->stop_ref, STOP_REF_ENTRY);
	assert_int_equal(r->far, FAR_STOP_FROM_LAST);
	assert_false(r->has_take_profit);
	assert_false(r->has_hard_stop);
	assert_int_equal(r->style, PROTECT_STOP_ONLY);
	assert_int_equal(r->orphans, ORPHAN_ADOPT);
	assert_int_equal(r->on_trigger, TRIGGER_EMERGENCY_CLOSE);
	assert_dec_text(r->reprice_buffer_pct, "1");
	assert_dec_text(r->dust_notional, "1");
	assert_int_equal(r->stale_quiet_seconds, 60);
	assert_int_equal(r->stale_min_passes, 2);
	assert_int_equal(r->breaker_per_pass, 20);
	assert_int_equal(r->breaker_per_hour, 100);
	/* Issue 8: protection retries and follow-ups, the fill look-back. */
	assert_int_equal(r->reprice_max_attempts, 2);
	assert_int_equal(r->on_protect_failure, PROTECT_FAIL_EMERGENCY_CLOSE);
	assert_int_equal(r->protect_retries, 2);
	assert_int_equal(r->protect_retry_backoff_ms, 500);
	assert_int_equal(r->fill_lookback_hours, 168);
}

static void test_defaults(void **state)
{
	(void)state;
	struct policy *p = NULL;
	struct rk_err err;
	assert_int_equal(policy_default(&p, &err), RK_OK);
	check_defaults(policy_for(p, VENUE_COINBASE, "TOWNS-USD"));
	check_defaults(policy_for(p, VENUE_BINANCE_USDM, NULL));
	policy_free(p);
}

static void test_empty_document_gives_defaults(void **state)
{
	(void)state;
	struct policy *p = parse_ok("{}");
	check_defaults(policy_for(p, VENUE_SIM, "X-USD"));
	policy_free(p);
}

static void test_symbol_overrides_venue_overrides_defaults(void **state)
{
	(void)state;
	/* "venues" before "defaults": the order of keys must not matter. */
	struct policy *p = parse_ok(
		"{\"venues\":{\"coinbase\":{\"stop_pct\":\"3\",\"protect\":\"bracket\","
		"\"symbols\":{\"TOWNS-USD\":{\"stop_pct\":2.5,\"past_stop\":\"exit_now\"}}}},"
		"\"defaults\":{\"stop_pct\":4,\"take_profit_pct\":\"8\",\"orphans\":\"report\"}}");
	const struct policy_rule *sym = policy_for(p, VENUE_COINBASE, "TOWNS-USD");
	const struct policy_rule *ven = policy_for(p, VENUE_COINBASE, "UNI-USD");
	const struct policy_rule *def = policy_for(p, VENUE_BINANCE_USDM, "ATOMUSDT");
	assert_dec_text(sym->stop_pct, "2.5");
	assert_int_equal(sym->far, FAR_EXIT_NOW);
	assert_int_equal(sym->style, PROTECT_BRACKET);   /* from the venue */
	assert_int_equal(sym->orphans, ORPHAN_REPORT);   /* from the defaults */
	assert_true(sym->has_take_profit);
	assert_dec_text(sym->take_profit_pct, "8");
	assert_dec_text(ven->stop_pct, "3");
	assert_int_equal(ven->far, FAR_STOP_FROM_LAST);
	assert_dec_text(def->stop_pct, "4");
	assert_int_equal(def->style, PROTECT_STOP_ONLY);
	policy_free(p);
}

static void test_every_key_is_read(void **state)
{
	(void)state;
	struct policy *p = parse_ok(
		"{\"defaults\":{\"stop_pct\":\"7\",\"stop_from\":\"last\",\"past_stop\":\"exit_now\","
		"\"take_profit_pct\":12,\"hard_stop_pct\":\"20\",\"protect\":\"bracket\","
		"\"orphans\":\"cancel\",\"would_trigger\":\"reprice\",\"reprice_buffer_pct\":0.5,"
		"\"dust_notional\":\"2.5\",\"stale_quiet_seconds\":0,\"stale_min_passes\":4,"
		"\"max_destructive_per_pass\":3,\"max_destructive_per_hour\":0,"
		"\"reprice_max_attempts\":0,\"on_protect_failure\":\"alert\",\"protect_retries\":5,"
		"\"protect_retry_backoff_ms\":0,\"fill_lookback_hours\":24}}");
	const struct policy_rule *r = policy_for(p, VENUE_SIM, NULL);
	assert_dec_text(r->stop_pct, "7");
	assert_int_equal(r->stop_ref, STOP_REF_LAST);
	assert_int_equal(r->far, FAR_EXIT_NOW);
	assert_dec_text(r->take_profit_pct, "12");
	assert_true(r->has_hard_stop);
	assert_dec_text(r->hard_stop_pct, "20");
	assert_int_equal(r->style, PROTECT_BRACKET);
	assert_int_equal(r->orphans, ORPHAN_CANCEL);
	assert_int_equal(r->on_trigger, TRIGGER_REPRICE);
	assert_dec_text(r->reprice_buffer_pct, "0.5");
	assert_dec_text(r->dust_notional, "2.5");
	assert_int_equal(r->stale_quiet_seconds, 0);
	assert_int_equal(r->stale_min_passes, 4);
	assert_int_equal(r->breaker_per_pass, 3);
	assert_int_equal(r->breaker_per_hour, 0);
	assert_int_equal(r->reprice_max_attempts, 0);
	assert_int_equal(r->on_protect_failure, PROTECT_FAIL_ALERT);
	assert_int_equal(r->protect_retries, 5);
	assert_int_equal(r->protect_retry_backoff_ms, 0);
	assert_int_equal(r->fill_lookback_hours, 24);
	policy_free(p);
}

static void test_null_switches_inherited_take_profit_off(void **state)
{
	(void)state;
	struct policy *p = parse_ok("{\"defaults\":{\"take_profit_pct\":\"8\"},\"venues\":"
				    "{\"sim\":{\"symbols\":{\"A-USD\":{\"take_profit_pct\":null}}}}}");
	assert_false(policy_for(p, VENUE_SIM, "A-USD")->has_take_profit);
	assert_true(policy_for(p, VENUE_SIM, "B-USD")->has_take_profit);
	policy_free(p);
}

static void test_unknown_key_error_names_the_path(void **state)
{
	(void)state;
	assert_rejected("{\"defaults\":{\"stop_pc\":5}}", "defaults.stop_pc: unknown key");
	assert_rejected("{\"venues\":{\"coinbase\":{\"symbols\":{\"TOWNS-USD\":{\"stopp\":1}}}}}",
			"venues.coinbase.symbols.TOWNS-USD.stopp: unknown key");
	assert_rejected("{\"default\":{}}", "default: unknown key");
	assert_rejected("{\"venues\":{\"kraken\":{}}}", "venues.kraken: unknown venue");
	assert_rejected("{\"defaults\":{\"symbols\":{}}}", "defaults.symbols: unknown key");
}

static void test_numbers_are_read_from_their_own_digits(void **state)
{
	(void)state;
	/* Literals are read from the digits written, not through a double. */
	struct policy *p = parse_ok("{\"defaults\":{\"stop_pct\":2.5e0,\"dust_notional\":0.10,"
				    "\"stale_quiet_seconds\":90},\"venues\":{\"coinbase\":"
				    "{\"symbols\":{\"TOWNS-USD\":{\"reprice_buffer_pct\":1e-1}}}}}");
	const struct policy_rule *r = policy_for(p, VENUE_COINBASE, "TOWNS-USD");
	assert_dec_text(r->stop_pct, "2.5");
	assert_dec_text(r->dust_notional, "0.1");
	assert_dec_text(r->reprice_buffer_pct, "0.1");
	assert_int_equal(r->stale_quiet_seconds, 90);
	policy_free(p);
	/* A double would round 5.0000000000000001 to exactly 5, and its 15-digit
	 * text would read back the same: refused, not silently made 5. */
	assert_rejected("{\"defaults\":{\"stop_pct\":5.0000000000000001}}",
			"defaults.stop_pct: JSON number has more than 15 significant digits");
	assert_rejected("{\"defaults\":{\"stale_quiet_seconds\":6e1}}",
			"defaults.stale_quiet_seconds: must be a whole number");
}

static void test_bad_values_are_rejected_with_their_path(void **state)
{
	(void)state;
	assert_rejected("{\"defaults\":{\"stop_pct\":0}}", "defaults.stop_pct: must be greater");
	assert_rejected("{\"defaults\":{\"stop_pct\":\"100\"}}", "defaults.stop_pct");
	assert_rejected("{\"defaults\":{\"stop_pct\":-1}}", "defaults.stop_pct");
	assert_rejected("{\"defaults\":{\"stop_pct\":\"five\"}}", "defaults.stop_pct");
	assert_rejected("{\"defaults\":{\"stop_pct\":true}}", "defaults.stop_pct");
	assert_rejected("{\"venues\":{\"sim\":{\"take_profit_pct\":0}}}",
			"venues.sim.take_profit_pct: must be greater than 0");
	assert_rejected("{\"defaults\":{\"hard_stop_pct\":\"-5\"}}", "defaults.hard_stop_pct");
	assert_rejected("{\"defaults\":{\"reprice_buffer_pct\":0}}", "defaults.reprice_buffer_pct");
	assert_rejected("{\"defaults\":{\"dust_notional\":\"-0.01\"}}",
			"defaults.dust_notional: must not be negative");
	assert_rejected("{\"defaults\":{\"max_destructive_per_pass\":-1}}",
			"defaults.max_destructive_per_pass: must be >= 0");
	assert_rejected("{\"defaults\":{\"max_destructive_per_hour\":1.5}}",
			"defaults.max_destructive_per_hour: must be a whole number");
	assert_rejected("{\"defaults\":{\"stale_quiet_seconds\":\"60\"}}",
			"defaults.stale_quiet_seconds: must be a whole number");
	assert_rejected("{\"defaults\":{\"stale_min_passes\":0}}",
			"defaults.stale_min_passes: must be >= 1");
	assert_rejected("{\"defaults\":{\"past_stop\":\"sell\"}}",
			"defaults.past_stop: must be one of \"stop_from_last\", \"exit_now\"");
	assert_rejected("{\"defaults\":{\"orphans\":3}}", "defaults.orphans: must be one of");
	assert_rejected("{\"defaults\":{\"stop_pct\":1.23456789012345678}}",
			"write it as a string");
	assert_rejected("{\"defaults\":{\"stop_pct\":1,\"stop_pct\":2}}",
			"defaults.stop_pct: appears twice");
	assert_rejected("{\"venues\":{\"sim\":{\"symbols\":{\"A-USD\":"
			"{\"max_destructive_per_pass\":1}}}}}",
			"venues.sim.symbols.A-USD.max_destructive_per_pass: only allowed");
	assert_rejected("{\"defaults\":{\"reprice_max_attempts\":11}}",
			"defaults.reprice_max_attempts: must be <= 10");
	assert_rejected("{\"defaults\":{\"protect_retries\":-1}}",
			"defaults.protect_retries: must be >= 0");
	assert_rejected("{\"defaults\":{\"protect_retry_backoff_ms\":60001}}",
			"defaults.protect_retry_backoff_ms: must be <= 60000");
	assert_rejected("{\"defaults\":{\"on_protect_failure\":\"sell\"}}",
			"defaults.on_protect_failure: must be one of \"emergency_close\", \"alert\"");
	assert_rejected("{\"defaults\":{\"fill_lookback_hours\":0}}",
			"defaults.fill_lookback_hours: must be >= 1");
	assert_rejected("{\"defaults\":{\"fill_lookback_hours\":4321}}",
			"defaults.fill_lookback_hours: must be <= 4320");
	assert_rejected("{\"venues\":{\"binance-usdm\":{\"symbols\":{\"ATOMUSDT\":"
			"{\"fill_lookback_hours\":24}}}}}",
			"venues.binance-usdm.symbols.ATOMUSDT.fill_lookback_hours: only allowed");
	assert_rejected("{\"defaults\":[]}", "defaults: must be an object");
	assert_rejected("{\"defaults\":{}} trailing", "malformed JSON");
	assert_rejected("[]", "must be an object");
}

/* The table's default column gives the documented defaults, and every
 * default is written as the file would write it. */
static void test_key_table_defaults_read_like_file_values(void **state)
{
	(void)state;
	struct policy_key_info k;
	char json[256];
	size_t n = 0;
	for (; policy_key(n, &k); n++) {
		assert_non_null(k.name);
		if (!k.def)
			continue;
		/* The default, written in a file, parses and changes nothing. */
		bool word = (k.def[0] < '0' || k.def[0] > '9');
		snprintf(json, sizeof json, "{\"defaults\":{\"%s\":%s%s%s}}", k.name,
			 word ? "\"" : "", k.def, word ? "\"" : "");
		struct policy *p = parse_ok(json);
		check_defaults(policy_for(p, VENUE_COINBASE, NULL));
		policy_free(p);
	}
	assert_int_equal(n, 19);
	assert_false(policy_key(n, &k));
}

static void test_optional_keys_have_no_default(void **state)
{
	(void)state;
	struct policy_key_info k;
	for (size_t i = 0; policy_key(i, &k); i++)
		if (strcmp(k.name, "take_profit_pct") == 0 || strcmp(k.name, "hard_stop_pct") == 0)
			assert_null(k.def);
		else
			assert_non_null(k.def);
}

static bool key_reloadable(const char *name)
{
	struct policy_key_info k;
	for (size_t i = 0; policy_key(i, &k); i++)
		if (strcmp(k.name, name) == 0)
			return k.reloadable;
	fail_msg("no key %s", name);
	return false;
}

/* Sizes, distances and retry counts are read by every pass; the fill
 * look-back is bound when the venue is opened. */
static void test_reloadable_column_per_key(void **state)
{
	(void)state;
	assert_true(key_reloadable("stop_pct"));
	assert_true(key_reloadable("protect_retries"));
	assert_true(key_reloadable("reprice_max_attempts"));
	assert_true(key_reloadable("max_destructive_per_pass"));
	assert_false(key_reloadable("fill_lookback_hours"));
}

/* Parses both, then policy_check_reload(old, new). */
static enum rk_rc reload(const char *old_json, const char *new_json, struct rk_err *err)
{
	struct policy *a = parse_ok(old_json), *b = parse_ok(new_json);
	enum rk_rc rc = policy_check_reload(a, b, err);
	policy_free(a);
	policy_free(b);
	return rc;
}

static void test_reload_of_the_same_policy_is_allowed(void **state)
{
	(void)state;
	struct rk_err err = {0};
	const char *doc = "{\"defaults\":{\"fill_lookback_hours\":24,\"stop_pct\":\"3\"}}";
	assert_int_equal(reload(doc, doc, &err), RK_OK);
	assert_int_equal(reload("{}", "{}", &err), RK_OK);
}

static void test_reload_changing_only_reloadable_keys_is_allowed(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(
		reload("{}",
		       "{\"defaults\":{\"stop_pct\":\"3\",\"protect_retries\":5,"
		       "\"take_profit_pct\":\"8\"},\"venues\":{\"coinbase\":{\"symbols\":"
		       "{\"TOWNS-USD\":{\"stop_pct\":\"2\"}}}}}",
		       &err),
		RK_OK);
}

/* The default written out, or "5" as "5.0": the same value, no change. */
static void test_reload_compares_values_not_spellings(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(reload("{}", "{\"defaults\":{\"fill_lookback_hours\":168}}", &err),
			 RK_OK);
	assert_int_equal(reload("{\"defaults\":{\"stop_pct\":\"5\"}}",
				"{\"defaults\":{\"stop_pct\":\"5.0\"}}", &err),
			 RK_OK);
}

static void test_reload_changing_a_fixed_key_is_refused_naming_it(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(reload("{}",
				"{\"defaults\":{\"stop_pct\":\"3\"},\"venues\":{\"binance-usdm\":"
				"{\"fill_lookback_hours\":24}}}",
				&err),
			 RK_ECONFIG);
	assert_non_null(strstr(err.msg, "fill_lookback_hours"));
	assert_non_null(strstr(err.msg, "binance-usdm"));
	assert_non_null(strstr(err.msg, "not reloadable"));
	/* Back again is a change too. */
	assert_int_equal(reload("{\"defaults\":{\"fill_lookback_hours\":24}}", "{}", &err),
			 RK_ECONFIG);
}

static void test_choice_names_match_the_file_spellings(void **state)
{
	(void)state;
	assert_string_equal(policy_far_name(FAR_STOP_FROM_LAST), "stop_from_last");
	assert_string_equal(policy_far_name(FAR_EXIT_NOW), "exit_now");
	assert_string_equal(policy_trigger_name(TRIGGER_REPRICE), "reprice");
	assert_string_equal(policy_orphan_name(ORPHAN_REPORT), "report");
	assert_string_equal(policy_style_name(PROTECT_BRACKET), "bracket");
	assert_string_equal(policy_stop_ref_name(STOP_REF_LAST), "last");
	assert_string_equal(policy_protect_failure_name(PROTECT_FAIL_ALERT), "alert");
	assert_string_equal(policy_protect_failure_name(PROTECT_FAIL_EMERGENCY_CLOSE),
			    "emergency_close");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_document_gives_defaults),
		cmocka_unit_test(test_symbol_overrides_venue_overrides_defaults),
		cmocka_unit_test(test_every_key_is_read),
		cmocka_unit_test(test_null_switches_inherited_take_profit_off),
		cmocka_unit_test(test_unknown_key_error_names_the_path),
		cmocka_unit_test(test_numbers_are_read_from_their_own_digits),
		cmocka_unit_test(test_bad_values_are_rejected_with_their_path),
		cmocka_unit_test(test_choice_names_match_the_file_spellings),
		cmocka_unit_test(test_key_table_defaults_read_like_file_values),
		cmocka_unit_test(test_optional_keys_have_no_default),
		cmocka_unit_test(test_reloadable_column_per_key),
		cmocka_unit_test(test_reload_of_the_same_policy_is_allowed),
		cmocka_unit_test(test_reload_changing_only_reloadable_keys_is_allowed),
		cmocka_unit_test(test_reload_compares_values_not_spellings),
		cmocka_unit_test(test_reload_changing_a_fixed_key_is_refused_naming_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
