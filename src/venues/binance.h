/*
 * binance.h — the Binance USDⓈ-M futures venue over HTTPS (struct venue_ops).
 *
 * Requests. SIGNED endpoints carry the parameters in the query string with
 * recvWindow and timestamp, then signature = hex HMAC-SHA256 of that query
 * keyed with the API secret, and the X-MBX-APIKEY header. The timestamp is
 * local time plus an offset learnt from GET /fapi/v1/time, re-learnt every 30
 * minutes and at once on -1021 (after which the request is sent once more:
 * -1021 means it was refused unprocessed). Reads (GET) are retried by the
 * HTTP client (backoff, Retry-After); placements and cancels are sent once.
 *
 * Snapshot (venue_snapshot):
 *   open orders       GET /fapi/v1/openOrders            (all symbols)
 *   conditional       GET /fapi/v1/openAlgoOrders        NEW / TRIGGERING ones, as
 *                                                        orders "algo:<algoId>"; a
 *                                                        TRIGGERED one is listed by
 *                                                        its actual order instead
 *   positions         GET /fapi/v3/positionRisk          one per symbol, signed qty;
 *                                                        hedge mode -> incomplete
 *   instruments       GET /fapi/v1/exchangeInfo          cached for an hour
 *   prices            GET /fapi/v1/ticker/price
 *   fills             GET /fapi/v1/userTrades per symbol, from the cursor's time
 *                     (an empty cursor: fills_lookback_hours back, default 7
 *                     days) in windows of at most 7 days (a full page splits
 *                     the window)
 * The symbols read for instruments, prices and fills are those with a
 * position, an open order or an open algo order, plus opt->symbols (list the
 * bot's symbols there: a position opened and closed between two snapshots
 * leaves nothing else to find its fills by). Any failed request marks the
 * snapshot incomplete with its reason; fills are then not read (the cursor
 * could not advance anyway) and the fills cursor stays as given.
 * A snapshot is also refused (incomplete) while the last reported
 * x-mbx-used-weight-1m is at 90% of weight_limit in the same minute.
 * Ids and the cursor: see binance_parse.h ("algo:<algoId>", "bn1:<ms>").
 *
 * Placement (venue_place): stop_market / stop_limit / take_profit go to POST
 * /fapi/v1/algoOrder (algoType=CONDITIONAL, triggerPrice, clientAlgoId,
 * closePosition=true without reduceOnly and quantity, or quantity with
 * reduceOnly); limit / market to POST /fapi/v1/order (newClientOrderId,
 * reduceOnly). Bracket and trailing-stop requests are refused locally
 * (VREJ_INVALID), nothing is sent. An answer without an order id, or that
 * cannot be read, is VOUT_UNKNOWN: the caller looks the client id up.
 *
 * Cancel: per order, DELETE /fapi/v1/algoOrder?algoId= for "algo:" ids, else
 * DELETE /fapi/v1/order?symbol=&orderId=; VOUT_OK only when that order's own
 * answer names it as cancelled.
 *
 * get_order: by id (GET /fapi/v1/algoOrder or /fapi/v1/order); when the id
 * is not found (or not given) and a client id is, by origClientOrderId and
 * then by clientAlgoId. A triggered algo order reports the status and filled
 * quantity of its actual order, under its own "algo:" id. order_fills:
 * GET /fapi/v1/userTrades?symbol=&orderId= (for an algo order: of its actual
 * order, relabelled with the "algo:" id; none before it triggered).
 *
 * Error mapping (native code -> outcome / reject; reason carries the venue's
 * message, with reckon's explanation where one helps):
 *   HTTP 5xx, 408, 418, 429, timeout, transport error   VOUT_UNKNOWN
 *   4xx without a Binance error body                     VOUT_UNKNOWN
 *   -1000 -1001 -1003 -1006 -1007 -1008                  VOUT_UNKNOWN
 *   -2021 would immediately trigger                      REJECTED / WOULD_TRIGGER
 *   -2011 -2013 unknown order                            lookup: NOT_FOUND;
 *                                                        cancel: NOT_FOUND / UNKNOWN_ORDER;
 *                                                        place: REJECTED / UNKNOWN_ORDER
 *   -4120 conditional order on /fapi/v1/order            REJECTED / INVALID, "wrong
 *                                                        endpoint: conditional orders
 *                                                        must use the algo order API"
 *   -2018 -2019 balance / margin insufficient            REJECTED / INSUFFICIENT_FUNDS
 *   -1013 -1102 -1106 -1111 -1116 -1117 -1121 -2022
 *   -4003 -4005 -4014 -4023 -4061 -4130 -4131 -4164      REJECTED / INVALID
 *   -1021 (after the one resync and resend)              REJECTED / OTHER
 *   -1022 -2014 -2015 (signature, key, permissions)      REJECTED / OTHER, names the variable
 *   anything else                                        REJECTED / OTHER
 *
 * Secrets: the key and secret are copied into the venue, wiped on destroy,
 * and never appear in a message; requests are not logged (http.h).
 *
 * Ownership: binance_venue_create returns a venue
 * released with venue_destroy. Options are copied; nothing is kept from them.
 * A venue is used by one thread at a time.
 */
#ifndef RECKON_VENUES_BINANCE_H
#define RECKON_VENUES_BINANCE_H

#include <stddef.h>

#include "err.h"
#include "http.h"
#include "rk_clock.h"
#include "venue.h"

#define BINANCE_DEFAULT_BASE_URL "https://fapi.binance.com"
#define BINANCE_DEFAULT_RECV_WINDOW_MS 5000L
#define BINANCE_DEFAULT_WEIGHT_LIMIT 2400L /* REQUEST_WEIGHT per minute */
#define BINANCE_TIME_RESYNC_MS (30LL * 60 * 1000)
#define BINANCE_EXCHANGE_INFO_TTL_MS (60LL * 60 * 1000)
#define BINANCE_ENV_API_KEY "RECKON_BINANCE_API_KEY"
#define BINANCE_ENV_API_SECRET "RECKON_BINANCE_API_SECRET"

struct binance_options {
	const char *base_url;         /* NULL -> BINANCE_DEFAULT_BASE_URL; http:// only
				       * to loopback (the fake exchange) */
	const char *api_key;          /* required */
	const char *api_secret;       /* required */
	long recv_window_ms;          /* 0 -> BINANCE_DEFAULT_RECV_WINDOW_MS */
	const char *const *symbols;   /* symbols always read (fills, prices); may be NULL */
	size_t nsymbols;
	int fills_lookback_hours;     /* empty cursor: how far back fills are read; 0 ->
				       * BINANCE_DEFAULT_LOOKBACK_HOURS (policy fill_lookback_hours) */
	long weight_limit;            /* 0 -> BINANCE_DEFAULT_WEIGHT_LIMIT */
	const struct http_options *http; /* optional: timeouts, retries, sleep seam
					  * (its base_url is ignored) */
	struct rk_clock clock;        /* request timestamps, exchangeInfo cache age,
				       * snapshot taken_at; zeroed = the system clock */
};

/*
 * Creates the venue. RK_ECONFIG for a missing key or secret or a refused
 * base URL, RK_ENOMEM. Nothing is sent until the first call. *out (OUT) is
 * released with venue_destroy.
 */
enum rk_rc binance_venue_create(const struct binance_options *opt, struct venue **out /* OUT */,
				struct rk_err *err);

#endif
