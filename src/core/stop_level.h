/*
 * stop_level.h — where a protective stop goes, as the policy says: one pure
 * decision (no I/O, no clock) shared by the planner and the follow-up.
 *
 * The planner (reconcile_plan.c) asks it at the snapshot's last price for a
 * position that needs protection; the follow-up (follow_up.c) asks it again
 * at a price fetched from the venue after a stop was refused as "would
 * trigger": a follow-up places exactly what the planner would plan at the
 * fresh price, so a stop placed after a refusal is never tighter than the
 * policy asks (a 1%-under-the-market stop that rule 5 would then keep).
 *
 * The rules, in order:
 *  1. hard_stop_pct: a loss from entry at or past it -> exit at market;
 *  2. replacing a working stop the price is already through (through_stop):
 *     would_trigger=emergency_close -> exit; would_trigger=reprice -> a stop
 *     reprice_buffer_pct beyond the price. This is all would_trigger
 *     governs: the user's own stop was nearer the market than the price is
 *     now, and the re-priced stop stays near it;
 *  3. otherwise the policy's level: stop_pct from the entry (stop_from=entry
 *     and an entry known). When that level is at or through the price,
 *     past_stop decides: exit_now -> exit, stop_from_last -> stop_pct beyond
 *     the price. With stop_from=last, or no entry, stop_pct beyond the price.
 * The stop is rounded to the tick away from the market (a sell stop down, a
 * buy stop up). A stop-limit's limit lies reprice_buffer_pct beyond its stop,
 * rounded the same way.
 */
#ifndef RECKON_STOP_LEVEL_H
#define RECKON_STOP_LEVEL_H

#include <stdbool.h>

#include "dec.h"
#include "err.h"
#include "policy.h"

struct stop_level_in {
	bool is_long;          /* the position; a long is protected by a sell stop */
	struct dec price;      /* the last price, > 0 */
	bool has_entry;
	struct dec entry;      /* average entry, > 0 when has_entry */
	bool through_stop;     /* it replaces a working stop the price is through (rule 2) */
	struct dec tick_size;  /* price increment; 0 = none */
	bool with_limit;       /* also price the limit of a stop-limit */
	const char *price_name;/* the price in words ("fresh price"); NULL: "last price" */
};

struct stop_level {
	bool exit;             /* close at market instead of placing a stop */
	struct dec stop;       /* the stop price; 0 when it rounds to zero at this tick */
	struct dec limit;      /* with_limit and a stop: the limit price */
	bool has_loss;
	struct dec loss_pct;   /* loss from entry at `price`, percent (negative: a profit) */
	char why[256];         /* the decision in words, for notes */
};

/* Decides. RK_EINVAL for a price that is not positive; RK_EOVERFLOW when the
 * arithmetic leaves the decimal range. */
enum rk_rc stop_level_decide(const struct policy_rule *r, const struct stop_level_in *in,
			     struct stop_level *out /* OUT */, struct rk_err *err);

/* Is a stop at `level` at or through `price` (would it trigger at once)?
 * A long's (sell) stop at or above the price, a short's at or below. */
bool stop_level_through(bool is_long, struct dec level, struct dec price);

/* Loss from entry in percent at `price`: (entry - price) / entry x 100 for a
 * long, mirrored for a short. false when it cannot be computed. */
bool stop_level_loss_pct(bool is_long, struct dec entry, struct dec price, struct dec *out);

/* Percent rounded to two decimals, for people ("76.19"). */
char *stop_level_pct_text(struct dec pct, char buf[DEC_STR_MAX]);

#endif
