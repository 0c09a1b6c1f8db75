/*
 * http.h — reckon's small HTTPS client for the venues (libcurl underneath).
 *
 * What it guarantees:
 *  - TLS peer and host verification are always on; nothing here can turn
 *    them off. Plain http:// is accepted only for a loopback base URL
 *    (127.0.0.1, ::1 / [::1], localhost) — the fake exchange and tests.
 *  - No redirects are followed, and only the base URL's scheme is allowed.
 *  - A request that got no complete answer (connect failure, timeout, reset)
 *    is RK_EUNKNOWN: it may have reached the venue. It is never "no".
 *  - Only requests the caller marks idempotent (reads: GET) are retried, on
 *    transport errors, 429/418 and 5xx, with exponential backoff and jitter;
 *    429's Retry-After is honoured. A placement or cancel (POST/DELETE) is
 *    sent exactly once: its caller resolves an unknown outcome by looking the
 *    order up, never by sending it again.
 *  - Secrets stay out of messages: nothing here logs, and error messages name
 *    the method and the path WITHOUT its query string (which may carry a
 *    signature); request headers (API keys, bearer tokens) never appear.
 *
 * Status codes of http_request / http_call_finish:
 *   RK_OK        a final HTTP answer arrived with a status that is a verdict:
 *                1xx-4xx except 408, 418 and 429. The caller interprets
 *                resp->status (2xx success, 4xx the venue's refusal/not found;
 *                read the venue's error body).
 *   RK_EUNKNOWN  no verified answer: transport failure or timeout
 *                (resp->status == 0), or 408/418/429/5xx once the retries (if
 *                any) are used up (resp filled with that last answer, so a
 *                venue error code in the body can still be read).
 *   RK_EINVAL    the request itself is malformed; nothing was sent.
 *   RK_ENOMEM    allocation failed; nothing was sent.
 *   RK_EIO       the response body exceeded HTTP_MAX_BODY (answer discarded;
 *                treat as unknown too — it is never a "no").
 *   anything an authorize hook returns (nothing was sent).
 *
 * Asynchronous use (the daemon, libcurl multi under libev). One attempt is
 * an `http_call`; the synchronous http_request is exactly this loop with
 * curl_easy_perform and the sleep seam, so both paths behave the same:
 *
 *     attempt = 1;
 *   again:
 *     http_call_prepare(c, req, &call, err);          // builds the easy handle
 *     curl_multi_add_handle(multi, http_call_easy(call));
 *     ... libev drives the multi (CURLMOPT_SOCKETFUNCTION -> ev_io,
 *         CURLMOPT_TIMERFUNCTION -> ev_timer, timeout_ms / 1000.0) ...
 *     on CURLMSG_DONE for msg->easy_handle:
 *       curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &call_ptr);
 *       curl_multi_remove_handle(multi, msg->easy_handle);
 *       rc = http_call_finish(call, msg->data.result, &resp, err);
 *       http_call_free(call);
 *       delay = http_retry_delay_ms(c, req, attempt, rc, &resp);
 *       if (delay >= 0) { http_resp_free(&resp); attempt++;
 *                         start an ev_timer for delay / 1000.0 s -> goto again; }
 *       else deliver rc and resp.
 *
 * The easy handles of one client share connections, DNS and TLS sessions
 * (a CURLSH), so a multi handle and the synchronous path both reuse
 * connections. The `req` (and the strings it points to) must stay valid
 * until the request is finished: prepare copies what libcurl needs for one
 * attempt, but every attempt is prepared from `req` again.
 *
 * Threads: a client, and everything prepared from it, is used by one thread
 * at a time. Different clients are independent. libcurl's global init is
 * done once, thread-safely, by the first http_client_new.
 *
 * Ownership: http_client_new -> http_client_free (NULL-safe). http_resp
 * bodies -> http_resp_free (NULL-safe, idempotent). http_call_prepare ->
 * http_call_free (NULL-safe).
 */
#ifndef RECKON_HTTP_H
#define RECKON_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "err.h"

#define HTTP_DEFAULT_TIMEOUT_MS 10000L        /* whole request */
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000L /* capped at the request timeout */
#define HTTP_DEFAULT_MAX_RETRIES 3            /* retries of idempotent requests */
#define HTTP_NO_RETRIES (-1)                  /* max_retries value: never retry */
#define HTTP_DEFAULT_MAX_RETRY_AFTER_MS 30000L /* longer Retry-After: give up, caller waits */
#define HTTP_DEFAULT_BACKOFF_BASE_MS 250L     /* first backoff; doubles per attempt */
#define HTTP_DEFAULT_BACKOFF_MAX_MS 8000L     /* backoff ceiling (before jitter) */
#define HTTP_MAX_BODY (64u * 1024u * 1024u)   /* response bodies above are refused */

#define HTTP_RL_HEADERS_MAX 8 /* rate-limit headers kept per response */
#define HTTP_HDR_NAME_MAX 64
#define HTTP_HDR_VALUE_MAX 96

/*
 * Client options. Zero / NULL fields mean the default, so a designated
 * initializer with just the base URL is a complete configuration.
 */
struct http_options {
	const char *base_url;     /* "https://fapi.binance.com" (required); a path
				   * prefix is allowed, a trailing '/' is dropped;
				   * no query, fragment or user:password@ */
	long timeout_ms;          /* whole request; 0 -> HTTP_DEFAULT_TIMEOUT_MS */
	long connect_timeout_ms;  /* 0 -> HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
	int max_retries;          /* idempotent requests: retries after the first
				   * try; 0 -> HTTP_DEFAULT_MAX_RETRIES,
				   * HTTP_NO_RETRIES -> none */
	const char *user_agent;   /* NULL -> "reckon/<version>" */
	long max_retry_after_ms;  /* 0 -> HTTP_DEFAULT_MAX_RETRY_AFTER_MS */
	long backoff_base_ms;     /* 0 -> HTTP_DEFAULT_BACKOFF_BASE_MS */
	long backoff_max_ms;      /* 0 -> HTTP_DEFAULT_BACKOFF_MAX_MS */
	/* Sleep seam for the synchronous path's retry delays. NULL -> a real
	 * nanosleep. Tests record the delays instead of sleeping. */
	void (*sleep_ms)(void *ctx, long ms);
	void *sleep_ctx;
};

enum http_method { HTTP_GET = 0, HTTP_POST, HTTP_PUT, HTTP_DELETE };

/* "GET", "POST", ... Never NULL. */
const char *http_method_name(enum http_method m);

struct http_req;

/*
 * Per-attempt authorization hook (optional). Called before EVERY attempt,
 * the first included, so a retried signed read carries a fresh timestamp
 * (Binance) or a fresh JWT (Coinbase). It may set:
 *   *path_out   a malloc'd replacement for req->path_and_query (e.g. the
 *               query with timestamp and signature appended), or leave NULL;
 *   *header_out a malloc'd extra header line "Name: value" (e.g.
 *               "Authorization: Bearer <jwt>"), or leave NULL.
 * The client frees both. Their contents never reach a message. A non-OK
 * return aborts the request before anything is sent, with that code.
 */
typedef enum rk_rc (*http_authorize_fn)(void *ctx, const struct http_req *req,
					char **path_out /* OUT: malloc'd or NULL */,
					char **header_out /* OUT: malloc'd or NULL */,
					struct rk_err *err);

struct http_req {
	enum http_method method;
	const char *path_and_query;  /* "/fapi/v1/openOrders?symbol=X"; starts with '/';
				      * appended to the base URL verbatim (the caller
				      * encodes) */
	const char *const *headers;  /* "Name: value" lines; may be NULL */
	size_t nheaders;
	const char *body;            /* may be NULL (no body) */
	size_t body_len;
	bool idempotent;             /* true only for requests safe to repeat (reads) */
	http_authorize_fn authorize; /* may be NULL */
	void *authorize_ctx;
};

/* A captured response header (name lowercased). */
struct http_header {
	char name[HTTP_HDR_NAME_MAX];
	char value[HTTP_HDR_VALUE_MAX];
};

struct http_resp {
	long status;                 /* HTTP status of the last attempt; 0: none arrived */
	char *body;                  /* malloc'd, NUL-terminated ("" when empty); NULL
				      * only when no answer arrived */
	size_t body_len;             /* bytes before the NUL */
	long retry_after_seconds;    /* Retry-After (delta-seconds form); -1 when absent */
	/* Rate-limit headers as sent: x-mbx-used-weight*, x-mbx-order-count*,
	 * ratelimit*, x-ratelimit* (first HTTP_RL_HEADERS_MAX). */
	struct http_header ratelimit[HTTP_RL_HEADERS_MAX];
	size_t nratelimit;
	int attempts;                /* attempts made (1 + retries) */
};

struct http_client;

/*
 * Creates a client. Refuses (RK_ECONFIG, message names the URL's scheme and
 * host only): a missing or unparsable base URL, a scheme other than https
 * or http, http:// to a non-loopback host, user info, a query or fragment,
 * negative timeouts or retries. *out (OUT) is released with http_client_free.
 */
enum rk_rc http_client_new(const struct http_options *opt, struct http_client **out /* OUT */,
			   struct rk_err *err);

/* NULL-safe. Every http_call prepared from the client must be freed first. */
void http_client_free(struct http_client *c);

/* The normalised base URL (no trailing '/'); owned by the client. */
const char *http_client_base_url(const struct http_client *c);

/*
 * Sends `req`, retrying idempotent requests as described above, and fills
 * `resp` (OUT; overwritten, not freed, on entry — free a previous answer
 * first). Whatever the return code, release resp with http_resp_free.
 * Return codes: see the top of this file.
 */
enum rk_rc http_request(struct http_client *c, const struct http_req *req,
			struct http_resp *resp /* OUT */, struct rk_err *err);

/* Frees resp->body and zeroes resp (retry_after_seconds -1). NULL-safe. */
void http_resp_free(struct http_resp *resp);

/* Value of a captured rate-limit header (case-insensitive name), or NULL. */
const char *http_resp_header(const struct http_resp *resp, const char *name);

/* --- one attempt, for a libcurl multi driver (see the top of the file) --- */

struct http_call;

/*
 * Builds an easy handle for one attempt of `req` (runs the authorize hook).
 * The handle's CURLINFO_PRIVATE is the call. *out (OUT) is released with
 * http_call_free, after the handle was removed from any multi handle.
 */
enum rk_rc http_call_prepare(struct http_client *c, const struct http_req *req,
			     struct http_call **out /* OUT */, struct rk_err *err);

/* The easy handle to add to a multi handle (owned by the call). */
CURL *http_call_easy(struct http_call *call);

/*
 * Turns the finished transfer (its CURLcode, from CURLMSG_DONE or
 * curl_easy_perform) into `resp` (OUT, overwritten; release with
 * http_resp_free) and a status code as for http_request. resp->attempts is 1.
 */
enum rk_rc http_call_finish(struct http_call *call, CURLcode result,
			    struct http_resp *resp /* OUT */, struct rk_err *err);

void http_call_free(struct http_call *call);

/*
 * After attempt number `attempt` (1-based) ended with `rc` / `resp`: the
 * delay in milliseconds before the next attempt, or -1 when the answer is
 * final. Retries only idempotent requests, only on RK_EUNKNOWN/RK_EIO, at
 * most max_retries times; 429/418 wait Retry-After when given (-1 when it
 * exceeds max_retry_after_ms: the caller should back off longer), else the
 * backoff: min(base * 2^(attempt-1), max) with jitter in [50%, 100%].
 */
long http_retry_delay_ms(struct http_client *c, const struct http_req *req, int attempt,
			 enum rk_rc rc, const struct http_resp *resp);

#endif
