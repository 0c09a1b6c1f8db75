/*
 * mime.h — the daily report as an Internet message (RFC 5322 + MIME): a
 * multipart/related whose first part is a multipart/alternative of the
 * plain text and the HTML, followed by the images the HTML shows by
 * "cid:" (RFC 2392), each with its Content-ID and an inline disposition.
 * Every body part is base64, lines wrapped at 76 characters, so no line of
 * the message exceeds SMTP's limits whatever the text holds.
 *
 * Headers: Date (RFC 5322, UTC), Message-ID, From, To (several, comma
 * separated and folded), Subject (an RFC 2047 encoded word, UTF-8 base64,
 * when it holds anything but printable ASCII), MIME-Version. Lines end in
 * CRLF throughout, as SMTP sends them.
 *
 * Header injection is refused, not cleaned: a From, To, Subject or
 * Message-ID holding CR, LF or another control character is RK_EINVAL
 * naming the header; From and To must be printable ASCII ("name
 * <addr@host>" or "addr@host").
 *
 * Ownership: output is appended to the caller's rk_buf; inputs borrowed.
 * Pure: the Date and the boundaries come from the caller's values.
 */
#ifndef RECKON_MIME_H
#define RECKON_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rk_buf.h"

#define MIME_ADDR_MAX 256

struct mime_image {
	const char *cid;        /* "pnl-day@reckon" (no angle brackets) */
	const char *filename;   /* "pnl-day.png" */
	const unsigned char *png;
	size_t len;
};

struct mime_message {
	const char *from;           /* "reckon <bot@example.com>" */
	const char *const *to;      /* each "me@example.com" or "Me <me@example.com>" */
	size_t nto;                 /* at least 1 */
	const char *subject;        /* UTF-8 */
	const char *message_id;     /* "<...@host>", angle brackets included */
	int64_t date_us;            /* the Date header, microseconds since the epoch */
	const char *text;           /* the text/plain part, UTF-8 */
	const char *html;           /* the text/html part, UTF-8 */
	const struct mime_image *images;
	size_t nimages;
	const char *boundary;       /* a unique token (letters, digits, '.', '_'):
				     * the parts' boundaries are built from it */
};

/* Appends the whole message to `out`. RK_EINVAL for a header that would
 * inject or is not ASCII where it must be (named); RK_ENOMEM. */
enum rk_rc mime_build(const struct mime_message *m, struct rk_buf *out, struct rk_err *err);

/* The address inside "name <addr>" (or all of "addr", trimmed) into out.
 * RK_EINVAL when there is no plausible addr-spec (no '@', empty local part
 * or domain, spaces or angle brackets inside, longer than MIME_ADDR_MAX-1). */
enum rk_rc mime_addr_spec(const char *mailbox, char out[MIME_ADDR_MAX] /* OUT */,
			  struct rk_err *err);

/* Base64 (RFC 4648, padded) of data, a CRLF after every `wrap` characters
 * (0: one line, no CRLF), appended to out. */
void mime_base64(const void *data, size_t len, size_t wrap, struct rk_buf *out);

#endif
