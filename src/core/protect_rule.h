/*
 * protect_rule.h — the protection rule as a pure function: is a position
 * flat, protected by its stops, dust, or bare (unprotected)? Shared by the
 * protection-gap projection (journal/protect_project.h, which reads its
 * inputs from the materialized tables) and by the reference replay of the
 * events (journal/audit_gaps.c, `reckon audit gaps --replay`), so the two
 * cannot judge differently. The rule is the one protection.sql and
 * audit_gaps.h state:
 *
 *   judged quantity  the exchange's (and its orderable size) when the
 *                    latest complete pass of the position's venue and
 *                    account listed it (has_ex) and no fill of it was
 *                    journaled since that pass began (last_fill_seq <=
 *                    ex_run); otherwise the journal's, from its fills.
 *   covered          the open stop orders on the side that reduces the
 *                    position, each counting qty - filled (at least 0; a
 *                    stop of no size counts the whole position), together
 *                    reach |quantity| or the exchange's orderable size.
 *   state            FLAT (judged quantity 0), PROTECTED (covered), DUST
 *                    (the venue's latest word), BARE otherwise.
 *
 * Data in, data out: no I/O, no allocation, no clock. Amounts are exact
 * decimals (dec.h). Threads: no shared state.
 */
#ifndef RECKON_PROTECT_RULE_H
#define RECKON_PROTECT_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "dec.h"
#include "model.h"

/* What the rule needs of a position besides its stops. */
struct protect_pos {
	struct dec qty;          /* the journal's (positions.qty), signed */
	int64_t last_fill_seq;   /* positions.last_seq: 0 before any fill */
	bool has_ex;             /* exchange_positions holds a row for it */
	struct dec ex_qty;       /* exchange_positions.qty (signed) */
	struct dec ex_orderable; /* exchange_positions.orderable_qty */
	int64_t ex_run;          /* exchange_positions.run_id */
	bool dust;               /* the venue's latest word: dust */
};

/* What the stops cover so far; start with protect_cover_init. */
struct protect_cover {
	struct dec size;         /* |judged quantity| */
	struct dec sum;          /* what the reducing stops cover */
	enum side reducing;      /* the side that reduces the position */
	bool any;                /* a reducing stop was seen */
	bool overflow;           /* the sum overflowed: beyond any position */
};

enum protect_state { PROTECT_FLAT = 0, PROTECT_PROTECTED, PROTECT_DUST, PROTECT_BARE };

/* The quantity judged (signed); *has_orderable tells whether the exchange's
 * figures are the ones judged, *orderable its orderable size then. */
struct dec protect_judged_qty(const struct protect_pos *p, bool *has_orderable /* OUT */,
			      struct dec *orderable /* OUT */);

/* Starts counting the stops of a position whose judged quantity is `qty`. */
void protect_cover_init(struct protect_cover *c, struct dec qty);

/* Counts one open stop order: its side, whether it states a size (sized),
 * its qty and filled quantity. Stops on the other side count nothing. */
void protect_cover_add(struct protect_cover *c, enum side side, bool sized, struct dec qty,
		       struct dec filled);

/* The position's state, given its stops counted in `c` (initialised with
 * protect_judged_qty(p)). */
enum protect_state protect_judge(const struct protect_pos *p, const struct protect_cover *c);

/* The cause of an interval's start after an order report of a stop order
 * whose status is now `s` ("stop_cancelled", "stop_triggered",
 * "stop_expired", "stop_rejected", else "stop_changed"); a report of an
 * order that is no stop starts one as "order_changed". Static strings. */
const char *protect_order_start_cause(bool is_stop, enum order_status s);

/* The cause of an interval's end when the position becomes `s` (not
 * BARE): "position_closed" for FLAT, "dust" for DUST, else `protected_cause`
 * (what the event did: "stop_acknowledged", "fill", ...). */
const char *protect_end_cause(enum protect_state s, const char *protected_cause);

#endif
