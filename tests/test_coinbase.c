/*
 * test_coinbase.c — the Coinbase venue (src/venues/coinbase.c) over real
 * HTTP against a tiny in-test server on 127.0.0.1 (a thread, one connection
 * at a time) that checks every request's JWT the way the venue does (401
 * otherwise) and answers with canned bodies, so the venue contract is
 * checked end to end: pagination, a missing page, 200 with success:false,
 * success without an order id, per-order cancel results, lookups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "http.h"
#include "sign.h"
#include "venue.h"
#include "coinbase.h"
#include "registry.h"
#include "rk_clock.h"
#include "rtime.h"
#include "tu_core.h"

#define API "/api/v3/brokerage"
#define KEY_NAME "organizations/test/apiKeys/k1"

/* ---- the loopback server ------------------------------------------------- */

struct route {
	const char *method;
	const char *path; /* exact path and query, or a prefix when it ends in '*' */
	int status;
	const char *body;
	int times;        /* answers left; -1: any number */
};

struct logged {
	char method[8];
	char path[1024];
	char body[2048];
};

struct server {
	int fd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu;
	const char *verify_pem; /* JWTs must verify against this key */
	struct route routes[32];
	size_t nroutes;
	struct logged log[64];
	size_t nlog;
};

static bool path_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

static void respond(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, strlen(body));
	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

/* Reads one request (head and Content-Length body) into buf. */
static size_t read_request(int fd, char *buf, size_t cap, char **body)
{
	size_t len = 0;
	*body = NULL;
	while (len + 1 < cap) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		size_t want = 0;
		for (char *h = buf; h < end; h = strstr(h, "\r\n") + 2)
			if (strncasecmp(h, "content-length:", 15) == 0)
				want = strtoul(h + 15, NULL, 10);
		*body = end + 4;
		if ((size_t)(buf + len - *body) >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void serve_one(struct server *s, int fd)
{
	char buf[16384], *body, method[8] = "", path[1024] = "";
	char host[64], *jwt = NULL;
	read_request(fd, buf, sizeof buf, &body);
	if (sscanf(buf, "%7s %1023s", method, path) != 2)
		return;
	for (char *h = strstr(buf, "\r\n"); h && h[2] != '\r'; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, "authorization: bearer ", 22) == 0) {
			char *v = h + 24, *e = strstr(v, "\r\n");
			jwt = strndup(v, (size_t)(e - v));
			break;
		}
	}
	snprintf(host, sizeof host, "127.0.0.1:%d", s->port);
	pthread_mutex_lock(&s->mu);
	if (s->nlog < 64) {
		struct logged *l = &s->log[s->nlog++];
		snprintf(l->method, sizeof l->method, "%s", method);
		snprintf(l->path, sizeof l->path, "%s", path);
		snprintf(l->body, sizeof l->body, "%s", body ? body : "");
	}
	const struct route *hit = NULL;
	if (jwt && sign_cdp_jwt_verify(jwt, s->verify_pem, method, host, path, (int64_t)time(NULL),
				       NULL, 0, NULL) == RK_OK) {
		for (size_t i = 0; i < s->nroutes && !hit; i++) {
			struct route *r = &s->routes[i];
			if (r->times != 0 && strcmp(r->method, method) == 0 &&
			    path_matches(r->path, path)) {
				if (r->times > 0)
					r->times--;
				hit = r;
			}
		}
		if (hit) {
			/* A copy: the test may free its body as soon as the answer is in. */
			char *copy = strdup(hit->body);
			respond(fd, hit->status, copy);
			free(copy);
		} else
			respond(fd, 404, "{\"error\":\"NOT_FOUND\",\"message\":\"no route\"}");
	} else {
		respond(fd, 401, "{\"error\":\"UNAUTHENTICATED\",\"message\":\"bad jwt\"}");
	}
	pthread_mutex_unlock(&s->mu);
	free(jwt);
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(s, c);
		close(c);
	}
	return NULL;
}

static struct server *server_start(const char *verify_pem)
{
	struct server *s = calloc(1, sizeof *s);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	assert_non_null(s);
	s->verify_pem = verify_pem;
	pthread_mutex_init(&s->mu, NULL);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
	return s;
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void route(struct server *s, const char *method, const char *path, int status,
		  const char *body, int times)
{
	pthread_mutex_lock(&s->mu);
	assert_true(s->nroutes < 32);
	s->routes[s->nroutes++] = (struct route){method, path, status, body, times};
	pthread_mutex_unlock(&s->mu);
}

/* Requests whose method matches and whose path starts with `prefix`. */
static size_t count_requests(struct server *s, const char *method, const char *prefix)
{
	size_t n = 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nlog; i++)
		if (strcmp(s->log[i].method, method) == 0 &&
		    strncmp(s->log[i].path, prefix, strlen(prefix)) == 0)
			n++;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* The last request with this method and path prefix (copied). */
static struct logged last_request(struct server *s, const char *method, const char *prefix)
{
	struct logged out = {0};
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nlog; i++)
		if (strcmp(s->log[i].method, method) == 0 &&
		    strncmp(s->log[i].path, prefix, strlen(prefix)) == 0)
			out = s->log[i];
	pthread_mutex_unlock(&s->mu);
	return out;
}

/* ---- fixtures ------------------------------------------------------------ */

static char *ec_key_pem(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	assert_non_null(pkey);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	long n = BIO_get_mem_data(bio, &data);
	char *pem = malloc((size_t)n + 1);
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return pem;
}

#define FIXTURE(name) RECKON_SHARED_DIR "/fixtures/coinbase/" name

#define ORDER(id, cid, status)                                                              \
	"{\"order_id\":\"" id "\",\"product_id\":\"TOWNS-USD\",\"side\":\"SELL\","          \
	"\"client_order_id\":\"" cid "\",\"status\":\"" status "\","                         \
	"\"created_time\":\"2025-11-23T03:00:00.123Z\",\"filled_size\":\"0\","              \
	"\"order_configuration\":{\"limit_limit_gtc\":{\"base_size\":\"536.6\","            \
	"\"limit_price\":\"0.02\",\"post_only\":false}}}"

#define OPEN_PATH API "/orders/historical/batch?order_status=OPEN&limit=100&product_ids=TOWNS-USD"

static const char ORDERS_P1[] =
	"{\"orders\":[" ORDER("o-1", "c-1", "OPEN") "],\"sequence\":\"0\",\"has_next\":true,"
	"\"cursor\":\"c1\"}";
static const char ORDERS_P2[] =
	"{\"orders\":[" ORDER("o-2", "c-2", "OPEN") "," ORDER("o-3", "c-3", "FILLED")
	"],\"has_next\":false,\"cursor\":\"\"}";
static const char ACCOUNTS[] =
	"{\"accounts\":[{\"currency\":\"TOWNS\",\"available_balance\":{\"value\":\"0\","
	"\"currency\":\"TOWNS\"},\"hold\":{\"value\":\"536.6\",\"currency\":\"TOWNS\"}},"
	"{\"currency\":\"USD\",\"available_balance\":{\"value\":\"12.5\"},\"hold\":"
	"{\"value\":\"0\"}}],\"has_next\":false,\"cursor\":\"\",\"size\":2}";
static const char FILLS[] =
	"{\"fills\":[{\"trade_id\":\"t-1\",\"order_id\":\"o-0\",\"product_id\":\"TOWNS-USD\","
	"\"side\":\"BUY\",\"trade_time\":\"2025-11-23T02:59:00Z\",\"sequence_timestamp\":"
	"\"2025-11-23T02:59:00.5Z\",\"price\":\"0.04\",\"size\":\"536.6\",\"commission\":"
	"\"0.1\",\"liquidity_indicator\":\"TAKER\"}],\"cursor\":\"\"}";
static const char PRODUCT[] =
	"{\"product_id\":\"TOWNS-USD\",\"base_increment\":\"0.1\",\"quote_increment\":"
	"\"0.0001\",\"base_min_size\":\"1\",\"quote_min_size\":\"1\",\"product_type\":\"SPOT\"}";
static const char BBA[] =
	"{\"pricebooks\":[{\"product_id\":\"TOWNS-USD\",\"bids\":[{\"price\":\"0.0100\","
	"\"size\":\"5\"}],\"asks\":[{\"price\":\"0.0102\",\"size\":\"7\"}]}]}";

struct fx {
	char *pem;
	struct server *srv;
	struct venue *v;
};

static struct venue *make_venue(struct fx *f, int max_retries)
{
	char url[64];
	const char *products[] = {"TOWNS-USD"};
	struct rk_err err = {0};
	struct venue *v = NULL;
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f->srv->port);
	struct coinbase_options opt = {.base_url = url, .key_name = KEY_NAME,
				       .private_key_pem = f->pem, .products = products,
				       .nproducts = 1, .account = "main", .timeout_ms = 5000,
				       .max_retries = max_retries};
	if (coinbase_venue_create(&opt, &v, &err) != RK_OK)
		fail_msg("coinbase_venue_create: %s", err.msg);
	return v;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->pem = ec_key_pem();
	f->srv = server_start(f->pem);
	f->v = make_venue(f, HTTP_NO_RETRIES);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	venue_destroy(f->v);
	server_stop(f->srv);
	free(f->pem);
	free(f);
	return 0;
}

/* The routes of a healthy snapshot, open orders in two pages. */
static void snapshot_routes(struct server *s, int page2_status)
{
	route(s, "GET", OPEN_PATH "&cursor=c1", page2_status,
	      page2_status == 200 ? ORDERS_P2 : "{\"error\":\"INTERNAL\"}", -1);
	route(s, "GET", OPEN_PATH, 200, ORDERS_P1, -1);
	route(s, "GET", API "/accounts?limit=250", 200, ACCOUNTS, -1);
	route(s, "GET", API "/orders/historical/fills?*", 200, FILLS, -1);
	route(s, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(s, "GET", API "/best_bid_ask?product_ids=TOWNS-USD", 200, BBA, -1);
}

/* ---- snapshot ------------------------------------------------------------ */

static void test_snapshot_reads_every_page(void **state)
{
	struct fx *f = *state;
	struct venue_snapshot s;
	struct rk_err err = {0};
	char buf[DEC_STR_MAX];
	snapshot_routes(f->srv, 200);
	assert_int_equal(venue_snapshot(f->v, "main", "", &s, &err), RK_OK);
	assert_true(s.complete);
	assert_int_equal(s.norders, 2); /* the FILLED one is not open */
	assert_string_equal(s.orders[0].order_id, "o-1");
	assert_string_equal(s.orders[1].order_id, "o-2");
	assert_string_equal(s.orders[1].account, "main");
	assert_int_equal(s.npositions, 1);
	assert_string_equal(s.positions[0].symbol, "TOWNS-USD");
	assert_string_equal(dec_format(s.positions[0].qty, buf), "536.6"); /* held by the sell */
	assert_int_equal(s.nprices, 1);
	assert_string_equal(dec_format(s.prices[0].last, buf), "0.0101");
	assert_int_equal(s.ninstruments, 1);
	assert_string_equal(dec_format(s.instruments[0].step_size, buf), "0.1");
	assert_int_equal(s.nfills, 1);
	assert_string_equal(s.fills[0].fill_id, "t-1");
	assert_string_equal(s.fills[0].fee_currency, "USD");
	assert_string_equal(s.fills_cursor, "2025-11-23T02:59:00.500000Z");
	assert_int_equal(count_requests(f->srv, "GET", OPEN_PATH), 2);
	venue_snapshot_free(&s);

	/* The cursor goes back as start_sequence_timestamp. */
	assert_int_equal(venue_snapshot(f->v, "main", "2025-11-23T02:59:00.500000Z", &s, &err),
			 RK_OK);
	struct logged l = last_request(f->srv, "GET", API "/orders/historical/fills");
	assert_string_equal(l.path, API "/orders/historical/fills?limit=100&start_sequence_timestamp="
				    "2025-11-23T02%3A59%3A00.500000Z&product_ids=TOWNS-USD");
	venue_snapshot_free(&s);
}

static void test_snapshot_missing_page_is_incomplete(void **state)
{
	struct fx *f = *state;
	struct venue_snapshot s;
	struct rk_err err = {0};
	snapshot_routes(f->srv, 500);
	assert_int_equal(venue_snapshot(f->v, "main", "", &s, &err), RK_OK);
	assert_false(s.complete);
	assert_non_null(strstr(s.incomplete_reason, "open orders, page 2"));
	assert_int_equal(s.norders, 1); /* what was read is still reported */
	assert_int_equal(s.npositions, 1); /* the other parts are fine */
	venue_snapshot_free(&s);
}

static void test_snapshot_fills_failure_keeps_cursor(void **state)
{
	struct fx *f = *state;
	struct venue_snapshot s;
	struct rk_err err = {0};
	route(f->srv, "GET", API "/orders/historical/fills?*", 503, "{}", -1);
	snapshot_routes(f->srv, 200);
	assert_int_equal(venue_snapshot(f->v, "main", "2025-01-01T00:00:00Z", &s, &err), RK_OK);
	assert_false(s.complete);
	assert_non_null(strstr(s.incomplete_reason, "fills"));
	assert_string_equal(s.fills_cursor, "2025-01-01T00:00:00Z");
	assert_int_equal(s.nfills, 0);
	venue_snapshot_free(&s);
	/* A cursor that is not a timestamp: incomplete, never "no fills". */
	assert_int_equal(venue_snapshot(f->v, "main", "12345", &s, &err), RK_OK);
	assert_false(s.complete);
	assert_string_equal(s.fills_cursor, "12345");
	venue_snapshot_free(&s);
}

static void test_snapshot_unauthenticated_is_eperm(void **state)
{
	struct fx *f = *state;
	char *other = ec_key_pem();
	struct venue_snapshot s;
	struct rk_err err = {0};
	f->srv->verify_pem = other; /* the venue signs with a key it does not know */
	snapshot_routes(f->srv, 200);
	assert_int_equal(venue_snapshot(f->v, "main", "", &s, &err), RK_EPERM);
	assert_non_null(strstr(err.msg, "authentication failed (HTTP 401)"));
	assert_non_null(strstr(err.msg, COINBASE_ENV_PRIVATE_KEY));
	assert_null(strstr(err.msg, "BEGIN"));
	assert_int_equal(s.norders, 0);
	f->srv->verify_pem = f->pem;
	free(other);
}

/* Without configured products: those of the open orders and fills, plus
 * CUR-USD for every non-cash holding; a guessed product that does not exist
 * is dropped without making the snapshot incomplete. */
static void test_snapshot_derives_products_without_configuration(void **state)
{
	struct fx *f = *state;
	struct venue *v = NULL;
	struct venue_snapshot s;
	struct rk_err err = {0};
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f->srv->port);
	struct coinbase_options opt = {.base_url = url, .key_name = KEY_NAME,
				       .private_key_pem = f->pem, .max_retries = HTTP_NO_RETRIES};
	assert_int_equal(coinbase_venue_create(&opt, &v, &err), RK_OK);
	route(f->srv, "GET", API "/orders/historical/batch?order_status=OPEN&limit=100", 200,
	      "{\"orders\":[],\"has_next\":false,\"cursor\":\"\"}", -1);
	route(f->srv, "GET", API "/accounts?limit=250", 200,
	      "{\"accounts\":[{\"currency\":\"TOWNS\",\"available_balance\":{\"value\":\"536.6\"}},"
	      "{\"currency\":\"ATOM\",\"available_balance\":{\"value\":\"38.45\"}},"
	      "{\"currency\":\"UNFI\",\"available_balance\":{\"value\":\"0\"}},"
	      "{\"currency\":\"USD\",\"available_balance\":{\"value\":\"100\"}}],"
	      "\"has_next\":false}", -1);
	route(f->srv, "GET", API "/orders/historical/fills?limit=100", 200,
	      "{\"fills\":[],\"cursor\":\"\"}", -1);
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(f->srv, "GET", API "/best_bid_ask?product_ids=TOWNS-USD", 200, BBA, -1);
	assert_int_equal(venue_snapshot(v, "main", "", &s, &err), RK_OK);
	assert_true(s.complete);
	assert_int_equal(s.npositions, 1);
	assert_string_equal(s.positions[0].symbol, "TOWNS-USD");
	assert_int_equal(s.ninstruments, 1);
	assert_int_equal(s.nprices, 1);
	assert_string_equal(s.fills_cursor, ""); /* no fills yet: from the start */
	assert_int_equal(count_requests(f->srv, "GET", API "/products/ATOM-USD"), 1);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

/* ---- place --------------------------------------------------------------- */

static struct venue_order_req stop_req(void)
{
	struct venue_order_req r = {0};
	snprintf(r.client_order_id, sizeof r.client_order_id, "rk-stop-1");
	snprintf(r.symbol, sizeof r.symbol, "TOWNS-USD");
	r.side = SIDE_SELL;
	r.type = OTYPE_STOP_LIMIT;
	dec_parse_cstr("536.66", &r.qty);
	r.has_price = r.has_stop_price = true;
	dec_parse_cstr("0.00951", &r.price);
	dec_parse_cstr("0.01009", &r.stop_price);
	return r;
}

static void test_place_sends_rounded_body_and_reads_order_id(void **state)
{
	struct fx *f = *state;
	struct venue_order_req r = stop_req();
	struct venue_place_result res;
	char *ok = tu_read_file(FIXTURE("create_order--ccxt-src-1.json"), NULL);
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(f->srv, "POST", API "/orders", 200, ok, 1);
	assert_int_equal(venue_place(f->v, &r, &res, NULL), RK_OK);
	assert_int_equal(res.outcome, VOUT_OK);
	assert_string_equal(res.order_id, "52cfe5e2-0b29-4c19-a245-a6a773de5030");
	struct logged l = last_request(f->srv, "POST", API "/orders");
	assert_string_equal(l.body,
			    "{\"client_order_id\":\"rk-stop-1\",\"product_id\":\"TOWNS-USD\","
			    "\"side\":\"SELL\",\"order_configuration\":{\"stop_limit_stop_limit_gtc\":"
			    "{\"base_size\":\"536.6\",\"limit_price\":\"0.0096\",\"stop_price\":"
			    "\"0.01\",\"stop_direction\":\"STOP_DIRECTION_STOP_DOWN\"}}}");
	/* The product rules are remembered: one lookup for two placements. */
	route(f->srv, "POST", API "/orders", 200, ok, 1);
	assert_int_equal(venue_place(f->v, &r, &res, NULL), RK_OK);
	assert_int_equal(count_requests(f->srv, "GET", API "/products/"), 1);
	free(ok);
}

static void test_place_success_false_is_rejected(void **state)
{
	struct fx *f = *state;
	struct venue_order_req r = stop_req();
	struct venue_place_result res;
	char *no = tu_read_file(FIXTURE("create_order--ccxt-src-2.json"), NULL);
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(f->srv, "POST", API "/orders", 200, no, 1);
	assert_int_equal(venue_place(f->v, &r, &res, NULL), RK_OK);
	assert_int_equal(res.outcome, VOUT_REJECTED);
	assert_string_equal(res.order_id, "");
	assert_non_null(strstr(res.reason, "UNSUPPORTED_ORDER_CONFIGURATION"));
	free(no);
}

static void test_place_success_without_order_id_is_failure(void **state)
{
	struct fx *f = *state;
	struct venue_order_req r = stop_req();
	struct venue_place_result res;
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(f->srv, "POST", API "/orders", 200,
	      "{\"success\":true,\"failure_reason\":\"UNKNOWN_FAILURE_REASON\",\"order_id\":\"\","
	      "\"success_response\":{\"order_id\":\"\",\"product_id\":\"TOWNS-USD\"}}", 1);
	assert_int_equal(venue_place(f->v, &r, &res, NULL), RK_OK);
	assert_int_equal(res.outcome, VOUT_UNKNOWN);
	assert_string_equal(res.order_id, "");
	assert_non_null(strstr(res.reason, "without an order id"));
}

/* A 5xx on a placement is unknown, and the placement is never re-sent, even
 * by a client that retries reads. */
static void test_place_server_error_is_unknown_and_sent_once(void **state)
{
	struct fx *f = *state;
	struct venue *v = make_venue(f, 0 /* default retries */);
	struct venue_order_req r = stop_req();
	struct venue_place_result res;
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	route(f->srv, "POST", API "/orders", 503, "{\"error\":\"UNAVAILABLE\"}", -1);
	assert_int_equal(venue_place(v, &r, &res, NULL), RK_OK);
	assert_int_equal(res.outcome, VOUT_UNKNOWN);
	assert_non_null(strstr(res.reason, "HTTP 503"));
	assert_int_equal(count_requests(f->srv, "POST", API "/orders"), 1);
	venue_destroy(v);
}

static void test_place_refused_locally_is_not_sent(void **state)
{
	struct fx *f = *state;
	struct venue_order_req r = stop_req();
	struct venue_place_result res;
	dec_parse_cstr("0.5", &r.qty); /* below base_min_size 1 */
	route(f->srv, "GET", API "/products/TOWNS-USD", 200, PRODUCT, -1);
	assert_int_equal(venue_place(f->v, &r, &res, NULL), RK_OK);
	assert_int_equal(res.outcome, VOUT_REJECTED);
	assert_int_equal(res.reject, VREJ_INVALID);
	assert_non_null(strstr(res.reason, "not sent"));
	assert_int_equal(count_requests(f->srv, "POST", API "/orders"), 0);
}

/* ---- cancel -------------------------------------------------------------- */

static void test_cancel_uses_each_orders_result(void **state)
{
	struct fx *f = *state;
	const char *ids[] = {"a", "b", "c", "d"};
	struct venue_cancel_result r[4];
	route(f->srv, "POST", API "/orders/batch_cancel", 200,
	      "{\"results\":[{\"success\":true,\"failure_reason\":\"UNKNOWN_CANCEL_FAILURE_REASON\","
	      "\"order_id\":\"a\"},{\"success\":false,\"failure_reason\":\"UNKNOWN_CANCEL_ORDER\","
	      "\"order_id\":\"b\"},{\"success\":false,\"failure_reason\":\"ORDER_IS_FULLY_FILLED\","
	      "\"order_id\":\"c\"}]}", 1);
	assert_int_equal(venue_cancel_orders(f->v, "TOWNS-USD", ids, 4, r, NULL), RK_OK);
	assert_int_equal(r[0].outcome, VOUT_OK);
	assert_int_equal(r[1].outcome, VOUT_NOT_FOUND);
	assert_int_equal(r[1].reject, VREJ_UNKNOWN_ORDER);
	assert_int_equal(r[2].outcome, VOUT_REJECTED);
	assert_int_equal(r[2].reject, VREJ_ALREADY_DONE);
	assert_int_equal(r[3].outcome, VOUT_UNKNOWN); /* no result of its own */
	assert_string_equal(r[3].order_id, "d");
	struct logged l = last_request(f->srv, "POST", API "/orders/batch_cancel");
	assert_string_equal(l.body, "{\"order_ids\":[\"a\",\"b\",\"c\",\"d\"]}");
}

static void test_cancel_without_an_answer_is_unknown(void **state)
{
	struct fx *f = *state;
	const char *ids[] = {"a", "b"};
	struct venue_cancel_result r[2];
	route(f->srv, "POST", API "/orders/batch_cancel", 500, "{}", 1);
	assert_int_equal(venue_cancel_orders(f->v, "TOWNS-USD", ids, 2, r, NULL), RK_OK);
	assert_int_equal(r[0].outcome, VOUT_UNKNOWN);
	assert_int_equal(r[1].outcome, VOUT_UNKNOWN);
	/* 200 with an unreadable body: still unknown, per order. */
	route(f->srv, "POST", API "/orders/batch_cancel", 200, "{\"results\":7}", 1);
	assert_int_equal(venue_cancel_orders(f->v, "TOWNS-USD", ids, 2, r, NULL), RK_OK);
	assert_int_equal(r[0].outcome, VOUT_UNKNOWN);
	assert_int_equal(r[1].outcome, VOUT_UNKNOWN);
}

/* ---- get_order and order_fills ------------------------------------------- */

static void test_get_order_by_id(void **state)
{
	struct fx *f = *state;
	struct venue_order_result q;
	char *body = tu_read_file(FIXTURE("order--ccxt-src-1.json"), NULL);
	route(f->srv, "GET", API "/orders/historical/9bc1eb3b-5b46-4b71-9628-ae2ed0cca75b", 200,
	      body, -1);
	assert_int_equal(venue_get_order(f->v, "LTC-BTC", "9bc1eb3b-5b46-4b71-9628-ae2ed0cca75b",
					 NULL, &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_OK);
	assert_int_equal(q.order.status, OSTATUS_OPEN);
	assert_string_equal(q.order.account, "main");
	/* An id the venue does not know: 404 is a confirmed "not found". */
	assert_int_equal(venue_get_order(f->v, "LTC-BTC", "nope", NULL, &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_NOT_FOUND);
	route(f->srv, "GET", API "/orders/historical/slow", 502, "", -1);
	assert_int_equal(venue_get_order(f->v, "LTC-BTC", "slow", NULL, &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_UNKNOWN);
	free(body);
}

static void test_get_order_by_client_id_searches_open_then_recent(void **state)
{
	struct fx *f = *state;
	struct venue_order_result q;
	route(f->srv, "GET", OPEN_PATH, 200, ORDERS_P2, -1);
	route(f->srv, "GET", API "/orders/historical/batch?limit=100&start_date=*", 200,
	      "{\"orders\":[" ORDER("o-9", "rk-9", "CANCELLED") "],\"has_next\":false}", 1);
	assert_int_equal(venue_get_order(f->v, "TOWNS-USD", NULL, "rk-9", &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_OK);
	assert_string_equal(q.order.order_id, "o-9");
	assert_int_equal(q.order.status, OSTATUS_CANCELLED);
	/* Found among the open orders: no need for the history. */
	assert_int_equal(venue_get_order(f->v, "TOWNS-USD", NULL, "c-2", &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_OK);
	assert_string_equal(q.order.order_id, "o-2");
	/* Every page read, no match: not found. */
	route(f->srv, "GET", API "/orders/historical/batch?limit=100&start_date=*", 200,
	      "{\"orders\":[],\"has_next\":false,\"cursor\":\"\"}", 1);
	assert_int_equal(venue_get_order(f->v, "TOWNS-USD", NULL, "rk-0", &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_NOT_FOUND);
	/* A failed page: unknown, never not found. */
	route(f->srv, "GET", API "/orders/historical/batch?limit=100&start_date=*", 500, "{}", 1);
	assert_int_equal(venue_get_order(f->v, "TOWNS-USD", NULL, "rk-0", &q, NULL), RK_OK);
	assert_int_equal(q.outcome, VOUT_UNKNOWN);
}

/* The venue reads the clock it is given: the snapshot's taken_at and the
 * start of the client order id window come from it (JWTs too, which the
 * test server checks against its own clock, so the clock is near now). */
static void test_venue_reads_the_clock_it_is_given(void **state)
{
	struct fx *f = *state;
	int64_t now = ((int64_t)time(NULL) - 10) * 1000000 + 123456;
	char url[64], want[RTIME_STR_MAX + 64], ts[RTIME_STR_MAX];
	const char *products[] = {"TOWNS-USD"};
	struct rk_err err = {0};
	struct venue *v = NULL;
	struct venue_snapshot s;
	struct venue_order_result q;
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f->srv->port);
	struct coinbase_options opt = {.base_url = url, .key_name = KEY_NAME,
				       .private_key_pem = f->pem, .products = products,
				       .nproducts = 1, .max_retries = HTTP_NO_RETRIES,
				       .clock = rk_clock_manual(&now)};
	if (coinbase_venue_create(&opt, &v, &err) != RK_OK)
		fail_msg("coinbase_venue_create: %s", err.msg);
	snapshot_routes(f->srv, 200);
	assert_int_equal(venue_snapshot(v, "main", "", &s, &err), RK_OK);
	assert_int_equal(s.taken_at_us, now);
	venue_snapshot_free(&s);
	route(f->srv, "GET", OPEN_PATH, 200, ORDERS_P2, -1);
	route(f->srv, "GET", API "/orders/historical/batch?limit=100&start_date=*", 200,
	      "{\"orders\":[],\"has_next\":false,\"cursor\":\"\"}", 1);
	assert_int_equal(venue_get_order(v, "TOWNS-USD", NULL, "rk-0", &q, NULL), RK_OK);
	rtime_format(now - 24LL * 3600 * 1000000, ts);
	/* the window start, its colons percent-encoded */
	snprintf(want, sizeof want, "start_date=%.13s%%3A%.2s%%3A%s", ts, ts + 14, ts + 17);
	struct logged l = last_request(f->srv, "GET", API "/orders/historical/batch?limit=100");
	if (!strstr(l.path, want))
		fail_msg("%s does not hold %s", l.path, want);
	venue_destroy(v);
}

static void test_order_fills_pages_and_failure(void **state)
{
	struct fx *f = *state;
	struct fill_rec *fills = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	route(f->srv, "GET", API "/orders/historical/fills?order_ids=o-0&limit=100&cursor=p2", 200,
	      "{\"fills\":[],\"cursor\":\"\"}", 1);
	route(f->srv, "GET", API "/orders/historical/fills?order_ids=o-0&limit=100", 200,
	      "{\"fills\":[{\"trade_id\":\"t-1\",\"order_id\":\"o-0\",\"product_id\":"
	      "\"TOWNS-USD\",\"side\":\"BUY\",\"trade_time\":\"2025-11-23T02:59:00Z\","
	      "\"price\":\"0.04\",\"size\":\"536.6\"}],\"cursor\":\"p2\"}", 1);
	assert_int_equal(venue_order_fills(f->v, "TOWNS-USD", "o-0", &fills, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(fills[0].fill_id, "t-1");
	free(fills);
	route(f->srv, "GET", API "/orders/historical/fills?order_ids=o-0&limit=100", 500, "{}", 1);
	assert_int_equal(venue_order_fills(f->v, "TOWNS-USD", "o-0", &fills, &n, &err),
			 RK_EUNKNOWN);
	assert_null(fills);
}

/* ---- construction -------------------------------------------------------- */

static void test_create_refuses_unusable_key_without_quoting_it(void **state)
{
	struct venue *v = NULL;
	struct rk_err err = {0};
	const char *bad = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----\n";
	struct coinbase_options opt = {.key_name = KEY_NAME, .private_key_pem = bad};
	(void)state;
	assert_int_equal(coinbase_venue_create(&opt, &v, &err), RK_ECONFIG);
	assert_null(v);
	assert_null(strstr(err.msg, "c2VjcmV0"));
	opt.private_key_pem = NULL;
	assert_int_equal(coinbase_venue_create(&opt, &v, &err), RK_ECONFIG);
	const char *products[] = {"TOWNS/USD"};
	struct fx *f = *state;
	struct coinbase_options o2 = {.key_name = KEY_NAME, .private_key_pem = f->pem,
				      .products = products, .nproducts = 1};
	assert_int_equal(coinbase_venue_create(&o2, &v, &err), RK_ECONFIG);
	o2.nproducts = 0;
	o2.base_url = "http://example.com";
	assert_int_equal(coinbase_venue_create(&o2, &v, &err), RK_ECONFIG); /* plain http */
}

static void test_from_env_reads_the_secrets(void **state)
{
	struct fx *f = *state;
	struct venue *v = NULL;
	struct rk_err err = {0};
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f->srv->port);
	struct venue_config cfg = {.kind = VENUE_COINBASE, .base_url = url};
	unsetenv(COINBASE_ENV_KEY_NAME "_FILE");
	unsetenv(COINBASE_ENV_PRIVATE_KEY "_FILE");
	unsetenv(COINBASE_ENV_KEY_NAME);
	setenv(COINBASE_ENV_PRIVATE_KEY, f->pem, 1);
	assert_int_equal(registry_open(&cfg, &v, &err), RK_ENOTFOUND);
	assert_null(v);
	setenv(COINBASE_ENV_KEY_NAME, KEY_NAME, 1);
	assert_int_equal(registry_open(&cfg, &v, &err), RK_OK);
	assert_int_equal(v->kind, VENUE_COINBASE);
	assert_true(v->caps.orders_hold_balance);
	assert_true(v->caps.has_bracket);
	assert_false(v->caps.is_futures);
	venue_destroy(v);
	unsetenv(COINBASE_ENV_KEY_NAME);
	unsetenv(COINBASE_ENV_PRIVATE_KEY);
}

/* Issue 8 point 3: the price a re-priced stop starts from is asked now, from
 * the same source as the snapshot's prices; no answer is "unknown", never a
 * price. */
static void test_last_price_asks_the_best_bid_ask_now(void **state)
{
	struct fx *f = *state;
	struct dec px;
	struct rk_err err = {0};
	char buf[DEC_STR_MAX];
	route(f->srv, "GET", API "/best_bid_ask?product_ids=TOWNS-USD", 200, BBA, 1);
	assert_int_equal(venue_last_price(f->v, "TOWNS-USD", &px, &err), RK_OK);
	assert_string_equal(dec_format(px, buf), "0.0101");
	route(f->srv, "GET", API "/best_bid_ask?product_ids=TOWNS-USD", 500,
	      "{\"error\":\"INTERNAL\"}", 1);
	assert_int_equal(venue_last_price(f->v, "TOWNS-USD", &px, &err), RK_EUNKNOWN);
	assert_true(dec_is_zero(px));
	route(f->srv, "GET", API "/best_bid_ask?product_ids=ELA-USD", 200, BBA, 1);
	assert_int_equal(venue_last_price(f->v, "ELA-USD", &px, &err), RK_EUNKNOWN);
	assert_non_null(strstr(err.msg, "no price for ELA-USD"));
	assert_int_equal(venue_last_price(f->v, "not a product", &px, &err), RK_EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_snapshot_reads_every_page),
		T(test_snapshot_missing_page_is_incomplete),
		T(test_snapshot_fills_failure_keeps_cursor),
		T(test_snapshot_unauthenticated_is_eperm),
		T(test_snapshot_derives_products_without_configuration),
		T(test_place_sends_rounded_body_and_reads_order_id),
		T(test_place_success_false_is_rejected),
		T(test_place_success_without_order_id_is_failure),
		T(test_place_server_error_is_unknown_and_sent_once),
		T(test_place_refused_locally_is_not_sent),
		T(test_cancel_uses_each_orders_result),
		T(test_cancel_without_an_answer_is_unknown),
		T(test_get_order_by_id),
		T(test_get_order_by_client_id_searches_open_then_recent),
		T(test_venue_reads_the_clock_it_is_given),
		T(test_order_fills_pages_and_failure),
		T(test_create_refuses_unusable_key_without_quoting_it),
		T(test_from_env_reads_the_secrets),
		T(test_last_price_asks_the_best_bid_ask_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
