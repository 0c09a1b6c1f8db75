/*
 * coinbase.c — the Coinbase Advanced Trade (spot) venue (contract, request
 * list and cursor scheme in coinbase.h).
 *
 * Every request goes through cb_send, which signs it (a fresh JWT per
 * attempt, through http.h's authorize hook) and classifies the answer once:
 * ok, authentication refused, not found, refused, unknown, not sent. The
 * operations only decide what each class means for them.
 */
#include "coinbase.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "rtime.h"
#include "sign.h"
#include "coinbase_parse.h"
#include "rk_array.h"
#include "rk_buf.h"
#include "rk_clock.h"
#include "symset.h"

#define API "/api/v3/brokerage"
#define AUTH_HINT "check " COINBASE_ENV_KEY_NAME " and " COINBASE_ENV_PRIVATE_KEY

/* ---- small helpers ------------------------------------------------------- */

/* Appends `s` percent-encoded (everything but RFC 3986 unreserved). */
static void url_add_escaped(struct rk_buf *b, const char *s)
{
	static const char HEX[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			rk_buf_addn(b, p, 1);
		} else {
			char e[3] = {'%', HEX[*p >> 4], HEX[*p & 15]};
			rk_buf_addn(b, e, 3);
		}
	}
}

/* Appends "SEPname=v1&name=v2..." for every symbol (SEP '&' or '?'). */
static void url_add_list(struct rk_buf *b, char sep, const char *name, const symset_symbol *v,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rk_buf_addn(b, i ? "&" : &sep, 1);
		rk_buf_add(b, name);
		rk_buf_add(b, "=");
		url_add_escaped(b, v[i]);
	}
}

/* Zeroes, then frees, a string that held a secret or a token. */
static void wipe_free(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
	free(s);
}

/* Changes the code recorded in err (may be NULL), keeping its message. */
static enum rk_rc set_rc(struct rk_err *err, enum rk_rc rc)
{
	if (err)
		err->rc = rc;
	return rc;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Product ids go into URL paths: letters, digits and '-' only. */
static bool product_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= MODEL_SYM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* ---- the venue ----------------------------------------------------------- */

struct cb {
	struct venue base;             /* base.impl points back here */
	struct http_client *http;
	char *key_name;
	char *pem;                     /* private key copy; wiped on destroy */
	char host[COINBASE_HOST_MAX];  /* for the JWT uri claim */
	char prefix[COINBASE_HOST_MAX];
	char account[MODEL_NAME_MAX];
	struct symset products;       /* configured; empty = derived */
	RK_ARRAY(struct instrument) rules; /* product rules last read */
	struct rk_clock clock;         /* JWT times, snapshot times, the client id window */
};

/* Now, in seconds since the epoch, for JWT claims. */
static int64_t now_unix(const struct cb *c)
{
	return rk_clock_now(c->clock) / 1000000;
}

static const struct venue_ops CB_OPS;

static struct cb *as_cb(const struct venue *v)
{
	return v && v->ops == &CB_OPS ? (struct cb *)v->impl : NULL;
}

/* ---- signing ------------------------------------------------------------- */

static enum rk_rc jwt_for(const char *key_name, const char *pem, const char *host,
			  const char *prefix, const char *method, const char *path_and_query,
			  int64_t now_unix, char **jwt, struct rk_err *err)
{
	struct rk_buf path = {0};
	rk_buf_add(&path, prefix);
	rk_buf_add(&path, path_and_query);
	enum rk_rc rc = path.failed ? rk_err_set(err, RK_ENOMEM, "coinbase: out of memory")
				 : sign_cdp_jwt(key_name, pem, method, host, rk_buf_str(&path), now_unix, jwt, err);
	rk_buf_free(&path);
	return rc;
}

enum rk_rc coinbase_request_jwt(const char *key_name, const char *private_key_pem,
				const char *base_url, const char *method,
				const char *path_and_query, int64_t now_unix, char **jwt,
				struct rk_err *err)
{
	char host[COINBASE_HOST_MAX], prefix[COINBASE_HOST_MAX];
	*jwt = NULL;
	enum rk_rc rc = coinbase_split_base_url(base_url ? base_url : COINBASE_DEFAULT_BASE_URL,
						host, prefix, err);
	if (rc)
		return rc;
	return jwt_for(key_name, private_key_pem, host, prefix, method, path_and_query, now_unix,
		       jwt, err);
}

/* http.h's per-attempt hook: a fresh JWT in the Authorization header. */
static enum rk_rc cb_authorize(void *ctx, const struct http_req *req, char **path_out,
			       char **header_out, struct rk_err *err)
{
	static const char PREFIX[] = "Authorization: Bearer ";
	struct cb *c = ctx;
	char *jwt = NULL;
	(void)path_out;
	enum rk_rc rc = jwt_for(c->key_name, c->pem, c->host, c->prefix,
				http_method_name(req->method), req->path_and_query,
				now_unix(c), &jwt, err);
	if (rc)
		return rc;
	size_t n = sizeof PREFIX + strlen(jwt);
	char *h = malloc(n);
	if (h)
		snprintf(h, n, "%s%s", PREFIX, jwt);
	else
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	wipe_free(jwt);
	*header_out = h;
	return rc;
}

/* ---- one request --------------------------------------------------------- */

enum answer {
	ANS_OK = 0,    /* 2xx */
	ANS_AUTH,      /* 401/403: the request was refused unauthenticated */
	ANS_NOT_FOUND, /* 404 */
	ANS_REFUSED,   /* another 4xx: the venue said no */
	ANS_UNKNOWN,   /* no verified answer: it may have happened */
	ANS_NOT_SENT   /* never left reckon */
};

struct reply {
	enum answer ans;
	struct http_resp resp; /* release with http_resp_free */
	char reason[VENUE_REASON_MAX];
};

static void cb_send(struct cb *c, enum http_method m, const char *path, const char *body,
		    struct reply *r)
{
	static const char *const JSON_HEADERS[] = {"Content-Type: application/json"};
	struct rk_err herr = {0};
	struct http_req req = {
		.method = m,
		.path_and_query = path,
		.headers = body ? JSON_HEADERS : NULL,
		.nheaders = body ? 1 : 0,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.idempotent = m == HTTP_GET,
		.authorize = cb_authorize,
		.authorize_ctx = c,
	};
	char why[VENUE_REASON_MAX];

	memset(r, 0, sizeof *r);
	enum rk_rc rc = http_request(c->http, &req, &r->resp, &herr);
	long st = r->resp.status;
	if (st > 0)
		coinbase_error_reason((int)st, r->resp.body, r->resp.body_len, why, sizeof why);
	if (rc == RK_OK && st >= 200 && st < 300) {
		r->ans = ANS_OK;
		return;
	}
	if (rc == RK_OK && (st == 401 || st == 403)) {
		r->ans = ANS_AUTH;
		snprintf(r->reason, sizeof r->reason, "authentication failed (HTTP %ld): %s", st,
			 AUTH_HINT);
	} else if (rc == RK_OK && st == 404) {
		r->ans = ANS_NOT_FOUND;
		snprintf(r->reason, sizeof r->reason, "%.200s", why);
	} else if (rc == RK_OK && st >= 400 && st < 500) {
		r->ans = ANS_REFUSED;
		snprintf(r->reason, sizeof r->reason, "%.200s", why);
	} else if (rc == RK_OK || rc == RK_EUNKNOWN || rc == RK_EIO) {
		r->ans = ANS_UNKNOWN;
		snprintf(r->reason, sizeof r->reason, "%.200s", st > 0 ? why : herr.msg);
	} else {
		r->ans = ANS_NOT_SENT;
		snprintf(r->reason, sizeof r->reason, "not sent: %.200s", herr.msg);
	}
}

/* The rk_rc a failed read stands for. */
static enum rk_rc answer_rc(enum answer a)
{
	switch (a) {
	case ANS_OK: return RK_OK;
	case ANS_AUTH: return RK_EPERM;
	case ANS_NOT_FOUND: return RK_ENOTFOUND;
	case ANS_NOT_SENT: return RK_EINVAL;
	default: return RK_EUNKNOWN;
	}
}

/* Consumes one page body into an accumulator. */
typedef enum rk_rc (*page_fn)(struct cb *c, void *acc, const struct http_resp *resp,
			      struct coinbase_page *page, struct rk_err *err);

/*
 * Reads every page of the listing `path` (which already has a query). RK_OK
 * only when the last page was reached; otherwise answer_rc of the failed
 * request (RK_EUNKNOWN for an unreadable page, a cursor that does not move or
 * too many pages), with `what` and the page number in the message.
 */
static enum rk_rc fetch_all(struct cb *c, const char *what, const char *path, page_fn fn,
			    void *acc, struct rk_err *err)
{
	char cursor[COINBASE_CURSOR_MAX] = "";
	struct rk_buf url = {0};
	struct reply r = {0};
	enum rk_rc rc = RK_OK;

	for (int pageno = 1;; pageno++) {
		struct coinbase_page page;
		if (pageno > COINBASE_MAX_PAGES) {
			rc = rk_err_set(err, RK_EUNKNOWN, "%s: more than %d pages", what,
					COINBASE_MAX_PAGES);
			break;
		}
		rk_buf_reset(&url);
		rk_buf_add(&url, path);
		if (cursor[0]) {
			rk_buf_add(&url, "&cursor=");
			url_add_escaped(&url, cursor);
		}
		if (url.failed) {
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
			break;
		}
		cb_send(c, HTTP_GET, rk_buf_str(&url), NULL, &r);
		if (r.ans != ANS_OK) {
			rc = rk_err_set(err, answer_rc(r.ans), "%s, page %d: %s", what, pageno,
					r.reason);
			break;
		}
		if ((rc = fn(c, acc, &r.resp, &page, err))) {
			/* An unreadable page is no answer: unknown, never "empty". */
			rc = set_rc(err, rc == RK_ENOMEM ? rc : RK_EUNKNOWN);
			rk_err_prefix(err, "%s, page %d", what, pageno);
			break;
		}
		http_resp_free(&r.resp);
		if (!page.has_next)
			break;
		if (strcmp(page.cursor, cursor) == 0) {
			rc = rk_err_set(err, RK_EUNKNOWN, "%s: the cursor did not move", what);
			break;
		}
		snprintf(cursor, sizeof cursor, "%s", page.cursor);
	}
	http_resp_free(&r.resp);
	rk_buf_free(&url);
	return rc;
}

/* ---- page accumulators --------------------------------------------------- */

struct orders_acc {
	RK_ARRAY(struct order_rec) orders;
	bool open_only;
	const char *client_order_id; /* when set: stop at this order */
	bool found;
};

static enum rk_rc orders_page(struct cb *c, void *accp, const struct http_resp *resp,
			      struct coinbase_page *page, struct rk_err *err)
{
	struct orders_acc *acc = accp;
	struct order_rec *v = NULL;
	size_t n = 0;
	enum rk_rc rc = coinbase_parse_orders_page(resp->body, resp->body_len, c->account, &v, &n,
						   page, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (acc->open_only && !order_status_is_open(v[i].status))
			continue;
		if (acc->client_order_id && strcmp(v[i].client_order_id, acc->client_order_id) != 0)
			continue;
		if (!rk_array_append(&acc->orders, &v[i], 1))
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
		if (acc->client_order_id) {
			acc->found = true;
			page->has_next = false; /* found: no need to read on */
			break;
		}
	}
	free(v);
	return rc;
}

struct fills_acc {
	RK_ARRAY(struct fill_rec) fills;
	const char *order_id; /* when set: keep only this order's fills */
	int64_t newest_us;
};

static enum rk_rc fills_page(struct cb *c, void *accp, const struct http_resp *resp,
			     struct coinbase_page *page, struct rk_err *err)
{
	struct fills_acc *acc = accp;
	struct fill_rec *v = NULL;
	size_t n = 0;
	enum rk_rc rc = coinbase_parse_fills_page(resp->body, resp->body_len, c->account, &v, &n,
						  page, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (acc->order_id && strcmp(v[i].order_id, acc->order_id) != 0)
			continue;
		if (!rk_array_append(&acc->fills, &v[i], 1))
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	}
	if (!rc && page->newest_us > acc->newest_us)
		acc->newest_us = page->newest_us;
	free(v);
	return rc;
}

struct balances_acc {
	RK_ARRAY(struct coinbase_balance) balances;
};

static enum rk_rc accounts_page(struct cb *c, void *accp, const struct http_resp *resp,
				struct coinbase_page *page, struct rk_err *err)
{
	struct balances_acc *acc = accp;
	struct coinbase_balance *v = NULL;
	size_t n = 0;
	(void)c;
	enum rk_rc rc = coinbase_parse_accounts_page(resp->body, resp->body_len, &v, &n, page,
						     err);
	if (!rc && !rk_array_append(&acc->balances, v, n))
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	free(v);
	return rc;
}

/* ---- product rules ------------------------------------------------------- */

static const struct instrument *cached_rule(const struct cb *c, const char *symbol)
{
	for (size_t i = 0; i < c->rules.n; i++)
		if (strcmp(c->rules.v[i].symbol, symbol) == 0)
			return &c->rules.v[i];
	return NULL;
}

/* Remembers `ins` (replacing an older copy). */
static void cache_rule(struct cb *c, const struct instrument *ins)
{
	const struct instrument *old = cached_rule(c, ins->symbol);
	if (old)
		c->rules.v[old - c->rules.v] = *ins;
	else
		(void)rk_array_append(&c->rules, ins, 1); /* out of memory: just not cached */
}

/* GET products/{id}. On failure *ans says how it failed and err why. */
static enum rk_rc fetch_product(struct cb *c, const char *product, struct instrument *out,
				enum answer *ans, struct rk_err *err)
{
	struct rk_buf path = {0};
	struct reply r;
	enum rk_rc rc;

	*ans = ANS_NOT_SENT;
	if (!product_id_ok(product))
		return rk_err_set(err, RK_EINVAL, "coinbase: bad product id '%.40s'", product);
	rk_buf_add(&path, API "/products/");
	rk_buf_add(&path, product);
	if (path.failed)
		return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	cb_send(c, HTTP_GET, rk_buf_str(&path), NULL, &r);
	*ans = r.ans;
	if (r.ans != ANS_OK)
		rc = rk_err_set(err, answer_rc(r.ans), "product %s: %s", product, r.reason);
	else if (!(rc = coinbase_parse_product(r.resp.body, r.resp.body_len, out, err)) &&
		 strcmp(out->symbol, product) != 0)
		rc = rk_err_set(err, RK_EUNKNOWN, "product %s: the answer is for %s", product,
				out->symbol);
	if (rc && *ans == ANS_OK)
		*ans = ANS_UNKNOWN; /* an answer, but not a usable one */
	if (!rc)
		cache_rule(c, out);
	http_resp_free(&r.resp);
	rk_buf_free(&path);
	return rc;
}

/* ---- snapshot ------------------------------------------------------------ */

/* Currencies that are money, not holdings, when deriving products. */
static bool is_cash(const char *cur)
{
	static const char *const CASH[] = {"USD", "USDC", "USDT", "EUR", "GBP"};
	for (size_t i = 0; i < sizeof CASH / sizeof CASH[0]; i++)
		if (strcmp(cur, CASH[i]) == 0)
			return true;
	return false;
}

static int cmp_fill(const void *a, const void *b)
{
	const struct fill_rec *x = a, *y = b;
	int k = strcmp(x->ts, y->ts);
	return k ? k : strcmp(x->fill_id, y->fill_id);
}

struct snap_ctx {
	struct cb *c;
	struct venue_snapshot *out;
	bool auth_failed;
	char auth_reason[VENUE_REASON_MAX];
	struct symset tracked;
	bool have_balances;
	struct balances_acc balances;
};

/* Records a failed part: incomplete, and remembers an authentication refusal. */
static void part_failed(struct snap_ctx *s, const char *part, const struct rk_err *e)
{
	if (e->rc == RK_EPERM && !s->auth_failed) {
		s->auth_failed = true;
		snprintf(s->auth_reason, sizeof s->auth_reason, "%.200s", e->msg);
	}
	venue_snapshot_mark_incomplete(s->out, "coinbase %s: %s", part, e->msg);
}

static enum rk_rc snap_orders(struct snap_ctx *s, struct rk_err *err)
{
	struct orders_acc acc = {.open_only = true};
	struct rk_buf path = {0};
	struct rk_err e = {0};
	enum rk_rc rc = RK_OK;

	rk_buf_add(&path, API "/orders/historical/batch?order_status=OPEN&limit=100");
	url_add_list(&path, '&', "product_ids", s->c->products.v, s->c->products.n);
	if (path.failed) {
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
		goto out;
	}
	if ((rc = fetch_all(s->c, "open orders", rk_buf_str(&path), orders_page, &acc, &e)) == RK_ENOMEM) {
		rk_err_set(err, rc, "%s", e.msg);
		goto out;
	}
	if (rc)
		part_failed(s, "open orders", &e);
	rc = RK_OK;
	for (size_t i = 0; i < acc.orders.n; i++)
		if (!symset_add(&s->tracked, acc.orders.v[i].symbol))
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	s->out->orders = acc.orders.v;
	s->out->norders = acc.orders.n;
	acc.orders.v = NULL;
out:
	free(acc.orders.v);
	rk_buf_free(&path);
	return rc;
}

static enum rk_rc snap_accounts(struct snap_ctx *s, struct rk_err *err)
{
	struct rk_err e = {0};
	enum rk_rc rc = fetch_all(s->c, "accounts", API "/accounts?limit=250", accounts_page,
				  &s->balances, &e);
	if (rc == RK_ENOMEM)
		return rk_err_set(err, rc, "%s", e.msg);
	if (rc) {
		part_failed(s, "accounts", &e);
		return RK_OK;
	}
	s->have_balances = true;
	if (s->c->products.n)
		return RK_OK;
	for (size_t i = 0; i < s->balances.balances.n; i++) {
		const struct coinbase_balance *b = &s->balances.balances.v[i];
		char sym[MODEL_SYM_MAX];
		struct dec total;
		if (is_cash(b->currency) || dec_add(b->available, b->hold, &total) != DEC_OK ||
		    dec_is_zero(total))
			continue;
		snprintf(sym, sizeof sym, "%.40s-USD", b->currency);
		if (product_id_ok(sym) && !symset_add(&s->tracked, sym))
			return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	}
	return RK_OK;
}

static enum rk_rc snap_fills(struct snap_ctx *s, const char *cursor, struct rk_err *err)
{
	struct fills_acc acc = {0};
	struct rk_buf path = {0};
	struct rk_err e = {0};
	int64_t since = 0;
	enum rk_rc rc = RK_OK;

	snprintf(s->out->fills_cursor, sizeof s->out->fills_cursor, "%s", cursor);
	if (cursor[0] && rtime_parse(cursor, &since, &e) != RK_OK) {
		venue_snapshot_mark_incomplete(s->out, "coinbase fills: bad cursor '%.60s' "
					       "(want an RFC 3339 timestamp)", cursor);
		return RK_OK;
	}
	rk_buf_add(&path, API "/orders/historical/fills?limit=100");
	if (cursor[0]) {
		char canon[RTIME_STR_MAX];
		rk_buf_add(&path, "&start_sequence_timestamp=");
		url_add_escaped(&path, rtime_format(since, canon));
	}
	url_add_list(&path, '&', "product_ids", s->c->products.v, s->c->products.n);
	if (path.failed) {
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
		goto out;
	}
	if ((rc = fetch_all(s->c, "fills", rk_buf_str(&path), fills_page, &acc, &e)) == RK_ENOMEM) {
		rk_err_set(err, rc, "%s", e.msg);
		goto out;
	}
	if (rc) {
		part_failed(s, "fills", &e);
		rc = RK_OK;
		goto out;
	}
	if (acc.fills.n)
		qsort(acc.fills.v, acc.fills.n, sizeof *acc.fills.v, cmp_fill);
	for (size_t i = 0; i < acc.fills.n; i++)
		if (!symset_add(&s->tracked, acc.fills.v[i].symbol)) {
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
			goto out;
		}
	if (acc.newest_us > since) {
		char canon[RTIME_STR_MAX];
		snprintf(s->out->fills_cursor, sizeof s->out->fills_cursor, "%s",
			 rtime_format(acc.newest_us, canon));
	}
	s->out->fills = acc.fills.v;
	s->out->nfills = acc.fills.n;
	acc.fills.v = NULL;
out:
	free(acc.fills.v);
	rk_buf_free(&path);
	return rc;
}

static enum rk_rc snap_instruments(struct snap_ctx *s, struct rk_err *err)
{
	RK_ARRAY(struct instrument) got = {0};
	size_t keep = 0;
	bool derived = s->c->products.n == 0;

	if (!rk_array_grow(&got, s->tracked.n ? s->tracked.n : 1))
		return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	for (size_t i = 0; i < s->tracked.n; i++) {
		struct rk_err e = {0};
		enum answer ans;
		if (fetch_product(s->c, s->tracked.v[i], &got.v[got.n], &ans, &e) == RK_OK) {
			got.n++;
			memmove(s->tracked.v[keep++], s->tracked.v[i], MODEL_SYM_MAX);
		} else if (derived && ans == ANS_NOT_FOUND) {
			continue; /* a guessed product that does not exist */
		} else {
			part_failed(s, "products", &e);
			memmove(s->tracked.v[keep++], s->tracked.v[i], MODEL_SYM_MAX);
		}
	}
	s->tracked.n = keep;
	s->out->instruments = got.v;
	s->out->ninstruments = got.n;
	return RK_OK;
}

static enum rk_rc snap_positions(struct snap_ctx *s, struct rk_err *err)
{
	const char **names = NULL;
	enum rk_rc rc = RK_OK;

	if (!s->have_balances)
		return RK_OK;
	names = calloc(s->tracked.n ? s->tracked.n : 1, sizeof *names);
	if (!names)
		return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	for (size_t i = 0; i < s->tracked.n; i++)
		names[i] = s->tracked.v[i];
	rc = coinbase_positions_from_balances(s->balances.balances.v, s->balances.balances.n,
					      names, s->tracked.n, &s->out->positions,
					      &s->out->npositions, err);
	free(names);
	return rc;
}

static enum rk_rc snap_prices(struct snap_ctx *s, struct rk_err *err)
{
	struct rk_buf path = {0};
	struct reply r = {0};
	struct rk_err e = {0};
	enum rk_rc rc = RK_OK;

	if (s->tracked.n == 0)
		return RK_OK;
	rk_buf_add(&path, API "/best_bid_ask");
	url_add_list(&path, '?', "product_ids", s->tracked.v, s->tracked.n);
	if (path.failed)
		return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	cb_send(s->c, HTTP_GET, rk_buf_str(&path), NULL, &r);
	if (r.ans != ANS_OK) {
		rk_err_set(&e, answer_rc(r.ans), "best bid/ask: %s", r.reason);
		part_failed(s, "prices", &e);
	} else if (coinbase_parse_best_bid_ask(r.resp.body, r.resp.body_len, &s->out->prices,
					       &s->out->nprices, &e) != RK_OK) {
		if (e.rc == RK_ENOMEM)
			rc = rk_err_set(err, RK_ENOMEM, "%s", e.msg);
		else
			part_failed(s, "prices", &e);
	}
	http_resp_free(&r.resp);
	rk_buf_free(&path);
	return rc;
}

static enum rk_rc cb_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			      struct venue_snapshot *out, struct rk_err *err)
{
	struct cb *c = as_cb(v);
	struct snap_ctx s = {.c = c, .out = out};
	enum rk_rc rc;
	(void)account; /* one account (portfolio) per key; records carry opt->account */

	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	memset(out, 0, sizeof *out);
	out->complete = true;
	out->taken_at_us = rk_clock_now(c->clock);
	for (size_t i = 0; i < c->products.n; i++)
		if (!symset_add(&s.tracked, c->products.v[i])) {
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
			goto out;
		}
	if ((rc = snap_orders(&s, err)) || (rc = snap_accounts(&s, err)) ||
	    (rc = snap_fills(&s, fills_cursor ? fills_cursor : "", err)))
		goto out;
	if (s.auth_failed) {
		rc = rk_err_set(err, RK_EPERM, "coinbase: %s", s.auth_reason);
		goto out;
	}
	if ((rc = snap_instruments(&s, err)) || (rc = snap_positions(&s, err)) ||
	    (rc = snap_prices(&s, err)))
		goto out;
	if (s.auth_failed)
		rc = rk_err_set(err, RK_EPERM, "coinbase: %s", s.auth_reason);
out:
	if (rc)
		venue_snapshot_free(out);
	symset_free(&s.tracked);
	free(s.balances.balances.v);
	return rc;
}

/* ---- place --------------------------------------------------------------- */

static enum rk_rc cb_place(struct venue *v, const struct venue_order_req *req,
			   struct venue_place_result *out, struct rk_err *err)
{
	struct cb *c = as_cb(v);
	struct instrument ins;
	const struct instrument *rule;
	struct rk_err e = {0};
	struct reply r = {0};
	char *body = NULL;
	enum answer ans;

	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	memset(out, 0, sizeof *out);
	out->outcome = VOUT_REJECTED;
	out->reject = VREJ_OTHER;
	if (!(rule = cached_rule(c, req->symbol))) {
		if (fetch_product(c, req->symbol, &ins, &ans, &e) != RK_OK) {
			snprintf(out->reason, sizeof out->reason,
				 "not sent: product rules unavailable: %.200s", e.msg);
			return RK_OK;
		}
		rule = &ins;
	}
	if (coinbase_build_order_body(req, rule, &body, &e) != RK_OK) {
		if (e.rc == RK_ENOMEM)
			return rk_err_set(err, RK_ENOMEM, "%s", e.msg);
		out->reject = VREJ_INVALID;
		snprintf(out->reason, sizeof out->reason, "not sent: %.230s", e.msg);
		return RK_OK;
	}
	cb_send(c, HTTP_POST, API "/orders", body, &r);
	switch (r.ans) {
	case ANS_OK:
		if (coinbase_parse_create_order(r.resp.body, r.resp.body_len, out, &e) != RK_OK)
			out->outcome = VOUT_UNKNOWN; /* the reason says why */
		break;
	case ANS_UNKNOWN:
		out->outcome = VOUT_UNKNOWN;
		snprintf(out->reason, sizeof out->reason, "%s", r.reason);
		break;
	case ANS_REFUSED:
	case ANS_NOT_FOUND: {
		/* A 4xx body may name a failure reason that maps (insufficient funds...). */
		struct venue_place_result p;
		if (coinbase_parse_create_order(r.resp.body, r.resp.body_len, &p, &e) == RK_OK &&
		    p.outcome == VOUT_REJECTED)
			out->reject = p.reject;
		snprintf(out->reason, sizeof out->reason, "%s", r.reason);
		break;
	}
	case ANS_AUTH:
	case ANS_NOT_SENT:
		snprintf(out->reason, sizeof out->reason, "%s", r.reason);
		break;
	}
	http_resp_free(&r.resp);
	free(body);
	return RK_OK;
}

/* ---- cancel -------------------------------------------------------------- */

static enum rk_rc cb_cancel(struct venue *v, const char *symbol, const char *const *order_ids,
			    size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	struct cb *c = as_cb(v);
	(void)symbol; /* Coinbase order ids are global */

	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	for (size_t at = 0; at < n; at += COINBASE_CANCEL_BATCH) {
		size_t k = n - at < COINBASE_CANCEL_BATCH ? n - at : COINBASE_CANCEL_BATCH;
		struct venue_cancel_result *res = out + at;
		struct rk_err e = {0};
		struct reply r = {0};
		char *body = NULL;
		enum venue_outcome all = VOUT_REJECTED;

		for (size_t i = 0; i < k; i++) {
			memset(&res[i], 0, sizeof res[i]);
			snprintf(res[i].order_id, sizeof res[i].order_id, "%s", order_ids[at + i]);
		}
		if (coinbase_build_cancel_body(order_ids + at, k, &body, &e) != RK_OK) {
			if (e.rc == RK_ENOMEM)
				return rk_err_set(err, RK_ENOMEM, "%s", e.msg);
			snprintf(r.reason, sizeof r.reason, "not sent: %.200s", e.msg);
		} else {
			cb_send(c, HTTP_POST, API "/orders/batch_cancel", body, &r);
			if (r.ans == ANS_OK) {
				/* Per-order results are the truth; an unreadable body leaves
				 * every order unknown. */
				coinbase_parse_cancel(r.resp.body, r.resp.body_len, order_ids + at, k,
						      res, &e);
				http_resp_free(&r.resp);
				free(body);
				continue;
			}
			if (r.ans == ANS_UNKNOWN)
				all = VOUT_UNKNOWN;
		}
		for (size_t i = 0; i < k; i++) {
			res[i].outcome = all;
			res[i].reject = all == VOUT_REJECTED ? VREJ_OTHER : VREJ_NONE;
			snprintf(res[i].reason, sizeof res[i].reason, "%s", r.reason);
		}
		http_resp_free(&r.resp);
		free(body);
	}
	return RK_OK;
}

/* ---- get_order and order_fills ------------------------------------------- */

static void get_by_id(struct cb *c, const char *order_id, struct venue_order_result *out)
{
	struct rk_buf path = {0};
	struct reply r = {0};
	struct rk_err e = {0};

	rk_buf_add(&path, API "/orders/historical/");
	url_add_escaped(&path, order_id);
	if (path.failed) {
		snprintf(out->reason, sizeof out->reason, "out of memory");
		return;
	}
	cb_send(c, HTTP_GET, rk_buf_str(&path), NULL, &r);
	if (r.ans == ANS_OK) {
		if (coinbase_parse_order(r.resp.body, r.resp.body_len, c->account, &out->order,
					 &e) != RK_OK)
			snprintf(out->reason, sizeof out->reason, "unreadable order: %.200s", e.msg);
		else if (strcmp(out->order.order_id, order_id) != 0)
			snprintf(out->reason, sizeof out->reason, "the answer is for another order");
		else
			out->outcome = VOUT_OK;
	} else {
		out->outcome = r.ans == ANS_NOT_FOUND ? VOUT_NOT_FOUND : VOUT_UNKNOWN;
		snprintf(out->reason, sizeof out->reason, "%s", r.reason);
	}
	if (out->outcome != VOUT_OK)
		memset(&out->order, 0, sizeof out->order);
	http_resp_free(&r.resp);
	rk_buf_free(&path);
}

/* Searches one listing for the client order id. true when it was read to the
 * end or the order was found; false (reason set) otherwise. */
static bool search_listing(struct cb *c, const char *what, const char *path,
			   const char *client_order_id, struct venue_order_result *out)
{
	struct orders_acc acc = {.client_order_id = client_order_id};
	struct rk_err e = {0};
	enum rk_rc rc = fetch_all(c, what, path, orders_page, &acc, &e);
	if (acc.found) {
		out->outcome = VOUT_OK;
		out->order = acc.orders.v[0];
	} else if (rc) {
		snprintf(out->reason, sizeof out->reason, "%.200s", e.msg);
	}
	free(acc.orders.v);
	return acc.found || rc == RK_OK;
}

static void get_by_client_id(struct cb *c, const char *symbol, const char *client_order_id,
			     struct venue_order_result *out)
{
	struct rk_buf path = {0};
	char since[RTIME_STR_MAX];
	symset_symbol product = "";
	bool filter = symbol && symbol[0] && product_id_ok(symbol);
	int64_t window_start =
		rk_clock_now(c->clock) - (int64_t)COINBASE_CLIENT_ID_WINDOW_H * 3600 * 1000000;

	if (filter)
		snprintf(product, sizeof product, "%s", symbol);
	rk_buf_add(&path, API "/orders/historical/batch?order_status=OPEN&limit=100");
	url_add_list(&path, '&', "product_ids", &product, filter ? 1 : 0);
	if (path.failed ||
	    !search_listing(c, "open orders", rk_buf_str(&path), client_order_id, out) ||
	    out->outcome == VOUT_OK)
		goto out;
	rk_buf_reset(&path);
	rk_buf_add(&path, API "/orders/historical/batch?limit=100&start_date=");
	url_add_escaped(&path, rtime_format(window_start, since));
	url_add_list(&path, '&', "product_ids", &product, filter ? 1 : 0);
	if (path.failed ||
	    !search_listing(c, "recent orders", rk_buf_str(&path), client_order_id, out) ||
	    out->outcome == VOUT_OK)
		goto out;
	out->outcome = VOUT_NOT_FOUND;
	snprintf(out->reason, sizeof out->reason,
		 "no order with this client order id among the open and last %dh orders",
		 COINBASE_CLIENT_ID_WINDOW_H);
out:
	if (path.failed)
		snprintf(out->reason, sizeof out->reason, "out of memory");
	rk_buf_free(&path);
}

static enum rk_rc cb_get_order(struct venue *v, const char *symbol, const char *order_id,
			       const char *client_order_id, struct venue_order_result *out,
			       struct rk_err *err)
{
	struct cb *c = as_cb(v);
	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	memset(out, 0, sizeof *out);
	out->outcome = VOUT_UNKNOWN;
	if (order_id && order_id[0])
		get_by_id(c, order_id, out);
	else if (client_order_id && client_order_id[0])
		get_by_client_id(c, symbol, client_order_id, out);
	else
		return rk_err_set(err, RK_EINVAL, "coinbase: get_order needs an order id or a "
				  "client order id");
	return RK_OK;
}

static enum rk_rc cb_order_fills(struct venue *v, const char *symbol, const char *order_id,
				 struct fill_rec **fills, size_t *n, struct rk_err *err)
{
	struct cb *c = as_cb(v);
	struct fills_acc acc = {.order_id = order_id};
	struct rk_buf path = {0};
	enum rk_rc rc;
	(void)symbol;

	*fills = NULL;
	*n = 0;
	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	if (!order_id || !order_id[0])
		return rk_err_set(err, RK_EINVAL, "coinbase: order_fills needs an order id");
	rk_buf_add(&path, API "/orders/historical/fills?order_ids=");
	url_add_escaped(&path, order_id);
	rk_buf_add(&path, "&limit=100");
	if (path.failed)
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	else if ((rc = fetch_all(c, "order fills", rk_buf_str(&path), fills_page, &acc, err)) &&
		 rc != RK_ENOMEM)
		rc = set_rc(err, RK_EUNKNOWN); /* never "no fills" */
	if (!rc) {
		if (acc.fills.n)
			qsort(acc.fills.v, acc.fills.n, sizeof *acc.fills.v, cmp_fill);
		*fills = acc.fills.v;
		*n = acc.fills.n;
		acc.fills.v = NULL;
	}
	free(acc.fills.v);
	rk_buf_free(&path);
	return rc;
}

/* ---- last_price ---------------------------------------------------------- */

/* The same source as the snapshot's prices (best bid/ask midpoint), asked now. */
static enum rk_rc cb_last_price(struct venue *v, const char *symbol, struct dec *price,
				struct rk_err *err)
{
	struct cb *c = as_cb(v);
	struct rk_buf path = {0};
	struct reply r = {0};
	struct venue_price *prices = NULL;
	size_t n = 0;
	struct rk_err e = {0};
	enum rk_rc rc = RK_EUNKNOWN;

	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase: not a coinbase venue");
	if (!symbol || !product_id_ok(symbol))
		return rk_err_set(err, RK_EINVAL, "coinbase: '%.64s' is not a product id",
				  symbol ? symbol : "");
	rk_buf_add(&path, API "/best_bid_ask?product_ids=");
	url_add_escaped(&path, symbol);
	if (path.failed)
		return rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	cb_send(c, HTTP_GET, rk_buf_str(&path), NULL, &r);
	if (r.ans != ANS_OK) {
		rk_err_set(err, RK_EUNKNOWN, "coinbase: best bid/ask of %s: %s", symbol, r.reason);
	} else if (coinbase_parse_best_bid_ask(r.resp.body, r.resp.body_len, &prices, &n, &e) !=
		   RK_OK) {
		rc = e.rc == RK_ENOMEM ? RK_ENOMEM : RK_EUNKNOWN;
		rk_err_set(err, rc, "coinbase: best bid/ask of %s: %s", symbol, e.msg);
	} else {
		for (size_t i = 0; i < n && rc != RK_OK; i++)
			if (strcmp(prices[i].symbol, symbol) == 0)
				*price = prices[i].last, rc = RK_OK;
		if (rc)
			rk_err_set(err, RK_EUNKNOWN, "coinbase: no price for %s in the answer", symbol);
	}
	free(prices);
	http_resp_free(&r.resp);
	rk_buf_free(&path);
	return rc;
}

/* ---- construction -------------------------------------------------------- */

static void cb_destroy(struct venue *v)
{
	struct cb *c = as_cb(v);
	if (!c)
		return;
	http_client_free(c->http);
	wipe_free(c->pem);
	free(c->key_name);
	symset_free(&c->products);
	free(c->rules.v);
	free(c);
}

static const struct venue_ops CB_OPS = {
	.snapshot = cb_snapshot,
	.place = cb_place,
	.cancel = cb_cancel,
	.get_order = cb_get_order,
	.order_fills = cb_order_fills,
	.destroy = cb_destroy,
	.last_price = cb_last_price,
};

enum rk_rc coinbase_venue_create(const struct coinbase_options *opt, struct venue **out,
				 struct rk_err *err)
{
	struct cb *c = NULL;
	char *probe = NULL;
	enum rk_rc rc = RK_OK;

	*out = NULL;
	if (!opt || !opt->key_name || !opt->key_name[0])
		return rk_err_set(err, RK_ECONFIG, "coinbase: no API key name (%s)",
				  COINBASE_ENV_KEY_NAME);
	if (!opt->private_key_pem || !opt->private_key_pem[0])
		return rk_err_set(err, RK_ECONFIG, "coinbase: no private key (%s)",
				  COINBASE_ENV_PRIVATE_KEY);
	const char *base_url = opt->base_url ? opt->base_url : COINBASE_DEFAULT_BASE_URL;
	if (!(c = calloc(1, sizeof *c)) || !(c->key_name = dup_str(opt->key_name)) ||
	    !(c->pem = dup_str(opt->private_key_pem))) {
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
		goto out;
	}
	c->base.ops = &CB_OPS;
	c->base.kind = VENUE_COINBASE;
	c->base.caps = (struct venue_caps){
		.orders_hold_balance = true, .has_bracket = true, .is_futures = false};
	c->base.impl = c;
	c->clock = opt->clock;
	snprintf(c->account, sizeof c->account, "%s",
		 opt->account && opt->account[0] ? opt->account : "default");
	for (size_t i = 0; i < opt->nproducts; i++) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (!opt->products[i] || !product_id_ok(opt->products[i]) ||
		    !symbol_split(opt->products[i], base, quote)) {
			rc = rk_err_set(err, RK_ECONFIG, "coinbase: bad product id '%.40s' (want "
					"e.g. BTC-USD)", opt->products[i] ? opt->products[i] : "");
			goto out;
		}
		if (!symset_add(&c->products, opt->products[i])) {
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
			goto out;
		}
	}
	if ((rc = coinbase_split_base_url(base_url, c->host, c->prefix, err))) {
		rc = set_rc(err, RK_ECONFIG);
		goto out;
	}
	/* Fail now, not at the first request, on a key the signer cannot use. */
	if (jwt_for(c->key_name, c->pem, c->host, c->prefix, "GET", API "/accounts",
		    now_unix(c), &probe, err) != RK_OK) {
		rc = rk_err_set(err, RK_ECONFIG, "coinbase: %s is not a usable EC P-256 or "
				"Ed25519 private key", COINBASE_ENV_PRIVATE_KEY);
		goto out;
	}
	struct http_options ho = {.base_url = base_url, .timeout_ms = opt->timeout_ms,
				  .max_retries = opt->max_retries};
	if ((rc = http_client_new(&ho, &c->http, err)))
		goto out;
	*out = &c->base;
	c = NULL;
out:
	wipe_free(probe);
	if (c) {
		c->base.ops = &CB_OPS;
		c->base.impl = c;
		cb_destroy(&c->base);
	}
	return rc;
}
