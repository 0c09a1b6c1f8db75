/*
 * policy.h — what reckon is allowed to do, per venue and per symbol: stop
 * distance, take profit, bracket or stop-only, what to do with orphans and
 * with stops that would trigger, circuit-breaker limits, dust threshold.
 *
 * Loaded from a JSON file (documented in README.md, example in
 * config/policy.example.json):
 *   { "defaults": { RULE }, "venues": { "coinbase": { RULE,
 *       "symbols": { "TOWNS-USD": { RULE } } } } }
 * A symbol rule overrides its venue's, which overrides the defaults; every
 * key is optional. Unknown keys are errors (a typo must not silently fall
 * back to a default), and so are duplicate keys and out-of-range values.
 * Amounts may be strings ("2.5") or JSON numbers that read back exactly
 * with at most 15 significant digits. "take_profit_pct": null and
 * "hard_stop_pct": null switch an inherited value off at that level.
 * The breaker limits (max_destructive_*) apply to a whole pass and the fill
 * look-back to a whole venue, so they are allowed in defaults and venues
 * only; in a symbol rule they are an error.
 *
 * This module only parses: it is handed the document's text and never opens
 * a file (the CLI reads it, src/cli/policy_file.h). One table in policy.c
 * holds every key with its built-in default and whether it is reloadable:
 * a long-running process may swap in a re-read policy between passes when
 * policy_check_reload says every changed key is reloadable; a fixed key
 * (fill_lookback_hours, bound when the venue is opened) needs a restart.
 *
 * Threads: a struct policy is immutable once parsed; share it freely.
 */
#ifndef RECKON_POLICY_H
#define RECKON_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "dec.h"
#include "err.h"
#include "model.h"

enum stop_ref { STOP_REF_ENTRY = 0, STOP_REF_LAST };
/* A position whose price is already past the entry-based stop level. */
enum far_choice { FAR_STOP_FROM_LAST = 0, FAR_EXIT_NOW };
enum orphan_choice { ORPHAN_ADOPT = 0, ORPHAN_CANCEL, ORPHAN_REPORT };
/* A working stop the price is already through (only that: a new stop refused
 * as "would immediately trigger" is placed again from a fresh price by the
 * policy's level rules, stop_level.h). */
enum trigger_choice { TRIGGER_EMERGENCY_CLOSE = 0, TRIGGER_REPRICE };
enum protect_style { PROTECT_STOP_ONLY = 0, PROTECT_BRACKET };
/* A protective placement that finally failed (confirmed refusal, retries
 * exhausted, or re-placing exhausted) where reckon left the position bare
 * (this pass removed its stop, or its stop is through the price): close at
 * market, or leave it unprotected and say so loudly. */
enum protect_failure { PROTECT_FAIL_EMERGENCY_CLOSE = 0, PROTECT_FAIL_ALERT };

struct policy_rule {
	struct dec stop_pct;           /* "stop_pct": distance, percent (default 5) */
	enum stop_ref stop_ref;        /* "stop_from": "entry" (default) | "last" */
	enum far_choice far;           /* "past_stop": "stop_from_last" (default) | "exit_now" */
	bool has_take_profit;
	struct dec take_profit_pct;    /* "take_profit_pct": percent, absent = none */
	bool has_hard_stop;
	struct dec hard_stop_pct;      /* "hard_stop_pct": loss from entry that means exit now */
	enum protect_style style;      /* "protect": "stop" (default) | "bracket" */
	enum orphan_choice orphans;    /* "orphans": "adopt" (default) | "cancel" | "report" */
	enum trigger_choice on_trigger;/* "would_trigger": "emergency_close" (default) | "reprice" */
	struct dec reprice_buffer_pct; /* "reprice_buffer_pct": default 1 */
	int reprice_max_attempts;      /* "reprice_max_attempts": stops placed again after
					* would-trigger refusals in one pass (default 2, 0..10) */
	enum protect_failure on_protect_failure; /* "on_protect_failure": "emergency_close"
						  * (default) | "alert" */
	int protect_retries;           /* "protect_retries": re-sends of a placement whose outcome
					* was unknown and confirmed absent, and fresh-id re-sends
					* of one answered with another order (default 2, 0..10) */
	int protect_retry_backoff_ms;  /* "protect_retry_backoff_ms": wait before the first re-send,
					* doubled for each next one (default 500, 0..60000) */
	struct dec dust_notional;      /* "dust_notional": quote value below which a holding is dust (default 1) */
	int stale_quiet_seconds;       /* "stale_quiet_seconds": default 60 */
	int stale_min_passes;          /* "stale_min_passes": default 2 */
	int breaker_per_pass;          /* "max_destructive_per_pass": default 20 */
	int breaker_per_hour;          /* "max_destructive_per_hour": default 100 */
	int fill_lookback_hours;       /* "fill_lookback_hours": how far back a venue's fills are
					* read when the journal has no cursor yet (Binance;
					* default 168, 1..4320); per venue */
};

struct policy; /* opaque */

/* The built-in defaults (the table's default column, documented above).
 * Caller frees with policy_free. */
enum rk_rc policy_default(struct policy **out /* OUT */, struct rk_err *err);
/* Parses a policy document (NUL-terminated JSON text). Errors are RK_ECONFIG
 * naming the JSON path ("venues.coinbase.stop_pct: ..."), or RK_ENOMEM. */
enum rk_rc policy_parse(const char *json, struct policy **out /* OUT */, struct rk_err *err);
void policy_free(struct policy *p); /* NULL-safe */

/*
 * Whether `next` may replace `cur` in a running process without a restart:
 * RK_OK when every key whose effective value differs (for any venue, and any
 * symbol either names) is reloadable, or nothing differs; RK_ECONFIG naming
 * the first fixed key that changed, and where, otherwise. Amounts compare by
 * value ("5" and "5.0" are equal). Neither policy is changed.
 */
enum rk_rc policy_check_reload(const struct policy *cur, const struct policy *next,
			       struct rk_err *err);

/* One row of the key table, for documentation and tests. */
struct policy_key_info {
	const char *name;  /* as in the file: "stop_pct" */
	const char *def;   /* built-in default as written in the file ("5", "entry");
			    * NULL: absent (take_profit_pct, hard_stop_pct) */
	bool reloadable;   /* may change on reload (policy_check_reload) */
	bool per_venue;    /* allowed in defaults and venues only */
};

/* Row `i` of the key table (0, 1, ...); false past the last. */
bool policy_key(size_t i, struct policy_key_info *out /* OUT */);

/* The effective rule for venue + symbol (never NULL; borrowed from p). */
const struct policy_rule *policy_for(const struct policy *p, enum venue_kind venue,
				     const char *symbol);

/* The spelling of each choice in the policy file ("stop_from_last", "reprice",
 * ...), for notes and finding details. "" for a value out of range. */
const char *policy_stop_ref_name(enum stop_ref r);
const char *policy_far_name(enum far_choice f);
const char *policy_style_name(enum protect_style s);
const char *policy_orphan_name(enum orphan_choice o);
const char *policy_trigger_name(enum trigger_choice t);
const char *policy_protect_failure_name(enum protect_failure f);

#endif
