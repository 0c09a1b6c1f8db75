/* exec_store.c — the executor's reads of the journal (see exec_store.h). */
#include "exec_store.h"

#include <stdio.h>
#include <stdlib.h>

#include "rk_array.h"
#include "sqlx.h"

static const char SQL_PLANNED[] =
	"SELECT id, kind, symbol FROM actions WHERE venue = ?1 AND account = ?2 AND status = 'planned'"
	" ORDER BY id";
static const char SQL_SENT[] =
	"SELECT id, kind, symbol, order_id, client_order_id,"
	" json_extract(request, '$.purpose'), json_extract(request, '$.reduce_only'),"
	" json_extract(request, '$.close_position') FROM actions"
	" WHERE venue = ?1 AND account = ?2 AND status = 'sent' ORDER BY id";
static const char SQL_FILL_KNOWN[] = "SELECT 1 FROM fills WHERE venue = ?1 AND fill_id = ?2";
static const char SQL_UNRESOLVED_CLIENT[] =
	"SELECT 1 FROM actions WHERE venue = ?1 AND client_order_id = ?2 AND status = 'sent' AND id <> ?3";

/* The id, kind and symbol columns every action read starts with. */
static void read_head(sqlite3_stmt *st, struct stored_action *a)
{
	a->id = sqlite3_column_int64(st, 0);
	snprintf(a->kind, sizeof a->kind, "%s", sqlx_col_text(st, 1));
	snprintf(a->symbol, sizeof a->symbol, "%s", sqlx_col_text(st, 2));
}

enum rk_rc exec_store_planned(struct journal *j, enum venue_kind venue, const char *account,
			      struct stored_action *out, size_t cap, size_t *n, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt_account(j, SQL_PLANNED, venue_name(venue), account, &st, err);
	*n = 0;
	if (rc)
		return rc;
	while (*n < cap && !(rc = sqlx_step_row(st, &row, "reading planned actions", err)) && row) {
		struct stored_action *a = &out[(*n)++];
		*a = (struct stored_action){0};
		read_head(st, a);
	}
	sqlite3_reset(st);
	return rc;
}

enum rk_rc exec_store_sent(struct journal *j, enum venue_kind venue, const char *account,
			   struct stored_action **out, size_t *n, struct rk_err *err)
{
	RK_ARRAY(struct stored_action) list = {0};
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt_account(j, SQL_SENT, venue_name(venue), account, &st, err);
	*out = NULL, *n = 0;
	if (rc)
		return rc;
	while (!(rc = sqlx_step_row(st, &row, "reading sent actions", err)) && row) {
		struct stored_action *a = rk_array_push(&list);
		if (!a) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			break;
		}
		read_head(st, a);
		snprintf(a->order_id, sizeof a->order_id, "%s", sqlx_col_text(st, 3));
		snprintf(a->client_id, sizeof a->client_id, "%s", sqlx_col_text(st, 4));
		const unsigned char *purpose = sqlite3_column_text(st, 5);
		a->purpose = purpose ? purpose_parse((const char *)purpose) : PURPOSE_NONE;
		a->reduce_only = sqlite3_column_int(st, 6) || sqlite3_column_int(st, 7);
	}
	sqlite3_reset(st);
	if (rc) {
		free(list.v);
		return rc;
	}
	*out = list.v, *n = list.n;
	return RK_OK;
}

enum rk_rc exec_store_fill_known(struct journal *j, enum venue_kind venue, const char *fill_id,
				 bool *known, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_FILL_KNOWN, &st, err);
	*known = false;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, fill_id, -1, SQLITE_STATIC);
	rc = sqlx_step_row(st, known, "reading known fills", err);
	sqlite3_reset(st);
	return rc;
}

enum rk_rc exec_store_client_id_unresolved(struct journal *j, enum venue_kind venue,
					   const char *client_id, int64_t except_id, bool *found,
					   struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_UNRESOLVED_CLIENT, &st, err);
	*found = false;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, except_id);
	rc = sqlx_step_row(st, found, "reading unresolved requests", err);
	sqlite3_reset(st);
	return rc;
}
