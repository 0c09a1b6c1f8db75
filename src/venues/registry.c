/*
 * registry.c — a venue from a configuration (see registry.h): the simulated
 * venue from a scenario, or the real client with its credentials.
 */
#include "registry.h"

#include <string.h>

#include "binance.h"
#include "coinbase.h"
#include "secret.h"
#include "sim.h"

/* The kinds registry_open_all tries, in order. */
static const enum venue_kind SIM_KINDS[REGISTRY_SIM_VENUES] = {VENUE_COINBASE,
							       VENUE_BINANCE_USDM, VENUE_SIM};

static bool known_kind(enum venue_kind k)
{
	return k == VENUE_COINBASE || k == VENUE_BINANCE_USDM || k == VENUE_SIM;
}

/* The key and secret: from cfg, or loaded from the environment. On RK_OK
 * the caller releases *key and *secret with secret_free. */
static enum rk_rc credentials(const struct venue_config *cfg, const char *key_env,
			      const char *secret_env, char **key, char **secret,
			      struct rk_err *err)
{
	enum rk_rc rc;
	*key = *secret = NULL;
	if (!cfg->key != !cfg->secret)
		return rk_err_set(err, RK_ECONFIG, "venue config: %s: missing (%s is set); give "
				  "both or neither", cfg->key ? "secret" : "key",
				  cfg->key ? "key" : "secret");
	if (cfg->key) {
		*key = strdup(cfg->key);
		*secret = strdup(cfg->secret);
		if (*key && *secret)
			return RK_OK;
		rc = rk_err_set(err, RK_ENOMEM, "venue config: out of memory");
	} else if ((rc = secret_load(cfg->key_env ? cfg->key_env : key_env, key, err)) == RK_OK &&
		   (rc = secret_load(cfg->secret_env ? cfg->secret_env : secret_env, secret,
				     err)) == RK_OK) {
		return RK_OK;
	}
	secret_free(*key);
	secret_free(*secret);
	*key = *secret = NULL;
	return rc;
}

static enum rk_rc open_coinbase(const struct venue_config *cfg, struct venue **out,
				struct rk_err *err)
{
	char *key = NULL, *pem = NULL;
	enum rk_rc rc = credentials(cfg, COINBASE_ENV_KEY_NAME, COINBASE_ENV_PRIVATE_KEY, &key,
				    &pem, err);
	if (rc)
		return rc;
	struct coinbase_options opt = {.base_url = cfg->base_url, .key_name = key,
				       .private_key_pem = pem, .account = cfg->account,
				       .timeout_ms = cfg->timeout_ms, .clock = cfg->clock};
	rc = coinbase_venue_create(&opt, out, err);
	secret_free(key);
	secret_free(pem);
	return rc;
}

static enum rk_rc open_binance(const struct venue_config *cfg, struct venue **out,
			       struct rk_err *err)
{
	char *key = NULL, *secret = NULL;
	enum rk_rc rc = credentials(cfg, BINANCE_ENV_API_KEY, BINANCE_ENV_API_SECRET, &key,
				    &secret, err);
	if (rc)
		return rc;
	struct http_options http = {.timeout_ms = cfg->timeout_ms};
	struct binance_options opt = {.base_url = cfg->base_url, .api_key = key,
				      .api_secret = secret, .http = &http,
				      .fills_lookback_hours = cfg->fills_lookback_hours,
				      .clock = cfg->clock};
	rc = binance_venue_create(&opt, out, err);
	secret_free(key);
	secret_free(secret);
	return rc;
}

enum rk_rc registry_open(const struct venue_config *cfg, struct venue **out,
			 struct rk_err *err)
{
	*out = NULL;
	if (!known_kind(cfg->kind))
		return rk_err_set(err, RK_EINVAL, "venue config: kind: want coinbase, binance-usdm "
				  "or sim");
	if (cfg->scenario)
		return sim_venue_create(cfg->scenario, venue_name(cfg->kind), out, err);
	if (cfg->kind == VENUE_SIM)
		return rk_err_set(err, RK_EINVAL, "venue config: scenario: the simulated venue "
				  "needs one");
	return cfg->kind == VENUE_COINBASE ? open_coinbase(cfg, out, err)
					   : open_binance(cfg, out, err);
}

enum rk_rc registry_open_all(const struct venue_config *cfg,
			     struct venue *out[REGISTRY_SIM_VENUES], size_t *n,
			     struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	*n = 0;
	if (!cfg->scenario)
		return rk_err_set(err, RK_EINVAL, "venue config: scenario: missing");
	if (cfg->kind != VENUE_UNKNOWN) {
		rc = registry_open(cfg, &out[0], err);
		*n = rc == RK_OK;
		return rc;
	}
	for (size_t k = 0; k < REGISTRY_SIM_VENUES && rc == RK_OK; k++) {
		struct venue_config one = *cfg;
		one.kind = SIM_KINDS[k];
		rc = registry_open(&one, &out[*n], err);
		if (rc == RK_OK)
			(*n)++;
		else if (rc == RK_ENOTFOUND) /* the scenario does not define this one */
			rc = RK_OK;
	}
	if (rc == RK_OK && *n == 0)
		rc = rk_err_set(err, RK_ENOTFOUND, "scenario defines no venue");
	if (rc)
		for (; *n > 0; (*n)--)
			venue_destroy(out[*n - 1]);
	return rc;
}
