/*
 * lots.h — the FIFO lot projection: keeps `lots`, `lot_closes`,
 * `lot_allocations`, `lot_positions` and `lot_other_fees` (migration 0003)
 * and the `unmatched_sell` findings in step with `fills`, using the pure
 * allocator in fifo.h.
 *
 * In-order fills (timestamp not older than the newest fill already
 * allocated for that venue + account + symbol) cost a few indexed lookups:
 * the open lots are walked through the lots_open index only as far as the
 * closing quantity needs. A late fill re-allocates its symbol from its
 * timestamp: every allocation and lot of fills after it is undone exactly
 * (newest first), then those fills are allocated again in (ts, seq) order.
 * The result is always the one a from-scratch allocation of the fills in
 * (ts, seq) order gives (lots_rebuild), so replaying events, rebuilding and
 * ingesting in any order agree row for row.
 *
 * Findings: a spot sell beyond the open lots writes a `findings` row
 * (kind 'unmatched_sell', run_id NULL, id = the fill's seq, finding_key
 * 'unmatched_sell:<fill_id>', created_at = the fill's ts, detail JSON
 * {"fill_id","qty","unmatched_qty"}). When a late buy makes the sell fully
 * matched, the re-allocation deletes the row (it would never have existed
 * had the fills arrived in order); replay and rebuild reproduce that.
 */
#ifndef RECKON_LOTS_H
#define RECKON_LOTS_H

#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

#define LOTS_FINDING_KIND "unmatched_sell"

/*
 * Allocates fill `f` (journal event `seq`), which must already be in the
 * `fills` table (project_fill, project.h, inserts it first). Runs inside the
 * caller's transaction; on error the caller rolls back (tables may be
 * half-updated). RK_EINVAL / RK_EOVERFLOW for a fill the allocator refuses,
 * RK_ECORRUPT when the lot tables contradict themselves, RK_EDB.
 */
enum rk_rc lots_apply_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
			   struct rk_err *err);

/*
 * lots_apply_fill for a real fill that superseded quantity of inferred fills
 * of its order (project_fill): `from_ts`/`from_seq` (NULL: none) is the
 * earliest of those whose superseded_qty changed. The lots hold a fill's
 * qty - superseded_qty (an inferred fill with nothing left holds no lot), so
 * the symbol is re-allocated from the earlier of that fill and `f`, as for a
 * late fill: lots and realized P&L become what allocating the real fills in
 * place of the inferred ones gives, and lots_rebuild agrees.
 */
enum rk_rc lots_apply_fill_from(struct journal *j, int64_t seq, const struct fill_rec *f,
				const char *from_ts, int64_t from_seq, struct rk_err *err);

/* Row counts of the lot tables. */
struct lots_counts {
	int64_t fills;       /* fills allocated (rows of `fills`) */
	int64_t lots;        /* lots ever opened */
	int64_t open_lots;   /* of which still open */
	int64_t closes;      /* closing fills (rows of v_realized_pnl) */
	int64_t allocations; /* lot_allocations rows */
	int64_t unmatched;   /* open unmatched_sell findings */
};

/*
 * Empties the lot tables and the lot engine's own findings (kind
 * 'unmatched_sell' with run_id NULL) and allocates every fill again, symbol
 * by symbol in (ts, seq) order. Must run inside a transaction. *counts
 * (OUT, may be NULL) gets the resulting row counts.
 */
enum rk_rc lots_rebuild(struct journal *j, struct lots_counts *counts, struct rk_err *err);

/* Reads the row counts (no transaction needed). */
enum rk_rc lots_count(struct journal *j, struct lots_counts *out /* OUT */, struct rk_err *err);

#endif
