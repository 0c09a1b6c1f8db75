/* recon_project.c — the reconciler's events projected into its tables (see
 * recon_project.h). */
#include "recon_project.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "rk_array.h"
#include "rk_index.h"
#include "sqlx.h"

/* ---- reading a payload ---------------------------------------------------- */

static const char *get_s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The integer members of the reconciler's payloads: ids, which are event
 * seqs. payload_object refuses an event where one is not a whole number of
 * at most 2^53 read from its literal's digits (core/jsonin's exact reader),
 * so a fraction or an id beyond a double's integers never reads as another
 * id. */
static const char *const INT_KEYS[] = {"run_id", "finding_id", "action_id", "depends_on", NULL};

static struct jsonin_at int_at(const cJSON *o)
{
	return (struct jsonin_at){o, NULL, 0};
}

/* An integer member (one of INT_KEYS, checked by payload_object); 0 when
 * absent or null. */
static int64_t get_i(const cJSON *o, const char *k)
{
	struct jsonin_at at = int_at(o);
	struct rk_err checked = {0};
	int64_t v = 0;
	(void)jsonin_get_int(&at, k, false, 0, -JSONIN_MAX_EXACT_INT, JSONIN_MAX_EXACT_INT, NULL,
			     &v, &checked);
	return v;
}

static bool get_b(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void bind_s(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Parses event `seq`'s payload, which must be a JSON object. The caller
 * deletes *o (OUT) whatever this returns. */
static enum rk_rc payload_object(int64_t seq, const char *type, const char *payload, cJSON **o,
				 struct rk_err *err)
{
	struct jsonin in;
	struct rk_err why = {0};
	*o = NULL;
	/* jsonin_parse keeps each number's literal: ids are read from their
	 * digits, not from a double. */
	if (jsonin_parse(payload, strlen(payload), &in, &why))
		return why.rc == RK_ENOMEM
			       ? rk_err_set(err, RK_ENOMEM, "out of memory")
			       : rk_err_set(err, RK_ECORRUPT,
					    "event %lld: %s payload is not a JSON object (%s)",
					    (long long)seq, type, why.msg);
	*o = in.root;
	struct jsonin_at at = int_at(*o);
	for (size_t i = 0; INT_KEYS[i]; i++) {
		int64_t v;
		if (jsonin_get_int(&at, INT_KEYS[i], false, 0, -JSONIN_MAX_EXACT_INT,
				   JSONIN_MAX_EXACT_INT, NULL, &v, err)) {
			err->rc = RK_ECORRUPT;
			return rk_err_prefix(err, "event %lld: %s payload", (long long)seq, type);
		}
	}
	return RK_OK;
}

/* ---- the event types that write one row ------------------------------------ */

static const char SQL_RUN_INSERT[] =
	"INSERT INTO recon_runs(id, venue, account, started_at, dry_run) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_RUN_END[] =
	"UPDATE recon_runs SET finished_at = ?2, complete = ?3, reason = ?4, fills_cursor = ?5"
	" WHERE id = ?1";
static const char SQL_FINDING_INSERT[] =
	"INSERT INTO findings(id, run_id, kind, venue, account, symbol, order_id, finding_key, detail,"
	" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_ACTION_INSERT[] =
	"INSERT INTO actions(id, run_id, finding_id, kind, venue, account, symbol, order_id,"
	" client_order_id, status, request, note, depends_on, finding_key, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" (SELECT finding_key FROM findings WHERE id = ?3), ?14, ?14)";
static const char SQL_ACTION_UPDATE[] =
	"UPDATE actions SET status = ?2, order_id = COALESCE(?3, order_id), response = COALESCE(?4, response),"
	" error = CASE WHEN ?2 = 'succeeded' THEN ?5 ELSE COALESCE(?5, error) END,"
	" updated_at = ?6 WHERE id = ?1";
static const char SQL_HALT[] =
	"INSERT INTO halts(venue, account, symbol, reason, halted_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	" ON CONFLICT(venue, account, symbol) DO UPDATE SET reason = excluded.reason,"
	" halted_at = excluded.halted_at, seq = excluded.seq";

/* Binds a payload `o` of event `seq` to its statement. */
typedef void bind_fn(sqlite3_stmt *st, int64_t seq, const cJSON *o);

/* The projection of an event type that writes one row: `sql`, bound by `bind`. */
static enum rk_rc project_row(struct journal *j, int64_t seq, const char *type,
			      const char *payload, const char *sql, bind_fn *bind,
			      struct rk_err *err)
{
	sqlite3_stmt *st;
	cJSON *o = NULL;
	enum rk_rc rc = payload_object(seq, type, payload, &o, err);
	if (!rc && !(rc = journal_stmt(j, sql, &st, err))) {
		bind(st, seq, o);
		rc = sqlx_step_done(st, type, err);
	}
	cJSON_Delete(o);
	return rc;
}

/* A symbol column: "" when the payload has none. */
static const char *symbol_of(const cJSON *o)
{
	return get_s(o, "symbol") ? get_s(o, "symbol") : "";
}

static void bind_run(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	sqlite3_bind_int64(st, 1, seq);
	bind_s(st, 2, get_s(o, "venue"));
	bind_s(st, 3, get_s(o, "account"));
	bind_s(st, 4, get_s(o, "at"));
	sqlite3_bind_int(st, 5, get_b(o, "dry_run"));
}

static void bind_run_end(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	(void)seq;
	sqlite3_bind_int64(st, 1, get_i(o, "run_id"));
	bind_s(st, 2, get_s(o, "at"));
	sqlite3_bind_int(st, 3, get_b(o, "complete"));
	bind_s(st, 4, get_s(o, "reason"));
	bind_s(st, 5, get_s(o, "fills_cursor"));
}

static void bind_finding(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	sqlite3_bind_int64(st, 1, seq);
	bind_id(st, 2, get_i(o, "run_id"));
	bind_s(st, 3, get_s(o, "kind"));
	bind_s(st, 4, get_s(o, "venue"));
	bind_s(st, 5, get_s(o, "account"));
	bind_s(st, 6, symbol_of(o));
	bind_s(st, 7, get_s(o, "order_id"));
	bind_s(st, 8, get_s(o, "key"));
	bind_s(st, 9, get_s(o, "detail"));
	bind_s(st, 10, get_s(o, "at"));
}

static void bind_action(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, get_i(o, "run_id"));
	bind_id(st, 3, get_i(o, "finding_id"));
	bind_s(st, 4, get_s(o, "kind"));
	bind_s(st, 5, get_s(o, "venue"));
	bind_s(st, 6, get_s(o, "account"));
	bind_s(st, 7, symbol_of(o));
	bind_s(st, 8, get_s(o, "order_id"));
	bind_s(st, 9, get_s(o, "client_order_id"));
	bind_s(st, 10, get_s(o, "status"));
	bind_s(st, 11, get_s(o, "request"));
	bind_s(st, 12, get_s(o, "note"));
	bind_id(st, 13, get_i(o, "depends_on"));
	bind_s(st, 14, get_s(o, "at"));
}

static void bind_action_update(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	(void)seq;
	sqlite3_bind_int64(st, 1, get_i(o, "action_id"));
	bind_s(st, 2, get_s(o, "status"));
	bind_s(st, 3, get_s(o, "order_id"));
	bind_s(st, 4, get_s(o, "response"));
	bind_s(st, 5, get_s(o, "error"));
	bind_s(st, 6, get_s(o, "at"));
}

static void bind_halt(sqlite3_stmt *st, int64_t seq, const cJSON *o)
{
	bind_s(st, 1, get_s(o, "venue"));
	bind_s(st, 2, get_s(o, "account"));
	bind_s(st, 3, get_s(o, "symbol"));
	bind_s(st, 4, get_s(o, "reason"));
	bind_s(st, 5, get_s(o, "at"));
	sqlite3_bind_int64(st, 6, seq);
}

enum rk_rc recon_project_run(struct journal *j, int64_t seq, const char *payload, bool *stale,
			     struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "recon_run", payload, SQL_RUN_INSERT, bind_run, err);
}

enum rk_rc recon_project_run_end(struct journal *j, int64_t seq, const char *payload,
				 bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "recon_run_end", payload, SQL_RUN_END, bind_run_end, err);
}

enum rk_rc recon_project_finding(struct journal *j, int64_t seq, const char *payload,
				 bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "finding", payload, SQL_FINDING_INSERT, bind_finding, err);
}

enum rk_rc recon_project_action(struct journal *j, int64_t seq, const char *payload,
				bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "action", payload, SQL_ACTION_INSERT, bind_action, err);
}

enum rk_rc recon_project_action_update(struct journal *j, int64_t seq, const char *payload,
				       bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "action_update", payload, SQL_ACTION_UPDATE, bind_action_update,
			   err);
}

enum rk_rc recon_project_halt(struct journal *j, int64_t seq, const char *payload, bool *stale,
			      struct rk_err *err)
{
	(void)stale;
	return project_row(j, seq, "halt", payload, SQL_HALT, bind_halt, err);
}

/* ---- settlement and operator events ----------------------------------------- */

static const char SQL_FINDING_RESOLVED[] =
	"UPDATE findings SET resolved_at = ?2, resolved_by = ?3, resolution = ?4"
	" WHERE id = ?1 AND resolved_at IS NULL";
static const char SQL_EXPOS_CLEAR[] =
	"DELETE FROM exchange_positions WHERE venue = ?1 AND account = ?2";
static const char SQL_EXPOS_INSERT[] =
	"INSERT INTO exchange_positions(venue, account, symbol, qty, orderable_qty, entry_price,"
	" run_id, as_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The venue and account's rows as they are, to compare with an event's list. */
static const char SQL_EXPOS_CURRENT[] =
	"SELECT symbol, qty, orderable_qty, entry_price FROM exchange_positions"
	" WHERE venue = ?1 AND account = ?2";
/* A listed position that is new or changed. */
static const char SQL_EXPOS_UPSERT[] =
	"INSERT INTO exchange_positions(venue, account, symbol, qty, orderable_qty, entry_price,"
	" run_id, as_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT(venue, account, symbol) DO UPDATE SET qty = excluded.qty,"
	" orderable_qty = excluded.orderable_qty, entry_price = excluded.entry_price,"
	" run_id = excluded.run_id, as_of = excluded.as_of";
/* A position that is no longer listed. */
static const char SQL_EXPOS_DELETE[] =
	"DELETE FROM exchange_positions WHERE venue = ?1 AND account = ?2 AND symbol = ?3";
/* Every row left is listed: each gets the event's run and time, in one
 * statement (the unchanged ones were not written above). */
static const char SQL_EXPOS_STAMP[] =
	"UPDATE exchange_positions SET run_id = ?3, as_of = ?4 WHERE venue = ?1 AND account = ?2"
	" AND (run_id IS NOT ?3 OR as_of IS NOT ?4)";
static const char SQL_HALT_RELEASE[] =
	"DELETE FROM halts WHERE venue = ?1 AND account = ?2 AND symbol = ?3";

/* Steps a bound statement that writes; *changed (may be NULL) gets the rows changed. */
static enum rk_rc step_write(struct journal *j, sqlite3_stmt *st, const char *what, int *changed,
			     struct rk_err *err)
{
	enum rk_rc rc = sqlx_step_done(st, what, err);
	if (!rc && changed)
		*changed = sqlite3_changes(journal_db(j));
	return rc;
}

/* Applies a payload `o` of event `seq`. */
typedef enum rk_rc apply_fn(struct journal *j, int64_t seq, const cJSON *o, struct rk_err *err);

/* The projection of an event type whose payload `apply` reads as an object. */
static enum rk_rc project_object(struct journal *j, int64_t seq, const char *type,
				 const char *payload, apply_fn *apply, struct rk_err *err)
{
	cJSON *o = NULL;
	enum rk_rc rc = payload_object(seq, type, payload, &o, err);
	if (!rc)
		rc = apply(j, seq, o, err);
	cJSON_Delete(o);
	return rc;
}

static enum rk_rc apply_finding_resolved(struct journal *j, int64_t seq, const cJSON *o,
					 struct rk_err *err)
{
	sqlite3_stmt *st;
	int changed = 0;
	enum rk_rc rc = journal_stmt(j, SQL_FINDING_RESOLVED, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, get_i(o, "finding_id"));
	bind_s(st, 2, get_s(o, "at"));
	bind_id(st, 3, get_i(o, "run_id"));
	bind_s(st, 4, get_s(o, "reason"));
	if ((rc = step_write(j, st, "resolving a finding", &changed, err)))
		return rc;
	if (changed != 1)
		return rk_err_set(err, RK_ECONFLICT, "event %lld resolves finding %lld, which is not open",
				  (long long)seq, (long long)get_i(o, "finding_id"));
	return RK_OK;
}

/* Binds position `p` of exchange_positions event `o` to an insert or upsert. */
static void bind_exchange_position(sqlite3_stmt *st, const cJSON *o, const cJSON *p,
				   const char *venue, const char *account)
{
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	bind_s(st, 3, get_s(p, "symbol"));
	bind_s(st, 4, get_s(p, "qty"));
	bind_s(st, 5, get_s(p, "orderable_qty"));
	bind_s(st, 6, get_s(p, "entry_price"));
	bind_id(st, 7, get_i(o, "run_id"));
	bind_s(st, 8, get_s(o, "at"));
}

/* Writes position `p` with `sql` (SQL_EXPOS_INSERT or _UPSERT); *changed gets
 * the rows it changed. */
static enum rk_rc write_exchange_position(struct journal *j, const char *sql, const cJSON *o,
					  const cJSON *p, const char *venue, const char *account,
					  int *changed, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	if (rc)
		return rc;
	bind_exchange_position(st, o, p, venue, account);
	return step_write(j, st, "writing an exchange position", changed, err);
}

/* The venue and account's rows as they are before an exchange_positions
 * event: texts in `text`, referred to by offset (it may move as it grows),
 * indexed by symbol. */
struct expos_row {
	size_t symbol, qty, orderable_qty, entry_price; /* offsets in text */
	bool has_entry;
	bool listed; /* the event lists the symbol */
};
struct expos_current {
	RK_ARRAY(struct expos_row) rows;
	RK_ARRAY(char) text;
	struct rk_index by_symbol;
};

static const char *expos_symbol(const void *ctx, size_t i, unsigned part)
{
	const struct expos_current *c = ctx;
	(void)part;
	return c->text.v + c->rows.v[i].symbol;
}

/* Appends column `i` of `st` (text) to c->text; *at gets its offset. */
static bool keep_text(struct expos_current *c, sqlite3_stmt *st, int i, size_t *at)
{
	*at = c->text.n;
	return rk_array_append(&c->text, sqlx_col_text(st, i), strlen(sqlx_col_text(st, i)) + 1);
}

static enum rk_rc expos_read(struct journal *j, const char *venue, const char *account,
			     struct expos_current *c, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, SQL_EXPOS_CURRENT, &st, err);
	if (rc)
		return rc;
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	while (!(rc = sqlx_step_row(st, &row, "reading the exchange's positions", err)) && row) {
		struct expos_row *r = rk_array_push(&c->rows);
		if (!r || !keep_text(c, st, 0, &r->symbol) || !keep_text(c, st, 1, &r->qty) ||
		    !keep_text(c, st, 2, &r->orderable_qty) ||
		    !keep_text(c, st, 3, &r->entry_price) ||
		    !rk_index_add(&c->by_symbol, c->rows.n - 1)) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		r->has_entry = sqlite3_column_type(st, 3) != SQLITE_NULL;
	}
	return rc;
}

/* Keeps `symbol` (not NULL), new in the event, as a listed row. */
static enum rk_rc expos_add_listed(struct expos_current *c, const char *symbol,
				   struct rk_err *err)
{
	struct expos_row *r = rk_array_push(&c->rows);
	if (!r)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	r->symbol = c->text.n;
	r->listed = true;
	if (!rk_array_append(&c->text, symbol, strlen(symbol) + 1) ||
	    !rk_index_add(&c->by_symbol, c->rows.n - 1)) {
		c->rows.n--;
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	}
	return RK_OK;
}

static bool same_text(const struct expos_current *c, size_t at, const char *s)
{
	return s && strcmp(c->text.v + at, s) == 0;
}

/* Whether row `r` already holds position `p`'s values (run and time aside). */
static bool expos_same(const struct expos_current *c, const struct expos_row *r, const cJSON *p)
{
	const char *entry = get_s(p, "entry_price");
	return same_text(c, r->qty, get_s(p, "qty")) &&
	       same_text(c, r->orderable_qty, get_s(p, "orderable_qty")) &&
	       (r->has_entry ? same_text(c, r->entry_price, entry) : !entry);
}

/* Binds venue, account and symbol, and steps `sql` that writes. */
static enum rk_rc expos_write_key(struct journal *j, const char *sql, const char *venue,
				  const char *account, const char *symbol, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	if (rc)
		return rc;
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	bind_s(st, 3, symbol);
	return step_write(j, st, "deleting a vanished exchange position", NULL, err);
}

/* The rows become the event's list, as clearing and inserting it makes them
 * (the old rows' run and time included), writing only what changed: a new or
 * changed position is upserted, an unchanged one keeps its row, a vanished
 * one is deleted, and one statement then moves every row to the event's run
 * and time. A symbol listed twice fails as the second insert does. */
static enum rk_rc expos_apply_changes(struct journal *j, const cJSON *o, const char *venue,
				      const char *account, struct expos_current *c,
				      struct rk_err *err)
{
	enum rk_rc rc = expos_read(j, venue, account, c, err);
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "positions"))
	{
		if (rc)
			return rc;
		const char *symbol = get_s(p, "symbol");
		size_t k = symbol ? rk_index_first(&c->by_symbol, symbol, NULL) : RK_INDEX_NONE;
		struct expos_row *r = k == RK_INDEX_NONE ? NULL : &c->rows.v[k];
		if (r && r->listed) /* listed twice */
			rc = write_exchange_position(j, SQL_EXPOS_INSERT, o, p, venue, account, NULL,
						     err);
		else if (!r || !expos_same(c, r, p))
			rc = write_exchange_position(j, SQL_EXPOS_UPSERT, o, p, venue, account, NULL,
						     err);
		if (!rc && !r) /* a new symbol: kept, to find it listed twice */
			rc = expos_add_listed(c, symbol, err);
		else if (r)
			r->listed = true;
	}
	for (size_t i = 0; !rc && i < c->rows.n; i++)
		if (!c->rows.v[i].listed)
			rc = expos_write_key(j, SQL_EXPOS_DELETE, venue, account,
					     c->text.v + c->rows.v[i].symbol, err);
	sqlite3_stmt *st;
	if (rc || (rc = journal_stmt(j, SQL_EXPOS_STAMP, &st, err)))
		return rc;
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	bind_id(st, 3, get_i(o, "run_id"));
	bind_s(st, 4, get_s(o, "at"));
	return step_write(j, st, "dating the exchange's positions", NULL, err);
}

/* The venue and account's rows become the event's list. An event with a run
 * and a time is applied as the changes to the rows there (expos_apply_changes);
 * one without either (never written so) clears them and inserts the list,
 * failing as that does. */
static enum rk_rc apply_exchange_positions(struct journal *j, int64_t seq, const cJSON *o,
					   struct rk_err *err)
{
	sqlite3_stmt *st;
	const char *venue = get_s(o, "venue"), *account = get_s(o, "account");
	enum rk_rc rc;
	(void)seq;
	if (get_i(o, "run_id") > 0 && get_s(o, "at")) {
		struct expos_current c = {0};
		rk_index_init(&c.by_symbol, 1, expos_symbol, &c);
		rc = expos_apply_changes(j, o, venue, account, &c, err);
		rk_index_free(&c.by_symbol);
		free(c.rows.v);
		free(c.text.v);
		return rc;
	}
	if ((rc = journal_stmt(j, SQL_EXPOS_CLEAR, &st, err)))
		return rc;
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	if ((rc = step_write(j, st, "replacing the exchange's positions", NULL, err)))
		return rc;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "positions"))
	{
		if ((rc = write_exchange_position(j, SQL_EXPOS_INSERT, o, p, venue, account, NULL,
						  err)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc apply_halt_released(struct journal *j, int64_t seq, const cJSON *o,
				      struct rk_err *err)
{
	sqlite3_stmt *st;
	int changed = 0;
	enum rk_rc rc = journal_stmt(j, SQL_HALT_RELEASE, &st, err);
	if (rc)
		return rc;
	bind_s(st, 1, get_s(o, "venue"));
	bind_s(st, 2, get_s(o, "account"));
	bind_s(st, 3, get_s(o, "symbol"));
	if ((rc = step_write(j, st, "releasing a halt", &changed, err)))
		return rc;
	if (changed != 1)
		return rk_err_set(err, RK_ECONFLICT, "event %lld releases a halt on %s that does not exist",
				  (long long)seq, get_s(o, "symbol") ? get_s(o, "symbol") : "?");
	return RK_OK;
}

enum rk_rc recon_project_finding_resolved(struct journal *j, int64_t seq, const char *payload,
					  bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_object(j, seq, "finding_resolved", payload, apply_finding_resolved, err);
}

enum rk_rc recon_project_exchange_positions(struct journal *j, int64_t seq, const char *payload,
					    bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_object(j, seq, "exchange_positions", payload, apply_exchange_positions, err);
}

enum rk_rc recon_project_halt_released(struct journal *j, int64_t seq, const char *payload,
				       bool *stale, struct rk_err *err)
{
	(void)stale;
	return project_object(j, seq, "halt_released", payload, apply_halt_released, err);
}
