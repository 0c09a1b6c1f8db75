/*
 * project.h — the projections of `order` and `fill` events: the orders,
 * fills and positions tables, and through lots.h the FIFO lot tables.
 *
 * These are two entries of events.c's dispatch table (events.h): they are
 * called for live events (events_append) and for replays (events_rebuild,
 * audit's separate replay) alike, so the two cannot disagree. Each runs in
 * the caller's transaction and is a function of the event and the
 * materialized tables alone (it never reads `events`); on error the caller
 * rolls back, the tables may be half-updated.
 */
#ifndef RECKON_PROJECT_H
#define RECKON_PROJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

/* An SQL condition on `fills`: an inferred fill that stands in for its
 * order's real fills (fill_stands_in, model.h) and that real fills have not
 * wholly superseded yet (qty <> superseded_qty). project_fill supersedes
 * these; recon_store.h reads them. Starts with a space. */
#define PROJECT_SQL_OPEN_STAND_IN                                                        \
	" inferred = 1 AND substr(fill_id, 1, " MODEL_INFERRED_PREFIX_LEN ") = '"          \
	MODEL_INFERRED_PREFIX "' AND qty <> superseded_qty"

/*
 * Applies order report `seq` (canonical order JSON, record.h). Refuses,
 * with RK_ECONFLICT and a message naming the field and the order, a report
 * that contradicts the journal: for another account, symbol or side; a
 * finished order's identity changed; a qty below what is filled; a report
 * that contradicts itself. A payload record.h refuses is its error.
 *
 * An order's reports and its fills are kept apart (orders.filled_qty is the
 * larger of the reported filled quantity and fills_qty, the sum of its
 * fills), so either may arrive first. A report that is behind what the
 * journal holds (its status would go back, or it repeats the status but
 * states less filled) is stale: RK_OK with *stale true and the reason in
 * err->msg (err->rc RK_OK); it changes no order's status or filled
 * quantity. *stale is left alone otherwise (the caller clears it).
 */
enum rk_rc project_order(struct journal *j, int64_t seq, const char *payload,
			 bool *stale /* OUT */, struct rk_err *err);

/*
 * Applies fill `seq` (canonical fill JSON): the fills row, its order's
 * fills_qty and status (an order known only through its fills is created
 * from them), the position, and the lots (lots.h). A real fill first
 * supersedes its order's inferred fills (fill_stands_in, model.h). Refuses
 * with RK_ECONFLICT a fill for an order of another account, symbol or side,
 * or whose order's fills would exceed its qty; RK_EOVERFLOW, RK_EINVAL as
 * the position and lot arithmetic says. Never stale: `stale` is untouched.
 */
enum rk_rc project_fill(struct journal *j, int64_t seq, const char *payload, bool *stale,
			struct rk_err *err);

/*
 * The same projections from the record the payload was made of
 * (record_order_json / record_fill_json), so that appending does not parse
 * the payload it has just written: events_append_order / _fill. The record
 * must be the one its payload was made from (it reads back as the same
 * record: amounts are fixed-point, strings canonical), so a replay from the
 * payload gives the same tables. Same results and errors as above.
 */
enum rk_rc project_order_rec(struct journal *j, int64_t seq, const struct order_rec *o,
			     bool *stale /* OUT */, struct rk_err *err);
enum rk_rc project_fill_rec(struct journal *j, int64_t seq, const struct fill_rec *f,
			    struct rk_err *err);

#endif
