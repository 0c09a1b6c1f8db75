/*
 * binance_parse.h — the pure half of the Binance USDⓈ-M futures venue:
 * reading the venue's JSON payloads into reckon's records, mapping its error
 * codes, and building (and signing) request query strings. No I/O, no clock:
 * everything here is a function of its arguments, so the conformance tests
 * run it against the published payloads in ../shared/fixtures/binance-usdm/.
 *
 * Numbers. Binance sends amounts as JSON strings and ids / times as JSON
 * numbers; the ccxt captures stringify the ids and times too. Both forms are
 * accepted everywhere. Amounts are read exactly (jsonin: a string, or a JSON
 * number of at most 15 significant digits); ids and millisecond times must be
 * integers no larger than 2^53 (the largest a JSON reader can keep exact),
 * which every Binance id and time is by a wide margin.
 *
 * Ids. A regular order's id is its `orderId` ("4087922044"). A conditional
 * (algo) order's id is "algo:" + `algoId` ("algo:2146760"): algoIds and
 * orderIds are separate counters that may collide, and cancel / lookup go to
 * different endpoints, so the prefix is what routes them. The client order
 * id is `clientOrderId`, or `clientAlgoId` for an algo order. A fill's id is
 * the trade `id` as is ("272536245"), the same id a bot records.
 *
 * Fills cursor (text, fits MODEL_ID_MAX): "bn1:<ms>" — fills are read from
 * that exchange time (ms since the epoch) on. The venue hands out the time
 * its fill reading started minus BINANCE_CURSOR_OVERLAP_MS, so a trade
 * written late is not skipped; fills seen twice are de-duplicated by fill id
 * by the journal. "" (from the beginning) means the last
 * `lookback_days` days.
 *
 * Ownership: arrays returned through `**out` are malloc'd, the caller frees
 * them with free(); on failure they are NULL and *n is 0. Strings returned
 * through `char **out` are malloc'd, freed with free().
 */
#ifndef RECKON_VENUES_BINANCE_PARSE_H
#define RECKON_VENUES_BINANCE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "err.h"
#include "model.h"
#include "venue.h"

#define BINANCE_ALGO_PREFIX "algo:"
#define BINANCE_CURSOR_PREFIX "bn1:"
#define BINANCE_CURSOR_OVERLAP_MS (5LL * 60 * 1000)
/* userTrades: startTime..endTime may span at most 7 days. */
#define BINANCE_TRADES_WINDOW_MS (7LL * 24 * 3600 * 1000 - 1)
#define BINANCE_TRADES_LIMIT 1000       /* largest userTrades page */
#define BINANCE_DEFAULT_LOOKBACK_HOURS (7 * 24) /* an empty cursor reads this far back */
#define BINANCE_MAX_LOOKBACK_DAYS 180   /* the venue keeps about six months */
/* TRAILING_STOP_MARKET callbackRate range, in percent (venue rule today). */
#define BINANCE_CALLBACK_RATE_MIN "0.1"
#define BINANCE_CALLBACK_RATE_MAX "20"
#define BINANCE_QUERY_MAX 1024          /* longest unsigned query we build */
#define BINANCE_CLIENT_ID_MAX 36        /* newClientOrderId / clientAlgoId length */

/* Binance error codes reckon reacts to. */
#define BINANCE_ERR_TIMESTAMP (-1021)     /* outside recvWindow: resync, retry once */
#define BINANCE_ERR_WOULD_TRIGGER (-2021) /* stop already through the price */
#define BINANCE_ERR_CANCEL_REJECTED (-2011) /* "Unknown order sent." */
#define BINANCE_ERR_NO_SUCH_ORDER (-2013) /* "Order does not exist." */
#define BINANCE_ERR_USE_ALGO_API (-4120)  /* conditional order sent to /fapi/v1/order */

/* --- errors ------------------------------------------------------------------ */

/*
 * Reads a Binance error body {"code":-2021,"msg":"..."} (code a JSON number
 * or a numeric string). Returns true and fills *code and msg (cap bytes) when
 * the body is that shape with a negative code; false otherwise (a success
 * body such as the algo cancel's {"code":"200","msg":"success"} included).
 */
bool binance_parse_error(const char *body, size_t len, int *code /* OUT */, char *msg,
			 size_t cap);

/* The kind of request an error answered. */
enum binance_op { BINANCE_OP_PLACE = 0, BINANCE_OP_CANCEL, BINANCE_OP_LOOKUP };

/*
 * What a Binance error code means for one request. -2011/-2013 ("unknown
 * order", "order does not exist"): a lookup gets VOUT_NOT_FOUND, a cancel
 * VOUT_NOT_FOUND with VREJ_UNKNOWN_ORDER (as the sim venue), a placement
 * VOUT_REJECTED with VREJ_UNKNOWN_ORDER. Codes that say the outcome is not
 * known (-1000, -1001, -1003, -1006, -1007, -1008) are VOUT_UNKNOWN.
 * Everything else is VOUT_REJECTED with the class of the table in binance.h
 * (VREJ_OTHER for codes not listed).
 */
void binance_classify_error(int code, enum binance_op op, enum venue_outcome *outcome /* OUT */,
			    enum venue_reject *reject /* OUT */);

/* A clear reason for a code: "Binance -2021: Order would immediately
 * trigger.", with reckon's explanation for the codes that need one (-4120:
 * "wrong endpoint: conditional orders must use the algo order API"). */
void binance_error_reason(int code, const char *msg, char *out, size_t cap);

/* --- payloads ---------------------------------------------------------------- */

/* An algo (conditional) order's own lifecycle (algoStatus). */
enum binance_algo_status {
	BINANCE_ALGO_NEW = 0,   /* waiting for its trigger */
	BINANCE_ALGO_TRIGGERING, /* triggered, being sent to the matching engine */
	BINANCE_ALGO_TRIGGERED, /* placed in the matching engine as actual_order_id */
	BINANCE_ALGO_FINISHED,  /* the triggered order was filled or cancelled */
	BINANCE_ALGO_CANCELED,
	BINANCE_ALGO_EXPIRED,
	BINANCE_ALGO_REJECTED
};

struct binance_algo_order {
	struct order_rec rec;      /* order_id "algo:<algoId>", client id = clientAlgoId;
				    * status: NEW/TRIGGERING/TRIGGERED open, FINISHED
				    * filled (refine through actual_order_id), others
				    * as named; qty 0 for a closePosition order */
	enum binance_algo_status algo_status;
	char actual_order_id[MODEL_ID_MAX]; /* "" until triggered */
	bool close_position;
};

/*
 * One order object (POST/GET/DELETE /fapi/v1/order, an openOrders element).
 * `account` is copied into the record. Types: LIMIT limit, MARKET market,
 * STOP_MARKET stop_market, STOP stop_limit, TAKE_PROFIT(_MARKET) take_profit,
 * TRAILING_STOP_MARKET trailing_stop; anything else is RK_EINVAL. Statuses:
 * NEW open, PARTIALLY_FILLED, FILLED, CANCELED cancelled, REJECTED, EXPIRED
 * and EXPIRED_IN_MATCH expired. qty = origQty, filled_qty = executedQty,
 * price / stop_price only when > 0, reduce_only = reduceOnly||closePosition,
 * ts = updateTime (else time). *close_position (OUT, may be NULL).
 */
enum rk_rc binance_parse_order(const char *body, size_t len, const char *account,
			       struct order_rec *out /* OUT */, bool *close_position,
			       struct rk_err *err);

/* A JSON array of order objects (openOrders; batchOrders results). */
enum rk_rc binance_parse_orders(const char *body, size_t len, const char *account,
				struct order_rec **out /* OUT */, size_t *n /* OUT */,
				struct rk_err *err);

/* One algo order (POST/GET /fapi/v1/algoOrder). */
enum rk_rc binance_parse_algo_order(const char *body, size_t len, const char *account,
				    struct binance_algo_order *out /* OUT */, struct rk_err *err);

/* A JSON array of algo orders (GET /fapi/v1/openAlgoOrders). */
enum rk_rc binance_parse_algo_orders(const char *body, size_t len, const char *account,
				     struct binance_algo_order **out /* OUT */, size_t *n /* OUT */,
				     struct rk_err *err);

/*
 * The answer to a cancel of `order_id` (DELETE /fapi/v1/order: the order with
 * status CANCELED; DELETE /fapi/v1/algoOrder: {"algoId":N,"code":"200",...}).
 * Sets out->outcome VOUT_OK only when the body names that very order and says
 * it is cancelled; anything else is VOUT_UNKNOWN with the reason. Never fails.
 */
void binance_parse_cancel(const char *body, size_t len, const char *order_id,
			  struct venue_cancel_result *out /* OUT */);

/* userTrades (a JSON array) -> fills. fill_id = id, fee = |commission| in
 * commissionAsset, liquidity from maker, ts = time. */
enum rk_rc binance_parse_trades(const char *body, size_t len, const char *account,
				struct fill_rec **out /* OUT */, size_t *n /* OUT */,
				struct rk_err *err);

/*
 * Positions, one per symbol, flat ones included: from GET /fapi/v3/positionRisk
 * (an array) or from an account object's "positions" (GET /fapi/v3/account,
 * which has no entry price). qty = positionAmt (signed). Hedge-mode entries
 * (positionSide LONG/SHORT) of one symbol are netted and *hedge_mode (OUT) is
 * set when any of them is not flat; the entry price is kept only when a single
 * non-flat entry makes up the position.
 */
enum rk_rc binance_parse_positions(const char *body, size_t len,
				   struct venue_position **out /* OUT */, size_t *n /* OUT */,
				   bool *hedge_mode /* OUT */, struct rk_err *err);

/* exchangeInfo -> instruments: PRICE_FILTER tickSize, LOT_SIZE stepSize and
 * minQty, MIN_NOTIONAL notional (absent filters stay 0 = no rule). */
enum rk_rc binance_parse_exchange_info(const char *body, size_t len,
				       struct instrument **out /* OUT */, size_t *n /* OUT */,
				       struct rk_err *err);

/* GET /fapi/v1/ticker/price: an array, or one object when a symbol was given. */
enum rk_rc binance_parse_prices(const char *body, size_t len, struct venue_price **out /* OUT */,
				size_t *n /* OUT */, struct rk_err *err);

/* GET /fapi/v1/time -> {"serverTime": ms}. */
enum rk_rc binance_parse_server_time(const char *body, size_t len, int64_t *ms /* OUT */,
				     struct rk_err *err);

/* --- requests ------------------------------------------------------------------ */

/* Is this an algo order id ("algo:<digits>")? *algo_id (OUT, may be NULL)
 * points at the digits. */
bool binance_is_algo_id(const char *order_id, const char **algo_id);

/* Binance's rules for a symbol ([A-Z0-9_]+, shorter than MODEL_SYM_MAX)
 * and a client order id (^[.A-Z:/a-z0-9_-]{1,36}$), checked before either
 * goes into a query string. */
bool binance_symbol_ok(const char *symbol);
bool binance_client_id_ok(const char *client_order_id);

/* A placement as Binance wants it. */
struct binance_place_req {
	bool algo;                    /* POST /fapi/v1/algoOrder, else /fapi/v1/order */
	const char *path;             /* "/fapi/v1/algoOrder" or "/fapi/v1/order" */
	char query[BINANCE_QUERY_MAX]; /* unsigned parameters */
};

/*
 * Builds the parameters of a placement. Regular orders (/fapi/v1/order):
 *   limit:  symbol&side&type=LIMIT&quantity&price&timeInForce=GTC
 *   market: symbol&side&type=MARKET&quantity
 * then &newClientOrderId (when given) and &reduceOnly=true (when asked).
 * Conditional orders (/fapi/v1/algoOrder, algoType=CONDITIONAL):
 *   stop_market -> STOP_MARKET, stop_limit -> STOP (with price, GTC),
 *   take_profit -> TAKE_PROFIT_MARKET (TAKE_PROFIT with a price),
 *   triggerPrice, clientAlgoId, and either closePosition=true (no quantity,
 *   no reduceOnly: the venue refuses both) or quantity (+ reduceOnly=true).
 * Refused with RK_EINVAL and a reason (the caller reports VREJ_INVALID,
 * nothing is sent): bracket and trailing_stop orders (the request carries no
 * callbackRate), a missing side, qty <= 0 without closePosition, a missing
 * price or trigger, closePosition on a non-conditional order, a client id
 * outside Binance's ^[.A-Z:/a-z0-9_-]{1,36}$, a symbol that is not [A-Z0-9_].
 */
enum rk_rc binance_place_params(const struct venue_order_req *req,
				struct binance_place_req *out /* OUT */, struct rk_err *err);

/*
 * Signs a query for a SIGNED endpoint: appends "&recvWindow=<rw>" (omitted
 * when recv_window_ms is 0) and "&timestamp=<ms>" to `params` (which may be
 * ""), then "&signature=<hex HMAC-SHA256 of everything before it, keyed with
 * the secret>". *out (OUT) is malloc'd; the caller frees it (it holds no
 * secret, but it authorises one request: do not log it).
 */
enum rk_rc binance_sign_query(const char *secret, size_t secret_len, const char *params,
			      int64_t timestamp_ms, long recv_window_ms, char **out /* OUT */,
			      struct rk_err *err);

/* Checks a trailing stop's callbackRate (percent) against the venue's range
 * [BINANCE_CALLBACK_RATE_MIN, BINANCE_CALLBACK_RATE_MAX]: RK_EINVAL outside. */
enum rk_rc binance_check_callback_rate(struct dec rate, struct rk_err *err);

/* --- fills cursor --------------------------------------------------------------- */

/*
 * The exchange time (ms) to read fills from: the cursor's, or for "" now_ms
 * minus `lookback_hours` (0 -> BINANCE_DEFAULT_LOOKBACK_HOURS; the policy's
 * fill_lookback_hours); never earlier than now_ms - BINANCE_MAX_LOOKBACK_DAYS.
 * A malformed cursor is RK_EINVAL.
 */
enum rk_rc binance_cursor_parse(const char *cursor, int64_t now_ms, int lookback_hours,
				int64_t *from_ms /* OUT */, struct rk_err *err);

/* Writes "bn1:<ms>" into out. */
void binance_cursor_format(int64_t ms, char out[MODEL_ID_MAX]);

#endif
