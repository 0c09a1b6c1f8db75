/*
 * reconcile.h — one reconciliation pass as a pure function.
 *
 * In:  the local state (read from the journal by recon_store), the venue
 *      snapshot, the venue's capabilities and the policy.
 * Out: findings (what is wrong) and a plan of actions (what to do), in the
 *      order they must run. No I/O, no clock (now_us comes in), no globals.
 *
 * Order of work inside a pass: orders first (orphans, stale), then fills
 * (what the journal lacks), then positions (drift computed after counting the
 * missing fills), then protection (missing, mismatched, duplicate, would
 * trigger, blocking orders, dust).
 *
 * Safety rules enforced here (each has its own test in tests/test_reconcile.c):
 *  1. incomplete snapshot: no destructive action is planned (no cancel, no
 *     local close, no drift adoption, no emergency close); findings are still
 *     reported and the plan says why;
 *  2. a local open order missing from the exchange becomes close_local_order
 *     only after policy stale_min_passes passes and stale_quiet_seconds;
 *     before that it is a finding without action. The executor then requires
 *     a terminal status from a single-order lookup before journaling it;
 *  2c. an exchange position smaller than the journal can explain as filled
 *     (the venue reports less filled quantity than journaled) halts the
 *     symbol: finding, no action;
 *  3. replace_stop on a venue where orders do not hold the balance places the
 *     new stop before cancelling the old (cancel depends_on place); where they
 *     do, cancel then place, and a failed placement takes the emergency path;
 *  4. a stop that would trigger is never dropped: policy chooses emergency
 *     close or a re-priced stop with a buffer;
 *  5. a stop already protecting a position with the right size and a sane
 *     level is preserved; no stop is armed for a position that is closing
 *     (a marketable exit order working for its full size);
 *  6. client order ids derive from the finding key and the count of earlier
 *     finished attempts, so a retry never places twice;
 *  7. destructive actions beyond the breaker limits (per pass, per hour
 *     including local.destructive_last_hour) are planned as skipped with the
 *     reason "circuit breaker";
 *  9. holdings below the venue minimum or the dust threshold: `dust`, no stop.
 *
 * A reduce-only or stop_loss order resting on a symbol with no position (left
 * behind when an emergency close's cleanup cancel failed, say) protects
 * nothing: `stray_stop`, cancelled on a complete snapshot. Stop orders that
 * could open a position (entry stops) are not touched.
 *
 * Details of the plan (reconcile.c):
 *  - gates: adopt_order and record_inferred_fill are planned unless the symbol
 *    is halted; every other action needs a complete snapshot too. A finding is
 *    reported either way. position_drift is computed on complete snapshots only.
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
 *    previous one, the placement on the last), so "the previous succeeded"
 *    transitively means "all succeeded".
 *  - finding keys: "KIND:VENUE:ACCOUNT:SYMBOL", plus ":ORDER_ID" (or
 *    ":FILL_ID") for findings about one order or fill. Placements take their
 *    client order id from the key of the finding they answer.
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
/* cancel_order, emergency_close and close_local_order are destructive. */
bool action_kind_is_destructive(enum action_kind k);

#define RECON_DETAIL_MAX 1024
#define RECON_KEY_MAX 256

struct local_order {
	struct order_rec rec;     /* as journaled, status open or partially_filled */
	int missing_passes;       /* consecutive earlier passes that found it missing */
	int64_t missing_since_us; /* first of those passes; 0 when none */
	int lookup_failures;      /* consecutive failed close_local_order since the last success */
	int64_t last_lookup_us;   /* updated_at of the latest close_local_order sent; 0 none */
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

struct local_state {
	char journal_id[65];              /* the journal's random identity (journal_meta) */
	enum venue_kind venue;
	char account[MODEL_NAME_MAX];
	int64_t now_us;
	struct local_order *orders;       size_t norders;
	struct local_position *positions; size_t npositions;
	/* fill_known[i] says whether snapshot->fills[i] is already journaled
	 * (NULL when the snapshot has no fills). */
	const bool *fill_known;
	char (*halted)[MODEL_SYM_MAX];    size_t nhalted; /* symbols halted by rule 2c */
	struct local_attempts *attempts;  size_t nattempts;
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

/* Deterministic client order id for a finding key and attempt number:
 * "rk-" + 24 hex digits of SHA-256(key "#" attempt). Fits every venue's limit.
 * Writes "" only if OpenSSL fails (allocation); never send with an empty id. */
void reconcile_client_order_id(const char *key, int attempt, char out[MODEL_ID_MAX]);

#endif
