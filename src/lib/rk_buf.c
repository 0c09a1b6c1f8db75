/* rk_buf.c — see rk_buf.h */
#include "rk_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct rk_buf *b, size_t more)
{
	size_t need, ncap;
	char *np;

	if (b->failed)
		return false;
	if (more > (size_t)-1 - b->len - 1)
		goto fail;
	need = b->len + more + 1;
	if (need <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > (size_t)-1 / 2)
			goto fail;
		ncap *= 2;
	}
	if (!(np = realloc(b->p, ncap)))
		goto fail;
	b->p = np;
	b->cap = ncap;
	return true;
fail:
	b->failed = true;
	return false;
}

void rk_buf_addn(struct rk_buf *b, const void *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rk_buf_add(struct rk_buf *b, const char *s)
{
	rk_buf_addn(b, s, strlen(s));
}

void rk_buf_vaddf(struct rk_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (b->failed)
		return;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		b->failed = true;
	} else if (reserve(b, (size_t)n)) {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void rk_buf_addf(struct rk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rk_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

const char *rk_buf_str(const struct rk_buf *b)
{
	return b->p && !b->failed ? b->p : "";
}

enum rk_rc rk_buf_status(const struct rk_buf *b, struct rk_err *err)
{
	if (b->failed)
		return rk_err_set(err, RK_ENOMEM, "out of memory building text");
	return RK_OK;
}

void rk_buf_reset(struct rk_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p)
		b->p[0] = '\0';
}

void rk_buf_free(struct rk_buf *b)
{
	free(b->p);
	*b = (struct rk_buf){0};
}

char *rk_buf_take(struct rk_buf *b)
{
	char *p;

	if (!b->failed && !b->p)
		rk_buf_addn(b, "", 0);
	if (b->failed) {
		rk_buf_free(b);
		return NULL;
	}
	p = b->p;
	*b = (struct rk_buf){0};
	return p;
}

void rk_vfmt(char *dst, size_t n, const char *fmt, va_list ap)
{
	if (n == 0)
		return;
	if (vsnprintf(dst, n, fmt, ap) < 0)
		dst[0] = '\0';
}

void rk_fmt(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rk_vfmt(dst, n, fmt, ap);
	va_end(ap);
}
