/*
 * audit_state.h — the journal as it knew things at a moment T (`reckon audit
 * state`): the events up to T replayed, through the same dispatch table as
 * every live append and audit verify's replay (events_apply), into a private
 * scratch journal. The materialized tables of the journal are not read; the
 * scratch journal's tables are what they would have been at T, so the named
 * queries (protection, open_orders, ...) answer "what was open, what was
 * protected, by which stop" on it.
 *
 * "Up to T" is what the journal knew: the events in seq order, up to (not
 * including) the first one journaled after T (recorded_at > T). recorded_at
 * is stamped when the event is appended, so that is a prefix of the
 * journal (its facts may be older: a fill ingested late carries its own ts).
 *
 * With a symbol, only that symbol's events and the events of no symbol
 * (reconciliation runs, the exchange's positions, audit checkpoints) are
 * replayed, through migration 0012's events_symbol index: the tables of that
 * symbol are what a whole replay makes them (the projections of one symbol
 * never read another's rows), other symbols' rows are partial (only the
 * exchange's positions) and should not be read.
 *
 * Ownership: *out is a journal the caller closes (journal_close), which
 * deletes its private database. Errors: a failed read aborts (RK_EDB); an
 * event that does not replay is its projection's error prefixed "replaying
 * event SEQ". Reads `j` in one read transaction; writes nothing to it.
 * Memory: with a symbol the scratch is an in-memory database (one symbol's
 * rows); without one a private temporary file, so memory stays bounded by
 * SQLite's page caches whatever the journal's size (a 256 MB cache, the
 * rollback journal in memory, measured no faster: the time is the
 * projections' CPU, not I/O).
 *
 * Time: every selected event up to T goes through its projection (60 to
 * 100 us an event, mostly the orders', fills' and lots' index writes), so
 * without a symbol it grows with the journal: nearly two minutes at a
 * million events. Answering that in under a second needs a starting
 * point nearer T than the first event (BENCHMARKS.md, issue 12: saved
 * states of the tables every N events, replayed from the nearest one).
 */
#ifndef RECKON_AUDIT_STATE_H
#define RECKON_AUDIT_STATE_H

#include <stdint.h>

#include "err.h"
#include "journal.h"

struct audit_state_info {
	int64_t events;   /* events replayed */
	int64_t last_seq; /* the last of them (0: none) */
	int64_t next_seq; /* the first event left out, recorded after T (0: none) */
};

/* Replays the events up to `at_us` (of `symbol` when not NULL/"") into a
 * new scratch journal *out (OUT). */
enum rk_rc audit_state_at(struct journal *j, int64_t at_us, const char *symbol,
			  struct journal **out /* OUT */, struct audit_state_info *info /* OUT */,
			  struct rk_err *err);

#endif
