/* dlog.c — key=value log lines on stderr (dlog.h). */
#include "dlog.h"

#include <string.h>
#include <unistd.h>

#include "rk_clock.h"
#include "rtime.h"

static const char *const LEVELS[] = {"info", "warn", "error"};

void dlog_begin(struct dlog *l, enum dlog_level level, const char *event)
{
	char ts[RTIME_STR_MAX];
	int64_t now = rk_clock_now(rk_clock_system());
	*l = (struct dlog){0};
	rk_buf_addf(&l->b, "ts=%s level=%s event=%s", rtime_format(now, ts), LEVELS[level], event);
}

static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return 1;
	return 0;
}

void dlog_str(struct dlog *l, const char *key, const char *value)
{
	if (!value)
		value = "";
	rk_buf_addf(&l->b, " %s=", key);
	if (!needs_quotes(value)) {
		rk_buf_add(&l->b, value);
		return;
	}
	rk_buf_add(&l->b, "\"");
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '\\')
			rk_buf_addf(&l->b, "\\%c", *p);
		else if (*p == '\n')
			rk_buf_add(&l->b, "\\n");
		else if (*p < ' ' || *p == 0x7f)
			rk_buf_addf(&l->b, "\\x%02x", *p);
		else
			rk_buf_addn(&l->b, p, 1);
	}
	rk_buf_add(&l->b, "\"");
}

void dlog_int(struct dlog *l, const char *key, int64_t value)
{
	rk_buf_addf(&l->b, " %s=%lld", key, (long long)value);
}

void dlog_end(struct dlog *l)
{
	rk_buf_add(&l->b, "\n");
	if (!l->b.failed) {
		const char *p = l->b.p;
		size_t n = l->b.len;
		while (n > 0) {
			ssize_t w = write(STDERR_FILENO, p, n);
			if (w <= 0)
				break;
			p += w;
			n -= (size_t)w;
		}
	}
	rk_buf_free(&l->b);
}

void dlog_msg(enum dlog_level level, const char *event, const char *msg)
{
	struct dlog l;
	dlog_begin(&l, level, event);
	dlog_str(&l, "msg", msg);
	dlog_end(&l);
}
