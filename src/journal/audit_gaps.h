/*
 * audit_gaps.h — protection gaps: every interval during which a non-dust
 * position had no acknowledged protective stop on the exchange (`reckon
 * audit gaps`, and the daily report's protection section).
 *
 * Two implementations of the same rules, which must agree (tests/
 * test_audit_gaps.c checks both against a brute force over random streams):
 *   audit_gaps         reads the protection-gap projection (protection_gaps,
 *                      migration 0013), which journal/protect_project.h
 *                      keeps as events are applied, and which audit verify
 *                      checks against a replay like every projection;
 *   audit_gaps_replay  the reference: rebuilt from the journal's events
 *                      alone, the materialized tables not read (`reckon
 *                      audit gaps --replay`).
 * Both judge a position with core/protect_rule.h.
 *
 * The rules, applied to the events in seq order (the order reckon learned
 * things; a report journaled late cannot rewrite what came before):
 *
 *   position  a venue + account + symbol. Its quantity is the one
 *             protection.sql judges: the exchange's (and its orderable size)
 *             when the latest `exchange_positions` event of its venue and
 *             account (a complete pass) lists it and no fill of it was
 *             journaled since that pass began; otherwise the journal's,
 *             from its fills (model.h's position rules, inferred fills
 *             superseded by real ones as the projection does).
 *   stop      an order whose type is stop_market, stop_limit, bracket or
 *             trailing_stop, on the side that reduces the position, while
 *             its status is open or partially_filled as the orders
 *             projection would hold it (progress only forward, stale
 *             reports change nothing). Acknowledged means journaled by an
 *             order report: the venue's id exists, so the exchange has it —
 *             from a bot (ingest), from the reconciler's snapshot, or from
 *             the executor, which journals the placed order's report in the
 *             same transaction as the place_stop / replace_stop action's
 *             `succeeded` update (an adopted stop likewise). Each stop
 *             covers qty - filled (at least 0); one of no size covers the
 *             whole position.
 *   protected the stops together cover at least |quantity| (or the
 *             exchange's orderable size). More than the position still
 *             protects it (the reconciler reports the excess separately).
 *   dust      the venue said so: from a `dust` finding of the position
 *             until a fill of it, or until a later reconciliation run of its
 *             venue and account ends without a dust finding for it. reckon
 *             keeps no prices, so before the first dust finding any
 *             non-zero quantity counts (a dust position's first interval
 *             ends "dust" when the pass reports it).
 *   unprotected  a non-zero quantity, not protected, not dust.
 *
 * An interval starts at the event after which the position is unprotected
 * and ends at the event after which it is not. Causes: start "fill" (a fill
 * opened, grew or flipped it), "stop_cancelled", "stop_triggered" (the stop
 * filled, wholly or partly), "stop_expired", "stop_rejected", "stop_changed"
 * (a report shrank or retyped it), "order_changed", "exchange_position" (a
 * pass saw a position or size the journal did not cover), "dust_cleared";
 * end "stop_acknowledged", "position_closed", "dust", "fill" (a fill
 * brought the position within its stops), "exchange_position". Times are
 * the events' `ts` (when the fact happened, as reported), except that a
 * start or end is never earlier than the position's previous one (a late
 * report, or a venue that stamps reports with the order's creation time,
 * cannot make an interval run backwards). An interval still open at the end
 * of the journal (or at `to`) has end_us 0 and `end_cause` "".
 *
 * Cost of audit_gaps: without a window, every gap row (or one symbol's,
 * through protection_gaps_start); with --from / --to, two index seeks per
 * position that ever had a gap (its last gap started before `from`, and
 * those that started in [from, to)): a window in the middle of the history
 * reads no later gap. Memory: the gaps returned.
 * Cost of audit_gaps_replay: one pass over the selected events. With a
 * symbol, an index seek over that symbol's events and the events of no
 * symbol (runs, exchange positions; migration 0012's events_symbol);
 * without one, every order, fill, finding and run event up to the
 * journal's end. Memory: one small record per position and per order seen.
 *
 * Ownership: *out is the caller's (free()); n may be 0 with *out NULL.
 * Errors: any failed read aborts (RK_EDB), never reads as "no gaps"; an
 * event that cannot be read is RK_ECORRUPT naming its seq.
 * Threads: one call at a time per journal connection; reads one snapshot
 * (a read transaction, or the caller's).
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

/* Every gap matching `f`, ordered by start time then symbol (then start
 * seq), read from the projection. */
enum rk_rc audit_gaps(struct journal *j, const struct audit_gap_filter *f,
		      struct audit_gap **out /* OUT */, size_t *n /* OUT */, struct rk_err *err);

/* The same, replayed from the events (the reference implementation). */
enum rk_rc audit_gaps_replay(struct journal *j, const struct audit_gap_filter *f,
			     struct audit_gap **out /* OUT */, size_t *n /* OUT */,
			     struct rk_err *err);

/* The latest `ts` of any event (0 for an empty journal): where the
 * post-mortem commands count an interval still open until. Errors RK_EDB,
 * RK_ECORRUPT (an unreadable ts). */
enum rk_rc audit_last_ts(struct journal *j, int64_t *us /* OUT */, struct rk_err *err);

#endif
