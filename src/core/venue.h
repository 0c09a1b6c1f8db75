/*
 * venue.h — the one interface every exchange implements (sim, Coinbase
 * Advanced Trade, Binance USDⓈ-M), and the data it returns.
 *
 * Every observation is confirmed, refuted, or unknown. A timeout, 5xx, rate
 * limit, failed or partial listing is UNKNOWN — never "not found",
 * "cancelled" or "flat". Every call reports per item:
 *  - a placement without an exchange order id is a failure, never "valid";
 *  - a cancel counts only where that order's own result says success;
 *  - a snapshot with any failed request or missing page is incomplete.
 *
 * Ownership: a venue is created by its module's constructor and released with
 * venue_destroy. Snapshot arrays belong to the snapshot; release with
 * venue_snapshot_free. Result structs are caller-owned plain data.
 */
#ifndef RECKON_VENUE_H
#define RECKON_VENUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

#define VENUE_REASON_MAX 256

/* How an individual request ended. */
enum venue_outcome {
	VOUT_OK = 0,     /* confirmed success */
	VOUT_REJECTED,   /* confirmed: the venue refused (reason says why) */
	VOUT_NOT_FOUND,  /* confirmed: the venue says no such order */
	VOUT_UNKNOWN     /* no verified answer: timeout, 5xx, 429, parse failure */
};

/* Why a venue refused, where reckon reacts differently. */
enum venue_reject {
	VREJ_NONE = 0,
	VREJ_OTHER,
	VREJ_WOULD_TRIGGER,      /* Binance -2021: stop already through the price */
	VREJ_INSUFFICIENT_FUNDS, /* balance held or margin short */
	VREJ_UNKNOWN_ORDER,      /* Binance -2011/-2013, Coinbase UNKNOWN_CANCEL_ORDER */
	VREJ_ALREADY_DONE,       /* ORDER_IS_FULLY_FILLED, already cancelled */
	VREJ_INVALID             /* filter / increment / size violations */
};

const char *venue_outcome_name(enum venue_outcome o);
const char *venue_reject_name(enum venue_reject r);

/* Trading rules of one instrument. Zero means "no rule". */
struct instrument {
	char symbol[MODEL_SYM_MAX];
	struct dec tick_size;    /* price increment */
	struct dec step_size;    /* quantity increment */
	struct dec min_qty;      /* minimum order size */
	struct dec min_notional; /* minimum qty * price */
};

/* A position (futures) or a holding of the base asset (spot). */
struct venue_position {
	char symbol[MODEL_SYM_MAX];
	struct dec qty;         /* signed: short < 0; spot holdings >= 0 */
	bool has_entry;
	struct dec entry_price; /* futures only */
};

struct venue_price {
	char symbol[MODEL_SYM_MAX];
	struct dec last;
};

struct venue_snapshot {
	bool complete;                           /* false if any part failed */
	char incomplete_reason[VENUE_REASON_MAX];
	int64_t taken_at_us;

	struct order_rec *orders;                /* every open order, all pages */
	size_t norders;
	struct venue_position *positions;
	size_t npositions;
	struct fill_rec *fills;                  /* fills since the cursor given */
	size_t nfills;
	char fills_cursor[MODEL_ID_MAX];         /* pass back next time */
	struct venue_price *prices;
	size_t nprices;
	struct instrument *instruments;
	size_t ninstruments;
};

/* Frees the arrays and zeroes the struct. NULL-safe. */
void venue_snapshot_free(struct venue_snapshot *s);

/* Marks `s` incomplete, keeping the first reason. */
void venue_snapshot_mark_incomplete(struct venue_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Lookups inside a snapshot; NULL when absent. */
const struct venue_price *venue_snapshot_price(const struct venue_snapshot *s, const char *symbol);
const struct instrument *venue_snapshot_instrument(const struct venue_snapshot *s,
						   const char *symbol);
const struct venue_position *venue_snapshot_position(const struct venue_snapshot *s,
						     const char *symbol);

/* An order reckon wants placed. */
struct venue_order_req {
	char client_order_id[MODEL_ID_MAX]; /* deterministic, from the finding */
	char symbol[MODEL_SYM_MAX];
	enum side side;
	enum order_type type;   /* market, limit, stop_market, stop_limit, bracket */
	enum purpose purpose;
	struct dec qty;
	bool has_price;
	struct dec price;       /* limit price; for a bracket: the take profit */
	bool has_stop_price;
	struct dec stop_price;  /* trigger price */
	bool reduce_only;
	bool close_position;    /* futures: closes whatever the position is */
};

struct venue_place_result {
	enum venue_outcome outcome;
	enum venue_reject reject;
	char order_id[MODEL_ID_MAX];       /* set only with VOUT_OK */
	enum order_status status;          /* as acknowledged */
	/* The order the answer describes, when the answer carries one (Binance,
	 * sim: symbol, side, qty, stop, status). Coinbase's answer names only
	 * the id: has_order false, and the caller looks the order up. A venue
	 * may answer a reused client order id with an older order (Coinbase
	 * does): never assume it is the order requested. */
	bool has_order;
	struct order_rec order;
	int venue_code;                    /* native error code, 0 when none */
	char reason[VENUE_REASON_MAX];
};

struct venue_cancel_result {
	char order_id[MODEL_ID_MAX];
	enum venue_outcome outcome;        /* VOUT_OK only if this order's result says success */
	enum venue_reject reject;
	int venue_code;
	char reason[VENUE_REASON_MAX];
};

struct venue_order_result {
	enum venue_outcome outcome;        /* VOUT_OK: order filled in; VOUT_NOT_FOUND: confirmed absent */
	struct order_rec order;
	char reason[VENUE_REASON_MAX];
};

/* What a venue can do, for the safety rules that depend on it. */
struct venue_caps {
	/* Spot: an open sell holds the balance, so a replacement stop can only be
	 * placed after the old order is cancelled. Futures: false, both can be
	 * working at once. */
	bool orders_hold_balance;
	/* A single order can carry take profit and stop loss (Coinbase
	 * trigger_bracket_gtc, sim). */
	bool has_bracket;
	bool is_futures;
};

struct venue;

struct venue_ops {
	/* Everything reconciliation needs, in one call. Must return RK_OK with
	 * complete=false (and a reason) when some part failed, rather than an
	 * error, so the caller can still report; a non-OK return means nothing
	 * usable was fetched. `fills_cursor` may be "" (from the beginning). */
	enum rk_rc (*snapshot)(struct venue *v, const char *account, const char *fills_cursor,
			       struct venue_snapshot *out, struct rk_err *err);
	enum rk_rc (*place)(struct venue *v, const struct venue_order_req *req,
			    struct venue_place_result *out, struct rk_err *err);
	/* Cancels n orders (of `symbol`); out[i] is the result for order_ids[i]. */
	enum rk_rc (*cancel)(struct venue *v, const char *symbol, const char *const *order_ids,
			     size_t n, struct venue_cancel_result *out, struct rk_err *err);
	/* Looks one order up by exchange id, or by client order id when order_id
	 * is NULL or "". */
	enum rk_rc (*get_order)(struct venue *v, const char *symbol, const char *order_id,
				const char *client_order_id, struct venue_order_result *out,
				struct rk_err *err);
	/* Fills of one order (for an order that vanished because it filled). */
	enum rk_rc (*order_fills)(struct venue *v, const char *symbol, const char *order_id,
				  struct fill_rec **fills /* OUT, caller frees */, size_t *n,
				  struct rk_err *err);
	void (*destroy)(struct venue *v);
	/* The current price of one symbol, asked now (not the snapshot's): a
	 * stop refused as "would trigger" is re-priced from it. RK_EUNKNOWN when
	 * the venue did not answer with a price. May be NULL (no fresh price). */
	enum rk_rc (*last_price)(struct venue *v, const char *symbol, struct dec *price /* OUT */,
				 struct rk_err *err);
};

struct venue {
	const struct venue_ops *ops;
	enum venue_kind kind;     /* the venue name journaled (sim may impersonate) */
	struct venue_caps caps;
	void *impl;               /* owned by the implementation */
};

/* Thin wrappers over ops, so call sites read as verbs. */
enum rk_rc venue_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			  struct venue_snapshot *out, struct rk_err *err);
enum rk_rc venue_place(struct venue *v, const struct venue_order_req *req,
		       struct venue_place_result *out, struct rk_err *err);
enum rk_rc venue_cancel_orders(struct venue *v, const char *symbol, const char *const *order_ids,
			       size_t n, struct venue_cancel_result *out, struct rk_err *err);
enum rk_rc venue_get_order(struct venue *v, const char *symbol, const char *order_id,
			   const char *client_order_id, struct venue_order_result *out,
			   struct rk_err *err);
enum rk_rc venue_order_fills(struct venue *v, const char *symbol, const char *order_id,
			     struct fill_rec **fills, size_t *n, struct rk_err *err);
/* The current price of `symbol` (> 0), fetched from the venue now.
 * RK_EUNKNOWN when the venue cannot say (or has no last_price op). */
enum rk_rc venue_last_price(struct venue *v, const char *symbol, struct dec *price /* OUT */,
			    struct rk_err *err);
void venue_destroy(struct venue *v); /* NULL-safe */

#endif
