/*
 * coinbase_parse.h — Coinbase Advanced Trade (spot) bodies <-> reckon's venue
 * records. Pure: no I/O, no clock, no globals; the venue (coinbase.c) does
 * the HTTP and calls these, and the conformance tests feed them the shared
 * fixtures directly.
 *
 * Reading rules, common to every body:
 *  - A body must be one JSON object (valid UTF-8, no NUL, no duplicate
 *    top-level keys: jsonin_parse). Anything else is RK_EINVAL.
 *  - Every amount must be a JSON STRING holding an exact decimal ("0.392").
 *    A JSON number amount is refused (it went through a double); so is any
 *    text that is not a decimal, such as the docs' "<string>" placeholders.
 *    Parsing never rounds: more than 18 fractional digits is refused (dec.h).
 *    The 22-significant-digit average_filled_price of the ccxt list_orders
 *    example ("21220.6399999973697697", 16 decimals) therefore parses
 *    exactly; reckon does not keep the average price, but an unparseable
 *    one would still be refused rather than ignored.
 *  - An empty string means "none": an optional amount or id is absent, a
 *    required one is missing (RK_EINVAL).
 *  - Timestamps are RFC 3339 with 0–9 fractional digits; they are stored in
 *    rtime's canonical form (truncated to the microsecond).
 *  - Error messages name the field ("orders[2].filled_size: ...") and may
 *    quote up to 40 characters of the offending value; bodies never carry
 *    credentials.
 *
 * Enumerations (each mapping is total; an unlisted spelling is an error or
 * the conservative default stated here):
 *
 *   order status   OPEN, PENDING, QUEUED, EDIT_QUEUED, CANCEL_QUEUED -> open
 *                  (partially_filled when filled_size > 0): the order may
 *                  still trade, a queued cancel is not a cancel.
 *                  FILLED -> filled, CANCELLED -> cancelled, EXPIRED ->
 *                  expired, FAILED -> rejected. Anything else
 *                  (UNKNOWN_ORDER_STATUS, new spellings): RK_EINVAL, never a
 *                  guess.
 *   configuration  market_market_ioc -> market; limit_limit_gtc,
 *                  limit_limit_gtd, limit_limit_fok, sor_limit_ioc -> limit;
 *                  stop_limit_stop_limit_gtc/_gtd -> stop_limit (price =
 *                  limit_price, stop_price = stop_price); trigger_bracket_gtc/
 *                  _gtd -> bracket (price = limit_price, the take profit;
 *                  stop_price = stop_trigger_price). qty = base_size; a
 *                  quote-sized order (quote_size only) takes qty =
 *                  filled_size, and is refused while nothing has filled (its
 *                  base quantity is not known).
 *   cancel result  success true -> VOUT_OK (failure_reason ignored: the
 *                  venue sends UNKNOWN_CANCEL_FAILURE_REASON on success).
 *                  success false, by failure_reason:
 *                    UNKNOWN_CANCEL_ORDER            NOT_FOUND + UNKNOWN_ORDER
 *                    ORDER_IS_FULLY_FILLED           REJECTED  + ALREADY_DONE
 *                    INVALID_CANCEL_REQUEST,
 *                    INVALID_CANCEL_PRODUCT_ID       REJECTED  + INVALID
 *                    DUPLICATE_CANCEL_REQUEST        REJECTED  + OTHER (a cancel
 *                        is queued, not done: the order may still fill)
 *                    ORDER_IS_BEING_REPLACED         REJECTED  + OTHER (it lives on,
 *                        under an edit)
 *                    COMMANDER_REJECTED_CANCEL_ORDER, NOT_ALLOWED_TO_CANCEL,
 *                    INVALID_FCM_TRADING_SESSION, UNKNOWN_CANCEL_FAILURE_REASON,
 *                    anything else                   REJECTED  + OTHER
 *                  success missing or not a boolean, or no result for an
 *                  order: VOUT_UNKNOWN.
 *   place failure  the first of error_response.error, .new_order_failure_reason,
 *                  .preview_failure_reason, then the top-level failure_reason,
 *                  that is not an UNKNOWN_..._REASON placeholder (a "PREVIEW_"
 *                  prefix is ignored when mapping):
 *                    INSUFFICIENT_FUND(S), INVALID_LEDGER_BALANCE
 *                                                    INSUFFICIENT_FUNDS
 *                    STOP_PRICE_BELOW_LAST_TRADE_PRICE,
 *                    STOP_PRICE_ABOVE_LAST_TRADE_PRICE
 *                                                    WOULD_TRIGGER
 *                    INVALID_SIZE_PRECISION, INVALID_PRICE_PRECISION,
 *                    INVALID_LIMIT_PRICE, INVALID_LIMIT_PRICE_POST_ONLY,
 *                    INVALID_STOP_PRICE, INVALID_BASE_SIZE_TOO_SMALL,
 *                    INVALID_BASE_SIZE_TOO_LARGE, INVALID_QUOTE_SIZE_TOO_SMALL,
 *                    INVALID_QUOTE_SIZE_TOO_LARGE, INVALID_QUOTE_SIZE_PRECISION
 *                                                    INVALID
 *                    anything else (UNSUPPORTED_ORDER_CONFIGURATION, ...)
 *                                                    OTHER
 *
 * Ownership: functions writing `T **out` allocate the array (at least one
 * element, so it is never NULL on RK_OK) and the caller frees it with
 * free(); on failure *out is NULL and *n is 0. Strings returned through
 * `char **` are malloc'd NUL-terminated and freed with free().
 */
#ifndef RECKON_VENUES_COINBASE_PARSE_H
#define RECKON_VENUES_COINBASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "venue.h"

#define COINBASE_CURSOR_MAX 256 /* pagination cursors, opaque */
#define COINBASE_HOST_MAX 256   /* "api.coinbase.com" or "127.0.0.1:port" */

/* One page of a cursor-paginated listing. */
struct coinbase_page {
	bool has_next;                    /* fetch `cursor` next */
	char cursor[COINBASE_CURSOR_MAX]; /* "" on the last page */
	int64_t newest_us;                /* fills: newest sequence_timestamp on the
					     page (trade_time when absent); 0 when
					     the page is empty. Unused otherwise. */
};

/* One currency's balance, summed over its accounts (wallets). */
struct coinbase_balance {
	char currency[MODEL_SYM_MAX];
	struct dec available; /* available_balance.value, >= 0 */
	struct dec hold;      /* hold.value (held by open orders), >= 0 */
};

/* ---- enumerations -------------------------------------------------------- */

/* Order status spelling -> reckon status (see the table above). `any_filled`
 * turns open into partially_filled. False for an unknown spelling. */
bool coinbase_map_order_status(const char *status, bool any_filled,
			       enum order_status *out /* OUT */);

/* A batch_cancel failure_reason (success false) -> outcome and reason. */
void coinbase_map_cancel_failure(const char *failure_reason, enum venue_outcome *outcome /* OUT */,
				 enum venue_reject *reject /* OUT */);

/* A placement failure reason -> venue_reject. NULL or "" gives VREJ_OTHER. */
enum venue_reject coinbase_map_order_failure(const char *reason);

/* ---- responses ----------------------------------------------------------- */

/*
 * GET /api/v3/brokerage/orders/historical/batch: the page's orders (every
 * status the body holds; the caller filters) and its pagination. `account`
 * (may be NULL: "default") is written into every record. On error nothing is
 * returned: one bad order makes the page unusable, never silently shorter.
 */
enum rk_rc coinbase_parse_orders_page(const char *body, size_t len, const char *account,
				      struct order_rec **orders /* OUT */, size_t *n /* OUT */,
				      struct coinbase_page *page /* OUT */, struct rk_err *err);

/* GET /api/v3/brokerage/orders/historical/{order_id}: {"order": {...}}. */
enum rk_rc coinbase_parse_order(const char *body, size_t len, const char *account,
				struct order_rec *out /* OUT */, struct rk_err *err);

/*
 * GET /api/v3/brokerage/orders/historical/fills: fill id = trade_id; qty =
 * size (a size_in_quote fill's size is quote currency: qty = size / price,
 * rounded half-even at 18 decimals, the one rounding here); fee = commission
 * ("" = 0), charged in the product's quote currency (fee_currency "" when the
 * product id is not BASE-QUOTE); liquidity MAKER/TAKER, else none. Pages have
 * only a cursor: has_next = cursor non-empty and the page non-empty.
 */
enum rk_rc coinbase_parse_fills_page(const char *body, size_t len, const char *account,
				     struct fill_rec **fills /* OUT */, size_t *n /* OUT */,
				     struct coinbase_page *page /* OUT */, struct rk_err *err);

/*
 * GET /api/v3/brokerage/accounts (v3: {"accounts": [...], "has_next",
 * "cursor"}): one entry per currency, wallets of the same currency summed.
 * The Coinbase App v2 shape ({"data": [...]}) is refused: reckon does not
 * call that API.
 */
enum rk_rc coinbase_parse_accounts_page(const char *body, size_t len,
					struct coinbase_balance **balances /* OUT */,
					size_t *n /* OUT */, struct coinbase_page *page /* OUT */,
					struct rk_err *err);

/*
 * Spot holdings as positions: for each of `products` ("BASE-QUOTE"), qty =
 * available + hold of BASE (0 when there is no such account). A base held
 * under several tracked products is reported once, under the first of them
 * (as the sim venue does), so a holding is never counted twice. Balances of
 * the same currency given twice are summed. Products that cannot be split
 * are RK_EINVAL.
 */
enum rk_rc coinbase_positions_from_balances(const struct coinbase_balance *balances, size_t nb,
					    const char *const *products, size_t nproducts,
					    struct venue_position **out /* OUT */,
					    size_t *n /* OUT */, struct rk_err *err);

/*
 * GET /api/v3/brokerage/products/{product_id} (one product object, also the
 * element of market/products): symbol = product_id, tick = price_increment
 * (quote_increment when absent or empty), step = base_increment, min_qty =
 * base_min_size, min_notional = quote_min_size; "" = 0 = no rule.
 */
enum rk_rc coinbase_parse_product(const char *body, size_t len, struct instrument *out /* OUT */,
				  struct rk_err *err);

/*
 * GET /api/v3/brokerage/best_bid_ask: one price per pricebook: the midpoint
 * of the best bid and best ask (half-even at 18 decimals), or the one side
 * present; a book with neither side gives no price.
 */
enum rk_rc coinbase_parse_best_bid_ask(const char *body, size_t len,
				       struct venue_price **prices /* OUT */, size_t *n /* OUT */,
				       struct rk_err *err);

/* GET /api/v3/brokerage/market/products/{id}/ticker: last = the newest
 * trade's price, symbol = its product_id. No trade: RK_ENOTFOUND. */
enum rk_rc coinbase_parse_ticker(const char *body, size_t len, struct venue_price *out /* OUT */,
				 struct rk_err *err);

/*
 * POST /api/v3/brokerage/orders, HTTP 2xx body:
 *  - success true with a non-empty order_id (top level or success_response;
 *    if both are given they must agree): VOUT_OK, status open. failure_reason
 *    (UNKNOWN_FAILURE_REASON) is ignored.
 *  - success true without an order id: VOUT_UNKNOWN ("accepted without an
 *    order id"): never valid; the caller looks the client order id up.
 *  - success false: VOUT_REJECTED with the mapped reject and a reason
 *    "ERROR: message" from error_response.
 *  - success missing or not a boolean: VOUT_UNKNOWN.
 * Returns RK_OK with *out filled in all these cases; RK_EINVAL only when the
 * body is not a JSON object at all (the caller treats that as unknown too).
 */
enum rk_rc coinbase_parse_create_order(const char *body, size_t len,
				       struct venue_place_result *out /* OUT */, struct rk_err *err);

/*
 * POST /api/v3/brokerage/orders/batch_cancel: out[i] (for order_ids[i]) is
 * taken from the result whose order_id matches; an order without a result is
 * VOUT_UNKNOWN. out[i].order_id is set. RK_EINVAL only when the body is not a
 * JSON object with a "results" array (then every out[i] is VOUT_UNKNOWN).
 */
enum rk_rc coinbase_parse_cancel(const char *body, size_t len, const char *const *order_ids,
				 size_t n, struct venue_cancel_result *out /* OUT */,
				 struct rk_err *err);

/*
 * A short reason from an error body ({"error", "message", "error_details"}
 * or anything else): "HTTP 404 NOT_FOUND: order not found". Never fails;
 * writes at most cap bytes.
 */
void coinbase_error_reason(int http_status, const char *body, size_t len, char *buf, size_t cap);

/* ---- requests ------------------------------------------------------------ */

/*
 * The JSON body of POST /api/v3/brokerage/orders for `req`, rounded to `ins`
 * (may be NULL: amounts sent as given). Keys in this order:
 *   {"client_order_id","product_id","side":"BUY"|"SELL",
 *    "order_configuration":{CONFIG:{...}}}
 *   market      market_market_ioc {"base_size"}
 *   limit       limit_limit_gtc {"base_size","limit_price","post_only":false}
 *   stop_limit  stop_limit_stop_limit_gtc {"base_size","limit_price","stop_price",
 *               "stop_direction": STOP_DIRECTION_STOP_DOWN (sell) | _STOP_UP (buy)}
 *   bracket     trigger_bracket_gtc {"base_size","limit_price" (take profit),
 *               "stop_trigger_price"}
 * Rounding: base_size DOWN to step_size; stop prices away from triggering
 * (sell: down, buy: up); limit and take-profit prices never worse than asked
 * (sell: up, buy: down); a stop-limit's limit is then clamped to its stop so
 * the rounding cannot put it on the wrong side. Amounts are canonical
 * decimal strings (dec_format).
 * Refused with RK_EINVAL (nothing to send): no client_order_id; a side,
 * type or price missing; stop_market, take_profit or trailing_stop (spot
 * Advanced Trade has no such configuration reckon uses); close_position;
 * a size that rounds to zero or below min_qty; qty * price below
 * min_notional (when the order has a price). reduce_only is ignored: a spot
 * sell can never open a short.
 */
enum rk_rc coinbase_build_order_body(const struct venue_order_req *req,
				     const struct instrument *ins,
				     char **json /* OUT: malloc'd, caller frees */,
				     struct rk_err *err);

/* {"order_ids":["a","b",...]} for batch_cancel. n >= 1; ids non-empty. */
enum rk_rc coinbase_build_cancel_body(const char *const *order_ids, size_t n,
				      char **json /* OUT: malloc'd, caller frees */,
				      struct rk_err *err);

/*
 * Splits a base URL into what goes into the JWT uri claim: the host, the
 * authority as written minus any userinfo ("https://api.coinbase.com" ->
 * "api.coinbase.com", "http://127.0.0.1:8443/" -> "127.0.0.1:8443"; a port
 * is kept because a loopback test server is addressed by it, the real API
 * has none), and the path prefix without a trailing '/' ("" normally). A
 * query or fragment ends the prefix. RK_EINVAL when there is no scheme or
 * host, or a part is too long.
 */
enum rk_rc coinbase_split_base_url(const char *base_url, char host[COINBASE_HOST_MAX] /* OUT */,
				   char prefix[COINBASE_HOST_MAX] /* OUT */, struct rk_err *err);

#endif
