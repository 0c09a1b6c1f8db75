/* txn.c — one write transaction as one call (see txn.h). */
#include "txn.h"

#include <sqlite3.h>

bool journal_in_tx(struct journal *j)
{
	return sqlite3_get_autocommit(journal_db(j)) == 0;
}

enum rk_rc journal_tx(struct journal *j, journal_tx_fn fn, void *ctx, struct rk_err *err)
{
	enum rk_rc rc;
	if (!fn)
		return rk_err_set(err, RK_EINVAL, "journal transaction: nothing to run");
	if (journal_in_tx(j))
		return rk_err_set(err, RK_EINVAL,
				  "journal transaction: already inside a transaction (they do not nest)");
	if ((rc = journal_begin(j, err)))
		return rc;
	rc = fn(j, ctx, err);
	if (!rc && !journal_in_tx(j))
		return rk_err_set(err, RK_EINVAL,
				  "journal transaction: ended inside its own writes (COMMIT or ROLLBACK)");
	if (!rc)
		rc = journal_commit(j, err);
	if (rc && journal_in_tx(j))
		journal_rollback(j);
	return rc;
}
