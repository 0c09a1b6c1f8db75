/*
 * request.c — query strings and form bodies: parsing into parameters, and
 * the two byte-exact rewrites the fake exchange needs — the payload a Binance
 * signature covers (everything but `signature`) and the redacted text the
 * request log keeps.
 *
 * The raw text is parsed here rather than by libmicrohttpd because the
 * signature is checked over the bytes exactly as the client sent them.
 */
#include "fakex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void fx_url_decode(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Adds one "key=value" segment of `len` bytes to req->params. */
static enum rk_rc add_param(struct fx_req *req, const char *seg, size_t len, struct rk_err *err)
{
	if (len == 0)
		return RK_OK;
	struct fx_param *np = realloc(req->params, (req->nparams + 1) * sizeof *np);
	if (!np)
		return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
	req->params = np;
	const char *eq = memchr(seg, '=', len);
	size_t klen = eq ? (size_t)(eq - seg) : len;
	char *key = strndup(seg, klen);
	char *val = eq ? strndup(eq + 1, len - klen - 1) : strdup("");
	if (!key || !val) {
		free(key);
		free(val);
		return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
	}
	fx_url_decode(key);
	fx_url_decode(val);
	req->params[req->nparams].key = key;
	req->params[req->nparams].val = val;
	req->nparams++;
	return RK_OK;
}

static enum rk_rc parse_text(struct fx_req *req, const char *text, struct rk_err *err)
{
	const char *p = text;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		enum rk_rc rc = add_param(req, p, len, err);
		if (rc)
			return rc;
		p = amp ? amp + 1 : NULL;
	}
	return RK_OK;
}

enum rk_rc fx_req_parse_params(struct fx_req *req, bool form, struct rk_err *err)
{
	enum rk_rc rc = parse_text(req, req->query, err);
	if (rc == RK_OK && form && req->body_len)
		rc = parse_text(req, req->body, err);
	return rc;
}

const char *fx_param(const struct fx_req *req, const char *key)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].val;
	return NULL;
}

size_t fx_param_all(const struct fx_req *req, const char *key, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < req->nparams && n < max; i++)
		if (strcmp(req->params[i].key, key) == 0)
			out[n++] = req->params[i].val;
	return n;
}

void fx_req_free(struct fx_req *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i].key);
		free(req->params[i].val);
	}
	free(req->params);
	free(req->path);
	free(req->query);
	free(req->body);
	free(req->authorization);
	free(req->apikey);
	free(req->host);
	memset(req, 0, sizeof *req);
}

/* Is the segment seg[0..len) the parameter `key` (raw, before decoding)? */
static bool seg_is(const char *seg, size_t len, const char *key)
{
	size_t klen = strlen(key);
	return len >= klen && strncmp(seg, key, klen) == 0 && (len == klen || seg[klen] == '=');
}

/*
 * Rewrites `text` segment by segment: segments naming `key` are dropped
 * (replacement NULL) or become "key=replacement"; the others are copied
 * byte for byte.
 */
static char *rewrite(const char *text, const char *key, const char *replacement)
{
	size_t cap = strlen(text) + strlen(key) + (replacement ? strlen(replacement) : 0) + 2;
	char *out, *w;
	const char *p = text;
	bool first = true;

	/* Each replaced segment can only grow by the replacement's length. */
	for (const char *q = text; (q = strchr(q, '&')); q++)
		cap += replacement ? strlen(replacement) + strlen(key) + 1 : 0;
	if (!(out = malloc(cap)))
		return NULL;
	w = out;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		bool match = seg_is(p, len, key);
		if (!match || replacement) {
			if (!first)
				*w++ = '&';
			if (match) {
				w += sprintf(w, "%s=%s", key, replacement);
			} else {
				memcpy(w, p, len);
				w += len;
			}
			first = false;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	*w = '\0';
	return out;
}

char *fx_strip_param(const char *text, const char *key)
{
	return rewrite(text ? text : "", key, NULL);
}

char *fx_redact_param(const char *text, const char *key)
{
	return rewrite(text ? text : "", key, "REDACTED");
}
