/*
 * fifo.h — the lot engine's pure core: which open lots each closing fill
 * consumes, at what cost, with what fees and realized P&L.
 *
 * No I/O and no globals: the caller hands in plain data (fills, open lots)
 * and gets plain data back. The journal projection (lots.h) drives it one
 * fill at a time against lots kept in SQLite; fifo_allocate runs a whole
 * stream in memory (tests, and the cross-check of the projection).
 *
 * Model
 *   A fill moves `eff` units of the base asset: qty, less a base-asset fee
 *   on a buy (you received less), plus a base-asset fee on a sell (you gave
 *   up more). Its notional is qty x price.
 *   Spot: buys open long lots; sells close long lots. A sell larger than the
 *   open lots allocates what exists and leaves the rest as one *unmatched*
 *   allocation with unknown (absent) cost basis: never a negative lot, never
 *   a silent zero cost.
 *   Futures (binance-usdm): a fill against the open direction closes first
 *   and opens the remainder in its own direction; shorts are lots too.
 *
 * Signs ("the signs follow")
 *   Every money amount is signed cash from the trader's point of view:
 *   a lot's cost is the cash paid to open it (long: notional + fee; short:
 *   fee - notional, i.e. minus the entry proceeds net of fees); a close's
 *   proceeds are the cash received (selling a long: +notional; buying back a
 *   short: -notional); fees are positive. Always
 *       realized_pnl = proceeds - fees - cost_basis
 *   which for a short reads "entry proceeds minus exit cost".
 *
 * Fees
 *   Quote-currency fee: part of the lot's cost on an opening fill, part of
 *   `fees` on a closing fill. Base-asset fee: changes eff (see above).
 *   Any other currency (e.g. BNB): flagged in the plan (other_fee) for the
 *   caller to record separately; never converted, never in cost or P&L.
 *
 * Rounding (the only places, all half-even at 18 decimals)
 *   1. notional = qty x price.
 *   2. A futures fill crossing zero splits its notional and quote fee
 *      between the closing and opening parts pro rata by quantity:
 *      close = dec_muldiv(x, close_qty, eff); open = x - close (exact).
 *   3. A partial allocation takes cost_remaining x q / qty_remaining of the
 *      lot (dec_muldiv, one rounding); the allocation that empties the lot
 *      takes exactly the cost that remains. So the allocated costs of a lot
 *      always sum to its cost exactly, whatever the split.
 *   4. A closing part's proceeds and fees are split over its allocations
 *      pro rata by quantity, the last allocation taking the exact remainder.
 *   5. Unit cost and average entry (display values) = cost / qty.
 *   Hence, exactly: sum(realized) + sum(unmatched proceeds - fees)
 *   - sum(open lots' cost_remaining) = sum over fills of the cash flow
 *   (sell: +notional, buy: -notional, minus quote fees).
 *
 * Policy: FIFO (default) consumes lots in opening order (fill timestamp,
 * then journal seq); LIFO the reverse; HIFO the highest signed unit cost
 * first (ties: opening order). fifo_execute itself is order-agnostic: the
 * caller passes lots in policy order.
 */
#ifndef RECKON_FIFO_H
#define RECKON_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "err.h"
#include "model.h"

enum fifo_policy { FIFO_POLICY_FIFO = 0, FIFO_POLICY_LIFO, FIFO_POLICY_HIFO };
enum fifo_market { FIFO_SPOT = 0, FIFO_FUTURES };
enum fifo_dir { FIFO_SHORT = -1, FIFO_LONG = 1 };

/* How one venue + account + symbol is allocated. */
struct fifo_params {
	enum fifo_market market;
	enum fifo_policy policy;
	char base[MODEL_SYM_MAX];  /* "" when the symbol cannot be split */
	char quote[MODEL_SYM_MAX]; /* "" when the symbol cannot be split */
};

/* Fills in *out (OUT): futures for binance-usdm, spot otherwise; base and
 * quote from symbol_split. */
void fifo_params_init(struct fifo_params *out, enum venue_kind venue, const char *symbol,
		      enum fifo_policy policy);

/* "long" / "short", and back (0 for an unknown spelling). */
const char *fifo_dir_name(enum fifo_dir d);
int fifo_dir_parse(const char *s);

/* One fill, as the core needs it. Strings are borrowed. */
struct fifo_fill {
	int64_t seq;              /* journal seq: the tie-break after ts, and the lot id */
	const char *ts;           /* canonical timestamp (text order is time order) */
	const char *fill_id;
	enum side side;
	struct dec qty, price, fee;
	const char *fee_currency; /* "" or NULL when there is no fee */
};

/* A lot. Only numbers: the projection keeps the descriptive columns. */
struct fifo_lot {
	int64_t lot_id;             /* seq of the opening fill */
	enum fifo_dir dir;
	struct dec qty, cost;       /* as opened: qty > 0, cost signed (see Signs) */
	struct dec qty_remaining;   /* 0 <= qty_remaining <= qty */
	struct dec cost_remaining;  /* cost not yet allocated */
};

/* Net state of the open lots: qty signed (short < 0), cost = sum of their
 * cost_remaining, open_lots = how many have qty_remaining > 0. */
struct fifo_position {
	struct dec qty, cost;
	int64_t open_lots;
};

/* How one fill splits into a closing and an opening part. */
struct fifo_plan {
	enum fifo_dir dir;          /* the fill's direction: buy = long */
	struct dec eff;             /* base quantity moved (> 0) */
	struct dec notional;        /* qty x price */
	struct dec quote_fee;       /* fee when charged in the quote currency, else 0 */
	bool other_fee;             /* fee in some other currency: record it apart */
	struct dec close_qty;       /* to allocate against lots of direction -dir */
	struct dec close_notional, close_fee;
	struct dec open_qty;        /* new lot in direction dir; 0 = none */
	struct dec open_notional, open_fee;
	struct dec open_before;     /* |position| of the lots close_qty may consume */
};

/* One allocation of a closing part: a lot (or the unmatched rest). */
struct fifo_alloc {
	int64_t close_seq;          /* the closing fill */
	int part;                   /* 0, 1, ... in allocation order; unmatched is last */
	bool matched;               /* false: no lot existed; cost and pnl unknown */
	int64_t lot_id;             /* when matched */
	struct dec qty;
	struct dec cost_basis;      /* share of the lot's cost, when matched */
	struct dec proceeds, fees;  /* share of the closing part's */
	struct dec realized_pnl;    /* proceeds - fees - cost_basis, when matched */
	struct dec lot_qty_after, lot_cost_after; /* the lot's remaining after this */
};

/* The closing part of a fill, totalled over its allocations. */
struct fifo_close {
	int64_t seq;
	enum fifo_dir dir;          /* direction of the lots closed */
	struct dec qty, proceeds, fees;
	struct dec unmatched_qty;   /* > 0 only on spot: cost basis then unknown */
	bool has_cost;              /* false when unmatched_qty > 0 */
	struct dec cost_basis, realized_pnl; /* when has_cost */
};

/* What one fill did. Reusable across fills; owns `allocs`: fifo_step_free. */
struct fifo_step {
	struct fifo_plan plan;
	bool has_close;
	struct fifo_close close;
	struct fifo_alloc *allocs;
	size_t n_allocs, cap_allocs;
	bool has_open;
	struct fifo_lot open;
};

/* Is f's fee charged in neither the base nor the quote currency (e.g. BNB)?
 * Such a fee is recorded apart and never enters cost or P&L. */
bool fifo_fee_is_other(const struct fifo_params *p, const struct fifo_fill *f);

/* Frees step->allocs and zeroes the struct. NULL is a no-op. */
void fifo_step_free(struct fifo_step *step);

/*
 * Splits fill `f` given the position of the open lots before it. RK_EINVAL
 * for a bad fill (side, non-positive qty or price, a base-asset fee not
 * below qty on a buy), RK_EOVERFLOW when an amount does not fit, RK_ECORRUPT
 * for an impossible position (spot short).
 */
enum rk_rc fifo_plan(const struct fifo_params *p, const struct fifo_fill *f,
		     const struct fifo_position *pos, struct fifo_plan *out /* OUT */,
		     struct rk_err *err);

/*
 * Executes `plan` for fill `f`: allocates plan->close_qty against lots[0..n)
 * in that order (the caller's policy order; all of direction -plan->dir),
 * updating each lot's remaining in place, then opens the new lot. The lots
 * must cover min(close_qty, open_before), else RK_ECORRUPT. Updates *pos.
 * Results in *step (previous content replaced; allocs reused). On failure
 * the lots and *pos may be half-updated: the caller discards them (the
 * projection rolls back its transaction).
 */
enum rk_rc fifo_execute(const struct fifo_params *p, const struct fifo_plan *plan,
			const struct fifo_fill *f, struct fifo_lot *const *lots, size_t n,
			struct fifo_position *pos, struct fifo_step *step /* OUT */,
			struct rk_err *err);

/* Display values: the per-unit cost of what remains of a lot (signed cost /
 * signed qty, so positive for both sides), and the position's average entry
 * (cost / qty). false when there is nothing open (the value is undefined). */
bool fifo_lot_unit_cost(const struct fifo_lot *lot, struct dec *out /* OUT */);
bool fifo_position_avg_entry(const struct fifo_position *pos, struct dec *out /* OUT */);

/* Every lot, close and allocation of one stream, from fifo_allocate. */
struct fifo_result {
	struct fifo_lot *lots;     /* every lot opened, final state, in opening order */
	size_t n_lots;
	struct fifo_close *closes; /* in processing order */
	size_t n_closes;
	struct fifo_alloc *allocs; /* grouped by close, in processing order */
	size_t n_allocs;
	int64_t *other_fee_seqs;   /* fills whose fee is in another currency */
	size_t n_other_fees;
	struct fifo_position position;
};

/*
 * Allocates the fills of one venue + account + symbol. `fills` may be in any
 * order: they are processed by (ts, seq); the array is not modified. On
 * success *out (OUT) owns arrays freed by fifo_result_free; on failure
 * *out is empty.
 */
enum rk_rc fifo_allocate(const struct fifo_params *p, const struct fifo_fill *fills, size_t n,
			 struct fifo_result *out /* OUT */, struct rk_err *err);

/* Frees what fifo_allocate allocated and zeroes *r. NULL is a no-op. */
void fifo_result_free(struct fifo_result *r);

#endif
