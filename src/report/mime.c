/* mime.c — building the report's Internet message (mime.h). */
#include "mime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mime_base64(const void *data, size_t len, size_t wrap, struct rk_buf *out)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t col = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		char q[4] = {A[v >> 18 & 63], A[v >> 12 & 63], i + 1 < len ? A[v >> 6 & 63] : '=',
			     i + 2 < len ? A[v & 63] : '='};
		rk_buf_addn(out, q, 4);
		col += 4;
		if (wrap && col >= wrap && i + 3 < len) {
			rk_buf_add(out, "\r\n");
			col = 0;
		}
	}
	if (wrap)
		rk_buf_add(out, "\r\n");
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

enum rk_rc mime_addr_spec(const char *mailbox, char out[MIME_ADDR_MAX], struct rk_err *err)
{
	const char *a = mailbox ? mailbox : "", *b;
	const char *lt = strrchr(a, '<');
	if (lt) {
		a = lt + 1;
		b = strchr(a, '>');
		if (!b || b[1 + strspn(b + 1, " \t")] != '\0')
			goto bad;
	} else {
		a += strspn(a, " \t");
		b = a + strlen(a);
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
	}
	size_t n = (size_t)(b - a);
	const char *at = memchr(a, '@', n);
	if (n == 0 || n >= MIME_ADDR_MAX || !at || at == a || at == b - 1)
		goto bad;
	for (const char *p = a; p < b; p++)
		if (*p == ' ' || *p == '<' || *p == '>' || *p == ',' || (unsigned char)*p < 0x21 ||
		    (unsigned char)*p >= 0x7f)
			goto bad;
	memcpy(out, a, n);
	out[n] = '\0';
	return RK_OK;
bad:
	return rk_err_set(err, RK_EINVAL, "'%s' is not a mail address (addr@host or name <addr@host>)",
			  mailbox ? mailbox : "");
}

/* Subject: as is when printable ASCII, else RFC 2047 encoded words of at
 * most 45 bytes of UTF-8 each (60 base64 characters), never splitting a
 * character, on folded lines. */
static void subject(struct rk_buf *out, const char *s)
{
	rk_buf_add(out, "Subject: ");
	if (printable_ascii(s)) {
		rk_buf_addf(out, "%s\r\n", s);
		return;
	}
	size_t len = strlen(s), at = 0;
	while (at < len) {
		size_t n = len - at > 45 ? 45 : len - at;
		while (at + n < len && ((unsigned char)s[at + n] & 0xc0) == 0x80)
			n--; /* do not cut inside a UTF-8 sequence */
		rk_buf_add(out, at ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		mime_base64(s + at, n, 0, out);
		rk_buf_add(out, "?=");
		at += n;
	}
	rk_buf_add(out, "\r\n");
}

static void date_header(struct rk_buf *out, int64_t us)
{
	static const char *const D[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const M[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	rk_buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", D[tm.tm_wday], tm.tm_mday,
		    M[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static enum rk_rc check(const struct mime_message *m, struct rk_err *err)
{
	if (!m->from || !printable_ascii(m->from) || !*m->from)
		return rk_err_set(err, RK_EINVAL, "From: must be printable ASCII, without line breaks");
	if (!m->nto)
		return rk_err_set(err, RK_EINVAL, "To: at least one recipient");
	for (size_t i = 0; i < m->nto; i++)
		if (!m->to[i] || !*m->to[i] || !printable_ascii(m->to[i]))
			return rk_err_set(err, RK_EINVAL,
					  "To: recipient %zu must be printable ASCII, without line "
					  "breaks", i + 1);
	if (!m->subject || has_ctl(m->subject))
		return rk_err_set(err, RK_EINVAL, "Subject: no line breaks or control characters");
	if (!m->message_id || !printable_ascii(m->message_id) || m->message_id[0] != '<')
		return rk_err_set(err, RK_EINVAL, "Message-ID: must be <...> in printable ASCII");
	for (size_t i = 0; i < m->nimages; i++)
		if (!printable_ascii(m->images[i].cid) || !printable_ascii(m->images[i].filename) ||
		    strpbrk(m->images[i].filename, "\"\\"))
			return rk_err_set(err, RK_EINVAL, "image %zu: bad Content-ID or file name", i + 1);
	return RK_OK;
}

static void text_part(struct rk_buf *out, const char *boundary, const char *type, const char *body)
{
	rk_buf_addf(out, "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
			 "Content-Transfer-Encoding: base64\r\n\r\n", boundary, type);
	mime_base64(body, strlen(body), 76, out);
}

enum rk_rc mime_build(const struct mime_message *m, struct rk_buf *out, struct rk_err *err)
{
	enum rk_rc rc = check(m, err);
	if (rc)
		return rc;
	date_header(out, m->date_us);
	rk_buf_addf(out, "Message-ID: %s\r\nFrom: %s\r\nTo: ", m->message_id, m->from);
	for (size_t i = 0; i < m->nto; i++)
		rk_buf_addf(out, "%s%s", i ? ",\r\n " : "", m->to[i]);
	rk_buf_add(out, "\r\n");
	subject(out, m->subject);
	rk_buf_addf(out, "MIME-Version: 1.0\r\n"
			 "Content-Type: multipart/related; type=\"multipart/alternative\";\r\n"
			 " boundary=\"rel.%s\"\r\n\r\n"
			 "This is a MIME message: the report in text and HTML.\r\n\r\n"
			 "--rel.%s\r\n"
			 "Content-Type: multipart/alternative;\r\n boundary=\"alt.%s\"\r\n\r\n",
		    m->boundary, m->boundary, m->boundary);
	char alt[160];
	snprintf(alt, sizeof alt, "alt.%s", m->boundary);
	text_part(out, alt, "text/plain", m->text ? m->text : "");
	text_part(out, alt, "text/html", m->html ? m->html : "");
	rk_buf_addf(out, "--alt.%s--\r\n", m->boundary);
	for (size_t i = 0; i < m->nimages; i++) {
		const struct mime_image *im = &m->images[i];
		rk_buf_addf(out, "--rel.%s\r\nContent-Type: image/png; name=\"%s\"\r\n"
				 "Content-Transfer-Encoding: base64\r\nContent-ID: <%s>\r\n"
				 "Content-Disposition: inline; filename=\"%s\"\r\n\r\n",
			    m->boundary, im->filename, im->cid, im->filename);
		mime_base64(im->png, im->len, 76, out);
	}
	rk_buf_addf(out, "--rel.%s--\r\n", m->boundary);
	return rk_buf_status(out, err);
}
