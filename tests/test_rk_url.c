/*
 * test_rk_url.c — the loopback predicate and the strict URL and listen
 * address splitter (src/lib/rk_url.c) that the configuration and the HTTP
 * client share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rk_url.h"

static void test_loopback_is_exactly_the_three_names(void **state)
{
	(void)state;
	assert_true(rk_url_host_is_loopback("127.0.0.1"));
	assert_true(rk_url_host_is_loopback("::1"));
	assert_true(rk_url_host_is_loopback("[::1]"));
	assert_true(rk_url_host_is_loopback("localhost"));
	assert_true(rk_url_host_is_loopback("LOCALHOST"));
	assert_false(rk_url_host_is_loopback("127.0.0.2"));
	assert_false(rk_url_host_is_loopback("127.1"));
	assert_false(rk_url_host_is_loopback("0.0.0.0"));
	assert_false(rk_url_host_is_loopback("localhost.evil.com"));
	assert_false(rk_url_host_is_loopback(""));
	assert_false(rk_url_host_is_loopback(NULL));
}

static void test_split_reads_scheme_host_port_and_parts(void **state)
{
	(void)state;
	struct rk_url u;
	struct rk_err err = {0};
	assert_int_equal(rk_url_split("HTTPS://Api.Example.com:8443/v1?x=1#f", &u, &err), RK_OK);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "Api.Example.com");
	assert_int_equal(u.port, 8443);
	assert_false(u.ipv6);
	assert_true(u.has_path);
	assert_true(u.has_query);
	assert_true(u.has_fragment);

	assert_int_equal(rk_url_split("http://[::1]:9", &u, &err), RK_OK);
	assert_string_equal(u.host, "::1");
	assert_true(u.ipv6);
	assert_int_equal(u.port, 9);
	assert_false(u.has_path);
	assert_false(u.has_query);

	assert_int_equal(rk_url_split("smtps://smtp.example.com/", &u, &err), RK_OK);
	assert_int_equal(u.port, 0);
	assert_false(u.has_path);
}

static void check_split_refused(const char *url, const char *want)
{
	struct rk_url u;
	struct rk_err err = {0};
	if (rk_url_split(url, &u, &err) != RK_EINVAL)
		fail_msg("%s accepted", url);
	if (!strstr(err.msg, want))
		fail_msg("%s: \"%s\" lacks \"%s\"", url, err.msg, want);
	/* A refused URL's user info never reaches the message. */
	assert_null(strstr(err.msg, "secret"));
}

static void test_split_refuses_what_a_config_must_not_hold(void **state)
{
	(void)state;
	check_split_refused("", "empty");
	check_split_refused("example.com", "needs a scheme");
	check_split_refused("://x", "needs a scheme");
	check_split_refused("1http://x", "needs a scheme");
	check_split_refused("ht_tp://x", "bad character in the scheme");
	check_split_refused("https://", "needs a host");
	check_split_refused("https://:443", "needs a host");
	check_split_refused("https://user:secret@x.com", "user info");
	check_split_refused("http://127.0.0.1@evil.com", "user info");
	check_split_refused("https://x.com:0", "port");
	check_split_refused("https://x.com:65536", "port");
	check_split_refused("https://x.com:", "port");
	check_split_refused("https://x.com:12a", "port");
	check_split_refused("https://x.com:1:2", "port");
	check_split_refused("https://x com", "spaces");
	check_split_refused("https://x.com/\r\n", "control");
	check_split_refused("https://[::1", "closing");
	check_split_refused("https://[::1]x", "after the host");
	check_split_refused("https://[zz::1]", "IPv6");
	check_split_refused("https://ex%61mple.com", "bad character in host");
}

static void test_hostport_reads_listen_addresses(void **state)
{
	(void)state;
	char host[RK_URL_HOST_MAX];
	int port = -1;
	struct rk_err err = {0};
	assert_int_equal(rk_url_hostport("127.0.0.1:9464", false, host, &port, &err), RK_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9464);
	assert_int_equal(rk_url_hostport("[::1]:80", false, host, &port, &err), RK_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(rk_url_hostport("localhost:0", true, host, &port, &err), RK_OK);
	assert_int_equal(port, 0);
	assert_int_equal(rk_url_hostport("localhost:0", false, host, &port, &err), RK_EINVAL);
	assert_int_equal(rk_url_hostport("localhost", false, host, &port, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "needs a port"));
	assert_int_equal(rk_url_hostport("http://x:1", false, host, &port, &err), RK_EINVAL);
	assert_int_equal(rk_url_hostport("a@x:1", false, host, &port, &err), RK_EINVAL);
	assert_int_equal(rk_url_hostport("", false, host, &port, &err), RK_EINVAL);
	assert_int_equal(rk_url_hostport(":1", false, host, &port, &err), RK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_is_exactly_the_three_names),
		cmocka_unit_test(test_split_reads_scheme_host_port_and_parts),
		cmocka_unit_test(test_split_refuses_what_a_config_must_not_hold),
		cmocka_unit_test(test_hostport_reads_listen_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
