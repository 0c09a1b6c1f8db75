/*
 * coinbase.h — the Coinbase Advanced Trade (spot) venue: venue.h's contract
 * over the REST API (libcurl through http.h), bodies read and written by
 * coinbase_parse.h.
 *
 * Authentication: every request (every attempt of a retried read, too)
 * carries "Authorization: Bearer <JWT>", a fresh CDP JWT from sign_cdp_jwt
 * (ES256 or EdDSA, by the key) with the uri claim
 *   "METHOD HOST/PREFIX/api/v3/brokerage/PATH"   (no query string)
 * where HOST is the base URL's authority as written ("api.coinbase.com" for
 * the real API; "127.0.0.1:PORT" for a loopback test server — the host and
 * port the request goes to) and PREFIX the base URL's path, normally empty.
 * The JWT's nbf/exp come from the wall clock (time()), not from rtime's
 * replaceable clock: the venue checks them against real time.
 *
 * Requests (PATH under /api/v3/brokerage):
 *   snapshot
 *     open orders  GET orders/historical/batch?order_status=OPEN&limit=100
 *                  [&product_ids=P...] then &cursor=C while has_next. Only
 *                  orders whose mapped status is open/partially_filled are
 *                  kept. Any failed page: incomplete (pages already read are
 *                  kept, so the caller sees what there is).
 *     holdings     GET accounts?limit=250 [&cursor=C] while has_next;
 *                  positions per tracked product = available + hold of its
 *                  base currency (coinbase_positions_from_balances).
 *     fills        GET orders/historical/fills?limit=100
 *                  [&start_sequence_timestamp=CURSOR][&product_ids=P...]
 *                  [&cursor=C] while the page is non-empty and has a cursor.
 *                  Fills come back oldest first (by ts, then fill id).
 *     products     GET products/{product_id} for each tracked product.
 *     prices       GET best_bid_ask?product_ids=P&product_ids=Q...: the
 *                  bid/ask midpoint (coinbase_parse_best_bid_ask).
 *   place        POST orders, body from coinbase_build_order_body, rounded
 *                to the product's increments (from the last snapshot, or
 *                GET products/{id} when not known yet).
 *   cancel       POST orders/batch_cancel {"order_ids":[...]} (at most
 *                COINBASE_CANCEL_BATCH orders per request); each order's own
 *                result is the truth.
 *   get_order    by id: GET orders/historical/{order_id} (404 -> not found).
 *                By client order id (Coinbase cannot filter by it): the OPEN
 *                listing, every page, then the listing of the last
 *                COINBASE_CLIENT_ID_WINDOW_H hours (start_date=..., all
 *                statuses, at most COINBASE_MAX_PAGES pages), both filtered to
 *                the product when `symbol` is given. Found: ok. Every page read
 *                and no match: not found. Anything else: unknown.
 *   order_fills  GET orders/historical/fills?order_ids=ID&limit=100, all pages.
 *
 * The fills cursor is the newest sequence_timestamp seen (trade_time when a
 * fill has none), in rtime's canonical text ("2025-11-23T03:03:42.265500Z");
 * "" = from the beginning. It is sent as start_sequence_timestamp, which is
 * inclusive, so the newest fills come back once more; the journal knows them
 * by fill id (trade_id). When the fills request fails the cursor handed back
 * is the one given. A cursor that is not such a timestamp makes the snapshot
 * incomplete (fills part).
 *
 * Tracked products: opt->products when given (BASE-QUOTE ids like
 * "TOWNS-USD"; letters, digits and '-' only). Without them, every snapshot tracks the products of
 * the open orders and of the fills it read, plus "CUR-USD" for every
 * currency held with a non-zero balance other than USD, USDC, USDT, EUR and
 * GBP; a derived product that does not exist (products/{id} answers 404) is
 * dropped without making the snapshot incomplete. Configure products for
 * anything but a quick look.
 *
 * HTTP outcomes: 2xx read as above. 401/403: "authentication failed" — a
 * snapshot returns RK_EPERM (nothing usable), a placement or cancel is
 * VOUT_REJECTED (the venue refused the request; nothing happened). 404 on
 * get_order: VOUT_NOT_FOUND. Other 4xx on placement or cancel: VOUT_REJECTED
 * with the body's reason. Timeouts, transport failures, 408/429/5xx and
 * unreadable 2xx bodies: VOUT_UNKNOWN (placement, cancel, get_order), an
 * incomplete snapshot, or RK_EUNKNOWN (order_fills). A request that was never
 * sent (bad input, the signer failed) is VOUT_REJECTED with a "not sent:"
 * reason. No message contains the key, the JWT or a query string.
 *
 * Caps: orders_hold_balance = true, has_bracket = true, is_futures = false.
 *
 * Threads: one venue is used by one thread at a time.
 *
 * Ownership: coinbase_venue_create returns a venue
 * released with venue_destroy; it copies everything it keeps from `opt`
 * (the private key copy is zeroed when released).
 */
#ifndef RECKON_VENUES_COINBASE_H
#define RECKON_VENUES_COINBASE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rk_clock.h"
#include "venue.h"

#define COINBASE_DEFAULT_BASE_URL "https://api.coinbase.com"
#define COINBASE_ENV_KEY_NAME "RECKON_COINBASE_KEY_NAME"
#define COINBASE_ENV_PRIVATE_KEY "RECKON_COINBASE_PRIVATE_KEY"
#define COINBASE_MAX_PAGES 50         /* per listing; more: incomplete / unknown */
#define COINBASE_CANCEL_BATCH 100     /* order ids per batch_cancel request */
#define COINBASE_CLIENT_ID_WINDOW_H 24 /* get_order by client id: history window */

struct coinbase_options {
	const char *base_url;         /* NULL -> COINBASE_DEFAULT_BASE_URL; http:// only
				       * for loopback (http.h) */
	const char *key_name;         /* CDP key name, "organizations/.../apiKeys/..." */
	const char *private_key_pem;  /* EC P-256 PEM or Ed25519 (sign.h) */
	const char *const *products;  /* tracked product ids; NULL = derived */
	size_t nproducts;
	const char *account;          /* journaled account name; NULL -> "default" */
	long timeout_ms;              /* per request; 0 -> http.h default */
	int max_retries;              /* reads; 0 -> default, HTTP_NO_RETRIES -> none */
	struct rk_clock clock;        /* JWT times, snapshot taken_at, the client order id
				       * window; zeroed = the system clock */
};

/*
 * Builds the venue. Checks the options (key name and key present, the key
 * usable by sign_cdp_jwt, product ids well-formed, the base URL accepted by
 * http_client_new): RK_ECONFIG / RK_EINVAL with a message that never quotes
 * the key. Sends nothing. *out (OUT) is released with venue_destroy.
 */
enum rk_rc coinbase_venue_create(const struct coinbase_options *opt, struct venue **out /* OUT */,
				 struct rk_err *err);

/*
 * The JWT this venue sends for one request: method, the base URL's host and
 * path prefix, and `path_and_query` (the query is left out of the uri
 * claim). For tests and diagnostics. *jwt (OUT) is malloc'd; free() it.
 */
enum rk_rc coinbase_request_jwt(const char *key_name, const char *private_key_pem,
				const char *base_url, const char *method,
				const char *path_and_query, int64_t now_unix,
				char **jwt /* OUT */, struct rk_err *err);

#endif
