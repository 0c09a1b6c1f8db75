/*
 * sim_internal.h — what the files of the simulated venue share (private to
 * src/venues/sim/; the public contract is sim.h).
 *
 *   engine.c     state lookups, fills, balances and positions, matching,
 *                driving the price paths
 *   placement.c  the placement rules (a table) and venue_place
 *   ops.c        the other venue operations: snapshot, cancel, get_order,
 *                order_fills, last_price, destroy
 *   faults.c     the request log, scripted faults and their scenario syntax
 *   scenario.c   the scenario parser and sim_venue_create
 *   inspect.c    the sim_venue_* views tests and the demo read
 *
 * State is plain arrays (rk_array) kept in creation order, which is also the
 * matching order, so every run of a scenario is the same run. Nothing here is
 * thread-safe; one venue is driven by one thread.
 */
#ifndef RECKON_VENUES_SIM_INTERNAL_H
#define RECKON_VENUES_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "rk_array.h"
#include "rk_index.h"
#include "sim.h"

#define SIM_DEFAULT_NOW "2025-01-01T00:00:00Z"
#define SIM_PATH_MAX 160 /* JSON path in error messages */
#define SIM_INT_MAX 1000000000 /* largest whole number a scenario may write */

/* Scenarios write every amount as a string; a missing member is bad input
 * (RK_ENOTFOUND means "the scenario has no such venue"). */
#define SIM_JSON (JSONIN_AMOUNT_STRINGS | JSONIN_MISSING_EINVAL)
/* The reader context of scenario object `obj` at JSON path `path`. */
#define SIM_AT(obj, path) (&(const struct jsonin_at){(obj), (path), SIM_JSON})

enum market { MARKET_SPOT = 0, MARKET_FUTURES };

enum fault_kind {
	FAULT_SNAPSHOT_FAILS = 0,
	FAULT_PAGE_MISSING,
	FAULT_CANCEL_FAILS,
	FAULT_CANCEL_UNKNOWN,
	FAULT_PLACE_WOULD_TRIGGER,
	FAULT_PLACE_NO_ORDER_ID,
	FAULT_PLACE_UNKNOWN,
	FAULT_GET_ORDER_UNKNOWN,
	FAULT_ORDER_FILLS_FAILS,
	FAULT_PLACE_FAILS,
	FAULT_LAST_PRICE_FAILS,
	FAULT_KIND_COUNT
};

enum snap_part {
	PART_ORDERS = 1, PART_POSITIONS = 2, PART_FILLS = 4, PART_PRICES = 8, PART_INSTRUMENTS = 16
};

struct fault {
	enum fault_kind kind;
	int64_t count;                      /* remaining firings; -1 = unlimited */
	int64_t at_call;                    /* 0 = any */
	char symbol[MODEL_SYM_MAX];         /* "" = any */
	char order_id[MODEL_ID_MAX];        /* "" = any */
	char client_order_id[MODEL_ID_MAX]; /* "" = any */
	int part;                           /* snapshot_fails: enum snap_part */
	int64_t page;                       /* page_missing */
	char reason[VENUE_REASON_MAX];      /* "" = a default per kind */
	enum venue_reject reject;           /* cancel_fails */
	int code;                           /* cancel_fails */
	bool happened;                      /* place_unknown: placed; cancel_unknown: cancelled */
};

struct sim_order {
	struct order_rec rec;
	bool close_position; /* futures: closes whatever the position is */
	bool triggered;      /* stop_limit: the trigger fired, it rests as a limit */
};

struct sim_fill {
	struct fill_rec rec;
	uint64_t seq; /* the fills cursor counts these */
};

struct balance {
	char asset[MODEL_SYM_MAX];
	struct dec qty;
};

struct position {
	char symbol[MODEL_SYM_MAX];
	struct dec qty; /* signed */
	struct dec entry;
};

struct path {
	char symbol[MODEL_SYM_MAX];
	struct dec *steps;
	size_t n;
};

struct sim {
	struct venue base; /* base.impl points back here */
	char name[MODEL_NAME_MAX];    /* venue name, used in generated ids */
	char account[MODEL_NAME_MAX];
	enum market market;
	size_t page_size;
	struct dec fee_rate;
	int64_t now0_us;
	int64_t step_us;
	size_t step;
	uint64_t next_order_no, next_fill_no, fill_seq;

	RK_ARRAY(struct instrument) instruments;
	RK_ARRAY(struct balance) balances;
	RK_ARRAY(struct position) positions;
	RK_ARRAY(struct sim_order) orders;
	RK_ARRAY(struct sim_fill) fills;
	RK_ARRAY(struct path) paths;
	RK_ARRAY(struct fault) faults;
	RK_ARRAY(struct sim_call) log;
	long calls[SIM_CALL_KIND_COUNT];

	/* Lookups over the arrays above (rk_index.h), kept current by
	 * sim_indexed after every push: by symbol, order id, non-empty client
	 * order id, fill id. The first item with a key is the first in the array. */
	struct rk_index ix_instrument, ix_position, ix_path, ix_order, ix_order_cid, ix_fill;
};

/* ---- engine.c ------------------------------------------------------------ */

/* The sim behind `v`, or NULL when `v` is not a sim venue. */
struct sim *sim_of(const struct venue *v);
void sim_copy_str(char *dst, size_t cap, const char *src); /* truncating; NULL -> "" */

/* Sets up the lookups of a new sim (before anything is pushed); sim_destroy
 * frees them. */
void sim_index_init(struct sim *s);
/* Indexes the element just pushed on s->instruments, positions, paths,
 * orders or fills (whichever `array` is, its last element), with its keys as
 * they are now: call it once the keys are set. RK_ENOMEM only. */
enum rk_rc sim_indexed(struct sim *s, const void *array, struct rk_err *err);
void sim_index_free(struct sim *s);

const struct instrument *sim_find_instrument(const struct sim *s, const char *symbol);
/* With `create`, a missing entry is added (zero); NULL only on ENOMEM then. */
struct balance *sim_find_balance(struct sim *s, const char *asset, bool create);
struct position *sim_find_position(struct sim *s, const char *symbol, bool create);
struct path *sim_find_path(const struct sim *s, const char *symbol);
bool sim_current_price(const struct sim *s, const char *symbol, struct dec *out);
struct sim_order *sim_find_order(const struct sim *s, const char *order_id);
struct sim_order *sim_find_order_by_client(const struct sim *s, const char *cid);
int64_t sim_now_us(const struct sim *s);            /* scenario time */
struct dec sim_remaining(const struct order_rec *o); /* qty - filled */
bool sim_is_binance(const struct sim *s);

/* Futures: is there a position an order on `side` would reduce? */
bool sim_faces_position(struct sim *s, const char *symbol, enum side side);
/* Executes `o` at `price` as far as it can (see engine.c). */
enum rk_rc sim_execute(struct sim *s, struct sim_order *o, struct dec price, enum liquidity liq,
		       struct rk_err *err);
/* Would a limit at `limit` trade against `last`? Has a stop-loss trigger
 * been reached (sell: at or below)? */
bool sim_limit_crosses(enum side side, struct dec limit, struct dec last);
bool sim_stop_reached(enum side side, struct dec stop, struct dec last);
/* What open orders hold of `asset`, and the balance left free of them. */
struct dec sim_held(const struct sim *s, const char *asset);
struct dec sim_free_balance(struct sim *s, const char *asset);

/* ---- placement.c / ops.c ------------------------------------------------- */

/* A placement as the placement rules see it. */
struct sim_placement {
	struct sim *s;
	const struct venue_order_req *req;
	const struct instrument *ins; /* NULL: not an instrument of this venue */
	bool futures, closing;        /* closing: futures close_position */
	bool needs_price, needs_stop; /* the order type takes a limit / a trigger */
	bool have_last;               /* the symbol has a price; last is it (else 0) */
	struct dec last;
};

/* One placement rule: a predicate and the refusal it gives, in the words of
 * each venue the sim impersonates. */
struct sim_placement_rule {
	const char *name;                                /* for tests and readers */
	bool (*refused)(const struct sim_placement *p); /* true: refused */
	enum venue_reject reject;
	int code;                    /* Binance error code */
	bool code_everywhere;        /* the code is reported on every venue */
	const char *binance_msg;     /* Binance's msg */
	const char *coinbase_reason; /* Coinbase's failure_reason */
};

/* The placement rules, checked in order; the first that refuses answers. */
extern const struct sim_placement_rule SIM_PLACEMENT_RULES[];
extern const size_t SIM_PLACEMENT_RULE_COUNT;

/* The placement of `req` on `s` as the rules see it (its price: now). */
struct sim_placement sim_placement_of(struct sim *s, const struct venue_order_req *req);
/* The first rule that refuses `p`, or NULL when it may be placed. */
const struct sim_placement_rule *sim_placement_refusal(const struct sim_placement *p);

enum rk_rc sim_place(struct venue *v, const struct venue_order_req *req,
		     struct venue_place_result *out, struct rk_err *err);
extern const struct venue_ops SIM_OPS;
void sim_destroy(struct venue *v); /* frees the sim behind v */

/* ---- faults.c ------------------------------------------------------------ */

/* Appends a request to the log and counts it; RK_ENOMEM only. */
enum rk_rc sim_log_call(struct sim *s, enum sim_call_kind kind, const char *symbol,
			const char *order_id, const char *cid, struct rk_err *err);
/* Does fault `f` (of `kind`) fire at this call? If so it is consumed. */
bool sim_fault_fires(struct sim *s, struct fault *f, enum fault_kind kind, const char *symbol,
		     const char *order_id, const char *cid);
/* The first fault of `kind` that fires at this call, or NULL. */
struct fault *sim_fault_take(struct sim *s, enum fault_kind kind, const char *symbol,
			     const char *order_id, const char *cid);
const char *sim_part_name(int part); /* "orders", "positions", ... */
/* Parses one scenario FAULT object at `path` and adds it to s->faults. */
enum rk_rc sim_fault_parse(struct sim *s, const cJSON *j, const char *path, struct rk_err *err);

#endif
