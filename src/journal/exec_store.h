/*
 * exec_store.h — the executor's reads of the journal: which actions are left
 * `planned` or `sent` by an interrupted pass, whether a fill is journaled,
 * and whether a client order id still has a request of unknown outcome.
 * The executor writes through recon_journal.h inside journal_tx (txn.h); it
 * holds no SQL of its own.
 *
 * Fail closed, as recon_store.h: every read distinguishes row / done / error
 * (sqlx_step_row) and an error is returned naming what was read, never taken
 * as "no rows" — an unreadable `sent` action must not look resolved, nor an
 * unresolved client order id look free to send again.
 */
#ifndef RECKON_EXEC_STORE_H
#define RECKON_EXEC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

/* An action as the journal holds it (the fields crash recovery needs). */
struct stored_action {
	int64_t id;                      /* the action's journal id */
	char kind[32];                   /* action kind name ("place_stop", ...) */
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];     /* "" when none */
	char client_id[MODEL_ID_MAX];    /* the request's client order id, "" when none */
	enum purpose purpose;            /* placements: what it was placed for (its request) */
	bool reduce_only;                /* placements: reduce-only or close-position */
};

/* Up to `cap` actions of venue + account still `planned`, oldest first:
 * out[0..*n) (OUT; id, kind and symbol filled). */
enum rk_rc exec_store_planned(struct journal *j, enum venue_kind venue, const char *account,
			      struct stored_action *out, size_t cap, size_t *n /* OUT */,
			      struct rk_err *err);

/* Every action of venue + account left `sent`, oldest first. *out (OUT) is
 * malloc'd (NULL when *n is 0): free() it. On error *out is NULL. */
enum rk_rc exec_store_sent(struct journal *j, enum venue_kind venue, const char *account,
			   struct stored_action **out /* OUT */, size_t *n /* OUT */,
			   struct rk_err *err);

/* Is fill `fill_id` of `venue` journaled? *known (OUT). */
enum rk_rc exec_store_fill_known(struct journal *j, enum venue_kind venue, const char *fill_id,
				 bool *known /* OUT */, struct rk_err *err);

/* Is a request with `client_id` on `venue` still `sent` (its outcome
 * unknown), other than action `except_id`? *found (OUT). */
enum rk_rc exec_store_client_id_unresolved(struct journal *j, enum venue_kind venue,
					   const char *client_id, int64_t except_id,
					   bool *found /* OUT */, struct rk_err *err);

#endif
