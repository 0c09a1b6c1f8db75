/*
 * rk_url.h — the one place that says what a loopback host is, and a strict
 * splitter for the URLs and listen addresses reckon's configuration holds
 * (venue base URLs, the SMTP server, the metrics listener).
 *
 * The splitter is deliberately narrower than RFC 3986: it is used to refuse
 * a configuration early and with a clear reason, before any library sees
 * the URL. It accepts `scheme://host[:port][/path][?query][#fragment]`
 * with a host that is a DNS name, an IPv4 literal or a bracketed IPv6
 * literal; it refuses user info ("user:pw@host": a credential in a config
 * file), an empty host, a port outside 1..65535, and spaces or control
 * characters anywhere. The scheme is lowercased. net/http.c still checks a
 * base URL with libcurl's parser when the client is created; the two agree
 * on loopback because both use rk_url_host_is_loopback.
 *
 * Pure (no I/O), thread-safe.
 */
#ifndef RECKON_RK_URL_H
#define RECKON_RK_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define RK_URL_SCHEME_MAX 16
#define RK_URL_HOST_MAX 256

struct rk_url {
	char scheme[RK_URL_SCHEME_MAX]; /* lowercased: "https" */
	char host[RK_URL_HOST_MAX];     /* without brackets: "::1", "127.0.0.1" */
	bool ipv6;                      /* the host was a bracketed literal */
	int port;                       /* 1..65535, or 0 when absent */
	bool has_path;                  /* something after the authority but '?' or '#' */
	bool has_query;                 /* a '?' part */
	bool has_fragment;              /* a '#' part */
};

/* True for the hosts reckon treats as this machine: 127.0.0.1, ::1 (with
 * or without brackets) and localhost (any case). Nothing else: 127.0.0.2,
 * 0.0.0.0 and "127.1" are refused rather than guessed at. */
bool rk_url_host_is_loopback(const char *host);

/* Splits `url` into *out (OUT). RK_EINVAL with a reason that names no
 * field (the caller prefixes it) and never repeats user info. */
enum rk_rc rk_url_split(const char *url, struct rk_url *out /* OUT */, struct rk_err *err);

/* Reads a listen address "host:port" ("127.0.0.1:9464", "[::1]:9464",
 * "localhost:9464"); port 0..65535 (0 when `allow_port0`, for tests that
 * want a free port). RK_EINVAL with a reason otherwise. */
enum rk_rc rk_url_hostport(const char *s, bool allow_port0, char host[RK_URL_HOST_MAX] /* OUT */,
			   int *port /* OUT */, struct rk_err *err);

#endif
