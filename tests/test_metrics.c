/*
 * test_metrics.c — the /metrics endpoint (src/daemon/metrics.c), started on
 * a free loopback port and fetched with libcurl: GET serves what the render
 * callback writes with the exposition's content type; other paths are 404,
 * other methods 405; a failing render is a 500 that says why; hosts that
 * are not loopback are refused; a port in use is reported with its errno;
 * stop waits for the server and frees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "metrics.h"

struct fake {
	int calls;
	enum rk_rc fail; /* RK_OK: render "reckon_up 1" */
};

static enum rk_rc render(void *ctx, struct rk_buf *out, struct rk_err *err)
{
	struct fake *f = ctx;
	f->calls++;
	if (f->fail)
		return rk_err_set(err, f->fail, "stats mutex poisoned");
	rk_buf_addf(out, "# HELP reckon_up test\n# TYPE reckon_up gauge\nreckon_up %d\n", f->calls);
	return RK_OK;
}

struct answer {
	long status;
	struct rk_buf body;
	char content_type[128];
	char allow[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	rk_buf_addn(&((struct answer *)ud)->body, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct answer *a = ud;
	size_t len = size * n;
	if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0)
		snprintf(a->content_type, sizeof a->content_type, "%.*s", (int)strcspn(p + 14, "\r\n"),
			 p + 14);
	if (len > 6 && strncasecmp(p, "Allow:", 6) == 0)
		snprintf(a->allow, sizeof a->allow, "%.*s", (int)strcspn(p + 7, "\r\n"), p + 7);
	return len;
}

/* Fetches http://host:port/path with `method` into *a. */
static void fetch(const char *host, int port, const char *method, const char *path,
		  struct answer *a)
{
	char url[256];
	memset(a, 0, sizeof *a);
	snprintf(url, sizeof url, "http://%s:%d%s", host, port, path);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fail_msg("%s %s: %s", method, url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_cleanup(c);
}

static struct metrics_server *start(const char *host, struct fake *f)
{
	struct metrics_server *m = NULL;
	struct rk_err err = {0};
	if (metrics_start(host, 0, render, f, &m, &err) != RK_OK)
		fail_msg("metrics_start(%s): %s", host, err.msg);
	assert_true(metrics_port(m) > 0);
	return m;
}

static void test_get_metrics_serves_the_rendering(void **state)
{
	(void)state;
	struct fake f = {0};
	struct metrics_server *m = start("127.0.0.1", &f);
	struct answer a;
	fetch("127.0.0.1", metrics_port(m), "GET", "/metrics", &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(rk_buf_str(&a.body), "# HELP reckon_up test\n# TYPE reckon_up gauge\nreckon_up 1\n");
	rk_buf_free(&a.body);
	/* Rendered afresh per scrape; a query string changes nothing. */
	fetch("127.0.0.1", metrics_port(m), "GET", "/metrics?name[]=x", &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(rk_buf_str(&a.body), "reckon_up 2\n"));
	rk_buf_free(&a.body);
	fetch("127.0.0.1", metrics_port(m), "HEAD", "/metrics", &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.body.len, 0);
	metrics_stop(m);
	assert_int_equal(f.calls, 3);
}

static void test_other_paths_are_404_and_other_methods_405(void **state)
{
	(void)state;
	struct fake f = {0};
	struct metrics_server *m = start("localhost", &f);
	struct answer a;
	static const char *const paths[] = {"/", "/metrics/", "/Metrics", "/metricsx", "/../metrics"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		fetch("127.0.0.1", metrics_port(m), "GET", paths[i], &a);
		if (strcmp(paths[i], "/../metrics") == 0 && a.status == 200) {
			/* curl normalises "/../metrics" to "/metrics" itself. */
			rk_buf_free(&a.body);
			f.calls--;
			continue;
		}
		if (a.status != 404)
			fail_msg("GET %s: %ld", paths[i], a.status);
		rk_buf_free(&a.body);
	}
	static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS"};
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		fetch("127.0.0.1", metrics_port(m), methods[i], "/metrics", &a);
		if (a.status != 405)
			fail_msg("%s /metrics: %ld", methods[i], a.status);
		assert_string_equal(a.allow, "GET, HEAD");
		rk_buf_free(&a.body);
	}
	metrics_stop(m);
	assert_int_equal(f.calls, 0); /* nothing was rendered for them */
}

static void test_failing_render_is_a_500_that_says_why(void **state)
{
	(void)state;
	struct fake f = {.fail = RK_EDB};
	struct metrics_server *m = start("127.0.0.1", &f);
	struct answer a;
	fetch("127.0.0.1", metrics_port(m), "GET", "/metrics", &a);
	assert_int_equal(a.status, 500);
	assert_string_equal(rk_buf_str(&a.body), "metrics: stats mutex poisoned\n");
	rk_buf_free(&a.body);
	metrics_stop(m);
}

static void test_ipv6_loopback(void **state)
{
	(void)state;
	struct fake f = {0};
	struct metrics_server *m = NULL;
	struct rk_err err = {0};
	if (metrics_start("::1", 0, render, &f, &m, &err) != RK_OK) {
		/* A machine without IPv6 says so, with the errno. */
		assert_non_null(strstr(err.msg, "cannot listen on [::1]:0"));
		skip();
	}
	struct answer a;
	fetch("[::1]", metrics_port(m), "GET", "/metrics", &a);
	assert_int_equal(a.status, 200);
	rk_buf_free(&a.body);
	metrics_stop(m);
}

static void test_refuses_hosts_that_are_not_loopback(void **state)
{
	(void)state;
	static const char *const hosts[] = {"0.0.0.0", "::", "10.0.0.1", "127.0.0.2", "example.com",
					    ""};
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		struct metrics_server *m = (struct metrics_server *)&m;
		struct rk_err err = {0};
		assert_int_equal(metrics_start(hosts[i], 0, render, NULL, &m, &err), RK_ECONFIG);
		assert_null(m);
		assert_non_null(strstr(err.msg, "is not loopback"));
	}
	struct metrics_server *m = NULL;
	struct rk_err err = {0};
	assert_int_equal(metrics_start(NULL, 0, render, NULL, &m, &err), RK_ECONFIG);
	assert_int_equal(metrics_start("127.0.0.1", 65536, render, NULL, &m, &err), RK_ECONFIG);
	assert_int_equal(metrics_start("127.0.0.1", 0, NULL, NULL, &m, &err), RK_ECONFIG);
}

static void test_port_in_use_is_reported_with_its_errno(void **state)
{
	(void)state;
	struct fake f = {0};
	struct metrics_server *m = start("127.0.0.1", &f), *second = NULL;
	struct rk_err err = {0};
	char want[96];
	assert_int_equal(metrics_start("127.0.0.1", metrics_port(m), render, &f, &second, &err),
			 RK_EIO);
	assert_null(second);
	snprintf(want, sizeof want, "metrics: cannot listen on 127.0.0.1:%d: Address already in use",
		 metrics_port(m));
	assert_string_equal(err.msg, want);
	/* The first one still serves. */
	struct answer a;
	fetch("127.0.0.1", metrics_port(m), "GET", "/metrics", &a);
	assert_int_equal(a.status, 200);
	rk_buf_free(&a.body);
	metrics_stop(m);
	metrics_stop(NULL);
}

static void test_stop_closes_the_port(void **state)
{
	(void)state;
	struct fake f = {0};
	struct metrics_server *m = start("127.0.0.1", &f);
	int port = metrics_port(m);
	metrics_stop(m);
	/* The port is free again: a new server binds it. */
	struct rk_err err = {0};
	assert_int_equal(metrics_start("127.0.0.1", port, render, &f, &m, &err), RK_OK);
	assert_int_equal(metrics_port(m), port);
	metrics_stop(m);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_metrics_serves_the_rendering),
		cmocka_unit_test(test_other_paths_are_404_and_other_methods_405),
		cmocka_unit_test(test_failing_render_is_a_500_that_says_why),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_refuses_hosts_that_are_not_loopback),
		cmocka_unit_test(test_port_in_use_is_reported_with_its_errno),
		cmocka_unit_test(test_stop_closes_the_port),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
