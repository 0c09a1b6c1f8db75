/*
 * audit_state.h — the journal as it knew things at a moment T (`reckon audit
 * state`), in a private scratch journal whose positions, exchange_positions,
 * recon_runs, findings, actions and open orders are the rows those tables
 * held after the last event journaled up to T, so that the named queries
 * (protection, open_orders) answer "what was open, what was protected, by
 * which stop" on it. The materialized tables of the journal are not read.
 *
 * "Up to T" is what the journal knew: the events in seq order, up to (not
 * including) the first one journaled after T (recorded_at > T). recorded_at
 * is stamped when the event is appended, so that is a prefix of the
 * journal (its facts may be older: a fill ingested late carries its own ts).
 *
 * Two ways to the same rows:
 *
 * audit_state_at (the default) reads them from the state history
 * (state_history.h, migration 0016): each row version with the event that
 * wrote it and the one that replaced it, maintained as every event is
 * applied and compared by audit verify. The last event up to T is found by
 * bisection over seq (recorded_at is read as non-decreasing in seq, as a
 * clock that does not step back stamps it; after a step back, --replay is
 * the reference), then each table's versions alive after it through about
 * fifty index seeks: milliseconds whatever the journal's length
 * (BENCHMARKS.md). Only the six tables are filled (orders: the open ones);
 * the other projection tables of the scratch are empty. Needs migration
 * 0016 (RK_EVERSION otherwise: a read-only open of an older journal).
 *
 * audit_state_replay (the reference, `--replay`) replays the events up to
 * T, through the same dispatch table as every live append and audit
 * verify's replay (events_apply), into the scratch: every projection table
 * as it stood then. With a symbol, only that symbol's events and the events
 * of no symbol (reconciliation runs, the exchange's positions, audit
 * checkpoints) are replayed, through migration 0012's events_symbol index:
 * the tables of that symbol are what a whole replay makes them (the
 * projections of one symbol never read another's rows), other symbols'
 * rows are partial (only the exchange's positions) and should not be read.
 * Every event up to T goes through its projection (60 to 100 us an event),
 * so without a symbol it grows with the journal: nearly two minutes at a
 * million events. An event that does not replay is its projection's error
 * prefixed "replaying event SEQ".
 *
 * Both fill *info as the replay does (events replayed: of the symbol and of
 * no symbol when one is given). Ownership: *out is a journal the caller
 * closes (journal_close), which deletes its private database. Errors: a
 * failed read aborts (RK_EDB). Read `j` in one read transaction; write
 * nothing to it. Memory: the history's scratch is in memory (the rows alive
 * at T); the replay's is in memory with a symbol, a private temporary file
 * without one (bounded by SQLite's page caches whatever the journal's size).
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

/* The state after the last event journaled up to `at_us`, from the state
 * history, in a new scratch journal *out (OUT). `symbol` (NULL/"": all)
 * only selects what *info counts: every symbol's rows are copied. */
enum rk_rc audit_state_at(struct journal *j, int64_t at_us, const char *symbol,
			  struct journal **out /* OUT */, struct audit_state_info *info /* OUT */,
			  struct rk_err *err);

/* Replays the events up to `at_us` (of `symbol` when not NULL/"") into a
 * new scratch journal *out (OUT): the reference. */
enum rk_rc audit_state_replay(struct journal *j, int64_t at_us, const char *symbol,
			      struct journal **out /* OUT */,
			      struct audit_state_info *info /* OUT */, struct rk_err *err);

#endif
