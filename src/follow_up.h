/*
 * follow_up.h — what to do after a placement did not protect: the decision
 * the executor takes mid-pass, as a pure function (no I/O, no clock), in the
 * style of the planner (reconcile.h).
 *
 * In:  the placement that failed, why it failed (a structured cause, never
 *      the words of a note), whether this pass had cancelled the position's
 *      stop to make room for it, a price fetched from the venue AFTER the
 *      refusal (or none), how many re-priced attempts this protection already
 *      had, and the policy rule of its symbol.
 * Out: the next action (a re-priced stop, or an emergency close), or none,
 *      or an alert — with the decision in words.
 *
 * The rules:
 *  1. a failed emergency close has no follow-up (the next pass plans again);
 *  2. refused as "would trigger" (Binance -2021: the price moved since the
 *     snapshot) with would_trigger=reprice: a new stop reprice_buffer_pct
 *     beyond the FRESH price, rounded to the tick away from the market,
 *     while fewer than reprice_max_attempts re-priced stops were placed;
 *     with no fresh price, or the attempts used up, rule 4 decides. The
 *     snapshot's price is never used: the refusal says it is stale;
 *  3. refused as "would trigger" with would_trigger=emergency_close: an
 *     emergency close (a stop that would trigger is never dropped);
 *  4. otherwise, when this pass cancelled the position's stop to place this
 *     one (cancel first, spot), the position is bare because of reckon:
 *     on_protect_failure says emergency_close or alert; when it did not (the
 *     old stop is still working — futures place first — or the position had
 *     no stop to begin with) nothing is sent now and the next pass places
 *     protection again under a new client order id.
 *
 * Follow-up client order ids derive from the first placement's (the root):
 * "<root>-r<n>" for the nth re-priced stop, "<root>-e" for the emergency
 * close. The root already carries the journal's identity and the finding's
 * attempt, so follow-ups are unique across journals and passes too.
 */
#ifndef RECKON_FOLLOW_UP_H
#define RECKON_FOLLOW_UP_H

#include <stdbool.h>

#include "dec.h"
#include "err.h"
#include "policy.h"
#include "reconcile.h"

/* Why a placement did not protect. */
enum follow_up_cause {
	FOLLOW_CAUSE_WOULD_TRIGGER = 0, /* refused: the stop is already through the price */
	FOLLOW_CAUSE_REFUSED,           /* refused for another reason (funds, filters, ...) */
	FOLLOW_CAUSE_NO_ANSWER,         /* no answer, confirmed absent, after every retry */
	FOLLOW_CAUSE_NOT_PROTECTION     /* answered with a terminal or foreign order */
};

enum follow_up_kind {
	FOLLOW_NONE = 0,        /* nothing now: the next pass plans again */
	FOLLOW_REPRICE,         /* place a re-priced stop (out->next) */
	FOLLOW_EMERGENCY_CLOSE, /* close the position at market (out->next) */
	FOLLOW_ALERT            /* the position stays bare, reported as such */
};

struct follow_up_in {
	const struct action *failed;      /* place_stop, replace_stop or emergency_close */
	enum follow_up_cause cause;
	const char *reason;               /* the venue's words, for the note ("" when none) */
	bool stop_cancelled;              /* this pass cancelled the position's stop for it */
	bool has_price;                   /* a price fetched after the refusal */
	struct dec price;                 /* > 0 when has_price */
	struct dec tick_size;             /* price increment; 0 = none */
	int reprices;                     /* re-priced stops already placed for it this pass */
	bool is_futures;                  /* emergency closes are reduce-only there */
	const char *root_client_order_id; /* the first placement's client order id */
};

struct follow_up {
	enum follow_up_kind kind;
	struct action next;               /* REPRICE, EMERGENCY_CLOSE: planned, depends on nothing */
	char why[256];                    /* the decision in words (notes, reports) */
};

/* Decides. RK_EINVAL for an input that is not a failed placement, or a root
 * id too long to derive from. Arithmetic is exact and checked: a price the
 * re-pricing cannot compute is treated as no price (rule 2 then 4). */
enum rk_rc follow_up_decide(const struct follow_up_in *in, const struct policy_rule *rule,
			    struct follow_up *out /* OUT */, struct rk_err *err);

/* "<root>-r<n>" (n >= 1) for a re-priced stop, "<root>-e" for an emergency
 * close. RK_EINVAL when the result would not fit MODEL_ID_MAX. */
enum rk_rc follow_up_client_order_id(const char *root, enum follow_up_kind kind, int n,
				     char out[MODEL_ID_MAX], struct rk_err *err);

const char *follow_up_kind_name(enum follow_up_kind k);
const char *follow_up_cause_name(enum follow_up_cause c);

#endif
