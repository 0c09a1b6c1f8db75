/*
 * rk_buf.h — the one byte/string builder: URLs, query strings, CSV and HTML
 * output, messages assembled in pieces.
 *
 * Errors are sticky: an allocation failure marks the buffer failed, every
 * later append is a no-op, and rk_buf_status reports RK_ENOMEM once at the
 * end, so a run of appends needs one check. While not failed, `p` is always
 * NUL-terminated (or NULL before the first append; rk_buf_str gives "").
 *
 * Ownership: the buffer owns `p`; rk_buf_free releases it, rk_buf_take
 * hands it to the caller. A zeroed struct rk_buf is an empty buffer.
 * Not thread-safe.
 */
#ifndef RECKON_RK_BUF_H
#define RECKON_RK_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct rk_buf {
	char *p;     /* contents, NUL-terminated; NULL until the first append */
	size_t len;  /* bytes, excluding the NUL */
	size_t cap;  /* bytes allocated */
	bool failed; /* an allocation failed: contents incomplete */
};

/* Appends bytes / a C string / a formatted string. */
void rk_buf_addn(struct rk_buf *b, const void *s, size_t n);
void rk_buf_add(struct rk_buf *b, const char *s);
void rk_buf_addf(struct rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rk_buf_vaddf(struct rk_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The contents, "" when empty. Valid until the next append or free. */
const char *rk_buf_str(const struct rk_buf *b);

/* RK_OK, or RK_ENOMEM (with a message in err) when any append failed. */
enum rk_rc rk_buf_status(const struct rk_buf *b, struct rk_err *err);

/* Empties the buffer, keeping its memory (and clearing `failed`). */
void rk_buf_reset(struct rk_buf *b);

/* Frees the contents and leaves an empty buffer. */
void rk_buf_free(struct rk_buf *b);

/* Hands the contents to the caller (free() them) and leaves the buffer
 * empty; NULL when the buffer failed (its memory freed). Never NULL for a
 * good buffer: an empty one yields "". */
char *rk_buf_take(struct rk_buf *b);

/* Formats into a fixed array, truncating: snprintf's bounded copy for the
 * notes and reasons reckon keeps in struct members. Always NUL-terminates
 * (n > 0). */
void rk_fmt(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rk_vfmt(char *dst, size_t n, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
