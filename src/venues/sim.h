/*
 * sim.h — the simulated venue: an in-process, deterministic exchange driven
 * by a scenario file. It is the embedded default venue of `reckon demo` and
 * the venue every reconciler test runs against.
 *
 * A scenario may describe several venues; one sim instance impersonates one
 * of them (its `kind` is that venue, so what reckon journals reads like the
 * real thing). Nothing in here reads the wall clock or draws random numbers:
 * the same scenario and the same calls give the same answers, ids and fills.
 *
 * Scenario JSON (also documented, with examples, in scenarios/README.md).
 * Every amount is a decimal STRING ("0.0336"), never a JSON number. Unknown
 * keys are errors, so a typo cannot silently change a test.
 *
 *   {
 *     "description": "free text",                       optional
 *     "now": "2025-11-23T03:05:00Z",                    scenario time of step 0
 *                                                       (default 2025-01-01T00:00:00Z)
 *     "step_seconds": 60,                               time per price step (default 60)
 *     "journal": [ {ingest line}, "ingest line", ... ], the bot's own view (orders and
 *                                                       fills in the ingest contract), which
 *                                                       the demo and tests ingest first
 *     "venues": {
 *       "coinbase" | "binance-usdm" | "sim": {
 *         "description": "free text",                   optional
 *         "market": "spot" | "futures",                 default: coinbase/sim spot,
 *                                                       binance-usdm futures
 *         "account": "default",                         account name on orders and fills
 *         "page_size": 2,                               open-order listing page size
 *         "fee_rate": "0",                              fee = qty * price * fee_rate, in quote
 *         "instruments": [ { "symbol", "tick_size", "step_size",
 *                            "min_qty", "min_notional" } ],   "0" or absent = no rule
 *         "balances":  [ { "asset": "TOWNS" | "symbol": "TOWNS-USD", "qty" } ],  spot only;
 *                                                       list the quote currency (USD) too
 *         "positions": [ { "symbol", "qty" (signed, short < 0), "entry_price" } ],  futures only
 *         "open_orders": [ ORDER ],                     working orders (status open or
 *                                                       partially_filled, default open)
 *         "order_history": [ ORDER ],                   terminal orders (status required:
 *                                                       filled|cancelled|rejected|expired)
 *         "fills": [ { "fill_id", "order_id", "symbol", "side", "qty", "price",
 *                      "fee", "fee_currency", "liquidity", "ts" } ],  fill history
 *         "prices": { "SYMBOL": [ "p0", "p1", ... ] },  price path, step 0 = now; after
 *                                                       the last step the price stays
 *         "faults": [ FAULT ]
 *       }
 *     }
 *   }
 *
 *   ORDER = { "order_id", "client_order_id", "symbol", "side": "buy"|"sell",
 *             "order_type": "market"|"limit"|"stop_market"|"stop_limit"|
 *                           "take_profit"|"bracket",
 *             "qty", "price" (limit; bracket: take profit), "stop_price" (trigger),
 *             "reduce_only", "close_position" (futures), "filled_qty",
 *             "status", "ts", "triggered" (stop_limit already triggered) }
 *
 *   FAULT = { "kind", "count" (times it fires, default 1, -1 = always),
 *             "at_call" (fires from the Nth call of its operation on, 1-based;
 *                        default: from the first matching call),
 *             selectors "symbol", "order_id", "client_order_id" (absent = any),
 *             and per kind:
 *     "snapshot_fails"     "part": orders|positions|fills|prices|instruments; that
 *                          part comes back empty, complete=false, "reason"
 *     "page_missing"       the open-order listing loses page "page" (0-based,
 *                          default 1, clamped to the last page): incomplete
 *     "cancel_fails"       VOUT_REJECTED with "reason" (e.g. "UNKNOWN_CANCEL_ORDER"),
 *                          "reject" (a venue_reject_name, default "other"), "code";
 *                          the order stays open
 *     "cancel_unknown"     VOUT_UNKNOWN (timeout); "cancelled": true|false (default
 *                          true) says whether the cancel really happened
 *     "place_would_trigger" VREJ_WOULD_TRIGGER, code -2021
 *                          "Order would immediately trigger."
 *     "place_no_order_id"  the order is placed but acknowledged without an id
 *                          (venue_place turns that into VOUT_UNKNOWN); a later
 *                          get_order by client order id finds it
 *     "place_unknown"      VOUT_UNKNOWN (timeout); "placed": true|false (default
 *                          true) says whether the order really exists
 *     "get_order_unknown"  get_order answers VOUT_UNKNOWN
 *     "order_fills_fails"  order_fills returns RK_EUNKNOWN
 *     "place_fails"        the placement is refused (VOUT_REJECTED) with "reason",
 *                          "reject" (a venue_reject_name, default "other"), "code"
 *     "last_price_fails"   last_price returns RK_EUNKNOWN
 *   }
 *   "at_call" counts calls of the fault's operation: snapshots, placements,
 *   cancel requests (one per order id), get_order calls, order_fills calls,
 *   last_price calls.
 *
 * Behaviour (see also src/venues/sim/, whose files sim_internal.h lists):
 *  - snapshot: every open order (listed in pages of page_size, so page_missing
 *    means something), positions (spot: one per base asset held, qty = total
 *    balance, under the first instrument of that base, zero balances
 *    included; futures: every position, flat ones included), fills with a
 *    sequence number above the cursor (cursor = that number as text, "" =
 *    from the start), the current price of each path, the instruments;
 *    taken_at_us is scenario time.
 *  - place: checks the instrument, increments (tick, step), min_qty and
 *    min_notional (VREJ_INVALID); a stop already through the last price
 *    (sell stop_price >= last, buy stop_price <= last; bracket: its stop leg)
 *    is VREJ_WOULD_TRIGGER code -2021 on every market; on spot a sell needs
 *    free base (balance minus what other open sells hold) and a buy free quote,
 *    else VREJ_INSUFFICIENT_FUNDS; futures reduce_only / close_position must
 *    face a position. A market order, or a limit order already marketable,
 *    fills at once at the last price. A client order id already used returns
 *    that order (idempotent) instead of placing twice, whatever its status
 *    (a cancelled stop stays cancelled), as Coinbase does. The answer
 *    carries the order (has_order). New ids are "sim-<venue>-<n>"; fills
 *    "sim-<venue>-fill-<n>".
 *  - last_price: the current price of the symbol's path (RK_EUNKNOWN without
 *    one).
 *  - an open order's filled_qty may exceed what its fills add up to (a
 *    scenario order "filled_qty": "4" with no fill): the venue then reports
 *    filled quantity without the fill records, as exchanges sometimes do.
 *  - cancel: per order; unknown → VOUT_NOT_FOUND + VREJ_UNKNOWN_ORDER;
 *    terminal → VOUT_REJECTED + VREJ_ALREADY_DONE.
 *  - get_order: by id, else by client id; terminal orders stay retrievable.
 *  - matching (sim_venue_advance / sim_venue_set_price), per order in creation
 *    order: limit sell fills at its price when last >= price (buy: <=);
 *    stop_market sell triggers when last <= stop and fills at last (buy: >=);
 *    stop_limit triggers the same way and then rests as a limit (filling at
 *    last at once if already marketable); take_profit (market) sell triggers
 *    when last >= stop; bracket: take profit fills at its price, the stop leg
 *    at last, the first one to fire completes the order (one cancels the
 *    other). Futures reduce-only orders fill at most the opposing position and
 *    expire when there is none.
 *
 * Ownership: sim_venue_create returns a venue released with venue_destroy.
 * It copies what it needs from the scenario text. Strings returned by
 * sim_scenario_text are static. Functions taking a venue that is not a sim
 * return 0 / false / RK_EINVAL.
 */
#ifndef RECKON_VENUES_SIM_H
#define RECKON_VENUES_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "err.h"
#include "model.h"
#include "venue.h"

#define SIM_DEFAULT_PAGE_SIZE 2
#define SIM_WOULD_TRIGGER_CODE (-2021)
#define SIM_WOULD_TRIGGER_MSG "Order would immediately trigger."

/* What the request log records. */
enum sim_call_kind {
	SIM_CALL_SNAPSHOT = 0,
	SIM_CALL_PLACE,
	SIM_CALL_CANCEL,      /* one per order id in a cancel request */
	SIM_CALL_GET_ORDER,
	SIM_CALL_ORDER_FILLS,
	SIM_CALL_LAST_PRICE,
	SIM_CALL_KIND_COUNT
};

/* One request reckon sent (faulted requests included: they were sent). */
struct sim_call {
	enum sim_call_kind kind;
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];        /* cancel, get_order, order_fills */
	/* (last_price: symbol only) */
	char client_order_id[MODEL_ID_MAX]; /* place, get_order */
	enum order_type type;               /* place */
	enum side side;                     /* place */
};

/*
 * Builds a sim venue impersonating `venue_name` ("coinbase", "binance-usdm"
 * or "sim") from the scenario text. The scenario must have that venue under
 * "venues". Errors (RK_EINVAL, RK_ENOTFOUND, RK_ENOMEM) name the JSON path.
 * *out (OUT) is released with venue_destroy.
 */
enum rk_rc sim_venue_create(const char *scenario_json, const char *venue_name,
			    struct venue **out /* OUT */, struct rk_err *err);

/* The text of an embedded scenario ("demo.json"), or NULL. Static. */
const char *sim_scenario_text(const char *name);

/*
 * The scenario's "journal" as ingest lines (objects printed compactly,
 * strings as given), in order. *lines (OUT) is an array of *n malloc'd
 * strings; free with sim_lines_free. A scenario without a journal gives
 * *lines NULL and *n 0.
 */
enum rk_rc sim_scenario_journal(const char *scenario_json, char ***lines /* OUT */,
				size_t *n /* OUT */, struct rk_err *err);
void sim_lines_free(char **lines, size_t n); /* NULL-safe */

/* Is `v` a sim venue? */
bool sim_venue_is_sim(const struct venue *v);

/* Moves every price path `steps` (>= 0) steps forward, advancing scenario
 * time by step_seconds each, and matches the open orders at every step. */
enum rk_rc sim_venue_advance(struct venue *v, int steps, struct rk_err *err);

/* Sets the current price of `symbol` (> 0; replaces the path's value at the
 * current step, or starts a path) and matches the open orders against it. */
enum rk_rc sim_venue_set_price(struct venue *v, const char *symbol, struct dec price,
			       struct rk_err *err);

/* Current price of `symbol`; false when it has no price. */
bool sim_venue_price(const struct venue *v, const char *symbol, struct dec *out /* OUT */);

/* Current step (0 at creation) and scenario time in microseconds. */
size_t sim_venue_step(const struct venue *v);
int64_t sim_venue_now_us(const struct venue *v);

/* Orders whose status is open or partially_filled. */
size_t sim_venue_open_order_count(const struct venue *v);

/* Copies the order with this exchange id (any status) into *out; false when
 * there is none. */
bool sim_venue_find_order(const struct venue *v, const char *order_id, struct order_rec *out);
/* Same, by client order id. */
bool sim_venue_find_order_by_client(const struct venue *v, const char *client_order_id,
				    struct order_rec *out);

/* Position of `symbol`: futures signed qty; spot the balance of its base
 * asset. False when the symbol is neither an instrument nor a position. */
bool sim_venue_position(const struct venue *v, const char *symbol, struct dec *qty /* OUT */);

/* Spot balance of `asset` ("USD", "TOWNS"); 0 and true when never held;
 * false on futures. */
bool sim_venue_balance(const struct venue *v, const char *asset, struct dec *qty /* OUT */);

/* Number of fills the venue holds (scenario history included). */
size_t sim_venue_fill_count(const struct venue *v);

/* Requests of `kind` received so far. */
long sim_venue_calls(const struct venue *v, enum sim_call_kind kind);

/* The request log, oldest first. */
size_t sim_venue_log_count(const struct venue *v);
bool sim_venue_log_entry(const struct venue *v, size_t i, struct sim_call *out /* OUT */);

/* Did reckon ask to cancel this order (whatever the answer)? */
bool sim_venue_cancel_requested(const struct venue *v, const char *order_id);

/*
 * The whole venue state (step, time, orders, fills, positions, balances) as
 * JSON text in a fixed order, for determinism checks and debugging.
 * malloc'd; the caller frees. NULL on allocation failure or a non-sim venue.
 */
char *sim_venue_dump(const struct venue *v);

#endif
