/*
 * audit_gaps.h — protection gaps: every interval during which a non-dust
 * position had no acknowledged protective stop on the exchange, rebuilt from
 * the journal's events alone (`reckon audit gaps`, and the daily report's
 * protection section).
 *
 * An interval starts when a position above dust is first known without an
 * acknowledged stop covering it (a fill opened or grew it, its stop was
 * cancelled, its stop triggered or expired, the reconciler found it bare,
 * ...) and ends when a protective stop covering it is acknowledged by the
 * venue, or the position is closed or falls to dust. An interval still open
 * at the end of the journal (or at `to`) has end_us 0 and `end_cause` "".
 *
 * Ownership: *out is the caller's (free()); n may be 0 with *out NULL.
 * Errors: any failed read aborts (RK_EDB), never reads as "no gaps".
 * Threads: one call at a time per journal connection; reads one snapshot.
 */
#ifndef RECKON_AUDIT_GAPS_H
#define RECKON_AUDIT_GAPS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

#define AUDIT_CAUSE_MAX 64

struct audit_gap {
	enum venue_kind venue;
	char account[MODEL_ID_MAX];
	char symbol[MODEL_SYM_MAX];
	int64_t start_us;                    /* microseconds since the epoch, UTC */
	int64_t end_us;                      /* 0: still open */
	char start_cause[AUDIT_CAUSE_MAX];   /* "fill", "stop_cancelled", "stop_triggered", ... */
	char end_cause[AUDIT_CAUSE_MAX];     /* "stop_acknowledged", "position_closed", ... or "" */
	int64_t start_seq, end_seq;          /* the events that started / ended it (end 0: open) */
};

/* Selection; zeroed = everything. Intervals are clipped to [from_us, to_us)
 * when given (an interval open at to_us is reported as ending there, still
 * open: end_us 0). */
struct audit_gap_filter {
	const char *symbol;   /* NULL: every symbol */
	int64_t from_us;      /* 0: from the beginning */
	int64_t to_us;        /* 0: to the journal's end */
};

/* Every gap matching `f`, ordered by start time then symbol. */
enum rk_rc audit_gaps(struct journal *j, const struct audit_gap_filter *f,
		      struct audit_gap **out /* OUT */, size_t *n /* OUT */, struct rk_err *err);

#endif
