/*
 * reconcile.h — one reconciliation pass as a pure function.
 *
 * In:  the local state (read from the journal by recon_store), the venue
 *      snapshot, the venue's capabilities and the policy.
 * Out: findings (what is wrong) and a plan of actions (what to do), in the
 *      order they must run. No I/O, no clock (now_us comes in), no globals.
 *
 * Order of work inside a pass: orders first (orphans, stale), then fills
 * (what the journal lacks: listed fills it does not have, and fills inferred
 * from an order's filled quantity), then positions (drift computed after
 * counting this pass's fills), then protection (missing, mismatched,
 * duplicate, would trigger, blocking orders, dust), planned from the
 * journal's position after this pass's fills (their average entry gives a
 * stop_from=entry level), then adoptions.
 *
 * Order of the plan (what runs first, and takes the breaker budget first):
 *  0. fills the journal lacks (record_inferred_fill): journal writes only,
 *     first so that the pass's own fills (an emergency close's) land after
 *     the fills they close;
 *  1. protection: placements, emergency closes, and the cancels they need
 *     (blocking orders, the stop being replaced, extra stops cancelled so a
 *     spot stop has the balance);
 *  2. other cancels: orphans per policy, stray stops, duplicate stops;
 *  3. bookkeeping: close_local_order lookups, then adoptions (after the
 *     fills, so a fill is not counted twice), never counted as destructive.
 * Inside a group the order of work is kept; an action that a protective one
 * waits for is protective too, so depends_on still points to an earlier one.
 *
 * Safety rules enforced here (each has its own test in tests/test_reconcile.c):
 *  1. incomplete snapshot: no destructive action is planned (no cancel, no
 *     local close, no drift adoption, no emergency close); findings are still
 *     reported and the plan says why;
 *  2. a local open order missing from the exchange becomes close_local_order
 *     only after policy stale_min_passes passes and stale_quiet_seconds;
 *     before that it is a finding without action. The executor then requires
 *     a terminal status from a single-order lookup before journaling it.
 *     After lookup_failures consecutive failed lookups the next one waits
 *     max(stale_quiet_seconds, 60 s) x 2^(failures-1), at most 24 h, from
 *     last_lookup_us; meanwhile the finding says when (lookup_failures,
 *     lookup_backoff_seconds, next_lookup_after) and no action is planned;
 *  2c. an exchange position smaller than the journal can explain as filled
 *     (the venue reports less filled quantity than journaled) halts the
 *     symbol: finding, no action;
 *  3. replace_stop on a venue where orders do not hold the balance places the
 *     new stop before cancelling the old (cancel depends_on place); where they
 *     do, cancel then place, and a failed placement takes the emergency path;
 *  4. a stop that would trigger is never dropped: policy would_trigger
 *     chooses emergency close or a re-priced stop with a buffer. The level
 *     of every new stop comes from stop_level.h, which the follow-up after a
 *     venue's "would trigger" refusal also applies, at a fresh price;
 *  5. a stop already protecting a position with the right size and a sane
 *     level is preserved; no stop is armed for a position that is closing
 *     (a marketable exit order working for its full size);
 *  5b. a take-profit ladder is kept: where orders hold the balance and the
 *     venue has brackets, each exit limit beyond the market that a stop's
 *     balance needs is cancelled and placed again as a bracket of its own size
 *     and take profit carrying the stop (place_stop answering that order's
 *     blocking_order finding); what no leg covers gets the primary finding's
 *     stop (a bracket with protect=bracket and take_profit_pct). Without
 *     brackets the limits give way to one stop for the whole position and the
 *     findings say take_profit_kept=false. A leg whose limit reckon cancelled
 *     in an earlier pass and whose bracket never came (local.legs) is a leg
 *     again, without a cancel, answering the same blocking_order finding key;
 *     when the working stops and such legs cover the position exactly, only
 *     those legs are placed;
 *  6. client order ids derive from the journal's identity, the finding key
 *     and the count of earlier finished attempts (action.attempt), so a retry
 *     never places twice and another journal on the same account never reuses
 *     an id (a copy of this journal can: the executor then sends again under
 *     the next attempt's id, follow_up.h);
 *  7. destructive actions (cancel_order, emergency_close) beyond the breaker
 *     limits (per pass, per hour including local.destructive_last_hour) are
 *     planned as skipped with the reason "circuit breaker", counted in plan
 *     order, so protection takes the budget before any other cancel. A
 *     protection group (placements and the chain of cancels they wait for)
 *     that does not fit is skipped whole, and its findings carry
 *     "circuit_breaker" in their detail; a cancel that only follows a
 *     placement (cleanup of an old stop) is budgeted on its own;
 *  9. holdings below the venue minimum or the dust threshold: `dust`, no stop.
 *
 * A reduce-only or stop_loss order resting on a symbol with no position (left
 * behind when an emergency close's cleanup cancel failed, say) protects
 * nothing: `stray_stop`, cancelled on a complete snapshot. Stop orders that
 * could open a position (entry stops) are not touched.
 *
 * Details of the plan (reconcile_plan.c: the pass, orders, fills, positions;
 * reconcile_protect.c: protection, order of work, circuit breaker):
 *  - gates: adopt_order and record_inferred_fill are planned unless the symbol
 *    is halted; every other action needs a complete snapshot too. A finding is
 *    reported either way. position_drift is computed on complete snapshots only.
 *  - the pass's fills are counted as the journal will count them once
 *    journaled (project.h): a listed fill of an order with inferred fills no
 *    real fill has superseded (local.inferred) absorbs that quantity first,
 *    in the order the fills are journaled, and only the rest moves the
 *    position (drift, the position protection is planned from) or adds to
 *    the order's fills; the absorbed part keeps the inferred fill's average
 *    entry.
 *  - an open order the journal knows whose exchange filled_qty exceeds what
 *    the journal's fills explain (local_order.fills_qty: a reported
 *    filled_qty moves no position) plus what the listed fills the journal
 *    lacks add to them gets one record_inferred_fill for the difference
 *    (missing_fill finding, "basis" in its detail): fill_id
 *    "inferred:ORDER_ID:EXCHANGE_FILLED_QTY" under the journal's order id,
 *    priced at the venue's average fill price, else the limit price; fee 0;
 *    ts = now. Without a price, or past the journaled order's qty, it is
 *    reported and nothing is recorded (drift stays).
 *  - a position the exchange holds that the journal has no position or pass
 *    fill of gets one record_inferred_fill opening it (missing_fill finding,
 *    basis "exchange position without journal fills"): fill_id
 *    "inferred:position:SYMBOL:QTY@PRICE", at the venue's entry price, else
 *    the last price (nothing without either). Partial drift is not guessed.
 *  - an orphan that this pass cancels (blocking order, stray stop) is not
 *    adopted: the verified cancel journals it as cancelled.
 *  - an orphan that is a stop on the reducing side of a position is adopted
 *    even with orphans=cancel; on venues where orders hold the balance, an
 *    orphan reducing non-stop order is left to the protection step (cancelled
 *    there as blocking_order when the stop needs its size).
 *  - protection, per exchange position: dust -> `dust` only; a marketable exit
 *    for the full size -> nothing; stops on the reducing side whose remaining
 *    sizes add up to the position and none through the price -> preserved;
 *    otherwise the best stop is kept, extra stops are duplicate_stop, and a
 *    kept stop through the price or of the wrong size is replaced.
 *  - depends_on is one index, always earlier in the list. Where a placement
 *    needs several cancels first they are chained (each cancel depends on the
 *    previous one, every placement on the last), so "the previous succeeded"
 *    transitively means "all succeeded".
 *  - finding keys: "KIND:VENUE:ACCOUNT:SYMBOL", plus ":ORDER_ID" (or
 *    ":FILL_ID") for findings about one order or fill. Placements take their
 *    client order id from the key of the finding they answer (a take-profit
 *    leg's bracket answers its limit's blocking_order finding).
 */
#ifndef RECKON_RECONCILE_H
#define RECKON_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "policy.h"
#include "venue.h"

enum finding_kind {
	FIND_ORPHAN_EXCHANGE_ORDER = 0, /* open on the exchange, unknown locally */
	FIND_STALE_LOCAL_ORDER,         /* open locally, not open on the exchange */
	FIND_BLOCKING_ORDER,            /* non-protective order holding the size a stop needs */
	FIND_MISSING_STOP,              /* position above dust with no stop covering it */
	FIND_STOP_SIZE_MISMATCH,
	FIND_STOP_WOULD_TRIGGER,        /* the price is already through the stop level */
	FIND_POSITION_DRIFT,            /* exchange qty differs from the journal's */
	FIND_DUPLICATE_STOP,
	FIND_UNMATCHED_SELL,            /* from FIFO: a sell larger than the open lots */
	FIND_DUST,                      /* too small to protect, reported */
	FIND_MISSING_FILL,              /* a fill on the exchange the journal lacks */
	FIND_FILL_REGRESSION,           /* exchange reports less filled than journaled: halt */
	FIND_STRAY_STOP,                /* a reduce-only / stop_loss order on a flat symbol */
	FIND_KIND_COUNT
};

enum action_kind {
	ACT_CANCEL_ORDER = 0,
	ACT_PLACE_STOP,
	ACT_REPLACE_STOP,      /* the placement half of a replacement; its cancel is a cancel_order */
	ACT_EMERGENCY_CLOSE,
	ACT_ADOPT_ORDER,
	ACT_CLOSE_LOCAL_ORDER,
	ACT_RECORD_INFERRED_FILL,
	ACT_KIND_COUNT
};

enum action_status {
	ASTAT_PLANNED = 0, ASTAT_DRY_RUN, ASTAT_SENT, ASTAT_SUCCEEDED, ASTAT_FAILED, ASTAT_SKIPPED
};

/* Exact spellings stored in findings.kind / actions.kind / actions.status. */
const char *finding_kind_name(enum finding_kind k);
const char *action_kind_name(enum action_kind k);
const char *action_status_name(enum action_status s);
/* NULL or an unknown spelling gives ASTAT_SENT: an unreadable status means
 * "outcome unknown", which is resolved by a lookup, never by sending again. */
enum action_status action_status_parse(const char *s);
/* cancel_order and emergency_close are destructive (rule 7). close_local_order
 * is a lookup and a local status change: bookkeeping, never counted. */
bool action_kind_is_destructive(enum action_kind k);

#define RECON_DETAIL_MAX 1024
#define RECON_KEY_MAX 256

struct local_order {
	struct order_rec rec;     /* as journaled, status open or partially_filled;
				   * rec.filled_qty is orders.filled_qty (the larger of the
				   * reported filled quantity and fills_qty) */
	struct dec fills_qty;     /* orders.fills_qty: what the journal's fills of it explain,
				   * which alone moved the position (project.h) */
	int missing_passes;       /* consecutive earlier passes that found it missing */
	int64_t missing_since_us; /* first of those passes; 0 when none */
	int lookup_failures;      /* consecutive failed close_local_order lookups since the last success */
	int64_t last_lookup_us;   /* when the last of them was sent; 0 none */
};

struct local_position {
	char symbol[MODEL_SYM_MAX];
	struct dec qty;           /* signed, from the journal's fills */
	bool has_avg;
	struct dec avg_entry;
};

/* Earlier finished placement attempts (failed or succeeded) for a finding
 * key (rule 6). A `sent` attempt without an answer is not counted: it keeps
 * its client order id and is resolved by looking that id up. Succeeded ones
 * are counted so that a later episode of the same key (a stop placed, filled,
 * and needed again weeks later) gets a new id: some venues (Coinbase) answer
 * a reused client order id with the old order instead of placing a new one. */
struct local_attempts {
	char key[RECON_KEY_MAX];
	int finished;
};

/* A take-profit limit that reckon cancelled to free a stop's balance (rule
 * 5b) and whose bracket has not been placed since — its bracket failed, or
 * what it waited for did: the leg to place again, so the user's exit is not
 * lost. Read from the journal: the verified cancel answering a blocking_order
 * finding that kept the leg, with no placement for that finding key since
 * that succeeded (or is unresolved), and no later complete pass that found
 * the key gone. */
struct local_leg {
	char key[RECON_KEY_MAX];          /* the blocking_order finding key */
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];      /* the cancelled limit */
	enum side side;
	struct dec qty;                   /* the leg as it was to be placed (kept_qty) */
	struct dec price;                 /* its take profit: the limit's price */
	int64_t cancel_action_id;         /* the verified cancel */
};

/* An order's inferred fills (fill_stands_in) that no real fill has
 * superseded yet: the sum over them of qty - superseded_qty (> 0). A real
 * fill of the order journaled later absorbs it first (project.h). */
struct local_inferred {
	char order_id[MODEL_ID_MAX];      /* the fills' order_id, as journaled */
	struct dec qty;
};

struct local_state {
	enum venue_kind venue;
	char account[MODEL_NAME_MAX];
	char journal_id[65];              /* the journal's random identity, lowercase hex; "" unknown */
	int64_t now_us;
	struct local_order *orders;       size_t norders;
	struct local_position *positions; size_t npositions;
	/* fill_known[i] says whether snapshot->fills[i] is already journaled
	 * (NULL when the snapshot has no fills). */
	const bool *fill_known;
	char (*halted)[MODEL_SYM_MAX];    size_t nhalted; /* symbols halted by rule 2c */
	struct local_attempts *attempts;  size_t nattempts;
	struct local_leg *legs;           size_t nlegs; /* take-profit legs to place again */
	struct local_inferred *inferred;  size_t ninferred; /* every order's, open or not */
	int destructive_last_hour;        /* actions sent in the last hour (rule 7) */
};

struct finding {
	enum finding_kind kind;
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];      /* "" when not about one order */
	char key[RECON_KEY_MAX];          /* stable identity, e.g. "missing_stop:TOWNS-USD" */
	char detail[RECON_DETAIL_MAX];    /* JSON object text */
};

struct action {
	enum action_kind kind;
	enum action_status status;        /* PLANNED, or SKIPPED with note */
	size_t finding;                   /* index into plan.findings */
	int depends_on;                   /* index of an action that must succeed first, -1 none */
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];      /* the order acted on (cancel, adopt, close) */
	struct venue_order_req req;       /* placements: place_stop, replace_stop, emergency_close */
	int attempt;                      /* placements: the attempt number req.client_order_id
					   * derives from (rule 6) */
	bool through_stop;                /* placements: they replace a working stop the price is
					   * through (policy would_trigger set the level) */
	bool has_entry;                   /* placements: the position's entry, as the level used it */
	struct dec entry;
	struct order_rec order;           /* adopt_order: the exchange's order */
	struct fill_rec fill;             /* record_inferred_fill */
	char note[256];                   /* why, in words (shown to people) */
};

struct recon_plan {
	bool complete;                    /* the snapshot was complete */
	char reason[VENUE_REASON_MAX];    /* why destructive actions were withheld */
	struct finding *findings; size_t nfindings;
	struct action *actions;   size_t nactions;
};

/* Runs one pass. *out is owned by the caller: recon_plan_free. */
enum rk_rc reconcile_plan(const struct local_state *local, const struct venue_snapshot *snap,
			  const struct venue_caps *caps, const struct policy *policy,
			  struct recon_plan *out /* OUT */, struct rk_err *err);

void recon_plan_free(struct recon_plan *p); /* NULL-safe; zeroes *p */

/* Deterministic client order id for a journal, a finding key and an attempt
 * number: "rk-" + 24 hex digits of SHA-256(journal_id "|" key "#" attempt),
 * or of (key "#" attempt) when journal_id is NULL or "" (journals made before
 * journal identities). The journal id makes two journals on one account (a
 * restored backup, a reinstall) derive different ids for the same finding.
 * Fits every venue's limit. Writes "" only if OpenSSL fails (allocation);
 * never send with an empty id. */
void reconcile_client_order_id(const char *journal_id, const char *key, int attempt,
			       char out[MODEL_ID_MAX]);

#endif
