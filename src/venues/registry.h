/*
 * registry.h — opening a venue from a plain configuration: the one place
 * that knows which client serves which venue kind, so the CLI and the daemon
 * build venues the same way.
 *
 * A configuration names a kind and either a scenario (the simulated venue,
 * impersonating that kind) or the real venue's address, timeouts and
 * credentials. Credentials are given in the struct, or loaded from the
 * environment (secret.h: the variable NAME holds the secret, or NAME_FILE
 * names a 0600 file that does), by default from the venue's RECKON_* names.
 *
 * Errors name the configuration field or the variable:
 *   RK_EINVAL     no such kind; a simulated venue without a scenario
 *   RK_ECONFIG    half the credentials given; credentials the client refuses
 *   RK_ENOTFOUND  a credential variable is not set; a scenario without the
 *                 venue asked for
 *   RK_EPERM      a credential file has the wrong mode or cannot be opened
 *   and what sim_venue_create, coinbase_venue_create and binance_venue_create
 *   return.
 * Ownership: *out is released with venue_destroy. Nothing in `cfg` need
 * outlive the call (clients copy what they keep); a manual clock's value must
 * outlive the venue. Thread-safe (no shared state).
 */
#ifndef RECKON_VENUES_REGISTRY_H
#define RECKON_VENUES_REGISTRY_H

#include <stddef.h>

#include "err.h"
#include "rk_clock.h"
#include "venue.h"

#define REGISTRY_SIM_VENUES 3 /* coinbase, binance-usdm and sim: all a scenario can define */

struct venue_config {
	enum venue_kind kind;     /* VENUE_COINBASE, VENUE_BINANCE_USDM or VENUE_SIM; for
				   * registry_open_all, VENUE_UNKNOWN = every venue of the
				   * scenario */
	const char *scenario;     /* JSON text of a scenario: the simulated venue (required
				   * for VENUE_SIM); NULL: the real venue */
	const char *account;      /* real: the account name records carry; NULL -> "default" */
	const char *base_url;     /* real: NULL -> the exchange; http:// only to loopback */
	long timeout_ms;          /* real: per request; 0 -> http.h's default */
	int fills_lookback_hours; /* Binance: how far back an empty fills cursor reads;
				   * 0 -> the venue's default (policy fill_lookback_hours) */
	const char *key;          /* Coinbase key name / Binance API key; NULL: from key_env */
	const char *secret;       /* Coinbase private key PEM / Binance API secret; NULL:
				   * from secret_env. Give both key and secret, or neither. */
	const char *key_env;      /* NULL -> RECKON_COINBASE_KEY_NAME / RECKON_BINANCE_API_KEY */
	const char *secret_env;   /* NULL -> RECKON_COINBASE_PRIVATE_KEY /
				   * RECKON_BINANCE_API_SECRET */
	struct rk_clock clock;    /* real: request and snapshot times; zeroed = the system
				   * clock. (The simulated venue keeps scenario time.) */
};

/* Opens the venue `cfg` describes. *out (OUT) is NULL on error. */
enum rk_rc registry_open(const struct venue_config *cfg, struct venue **out /* OUT */,
			 struct rk_err *err);

/*
 * Opens the simulated venues of cfg->scenario: the one cfg->kind names, or,
 * with VENUE_UNKNOWN, every venue the scenario defines, in the order
 * coinbase, binance-usdm, sim. out[] holds REGISTRY_SIM_VENUES; *n (OUT)
 * counts those opened. A scenario that defines none of them is RK_ENOTFOUND
 * with *n 0. On error nothing is left open.
 */
enum rk_rc registry_open_all(const struct venue_config *cfg,
			     struct venue *out[REGISTRY_SIM_VENUES], size_t *n /* OUT */,
			     struct rk_err *err);

#endif
