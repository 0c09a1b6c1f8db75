/*
 * test_http.c — specification of the HTTP client (src/http.c) against a tiny
 * HTTP server this test runs on 127.0.0.1 (a thread answering canned
 * responses, one connection per request): what is an answer and what is
 * unknown, which requests are retried and how long the client waits, which
 * base URLs are refused, the per-attempt authorize hook, redaction, and the
 * one-attempt API a libcurl multi driver uses.
 *
 * Nothing really sleeps between retries: the sleep seam records the delays.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

/* ---- the loopback server -------------------------------------------------- */

#define MAX_SCRIPT 8
#define MAX_SEEN 16

struct canned {
	int status;
	const char *headers; /* extra header lines, each ending "\r\n"; may be NULL */
	const char *body;
	int delay_ms;        /* wait before answering (a slow venue) */
};

struct seen {
	char method[16];
	char target[512];
	char headers[2048];
	char body[512];
};

static struct server {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t mu;
	volatile bool stop;
	struct canned script[MAX_SCRIPT]; /* answered in order; the last repeats */
	size_t nscript;
	struct seen seen[MAX_SEEN];
	size_t nseen;
} S;

static void script(const struct canned *c, size_t n)
{
	pthread_mutex_lock(&S.mu);
	memcpy(S.script, c, n * sizeof *c);
	S.nscript = n;
	S.nseen = 0;
	pthread_mutex_unlock(&S.mu);
}

static size_t seen_count(void)
{
	pthread_mutex_lock(&S.mu);
	size_t n = S.nseen;
	pthread_mutex_unlock(&S.mu);
	return n;
}

/* Reads one request (headers, then Content-Length bytes of body). */
static bool read_request(int c, struct seen *out)
{
	char buf[8192];
	size_t len = 0;
	char *end = NULL;
	buf[0] = '\0';
	while (!(end = strstr(buf, "\r\n\r\n"))) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		if (len >= sizeof buf - 1 || poll(&p, 1, 2000) <= 0)
			return false;
		ssize_t n = recv(c, buf + len, sizeof buf - 1 - len, 0);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
	}
	size_t hlen = (size_t)(end - buf) + 4;
	long clen = 0;
	const char *cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		clen = strtol(cl + 17, NULL, 10);
	while (len < hlen + (size_t)clen && len < sizeof buf - 1) {
		ssize_t n = recv(c, buf + len, sizeof buf - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	memset(out, 0, sizeof *out);
	sscanf(buf, "%15s %511s", out->method, out->target);
	snprintf(out->headers, sizeof out->headers, "%.*s", (int)hlen, buf);
	snprintf(out->body, sizeof out->body, "%.*s", (int)(len - hlen), buf + hlen);
	return true;
}

static void *serve(void *arg)
{
	(void)arg;
	while (!S.stop) {
		struct pollfd p = {.fd = S.fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(S.fd, NULL, NULL);
		if (c < 0)
			continue;
		struct seen rq;
		if (!read_request(c, &rq)) {
			close(c);
			continue;
		}
		pthread_mutex_lock(&S.mu);
		size_t k = S.nseen < S.nscript ? S.nseen : S.nscript - 1;
		struct canned ans = S.nscript ? S.script[k] : (struct canned){.status = 500};
		if (S.nseen < MAX_SEEN)
			S.seen[S.nseen] = rq;
		S.nseen++;
		pthread_mutex_unlock(&S.mu);
		for (int waited = 0; waited < ans.delay_ms && !S.stop; waited += 10)
			usleep(10000);
		char head[1024];
		const char *body = ans.body ? ans.body : "";
		int n = snprintf(head, sizeof head,
				 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
				 ans.status, strlen(body), ans.headers ? ans.headers : "");
		send(c, head, (size_t)n, MSG_NOSIGNAL);
		send(c, body, strlen(body), MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

static int group_setup(void **state)
{
	(void)state;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&S.mu, NULL);
	S.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (S.fd < 0 || bind(S.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(S.fd, 16) != 0 ||
	    getsockname(S.fd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	S.port = ntohs(a.sin_port);
	return pthread_create(&S.thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	S.stop = true;
	pthread_join(S.thread, NULL);
	close(S.fd);
	return 0;
}

/* ---- client helpers -------------------------------------------------------------- */

struct sleeps {
	long ms[8];
	int n;
};

static void record_sleep(void *ctx, long ms)
{
	struct sleeps *s = ctx;
	if (s->n < 8)
		s->ms[s->n] = ms;
	s->n++;
}

static struct http_client *client(struct sleeps *sl, long timeout_ms, int retries)
{
	char url[64];
	struct http_client *c = NULL;
	struct rk_err err = {0};
	snprintf(url, sizeof url, "http://127.0.0.1:%d", S.port);
	struct http_options o = {.base_url = url,
				 .timeout_ms = timeout_ms,
				 .max_retries = retries,
				 .backoff_base_ms = 100,
				 .backoff_max_ms = 1000,
				 .sleep_ms = record_sleep,
				 .sleep_ctx = sl};
	if (http_client_new(&o, &c, &err) != RK_OK)
		fail_msg("http_client_new: %s", err.msg);
	return c;
}

static const struct http_req GET = {.method = HTTP_GET, .path_and_query = "/fapi/v1/openOrders",
				    .idempotent = true};
static const struct http_req POST = {.method = HTTP_POST, .path_and_query = "/fapi/v1/order",
				     .body = "a=1", .body_len = 3};

/* ---- answers and unknowns ------------------------------------------------------ */

static void test_2xx_body_is_returned_nul_terminated(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 0);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{200, NULL, "[{\"orderId\":1}]", 0}}, 1);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "[{\"orderId\":1}]");
	assert_int_equal(r.body_len, strlen(r.body));
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.retry_after_seconds, -1);
	assert_string_equal(S.seen[0].method, "GET");
	assert_string_equal(S.seen[0].target, "/fapi/v1/openOrders");
	http_resp_free(&r);
	http_resp_free(&r); /* idempotent */
	http_client_free(c);
}

static void test_timeout_is_unknown_never_no(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 200, 0);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{200, NULL, "late", 1500}}, 1);
	assert_int_equal(http_request(c, &POST, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.status, 0);
	assert_null(r.body);
	assert_non_null(strstr(err.msg, "unknown"));
	assert_int_equal(sl.n, 0);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_connection_refused_is_unknown(void **state)
{
	(void)state;
	struct http_client *c = NULL;
	struct http_resp r;
	struct rk_err err = {0};
	/* A port nobody listens on: bind one, note it, close it. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	struct http_options o = {.base_url = url, .max_retries = HTTP_NO_RETRIES};
	assert_int_equal(http_client_new(&o, &c, &err), RK_OK);
	assert_int_equal(http_request(c, &POST, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.status, 0);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_4xx_is_a_verdict_and_not_retried(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{400, NULL, "{\"code\":-2021,\"msg\":\"Order would immediately trigger.\"}", 0}},
	       1);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_OK);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "-2021"));
	assert_int_equal(seen_count(), 1);
	assert_int_equal(sl.n, 0);
	http_resp_free(&r);
	http_client_free(c);
}

/* ---- retries ---------------------------------------------------------------------- */

static void test_429_with_retry_after_is_retried_for_get(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{429, "Retry-After: 2\r\n", "{\"code\":-1003}", 0},
				 {200, NULL, "[]", 0}},
	       2);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(seen_count(), 2);
	assert_int_equal(sl.n, 1);
	assert_int_equal(sl.ms[0], 2000);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_429_is_not_retried_for_post(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{429, "Retry-After: 1\r\n", "{\"code\":-1003}", 0}}, 1);
	assert_int_equal(http_request(c, &POST, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.retry_after_seconds, 1);
	assert_int_equal(seen_count(), 1);
	assert_int_equal(sl.n, 0);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_retry_after_beyond_the_cap_is_not_waited_for(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{429, "Retry-After: 600\r\n", "", 0}}, 1);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.retry_after_seconds, 600);
	assert_int_equal(seen_count(), 1);
	assert_int_equal(sl.n, 0);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_5xx_is_retried_for_get_with_growing_jittered_backoff(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{503, NULL, "busy", 0}, {502, NULL, "", 0}, {200, NULL, "ok", 0}},
	       3);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_OK);
	assert_string_equal(r.body, "ok");
	assert_int_equal(r.attempts, 3);
	assert_int_equal(sl.n, 2);
	/* base 100 ms, doubling, jitter in [50%, 100%] */
	assert_in_range(sl.ms[0], 50, 100);
	assert_in_range(sl.ms[1], 100, 200);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_5xx_is_not_retried_for_post_or_delete(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_resp r;
	struct rk_err err = {0};
	struct http_req del = {.method = HTTP_DELETE, .path_and_query = "/fapi/v1/order?orderId=1"};
	script((struct canned[]){{503, NULL, "{\"code\":-1007,\"msg\":\"Timeout\"}", 0}}, 1);
	assert_int_equal(http_request(c, &POST, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "-1007")); /* the venue's words stay readable */
	http_resp_free(&r);
	assert_int_equal(http_request(c, &del, &r, &err), RK_EUNKNOWN);
	assert_string_equal(S.seen[1].method, "DELETE");
	assert_int_equal(seen_count(), 2);
	assert_int_equal(sl.n, 0);
	http_resp_free(&r);
	http_client_free(c);
}

static void test_retries_stop_at_max_and_stay_unknown(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 2);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{500, NULL, "", 0}}, 1);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_EUNKNOWN);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(seen_count(), 3);
	assert_int_equal(sl.n, 2);
	assert_non_null(strstr(err.msg, "after 3 attempts"));
	http_resp_free(&r);
	http_client_free(c);
}

/* ---- base URLs --------------------------------------------------------------------- */

static void test_plain_http_to_a_non_loopback_host_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"http://fapi.binance.com",     "http://10.0.0.1:8080",  "http://127.0.0.1.evil.example",
		"http://localhost.evil.example", "ftp://127.0.0.1",     "https://user:pw@fapi.binance.com",
		"https://fapi.binance.com/?x=1", "not a url",           "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_client *c = NULL;
		struct rk_err err = {0};
		struct http_options o = {.base_url = bad[i]};
		assert_int_equal(http_client_new(&o, &c, &err), RK_ECONFIG);
		assert_null(c);
		assert_true(err.msg[0] != '\0');
	}
}

static void test_https_and_loopback_http_are_accepted(void **state)
{
	(void)state;
	static const char *const good[] = {
		"https://fapi.binance.com", "https://api.coinbase.com/", "http://127.0.0.1:8080",
		"http://[::1]:9000",        "http://localhost:1234/",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct http_client *c = NULL;
		struct rk_err err = {0};
		struct http_options o = {.base_url = good[i]};
		assert_int_equal(http_client_new(&o, &c, &err), RK_OK);
		/* the trailing '/' is dropped so paths can start with '/' */
		const char *b = http_client_base_url(c);
		assert_true(b[strlen(b) - 1] != '/');
		http_client_free(c);
	}
	http_client_free(NULL);
}

/* ---- headers, authorize hook, redaction --------------------------------------------- */

static void test_rate_limit_headers_are_captured(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 0);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{200, "X-MBX-USED-WEIGHT-1M: 17\r\nX-Other: no\r\n", "{}", 0}}, 1);
	assert_int_equal(http_request(c, &GET, &r, &err), RK_OK);
	assert_string_equal(http_resp_header(&r, "x-mbx-used-weight-1m"), "17");
	assert_null(http_resp_header(&r, "x-other"));
	http_resp_free(&r);
	http_client_free(c);
}

static int g_auth_calls;

static enum rk_rc sign_hook(void *ctx, const struct http_req *req, char **path_out,
			    char **header_out, struct rk_err *err)
{
	(void)ctx;
	(void)err;
	char buf[256];
	snprintf(buf, sizeof buf, "%s&signature=SECRETSIG%d", req->path_and_query, ++g_auth_calls);
	*path_out = strdup(buf);
	*header_out = strdup("X-MBX-APIKEY: SECRETKEY");
	return RK_OK;
}

static void test_authorize_runs_per_attempt_and_secrets_stay_out_of_errors(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 1);
	struct http_resp r;
	struct rk_err err = {0};
	struct http_req req = {.method = HTTP_GET,
			       .path_and_query = "/fapi/v1/openOrders?timestamp=1",
			       .idempotent = true,
			       .authorize = sign_hook};
	g_auth_calls = 0;
	script((struct canned[]){{500, NULL, "", 0}}, 1);
	assert_int_equal(http_request(c, &req, &r, &err), RK_EUNKNOWN);
	assert_int_equal(g_auth_calls, 2);
	assert_string_equal(S.seen[0].target, "/fapi/v1/openOrders?timestamp=1&signature=SECRETSIG1");
	assert_string_equal(S.seen[1].target, "/fapi/v1/openOrders?timestamp=1&signature=SECRETSIG2");
	assert_non_null(strstr(S.seen[1].headers, "X-MBX-APIKEY: SECRETKEY"));
	assert_null(strstr(err.msg, "SECRET"));
	assert_null(strstr(err.msg, "?"));
	assert_non_null(strstr(err.msg, "GET /fapi/v1/openOrders"));
	http_resp_free(&r);
	http_client_free(c);
}

static void test_request_with_control_characters_is_refused_unsent(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 0);
	struct http_resp r;
	struct rk_err err = {0};
	const char *hdr[] = {"X-A: 1\r\nX-Injected: 2"};
	struct http_req bad_path = {.method = HTTP_GET, .path_and_query = "/a\r\nX: y"};
	struct http_req bad_hdr = {.method = HTTP_GET, .path_and_query = "/a", .headers = hdr,
				   .nheaders = 1};
	script((struct canned[]){{200, NULL, "", 0}}, 1);
	assert_int_equal(http_request(c, &bad_path, &r, &err), RK_EINVAL);
	http_resp_free(&r);
	assert_int_equal(http_request(c, &bad_hdr, &r, &err), RK_EINVAL);
	http_resp_free(&r);
	assert_int_equal(seen_count(), 0);
	http_client_free(c);
}

static void test_post_sends_its_body(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 0);
	struct http_resp r;
	struct rk_err err = {0};
	script((struct canned[]){{200, NULL, "{}", 0}}, 1);
	assert_int_equal(http_request(c, &POST, &r, &err), RK_OK);
	assert_string_equal(S.seen[0].method, "POST");
	assert_string_equal(S.seen[0].body, "a=1");
	http_resp_free(&r);
	http_client_free(c);
}

/* ---- the multi (asynchronous) path ------------------------------------------------- */

static void test_one_attempt_runs_on_a_multi_handle(void **state)
{
	(void)state;
	struct sleeps sl = {0};
	struct http_client *c = client(&sl, 2000, 3);
	struct http_call *call = NULL;
	struct http_resp r;
	struct rk_err err = {0};
	CURLM *m = curl_multi_init();
	script((struct canned[]){{503, NULL, "", 0}, {200, NULL, "done", 0}}, 2);

	int attempt = 1;
	enum rk_rc rc;
	for (;;) {
		assert_int_equal(http_call_prepare(c, &GET, &call, &err), RK_OK);
		curl_multi_add_handle(m, http_call_easy(call));
		int running = 1;
		CURLMsg *msg = NULL;
		while (running) {
			curl_multi_perform(m, &running);
			if (running)
				curl_multi_poll(m, NULL, 0, 100, NULL);
		}
		int left = 0;
		msg = curl_multi_info_read(m, &left);
		assert_non_null(msg);
		assert_int_equal(msg->msg, CURLMSG_DONE);
		void *priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		assert_ptr_equal(priv, call);
		CURLcode result = msg->data.result;
		curl_multi_remove_handle(m, msg->easy_handle);
		rc = http_call_finish(call, result, &r, &err);
		http_call_free(call);
		long delay = http_retry_delay_ms(c, &GET, attempt, rc, &r);
		if (delay < 0)
			break;
		assert_int_equal(rc, RK_EUNKNOWN);
		assert_int_equal(r.status, 503);
		assert_in_range(delay, 50, 100);
		http_resp_free(&r);
		attempt++;
	}
	assert_int_equal(rc, RK_OK);
	assert_int_equal(attempt, 2);
	assert_string_equal(r.body, "done");
	/* A placement is final after one attempt whatever happened. */
	assert_int_equal(http_retry_delay_ms(c, &POST, 1, RK_EUNKNOWN, &r), -1);
	http_resp_free(&r);
	curl_multi_cleanup(m);
	http_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2xx_body_is_returned_nul_terminated),
		cmocka_unit_test(test_timeout_is_unknown_never_no),
		cmocka_unit_test(test_connection_refused_is_unknown),
		cmocka_unit_test(test_4xx_is_a_verdict_and_not_retried),
		cmocka_unit_test(test_429_with_retry_after_is_retried_for_get),
		cmocka_unit_test(test_429_is_not_retried_for_post),
		cmocka_unit_test(test_retry_after_beyond_the_cap_is_not_waited_for),
		cmocka_unit_test(test_5xx_is_retried_for_get_with_growing_jittered_backoff),
		cmocka_unit_test(test_5xx_is_not_retried_for_post_or_delete),
		cmocka_unit_test(test_retries_stop_at_max_and_stay_unknown),
		cmocka_unit_test(test_plain_http_to_a_non_loopback_host_is_refused),
		cmocka_unit_test(test_https_and_loopback_http_are_accepted),
		cmocka_unit_test(test_rate_limit_headers_are_captured),
		cmocka_unit_test(test_authorize_runs_per_attempt_and_secrets_stay_out_of_errors),
		cmocka_unit_test(test_request_with_control_characters_is_refused_unsent),
		cmocka_unit_test(test_post_sends_its_body),
		cmocka_unit_test(test_one_attempt_runs_on_a_multi_handle),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
