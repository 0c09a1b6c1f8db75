/*
 * test_registry.c — opening venues from a configuration (src/venues/
 * registry.h): each kind opens, simulated from a scenario or real with its
 * credentials given or from the environment; an unknown kind, a missing
 * scenario and missing credentials are refused with a message naming the
 * field or the variable. Nothing here reaches a network: creating a client
 * sends no request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "registry.h"
#include "sim.h"

#define KEY_ENV "RECKON_TEST_REGISTRY_KEY"
#define SECRET_ENV "RECKON_TEST_REGISTRY_SECRET"
#define LOOPBACK "http://127.0.0.1:9"

/* A scenario that defines all three venues the sim can play. */
static const char ALL_THREE[] =
	"{\"venues\": {"
	"\"coinbase\": {\"instruments\": [{\"symbol\": \"TOK-USD\"}]},"
	"\"binance-usdm\": {\"instruments\": [{\"symbol\": \"TOK-USDT\"}]},"
	"\"sim\": {\"instruments\": [{\"symbol\": \"TOK-USD\"}]}}}";

static const char ONLY_BINANCE[] =
	"{\"venues\": {\"binance-usdm\": {\"instruments\": [{\"symbol\": \"TOK-USDT\"}]}}}";

/* An EC P-256 private key in PEM, as Coinbase keys are; free() it. */
static char *ec_key_pem(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	assert_non_null(pkey);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	long n = BIO_get_mem_data(bio, &data);
	char *pem = malloc((size_t)n + 1);
	assert_non_null(pem);
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return pem;
}

static void clear_env(void)
{
	unsetenv(KEY_ENV);
	unsetenv(KEY_ENV "_FILE");
	unsetenv(SECRET_ENV);
	unsetenv(SECRET_ENV "_FILE");
}

static void test_each_kind_opens_simulated_from_a_scenario(void **state)
{
	(void)state;
	static const enum venue_kind KINDS[] = {VENUE_COINBASE, VENUE_BINANCE_USDM, VENUE_SIM};
	for (size_t i = 0; i < 3; i++) {
		struct venue_config cfg = {.kind = KINDS[i], .scenario = ALL_THREE};
		struct venue *v = NULL;
		struct rk_err err = {0};
		if (registry_open(&cfg, &v, &err) != RK_OK)
			fail_msg("%s: %s", venue_name(KINDS[i]), err.msg);
		assert_true(sim_venue_is_sim(v));
		assert_int_equal(v->kind, KINDS[i]);
		venue_destroy(v);
	}
}

static void test_open_all_opens_every_venue_of_the_scenario(void **state)
{
	(void)state;
	struct venue *v[REGISTRY_SIM_VENUES] = {NULL};
	size_t n = 99;
	struct rk_err err = {0};
	struct venue_config cfg = {.kind = VENUE_UNKNOWN, .scenario = ALL_THREE};
	assert_int_equal(registry_open_all(&cfg, v, &n, &err), RK_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0]->kind, VENUE_COINBASE);
	assert_int_equal(v[1]->kind, VENUE_BINANCE_USDM);
	assert_int_equal(v[2]->kind, VENUE_SIM);
	for (size_t i = 0; i < n; i++)
		venue_destroy(v[i]);

	cfg.scenario = ONLY_BINANCE;
	assert_int_equal(registry_open_all(&cfg, v, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->kind, VENUE_BINANCE_USDM);
	venue_destroy(v[0]);

	/* Named: only that one, and a missing one is an error. */
	cfg.kind = VENUE_COINBASE;
	assert_int_equal(registry_open_all(&cfg, v, &n, &err), RK_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "no venue 'coinbase'"));
}

static void test_scenario_without_venues_is_not_found(void **state)
{
	(void)state;
	struct venue *v[REGISTRY_SIM_VENUES] = {NULL};
	size_t n = 99;
	struct rk_err err = {0};
	struct venue_config cfg = {.kind = VENUE_UNKNOWN, .scenario = "{\"venues\": {}}"};
	assert_int_equal(registry_open_all(&cfg, v, &n, &err), RK_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_string_equal(err.msg, "scenario defines no venue");
}

/* A broken scenario is its own error, not "no venue", and nothing stays open. */
static void test_open_all_stops_at_a_broken_venue(void **state)
{
	(void)state;
	struct venue *v[REGISTRY_SIM_VENUES] = {NULL};
	size_t n = 99;
	struct rk_err err = {0};
	struct venue_config cfg = {
		.kind = VENUE_UNKNOWN,
		.scenario = "{\"venues\": {\"coinbase\": {}, \"binance-usdm\": {\"page_size\": 0}}}"};
	assert_int_equal(registry_open_all(&cfg, v, &n, &err), RK_EINVAL);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "scenario.venues.binance-usdm.page_size"));
}

static void test_unknown_kind_is_refused_naming_the_field(void **state)
{
	(void)state;
	struct venue *v = (struct venue *)1;
	struct rk_err err = {0};
	struct venue_config cfg = {.kind = VENUE_UNKNOWN, .base_url = LOOPBACK};
	assert_int_equal(registry_open(&cfg, &v, &err), RK_EINVAL);
	assert_null(v);
	assert_string_equal(err.msg, "venue config: kind: want coinbase, binance-usdm or sim");
	cfg.kind = (enum venue_kind)42;
	assert_int_equal(registry_open(&cfg, &v, &err), RK_EINVAL);
}

static void test_sim_without_a_scenario_is_refused(void **state)
{
	(void)state;
	struct venue *v = NULL;
	struct rk_err err = {0};
	struct venue_config cfg = {.kind = VENUE_SIM};
	assert_int_equal(registry_open(&cfg, &v, &err), RK_EINVAL);
	assert_null(v);
	assert_non_null(strstr(err.msg, "venue config: scenario:"));
}

static void test_half_the_credentials_are_refused(void **state)
{
	(void)state;
	struct venue *v = NULL;
	struct rk_err err = {0};
	struct venue_config cfg = {.kind = VENUE_BINANCE_USDM, .base_url = LOOPBACK,
				   .key = "k"};
	assert_int_equal(registry_open(&cfg, &v, &err), RK_ECONFIG);
	assert_null(v);
	assert_string_equal(err.msg,
			    "venue config: secret: missing (key is set); give both or neither");
	cfg.key = NULL;
	cfg.secret = "s";
	assert_int_equal(registry_open(&cfg, &v, &err), RK_ECONFIG);
	assert_non_null(strstr(err.msg, "venue config: key: missing"));
}

static void test_missing_credentials_name_the_variable(void **state)
{
	(void)state;
	static const enum venue_kind KINDS[] = {VENUE_COINBASE, VENUE_BINANCE_USDM};
	struct venue *v = NULL;
	struct rk_err err = {0};
	clear_env();
	for (size_t i = 0; i < 2; i++) {
		struct venue_config cfg = {.kind = KINDS[i], .base_url = LOOPBACK,
					   .key_env = KEY_ENV, .secret_env = SECRET_ENV};
		assert_int_equal(registry_open(&cfg, &v, &err), RK_ENOTFOUND);
		assert_null(v);
		assert_non_null(strstr(err.msg, KEY_ENV));
		setenv(KEY_ENV, "key", 1);
		assert_int_equal(registry_open(&cfg, &v, &err), RK_ENOTFOUND);
		assert_non_null(strstr(err.msg, SECRET_ENV));
		clear_env();
	}
}

static void test_real_binance_opens_with_credentials_from_the_environment(void **state)
{
	(void)state;
	struct venue *v = NULL;
	struct rk_err err = {0};
	int64_t now = 1700000000000000LL;
	clear_env();
	setenv(KEY_ENV, "api-key", 1);
	setenv(SECRET_ENV, "api-secret", 1);
	struct venue_config cfg = {.kind = VENUE_BINANCE_USDM, .base_url = LOOPBACK,
				   .key_env = KEY_ENV, .secret_env = SECRET_ENV,
				   .timeout_ms = 1000, .fills_lookback_hours = 48,
				   .clock = rk_clock_manual(&now)};
	if (registry_open(&cfg, &v, &err) != RK_OK)
		fail_msg("registry_open: %s", err.msg);
	assert_false(sim_venue_is_sim(v));
	assert_int_equal(v->kind, VENUE_BINANCE_USDM);
	assert_true(v->caps.is_futures);
	venue_destroy(v);
	clear_env();
}

static void test_real_coinbase_opens_with_credentials_given(void **state)
{
	(void)state;
	struct venue *v = NULL;
	struct rk_err err = {0};
	char *pem = ec_key_pem();
	struct venue_config cfg = {.kind = VENUE_COINBASE, .base_url = LOOPBACK,
				   .account = "main", .key = "organizations/o/apiKeys/k",
				   .secret = pem};
	if (registry_open(&cfg, &v, &err) != RK_OK)
		fail_msg("registry_open: %s", err.msg);
	assert_false(sim_venue_is_sim(v));
	assert_int_equal(v->kind, VENUE_COINBASE);
	assert_false(v->caps.is_futures);
	venue_destroy(v);
	/* A key the signer cannot use is the client's configuration error. */
	cfg.secret = "not a key";
	assert_int_equal(registry_open(&cfg, &v, &err), RK_ECONFIG);
	assert_null(v);
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind_opens_simulated_from_a_scenario),
		cmocka_unit_test(test_open_all_opens_every_venue_of_the_scenario),
		cmocka_unit_test(test_scenario_without_venues_is_not_found),
		cmocka_unit_test(test_open_all_stops_at_a_broken_venue),
		cmocka_unit_test(test_unknown_kind_is_refused_naming_the_field),
		cmocka_unit_test(test_sim_without_a_scenario_is_refused),
		cmocka_unit_test(test_half_the_credentials_are_refused),
		cmocka_unit_test(test_missing_credentials_name_the_variable),
		cmocka_unit_test(test_real_binance_opens_with_credentials_from_the_environment),
		cmocka_unit_test(test_real_coinbase_opens_with_credentials_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
