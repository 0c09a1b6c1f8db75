/*
 * http.c — the libcurl client behind the venues (contract in http.h).
 *
 * One attempt is one `http_call` (an easy handle plus its buffers); the
 * synchronous http_request runs calls with curl_easy_perform and sleeps
 * between them through the sleep seam, the daemon will run the same calls on
 * a multi handle. Everything that decides an outcome (status -> rc, retry or
 * not, how long to wait) is in http_call_finish and http_retry_delay_ms, so
 * both paths share it.
 *
 * Secrets: the authorize hook's path (signed query) and header (key, token)
 * are handed to libcurl and wiped from our copies; messages only ever carry
 * `call->label`, the method and the path up to '?'.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "rk_buf.h"
#include "rk_url.h"

#ifndef RECKON_VERSION
#define RECKON_VERSION "dev"
#endif

#define HTTP_LABEL_MAX 160

struct http_client {
	char *base_url;           /* normalised: no trailing '/' */
	char scheme[8];           /* "https" or "http": the only protocol allowed */
	long timeout_ms;
	long connect_timeout_ms;
	int max_retries;          /* resolved: >= 0 */
	char *user_agent;
	long max_retry_after_ms;
	long backoff_base_ms;
	long backoff_max_ms;
	void (*sleep_ms)(void *ctx, long ms);
	void *sleep_ctx;
	CURLSH *share;            /* connections, DNS, TLS sessions across calls */
	uint64_t rng;             /* xorshift state for jitter (not security) */
};

struct http_call {
	struct http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char label[HTTP_LABEL_MAX]; /* "GET /fapi/v1/order": no query, safe to print */
	struct rk_buf body;         /* response bytes received so far */
	bool body_overflow;
	long retry_after_seconds;
	struct http_header ratelimit[HTTP_RL_HEADERS_MAX];
	size_t nratelimit;
};

/* --- global init ---------------------------------------------------------- */

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc = CURLE_OK;

static void curl_init_once(void)
{
	g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *http_method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET: return "GET";
	case HTTP_POST: return "POST";
	case HTTP_PUT: return "PUT";
	case HTTP_DELETE: return "DELETE";
	}
	return "GET";
}

/* --- client ---------------------------------------------------------------- */

/* Checks the base URL; on success writes the scheme. Messages show
 * scheme://host only. */
static enum rk_rc check_base_url(const char *url, char scheme_out[8], struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *part = NULL;

	if (!u)
		return rk_err_set(err, RK_ENOMEM, "http: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		rc = rk_err_set(err, RK_ECONFIG, "http: base URL is not a valid URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = rk_err_set(err, RK_ECONFIG, "http: base URL needs a scheme and a host");
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		rc = rk_err_set(err, RK_ECONFIG, "http: base URL scheme '%s' is not https", scheme);
		goto out;
	}
	if (strcmp(scheme, "http") == 0 && !rk_url_host_is_loopback(host)) {
		rc = rk_err_set(err, RK_ECONFIG,
				"http: base URL http://%s refused: plain http is allowed only to "
				"loopback (127.0.0.1, ::1, localhost); use https",
				host);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
		rc = rk_err_set(err, RK_ECONFIG,
				"http: base URL %s://%s must not carry user info", scheme, host);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		rc = rk_err_set(err, RK_ECONFIG,
				"http: base URL %s://%s must not have a query or fragment", scheme,
				host);
		goto out;
	}
	snprintf(scheme_out, 8, "%s", scheme);
out:
	curl_free(part);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

enum rk_rc http_client_new(const struct http_options *opt, struct http_client **out,
			   struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	struct http_client *c = NULL;

	if (out)
		*out = NULL;
	if (!opt || !out || !opt->base_url || !opt->base_url[0])
		return rk_err_set(err, RK_ECONFIG, "http: a base URL is required");
	if (opt->timeout_ms < 0 || opt->connect_timeout_ms < 0 || opt->max_retry_after_ms < 0 ||
	    opt->backoff_base_ms < 0 || opt->backoff_max_ms < 0 ||
	    (opt->max_retries < 0 && opt->max_retries != HTTP_NO_RETRIES))
		return rk_err_set(err, RK_ECONFIG, "http: negative timeout, delay or retry count");
	pthread_once(&g_curl_once, curl_init_once);
	if (g_curl_init_rc != CURLE_OK)
		return rk_err_set(err, RK_EIO, "http: libcurl init failed: %s",
				  curl_easy_strerror(g_curl_init_rc));

	c = calloc(1, sizeof *c);
	if (!c)
		return rk_err_set(err, RK_ENOMEM, "http: out of memory");
	c->base_url = strdup(opt->base_url);
	if (!c->base_url) {
		rc = rk_err_set(err, RK_ENOMEM, "http: out of memory");
		goto out;
	}
	for (size_t n = strlen(c->base_url); n > 0 && c->base_url[n - 1] == '/'; n--)
		c->base_url[n - 1] = '\0';
	rc = check_base_url(c->base_url, c->scheme, err);
	if (rc != RK_OK)
		goto out;

	c->timeout_ms = opt->timeout_ms ? opt->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms =
		opt->connect_timeout_ms ? opt->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	c->max_retries = opt->max_retries == HTTP_NO_RETRIES ? 0
			 : opt->max_retries    ? opt->max_retries
					       : HTTP_DEFAULT_MAX_RETRIES;
	c->max_retry_after_ms =
		opt->max_retry_after_ms ? opt->max_retry_after_ms : HTTP_DEFAULT_MAX_RETRY_AFTER_MS;
	c->backoff_base_ms = opt->backoff_base_ms ? opt->backoff_base_ms
						  : HTTP_DEFAULT_BACKOFF_BASE_MS;
	c->backoff_max_ms = opt->backoff_max_ms ? opt->backoff_max_ms : HTTP_DEFAULT_BACKOFF_MAX_MS;
	c->sleep_ms = opt->sleep_ms;
	c->sleep_ctx = opt->sleep_ctx;
	c->user_agent = strdup(opt->user_agent ? opt->user_agent : "reckon/" RECKON_VERSION);
	c->share = curl_share_init();
	if (!c->user_agent || !c->share) {
		rc = rk_err_set(err, RK_ENOMEM, "http: out of memory");
		goto out;
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	c->rng = (uint64_t)(uintptr_t)c ^ ((uint64_t)time(NULL) << 20) ^ 0x9e3779b97f4a7c15ULL;
	if (c->rng == 0)
		c->rng = 1;
	*out = c;
	c = NULL;
out:
	http_client_free(c);
	return rc;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->share)
		curl_share_cleanup(c->share);
	free(c->base_url);
	free(c->user_agent);
	free(c);
}

const char *http_client_base_url(const struct http_client *c)
{
	return c->base_url;
}

/* --- responses ------------------------------------------------------------- */

static void resp_init(struct http_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->retry_after_seconds = -1;
}

void http_resp_free(struct http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp_init(resp);
}

const char *http_resp_header(const struct http_resp *resp, const char *name)
{
	for (size_t i = 0; i < resp->nratelimit; i++)
		if (strcasecmp(resp->ratelimit[i].name, name) == 0)
			return resp->ratelimit[i].value;
	return NULL;
}

/* --- one attempt ------------------------------------------------------------ */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_call *call = userdata;
	size_t n = size * nmemb;

	if (n > HTTP_MAX_BODY - call->body.len) {
		call->body_overflow = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	rk_buf_addn(&call->body, ptr, n);
	/* Out of memory aborts the transfer too: its outcome is then unknown. */
	return call->body.failed ? 0 : n;
}

static bool is_ratelimit_header(const char *lname)
{
	static const char *const prefixes[] = {"x-mbx-used-weight", "x-mbx-order-count",
					       "ratelimit", "x-ratelimit"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(lname, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Retry-After: delta-seconds, or an HTTP date (converted to seconds from now). */
static long parse_retry_after(const char *v)
{
	char *end = NULL;
	errno = 0;
	long secs = strtol(v, &end, 10);
	if (end != v && *end == '\0' && errno == 0 && secs >= 0)
		return secs;
	time_t when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return when > now ? (long)(when - now) : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_call *call = userdata;
	size_t n = size * nmemb;
	char line[HTTP_HDR_NAME_MAX + HTTP_HDR_VALUE_MAX + 8];

	/* A new status line (after 1xx, or a retried connection): only the
	 * final response's headers count. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		call->nratelimit = 0;
		call->retry_after_seconds = -1;
		return n;
	}
	size_t len = n < sizeof line - 1 ? n : sizeof line - 1;
	memcpy(line, ptr, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *colon = strchr(line, ':');
	if (!colon || colon == line || (size_t)(colon - line) >= HTTP_HDR_NAME_MAX)
		return n;
	*colon = '\0';
	for (char *p = line; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t vlen = strlen(value);
	while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		value[--vlen] = '\0';

	if (strcmp(line, "retry-after") == 0) {
		call->retry_after_seconds = parse_retry_after(value);
	} else if (is_ratelimit_header(line) && call->nratelimit < HTTP_RL_HEADERS_MAX) {
		struct http_header *h = &call->ratelimit[call->nratelimit++];
		snprintf(h->name, sizeof h->name, "%.*s", (int)(sizeof h->name - 1), line);
		snprintf(h->value, sizeof h->value, "%.*s", (int)(sizeof h->value - 1), value);
	}
	return n;
}

/* No CR, LF or other control characters: they would split the request. */
static bool text_is_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void label_set(struct http_call *call, enum http_method m, const char *path)
{
	size_t plen = strcspn(path, "?");
	if (plen > HTTP_LABEL_MAX - 16)
		plen = HTTP_LABEL_MAX - 16;
	snprintf(call->label, sizeof call->label, "%s %.*s", http_method_name(m), (int)plen, path);
}

/* Frees a string that may hold a secret. */
static void free_wiped(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* Sets the method and body on the easy handle. */
static CURLcode set_method(CURL *e, const struct http_req *req)
{
	CURLcode cc = CURLE_OK;
	bool with_body = req->body != NULL || req->method == HTTP_POST || req->method == HTTP_PUT;

	if (req->method == HTTP_GET && !req->body)
		return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (req->method != HTTP_POST)
		cc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, http_method_name(req->method));
	if (cc == CURLE_OK && with_body) {
		cc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				      (curl_off_t)(req->body ? req->body_len : 0));
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	}
	return cc;
}

enum rk_rc http_call_prepare(struct http_client *c, const struct http_req *req,
			     struct http_call **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	struct http_call *call = NULL;
	char *auth_path = NULL, *auth_header = NULL, *url = NULL;
	CURLcode cc = CURLE_OK;

	*out = NULL;
	if (!req->path_and_query || req->path_and_query[0] != '/' ||
	    !text_is_clean(req->path_and_query) || (req->nheaders && !req->headers))
		return rk_err_set(err, RK_EINVAL, "http: request path must start with '/' and "
						  "hold no control characters");
	for (size_t i = 0; i < req->nheaders; i++)
		if (!req->headers[i] || !strchr(req->headers[i], ':') ||
		    !text_is_clean(req->headers[i]))
			return rk_err_set(err, RK_EINVAL,
					  "http: request header %zu is not a clean 'Name: value' "
					  "line",
					  i);

	call = calloc(1, sizeof *call);
	if (!call)
		return rk_err_set(err, RK_ENOMEM, "http: out of memory");
	call->client = c;
	call->retry_after_seconds = -1;
	label_set(call, req->method, req->path_and_query);

	if (req->authorize) {
		rc = req->authorize(req->authorize_ctx, req, &auth_path, &auth_header, err);
		if (rc != RK_OK) {
			rk_err_prefix(err, "%s", call->label);
			goto out;
		}
		if ((auth_path && (auth_path[0] != '/' || !text_is_clean(auth_path))) ||
		    (auth_header && (!strchr(auth_header, ':') || !text_is_clean(auth_header)))) {
			rc = rk_err_set(err, RK_EINVAL, "%s: authorize hook produced a malformed "
						       "path or header",
					call->label);
			goto out;
		}
	}
	const char *path = auth_path ? auth_path : req->path_and_query;
	size_t ulen = strlen(c->base_url) + strlen(path) + 1;
	url = malloc(ulen);
	call->easy = curl_easy_init();
	if (!url || !call->easy) {
		rc = rk_err_set(err, RK_ENOMEM, "http: out of memory");
		goto out;
	}
	snprintf(url, ulen, "%s%s", c->base_url, path);

	for (size_t i = 0; i < req->nheaders + 2 && rc == RK_OK; i++) {
		/* "Expect:" stops libcurl's 100-continue pause on bodies. */
		const char *h = i < req->nheaders ? req->headers[i]
				: i == req->nheaders ? "Expect:"
						     : auth_header;
		if (!h)
			continue;
		struct curl_slist *nl = curl_slist_append(call->headers, h);
		if (!nl)
			rc = rk_err_set(err, RK_ENOMEM, "http: out of memory");
		else
			call->headers = nl;
	}
	if (rc != RK_OK)
		goto out;

	CURL *e = call->easy;
	/* TLS verification is libcurl's default; set it explicitly anyway so no
	 * build or environment default can weaken it. */
	if ((cc = curl_easy_setopt(e, CURLOPT_URL, url)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, c->scheme)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms)) !=
		    CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "")) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_SHARE, c->share)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)call)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)call)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header)) != CURLE_OK ||
	    (cc = curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)call)) != CURLE_OK ||
	    (cc = set_method(e, req)) != CURLE_OK) {
		rc = rk_err_set(err, cc == CURLE_OUT_OF_MEMORY ? RK_ENOMEM : RK_EINVAL,
				"%s: cannot set up the request: %s", call->label,
				curl_easy_strerror(cc));
		goto out;
	}
	*out = call;
	call = NULL;
out:
	free_wiped(url);
	free_wiped(auth_path);
	free_wiped(auth_header);
	http_call_free(call);
	return rc;
}

CURL *http_call_easy(struct http_call *call)
{
	return call->easy;
}

void http_call_free(struct http_call *call)
{
	if (!call)
		return;
	if (call->easy)
		curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	rk_buf_free(&call->body);
	free(call);
}

/* Statuses that are not a verdict on the request: it may or may not have
 * been processed, or was refused only for now. */
static bool status_is_unknown(long status)
{
	return status == 408 || status == 418 || status == 429 || status >= 500 || status < 100;
}

enum rk_rc http_call_finish(struct http_call *call, CURLcode result, struct http_resp *resp,
			    struct rk_err *err)
{
	struct http_client *c = call->client;

	resp_init(resp);
	resp->attempts = 1;
	if (result != CURLE_OK) {
		if (call->body_overflow)
			return rk_err_set(err, RK_EIO, "%s: response body larger than %u bytes",
					  call->label, HTTP_MAX_BODY);
		if (call->body.failed)
			return rk_err_set(err, RK_EUNKNOWN,
					  "%s: out of memory reading the answer (outcome unknown)",
					  call->label);
		if (result == CURLE_OPERATION_TIMEDOUT)
			return rk_err_set(err, RK_EUNKNOWN,
					  "%s: no answer within %ld ms (outcome unknown)",
					  call->label, c->timeout_ms);
		return rk_err_set(err, RK_EUNKNOWN, "%s: transport error: %s (outcome unknown)",
				  call->label, curl_easy_strerror(result));
	}
	long status = 0;
	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->body_len = call->body.len;
	if (!(resp->body = rk_buf_take(&call->body))) /* "" for an empty answer */
		return rk_err_set(err, RK_ENOMEM, "%s: out of memory", call->label);
	resp->retry_after_seconds = call->retry_after_seconds;
	memcpy(resp->ratelimit, call->ratelimit, sizeof resp->ratelimit);
	resp->nratelimit = call->nratelimit;
	if (status_is_unknown(status))
		return rk_err_set(err, RK_EUNKNOWN, "%s: HTTP %ld (outcome unknown)", call->label,
				  status);
	return RK_OK;
}

/* --- retries ------------------------------------------------------------------ */

static uint64_t rng_next(struct http_client *c)
{
	uint64_t x = c->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return x;
}

long http_retry_delay_ms(struct http_client *c, const struct http_req *req, int attempt,
			 enum rk_rc rc, const struct http_resp *resp)
{
	if (!req->idempotent || rc != RK_EUNKNOWN || attempt < 1 || attempt > c->max_retries)
		return -1;
	if (resp && (resp->status == 429 || resp->status == 418)) {
		if (resp->retry_after_seconds >= 0) {
			if (resp->retry_after_seconds > c->max_retry_after_ms / 1000)
				return -1;
			return resp->retry_after_seconds * 1000;
		}
		if (resp->status == 418) /* banned without a date: don't hammer */
			return -1;
	}
	long d = c->backoff_base_ms;
	for (int i = 1; i < attempt && d < c->backoff_max_ms; i++)
		d *= 2;
	if (d > c->backoff_max_ms)
		d = c->backoff_max_ms;
	long half = d / 2;
	return half + (long)(rng_next(c) % (uint64_t)(d - half + 1));
}

static void real_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

enum rk_rc http_request(struct http_client *c, const struct http_req *req,
			struct http_resp *resp, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	struct http_call *call = NULL;

	resp_init(resp);
	for (int attempt = 1;; attempt++) {
		rc = http_call_prepare(c, req, &call, err);
		if (rc != RK_OK)
			goto out;
		CURLcode cc = curl_easy_perform(call->easy);
		rc = http_call_finish(call, cc, resp, err);
		http_call_free(call);
		call = NULL;
		resp->attempts = attempt;
		long delay = http_retry_delay_ms(c, req, attempt, rc, resp);
		if (delay < 0) {
			if (rc != RK_OK && attempt > 1)
				rk_err_prefix(err, "after %d attempts", attempt);
			goto out;
		}
		http_resp_free(resp);
		if (c->sleep_ms)
			c->sleep_ms(c->sleep_ctx, delay);
		else
			real_sleep_ms(delay);
	}
out:
	if (rc == RK_OK)
		rk_err_clear(err);
	return rc;
}
