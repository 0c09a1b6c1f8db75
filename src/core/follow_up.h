/*
 * follow_up.h — what to do after a placement did not protect: the decision
 * the executor takes mid-pass, as a pure function (no I/O, no clock), in the
 * style of the planner (reconcile.h).
 *
 * In:  the placement that failed (with the attempt its client order id came
 *      from, and what its level was derived from: the entry, a working stop
 *      the price is through), why it failed (a structured cause, never the
 *      words of a note), whether this pass had cancelled the position's stop
 *      to make room for it, a price fetched from the venue AFTER the refusal
 *      (or none), how many stops its chain already re-placed and re-sent,
 *      and the policy rule of its symbol.
 * Out: the next action (a re-placed stop, the same request under a fresh
 *      client order id, or an emergency close), or none, or an alert — with
 *      the decision in words.
 *
 * "Bare" below means reckon itself left the position without working
 * protection: this pass cancelled its stop (spot: cancel first), or the stop
 * being replaced is one the price is already through.
 *
 * The rules:
 *  1. a failed emergency close has no follow-up (the next pass plans again);
 *  2. refused as "would trigger" (Binance -2021; a Coinbase stop above the
 *     market): the price moved since the snapshot, or the venue judges it
 *     otherwise. The executor always asks the venue for a fresh price first;
 *     the snapshot's is never used. At the fresh price the follow-up places
 *     what the planner would plan there (stop_level.h), while fewer than
 *     reprice_max_attempts stops were re-placed in the chain:
 *      - a policy level the fresh price does not pass: that stop again (the
 *        same level for stop_from=entry), under a new client order id —
 *        never a tighter one;
 *      - a policy level the fresh price passes: past_stop decides
 *        (stop_from_last: stop_pct beyond the fresh price; exit_now: an
 *        emergency close); hard_stop_pct likewise exits;
 *      - replacing a working stop the price is through (the only case
 *        would_trigger governs): reprice_buffer_pct beyond the fresh price
 *        (would_trigger=reprice; emergency_close would not have placed one);
 *     A market order follows only where these policy rules lead there at a
 *     fresh price. With no fresh price nothing is sent at market: a bare
 *     position is reported UNPROTECTED (alert), any other keeps what it has,
 *     and the next pass plans again from a new snapshot. Once the attempts
 *     are used up, a bare position follows on_protect_failure; a position
 *     that had no stop is reported UNPROTECTED and the next pass tries again;
 *  3. answered with an order that is not the one requested (terminal, or
 *     another order: the client order id was used before, e.g. by the journal
 *     a restored backup was copied from): the same request is sent again at
 *     once under the next attempt's client order id, at most protect_retries
 *     times in the chain; then rule 4;
 *  4. otherwise (a confirmed refusal, no answer after every retry): when the
 *     position is bare because this pass cancelled its stop, on_protect_failure
 *     says emergency_close or alert; when it is not (the old stop still
 *     works — futures place first — or the position had no stop to begin
 *     with) nothing is sent now and the next pass places protection again
 *     under a new client order id.
 *
 * Follow-up client order ids: "<root>-r<n>" for the nth re-placed stop and
 * "<root>-e" for the emergency close, where root is the chain's first
 * placement's id (or its latest fresh-id re-send's); a fresh-id re-send
 * takes reconcile_client_order_id(journal, finding key, attempt + 1). All
 * carry the journal's identity and the finding's attempt, so follow-ups are
 * unique across journals and passes too.
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
	FOLLOW_PLACE_AGAIN,     /* a stop priced at the fresh price (out->next) */
	FOLLOW_RESEND,          /* the same request under a fresh client order id (out->next) */
	FOLLOW_EMERGENCY_CLOSE, /* close the position at market (out->next) */
	FOLLOW_ALERT            /* the position stays bare, reported as such */
};

struct follow_up_in {
	const struct action *failed;      /* place_stop, replace_stop or emergency_close; its
					   * attempt, through_stop and entry as planned */
	enum follow_up_cause cause;
	const char *reason;               /* the venue's words, for the note ("" when none) */
	bool stop_cancelled;              /* this pass cancelled the position's stop for it */
	bool has_price;                   /* a price fetched after the refusal */
	struct dec price;                 /* > 0 when has_price */
	struct dec tick_size;             /* price increment; 0 = none */
	int replaced;                     /* stops already re-placed in its chain (rule 2) */
	int resent;                       /* fresh-id re-sends already in its chain (rule 3) */
	bool is_futures;                  /* emergency closes are reduce-only there */
	const char *root_client_order_id; /* the chain's root client order id */
	const char *journal_id;           /* the journal's identity ("" or NULL: none) */
	const char *finding_key;          /* the key of the finding the placement answers */
};

struct follow_up {
	enum follow_up_kind kind;
	struct action next;               /* REPRICE, RESEND, EMERGENCY_CLOSE: planned, depends
					   * on nothing */
	char why[256];                    /* the decision in words (notes, reports) */
};

/* Decides. RK_EINVAL for an input that is not a failed placement, or a root
 * id too long to derive from. Arithmetic is exact and checked: a level that
 * cannot be computed is treated as no price (rule 2). */
enum rk_rc follow_up_decide(const struct follow_up_in *in, const struct policy_rule *rule,
			    struct follow_up *out /* OUT */, struct rk_err *err);

/* "<root>-r<n>" (n >= 1) for a re-placed stop, "<root>-e" for an emergency
 * close. RK_EINVAL when the result would not fit MODEL_ID_MAX, or for
 * another kind. */
enum rk_rc follow_up_client_order_id(const char *root, enum follow_up_kind kind, int n,
				     char out[MODEL_ID_MAX], struct rk_err *err);

const char *follow_up_kind_name(enum follow_up_kind k);
const char *follow_up_cause_name(enum follow_up_cause c);

#endif
