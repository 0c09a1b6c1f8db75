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

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"

/*
 * Applies event `seq` of `type` with canonical `payload`. Refuses (with
 * RK_ECONFLICT and a message naming the order or fill) an event that
 * contradicts the current state: an impossible status transition, a fill for
 * an order of another symbol or side, a fill that overfills its order. An
 * unknown type is RK_EVERSION (written by a newer reckon).
 */
enum rk_rc project_apply(struct journal *j, int64_t seq, const char *type, const char *payload,
			 struct rk_err *err);

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
