/*
 * project.h — the materialized tables as projections of `events`.
 *
 * project_apply is the single place where an event changes the orders,
 * fills and positions tables (and, as later modules register, lots and
 * reconciler tables). journal_append calls it for live events and
 * project_rebuild calls it for replay, so the two cannot disagree.
 */
#ifndef RECKON_PROJECT_H
#define RECKON_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

/*
 * Applies event `seq` of `type` with canonical `payload`. Refuses (with
 * RK_ECONFLICT and a message naming the field, and the order or fill) an
 * event that contradicts the journal: an order report for another account,
 * symbol or side, a finished order's identity changed, a fill for an order
 * of another account, symbol or side, a fill whose order's fills would
 * exceed its qty. An unknown type is RK_EVERSION (written by a newer reckon).
 *
 * An order's reports and its fills are kept apart (orders.filled_qty is the
 * larger of the reported filled quantity and fills_qty, the sum of its
 * fills), so either may arrive first. An order report that is behind what
 * the journal holds (its status would go back, or it repeats the status but
 * is older or states less filled) is stale: RK_OK with *stale set (when
 * `stale` is not NULL) and the reason in err->msg (err->rc RK_OK); it
 * changes no order's status or filled quantity.
 */
enum rk_rc project_apply(struct journal *j, int64_t seq, const char *type, const char *payload,
			 bool *stale /* OUT, may be NULL */, struct rk_err *err);

/* Inferred fills and the real fills that supersede them: fill_stands_in
 * (model.h). */

/* Empties every materialized table and replays all events in seq order.
 * Must run inside a transaction. */
enum rk_rc project_rebuild(struct journal *j, struct rk_err *err);

/*
 * Checks that the materialized tables equal a fresh replay, changing nothing
 * (the rebuild happens in a transaction that is rolled back). RK_ECORRUPT
 * with the first differing table named when they differ.
 */
enum rk_rc project_verify(struct journal *j, struct rk_err *err);

/* Names of the materialized tables, in dependency order (NULL-terminated). */
extern const char *const PROJECT_TABLES[];

#endif
