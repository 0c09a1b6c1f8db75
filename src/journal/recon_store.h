/*
 * recon_store.h — reading the reconciler's local state out of the journal:
 * the journal's identity, open orders (with what their journaled fills
 * explain, fills_qty) with how long each has been missing from the exchange
 * and how its lookups went, every order's inferred quantity that real fills
 * have not superseded yet, the journal's positions, which
 * snapshot fills are already known, halted symbols, earlier attempts per
 * finding key, take-profit legs reckon cancelled whose brackets never came,
 * recent destructive actions, and the venue fill cursor.
 *
 * Fail closed: every read distinguishes row / done / error (sqlx_step_row),
 * and an error is returned, never read as "no rows" — an empty halt list or
 * breaker count read from a failing database would let a pass do what the
 * halt and the breaker forbid.
 */
#ifndef RECKON_RECON_STORE_H
#define RECKON_RECON_STORE_H

#include "err.h"
#include "journal.h"
#include "reconcile.h"

/*
 * Fills *out (OUT) for venue + account as of now_us. `snap` may be NULL (no
 * fill_known then). Everything is read inside one read transaction (or the
 * caller's transaction), so the state is one consistent view of the journal
 * even while another process appends. On any error *out is left empty and
 * the error names what was being read. The arrays are owned by *out:
 * recon_store_free.
 */
enum rk_rc recon_store_load(struct journal *j, enum venue_kind venue, const char *account,
			    const struct venue_snapshot *snap, int64_t now_us,
			    struct local_state *out, struct rk_err *err);

/* Frees what recon_store_load allocated; NULL-safe. */
void recon_store_free(struct local_state *s);

/* The fill cursor saved by the last finished run ("" when none). */
enum rk_rc recon_store_fills_cursor(struct journal *j, enum venue_kind venue, const char *account,
				    char out[MODEL_ID_MAX], struct rk_err *err);

/* The destructive actions (rule 7's count) journaled for the account in the
 * hour before now_us, as the planner's breaker counts them; *count (OUT). */
enum rk_rc recon_store_destructive_hour(struct journal *j, enum venue_kind venue,
					const char *account, int64_t now_us, int *count /* OUT */,
					struct rk_err *err);

#endif
