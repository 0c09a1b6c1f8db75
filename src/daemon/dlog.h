/*
 * dlog.h — the daemon's log: one line per event on stderr,
 *   ts=2026-12-02T11:40:19.123456Z level=info event=pass_done venue=coinbase k=v ...
 * Values holding a space, a quote, '=' or a control character are written
 * in double quotes with \" \\ \n escapes; an empty value is "". A line is
 * built in memory and written with one write(2), so lines from the loop and
 * the venue workers never interleave. Secrets are never passed here.
 *
 * Usage: struct dlog l; dlog_begin(&l, DLOG_INFO, "pass_done");
 *        dlog_str(&l, "venue", "coinbase"); dlog_int(&l, "run", 7); dlog_end(&l);
 * Threads: any thread; a struct dlog belongs to one. Allocation failures
 * drop the line (never the process).
 */
#ifndef RECKON_DAEMON_DLOG_H
#define RECKON_DAEMON_DLOG_H

#include <stdint.h>

#include "rk_buf.h"

enum dlog_level { DLOG_INFO, DLOG_WARN, DLOG_ERROR };

struct dlog {
	struct rk_buf b;
};

void dlog_begin(struct dlog *l, enum dlog_level level, const char *event);
void dlog_str(struct dlog *l, const char *key, const char *value);
void dlog_int(struct dlog *l, const char *key, int64_t value);
/* Writes the line to stderr and frees it. */
void dlog_end(struct dlog *l);

/* One-call form for an event with a single message: event=EVENT msg="...". */
void dlog_msg(enum dlog_level level, const char *event, const char *msg);

#endif
