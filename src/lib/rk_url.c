/* rk_url.c — loopback hosts and strict URL splitting (rk_url.h). */
#include "rk_url.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool rk_url_host_is_loopback(const char *host)
{
	return host && (strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
			strcmp(host, "::1") == 0 || strcasecmp(host, "localhost") == 0);
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool is_v6_char(char c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* Reads "port" from s[0, n): 1..65535 (0 allowed when allow0). */
static enum rk_rc read_port(const char *s, size_t n, bool allow0, int *port, struct rk_err *err)
{
	long v = 0;
	if (n == 0 || n > 5)
		return rk_err_set(err, RK_EINVAL, "port must be a number from %d to 65535",
				  allow0 ? 0 : 1);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return rk_err_set(err, RK_EINVAL, "port must be a number from %d to 65535",
					  allow0 ? 0 : 1);
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535 || (v == 0 && !allow0))
		return rk_err_set(err, RK_EINVAL, "port must be a number from %d to 65535",
				  allow0 ? 0 : 1);
	*port = (int)v;
	return RK_OK;
}

/* Parses an authority "host[:port]" held in s[0, n). `need_port`: the port
 * is required. On success host holds the name without brackets. */
static enum rk_rc read_authority(const char *s, size_t n, bool need_port, bool allow0,
				 struct rk_url *u, struct rk_err *err)
{
	size_t hstart = 0, hend = 0, rest = 0;
	if (memchr(s, '@', n))
		return rk_err_set(err, RK_EINVAL, "must not carry user info (user@host): "
						  "credentials never go in a URL");
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return rk_err_set(err, RK_EINVAL, "IPv6 host lacks its closing ']'");
		hstart = 1, hend = (size_t)(close - s), rest = hend + 1;
		u->ipv6 = true;
		for (size_t i = hstart; i < hend; i++)
			if (!is_v6_char(s[i]))
				return rk_err_set(err, RK_EINVAL, "bad character in IPv6 host");
	} else {
		const char *colon = memchr(s, ':', n);
		hend = rest = colon ? (size_t)(colon - s) : n;
		for (size_t i = 0; i < hend; i++)
			if (!is_name_char(s[i]))
				return rk_err_set(err, RK_EINVAL, "bad character in host name");
	}
	if (hend == hstart)
		return rk_err_set(err, RK_EINVAL, "needs a host");
	if (hend - hstart >= RK_URL_HOST_MAX)
		return rk_err_set(err, RK_EINVAL, "host longer than %d characters",
				  RK_URL_HOST_MAX - 1);
	memcpy(u->host, s + hstart, hend - hstart);
	u->host[hend - hstart] = '\0';
	u->port = 0;
	if (rest == n)
		return need_port ? rk_err_set(err, RK_EINVAL, "needs a port (host:port)") : RK_OK;
	if (s[rest] != ':')
		return rk_err_set(err, RK_EINVAL, "unexpected text after the host");
	return read_port(s + rest + 1, n - rest - 1, allow0, &u->port, err);
}

enum rk_rc rk_url_split(const char *url, struct rk_url *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (!url || !url[0])
		return rk_err_set(err, RK_EINVAL, "must not be empty");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return rk_err_set(err, RK_EINVAL, "must not contain spaces or control "
							  "characters");
	const char *sep = strstr(url, "://");
	size_t slen = sep ? (size_t)(sep - url) : 0;
	if (!sep || slen == 0 || slen >= RK_URL_SCHEME_MAX || !isalpha((unsigned char)url[0]))
		return rk_err_set(err, RK_EINVAL, "needs a scheme and a host (scheme://host)");
	for (size_t i = 0; i < slen; i++) {
		char c = url[i];
		if (!isalnum((unsigned char)c) && c != '+' && c != '-' && c != '.')
			return rk_err_set(err, RK_EINVAL, "bad character in the scheme");
		out->scheme[i] = (char)tolower((unsigned char)c);
	}
	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#");
	enum rk_rc rc = read_authority(auth, alen, false, false, out, err);
	if (rc)
		return rc;
	const char *tail = auth + alen;
	out->has_query = strchr(tail, '?') != NULL;
	out->has_fragment = strchr(tail, '#') != NULL;
	out->has_path = tail[0] == '/' && strcspn(tail, "?#") > 1;
	return RK_OK;
}

enum rk_rc rk_url_hostport(const char *s, bool allow_port0, char host[RK_URL_HOST_MAX],
			   int *port, struct rk_err *err)
{
	struct rk_url u;
	memset(&u, 0, sizeof u);
	host[0] = '\0';
	*port = 0;
	if (!s || !s[0])
		return rk_err_set(err, RK_EINVAL, "must not be empty");
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '/')
			return rk_err_set(err, RK_EINVAL, "must be host:port, e.g. 127.0.0.1:9464");
	enum rk_rc rc = read_authority(s, strlen(s), true, allow_port0, &u, err);
	if (rc)
		return rc;
	memcpy(host, u.host, sizeof u.host);
	*port = u.port;
	return RK_OK;
}
