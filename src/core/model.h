/*
 * model.h — reckon's domain vocabulary: venues, sides, order types and
 * statuses, purposes, and the order and fill records that flow from the bot
 * (ingest), from venues (snapshots) and through the journal.
 *
 * Strings used here are the exact spellings stored in SQLite and accepted in
 * the ingest contract; the NAME_name and NAME_parse pairs are the only conversion.
 */
#ifndef RECKON_MODEL_H
#define RECKON_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "dec.h"

#define MODEL_ID_MAX 128   /* order ids, fill ids, client order ids */
#define MODEL_SYM_MAX 48   /* symbols and currencies */
#define MODEL_NAME_MAX 64  /* venue and account names */
#define MODEL_TS_MAX 40    /* canonical timestamp "2025-11-23T03:03:42.265500Z" */

enum venue_kind { VENUE_UNKNOWN = 0, VENUE_COINBASE, VENUE_BINANCE_USDM, VENUE_SIM };
enum side { SIDE_NONE = 0, SIDE_BUY, SIDE_SELL };
enum order_type {
	OTYPE_NONE = 0, OTYPE_MARKET, OTYPE_LIMIT, OTYPE_STOP_MARKET, OTYPE_STOP_LIMIT,
	OTYPE_TAKE_PROFIT, OTYPE_BRACKET, OTYPE_TRAILING_STOP
};
enum order_status {
	OSTATUS_NONE = 0, OSTATUS_OPEN, OSTATUS_PARTIALLY_FILLED, OSTATUS_FILLED,
	OSTATUS_CANCELLED, OSTATUS_REJECTED, OSTATUS_EXPIRED
};
enum purpose { PURPOSE_NONE = 0, PURPOSE_ENTRY, PURPOSE_EXIT, PURPOSE_STOP_LOSS, PURPOSE_TAKE_PROFIT };
enum liquidity { LIQ_NONE = 0, LIQ_MAKER, LIQ_TAKER };

/* name <-> enum. *_name returns "" for the NONE value; *_parse returns the
 * NONE value for NULL or an unknown spelling (the caller reports it). */
const char *venue_name(enum venue_kind v);
enum venue_kind venue_parse(const char *s);
const char *side_name(enum side s);
enum side side_parse(const char *s);
const char *order_type_name(enum order_type t);
enum order_type order_type_parse(const char *s);
const char *order_status_name(enum order_status s);
enum order_status order_status_parse(const char *s);
const char *purpose_name(enum purpose p);
enum purpose purpose_parse(const char *s);
const char *liquidity_name(enum liquidity l);
enum liquidity liquidity_parse(const char *s);

/* Filled, cancelled, rejected and expired orders never change again. */
bool order_status_is_terminal(enum order_status s);
/* open or partially_filled: the order may still trade. */
bool order_status_is_open(enum order_status s);
/* May an order in `from` move to `to`? Same status is allowed (a refresh);
 * a terminal order never changes; a partial fill never goes back to open. */
bool order_status_transition_ok(enum order_status from, enum order_status to);
/* Does this order type rest on the book as a protective trigger order? */
bool order_type_is_stop(enum order_type t);

/* An order as reported (by the bot, a venue, or reckon itself). Optional
 * amounts have has_* false when absent. */
struct order_rec {
	char ts[MODEL_TS_MAX];
	enum venue_kind venue;
	char account[MODEL_NAME_MAX];
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];
	char client_order_id[MODEL_ID_MAX]; /* "" when absent */
	enum side side;
	enum order_type type;
	enum order_status status;
	enum purpose purpose;               /* PURPOSE_NONE when absent */
	bool reduce_only;
	struct dec qty;                     /* > 0 */
	bool has_price;
	struct dec price;                   /* limit price */
	bool has_stop_price;
	struct dec stop_price;              /* trigger price */
	bool has_filled_qty;
	struct dec filled_qty;              /* as reported by the venue */
	bool has_avg_fill_price;
	struct dec avg_fill_price;          /* venue's average price of filled_qty; not journaled */
};

/* One execution. */
struct fill_rec {
	char ts[MODEL_TS_MAX];
	enum venue_kind venue;
	char account[MODEL_NAME_MAX];
	char symbol[MODEL_SYM_MAX];
	char fill_id[MODEL_ID_MAX];
	char order_id[MODEL_ID_MAX];
	enum side side;
	struct dec qty;       /* > 0 */
	struct dec price;     /* > 0 */
	struct dec fee;       /* >= 0 */
	char fee_currency[MODEL_SYM_MAX]; /* "" when unknown */
	enum liquidity liquidity;
	bool inferred;        /* reconstructed by reckon, not reported */
};

/*
 * Splits a symbol into base and quote currencies: "TOWNS-USD" -> TOWNS/USD
 * (Coinbase style, also accepted for sim), "ATOMUSDT" -> ATOM/USDT (Binance
 * style: known quote suffixes USDT, USDC, BUSD, FDUSD, BTC, ETH, BNB).
 * Returns false when the symbol cannot be split. Output buffers hold
 * MODEL_SYM_MAX bytes.
 */
bool symbol_split(const char *symbol, char *base, char *quote);

/*
 * The signed quantity a fill adds to its position: +qty for a buy, -qty for a
 * sell, except that a fee charged in the base asset changes what was actually
 * received (a buy gets qty - fee) or given up (a sell gives qty + fee). This
 * one rule serves the journal's positions and the reconciler. Returns false
 * when it cannot be computed (no side, overflow, a buy's base fee not less
 * than its qty).
 */
bool fill_position_delta(const struct fill_rec *f, struct dec *delta /* OUT */);

/* A position as the journal keeps it: signed quantity and average entry. */
struct position_state {
	struct dec qty;
	bool has_avg;
	struct dec avg;
};

/*
 * The position after one more fill, by the journal's rule (the positions
 * projection and the reconciler both use it): the average entry of the open
 * quantity is weighted when adding to the same side, unchanged when reducing,
 * the fill price when opening or flipping through zero, and absent when flat.
 * The weighted mean is rounded half-even (the one rounding). Returns false,
 * leaving *pos unchanged, when the delta cannot be computed or overflows.
 */
bool position_apply_fill(struct position_state *pos /* IN/OUT */, const struct fill_rec *f);

/*
 * Does fill `f` stand in for quantity no fill record explained: one the
 * reconciler inferred from an order's filled quantity (inferred, with a fill
 * id "inferred:..."; reconcile.h)? Such a fill is superseded by the real
 * fills of its order (a listed fill the reconciler journals is inferred too,
 * but it is a real fill): a real fill first absorbs the quantity of its
 * order's inferred fills that no real fill has absorbed yet, oldest first
 * (fills.superseded_qty), and only the rest of it adds to the order's
 * fills_qty and moves the position; the lots hold an inferred fill's qty -
 * superseded_qty (lots.h). An inferred fill is the gap beyond the fills
 * journaled when it was inferred, so those never absorb it.
 */
#define MODEL_INFERRED_PREFIX "inferred:"
#define MODEL_INFERRED_PREFIX_LEN "9"
bool fill_stands_in(const struct fill_rec *f);

/*
 * The position after a real fill whose `absorbed` quantity (at most its qty)
 * replaces inferred quantity of its order already in the position (project.h):
 * it moves the position by its own delta less what the inferred fills added
 * for that quantity (an inferred fill has no fee), applied by
 * position_apply_fill at the fill's price, without fee. The absorbed part
 * keeps the average entry the inferred fills gave it. Zero absorbed is
 * position_apply_fill. The journal's positions and the reconciler both use
 * it. Returns false, leaving *pos unchanged, as position_apply_fill does.
 */
bool position_apply_superseding(struct position_state *pos /* IN/OUT */,
				const struct fill_rec *f, struct dec absorbed);

#endif
