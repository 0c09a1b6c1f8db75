/* recon_journal.c — reconciler events and their projection (see recon_journal.h). */
#include "recon_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ingest.h"
#include "rtime.h"
#include "sqlx.h"

/* ---- writing ------------------------------------------------------------ */

static cJSON *add_s(cJSON *o, const char *k, const char *v)
{
	if (o && v)
		cJSON_AddStringToObject(o, k, v);
	return o;
}

/* Ids travel as JSON numbers: they are seq values, far below 2^53. */
static cJSON *add_i(cJSON *o, const char *k, int64_t v)
{
	if (o)
		cJSON_AddNumberToObject(o, k, (double)v);
	return o;
}

/* Appends event `type` from `source` with the payload object (consumed). */
static enum rk_rc append_from(struct journal *j, const char *source, const char *type,
			      enum venue_kind venue, const char *account, const char *symbol,
			      int64_t now_us, cJSON *payload, int64_t *seq, struct rk_err *err)
{
	char ts[RTIME_STR_MAX];
	enum rk_rc rc;
	char *text = payload ? cJSON_PrintUnformatted(payload) : NULL;
	cJSON_Delete(payload);
	if (!text)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	rtime_format(now_us, ts);
	struct journal_event ev = {type, source, ts, venue_name(venue), account,
				   symbol ? symbol : "", text, NULL};
	enum journal_append_result res;
	rc = journal_append(j, &ev, &res, seq, err);
	free(text);
	return rc;
}

/* Appends the reconciler's event `type` with the payload object (consumed). */
static enum rk_rc append(struct journal *j, const char *type, enum venue_kind venue,
			 const char *account, const char *symbol, int64_t now_us, cJSON *payload,
			 int64_t *seq, struct rk_err *err)
{
	return append_from(j, "reconcile", type, venue, account, symbol, now_us, payload, seq, err);
}

static cJSON *base(enum venue_kind venue, const char *account, int64_t now_us)
{
	char ts[RTIME_STR_MAX];
	cJSON *o = cJSON_CreateObject();
	add_s(o, "venue", venue_name(venue));
	add_s(o, "account", account);
	return add_s(o, "at", rtime_format(now_us, ts));
}

enum rk_rc recon_journal_run_start(struct journal *j, enum venue_kind venue, const char *account,
				   bool dry_run, int64_t now_us, int64_t *run_id, struct rk_err *err)
{
	cJSON *o = base(venue, account, now_us);
	if (o)
		cJSON_AddBoolToObject(o, "dry_run", dry_run);
	return append(j, "recon_run", venue, account, "", now_us, o, run_id, err);
}

enum rk_rc recon_journal_run_end(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, bool complete, const char *reason,
				 const char *fills_cursor, int64_t now_us, struct rk_err *err)
{
	cJSON *o = add_i(base(venue, account, now_us), "run_id", run_id);
	if (o)
		cJSON_AddBoolToObject(o, "complete", complete);
	add_s(o, "reason", reason && reason[0] ? reason : NULL);
	add_s(o, "fills_cursor", fills_cursor && fills_cursor[0] ? fills_cursor : NULL);
	return append(j, "recon_run_end", venue, account, "", now_us, o, NULL, err);
}

enum rk_rc recon_journal_finding(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, const struct finding *f, int64_t now_us,
				 int64_t *finding_id, struct rk_err *err)
{
	cJSON *o = add_i(base(venue, account, now_us), "run_id", run_id);
	add_s(o, "kind", finding_kind_name(f->kind));
	add_s(o, "symbol", f->symbol);
	add_s(o, "order_id", f->order_id[0] ? f->order_id : NULL);
	add_s(o, "key", f->key);
	add_s(o, "detail", f->detail[0] ? f->detail : "{}");
	return append(j, "finding", venue, account, f->symbol, now_us, o, finding_id, err);
}

enum rk_rc recon_journal_action(struct journal *j, int64_t run_id, int64_t finding_id,
				enum venue_kind venue, const char *account, const struct action *a,
				const char *client_order_id, const char *request,
				int64_t depends_on_id, int64_t now_us, int64_t *action_id,
				struct rk_err *err)
{
	cJSON *o = add_i(base(venue, account, now_us), "run_id", run_id);
	if (finding_id > 0)
		add_i(o, "finding_id", finding_id);
	add_s(o, "kind", action_kind_name(a->kind));
	add_s(o, "status", action_status_name(a->status));
	add_s(o, "symbol", a->symbol);
	add_s(o, "order_id", a->order_id[0] ? a->order_id : NULL);
	add_s(o, "client_order_id", client_order_id && client_order_id[0] ? client_order_id : NULL);
	add_s(o, "request", request);
	add_s(o, "note", a->note[0] ? a->note : NULL);
	if (depends_on_id > 0)
		add_i(o, "depends_on", depends_on_id);
	return append(j, "action", venue, account, a->symbol, now_us, o, action_id, err);
}

enum rk_rc recon_journal_action_update(struct journal *j, int64_t action_id, enum venue_kind venue,
				       const char *account, const char *symbol,
				       enum action_status status, const char *order_id,
				       const char *response, const char *error, int64_t now_us,
				       struct rk_err *err)
{
	cJSON *o = add_i(base(venue, account, now_us), "action_id", action_id);
	add_s(o, "status", action_status_name(status));
	add_s(o, "order_id", order_id && order_id[0] ? order_id : NULL);
	add_s(o, "response", response);
	add_s(o, "error", error && error[0] ? error : NULL);
	return append(j, "action_update", venue, account, symbol, now_us, o, NULL, err);
}

enum rk_rc recon_journal_halt(struct journal *j, enum venue_kind venue, const char *account,
			      const char *symbol, const char *reason, int64_t now_us,
			      struct rk_err *err)
{
	cJSON *o = base(venue, account, now_us);
	add_s(o, "symbol", symbol);
	add_s(o, "reason", reason);
	return append(j, "halt", venue, account, symbol, now_us, o, NULL, err);
}

enum rk_rc recon_journal_order(struct journal *j, const struct order_rec *o, struct rk_err *err)
{
	enum journal_append_result res;
	return ingest_append_order(j, o, "reconcile", &res, err);
}

enum rk_rc recon_journal_fill(struct journal *j, const struct fill_rec *f, struct rk_err *err)
{
	enum journal_append_result res;
	return ingest_append_fill(j, f, "reconcile", &res, err);
}

/* ---- projection --------------------------------------------------------- */

static const char *get_s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t get_i(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
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

static enum rk_rc project_settlement(struct journal *j, int64_t seq, const char *type,
				     const char *payload, struct rk_err *err);

enum rk_rc recon_journal_project(struct journal *j, int64_t seq, const char *type,
				 const char *payload, struct rk_err *err)
{
	const char *sql;
	if (strcmp(type, "recon_run") == 0) sql = SQL_RUN_INSERT;
	else if (strcmp(type, "recon_run_end") == 0) sql = SQL_RUN_END;
	else if (strcmp(type, "finding") == 0) sql = SQL_FINDING_INSERT;
	else if (strcmp(type, "action") == 0) sql = SQL_ACTION_INSERT;
	else if (strcmp(type, "action_update") == 0) sql = SQL_ACTION_UPDATE;
	else if (strcmp(type, "halt") == 0) sql = SQL_HALT;
	else return project_settlement(j, seq, type, payload, err);

	enum rk_rc rc = RK_OK;
	sqlite3_stmt *st = NULL;
	cJSON *o = cJSON_Parse(payload);
	if (!o || !cJSON_IsObject(o)) {
		rc = rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object",
				(long long)seq, type);
		goto out;
	}
	if ((rc = journal_stmt(j, sql, &st, err)))
		goto out;
	const char *venue = get_s(o, "venue"), *account = get_s(o, "account"), *at = get_s(o, "at");
	if (sql == SQL_RUN_INSERT) {
		sqlite3_bind_int64(st, 1, seq);
		bind_s(st, 2, venue);
		bind_s(st, 3, account);
		bind_s(st, 4, at);
		sqlite3_bind_int(st, 5, get_b(o, "dry_run"));
	} else if (sql == SQL_RUN_END) {
		sqlite3_bind_int64(st, 1, get_i(o, "run_id"));
		bind_s(st, 2, at);
		sqlite3_bind_int(st, 3, get_b(o, "complete"));
		bind_s(st, 4, get_s(o, "reason"));
		bind_s(st, 5, get_s(o, "fills_cursor"));
	} else if (sql == SQL_FINDING_INSERT) {
		sqlite3_bind_int64(st, 1, seq);
		bind_id(st, 2, get_i(o, "run_id"));
		bind_s(st, 3, get_s(o, "kind"));
		bind_s(st, 4, venue);
		bind_s(st, 5, account);
		bind_s(st, 6, get_s(o, "symbol") ? get_s(o, "symbol") : "");
		bind_s(st, 7, get_s(o, "order_id"));
		bind_s(st, 8, get_s(o, "key"));
		bind_s(st, 9, get_s(o, "detail"));
		bind_s(st, 10, at);
	} else if (sql == SQL_ACTION_INSERT) {
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_int64(st, 2, get_i(o, "run_id"));
		bind_id(st, 3, get_i(o, "finding_id"));
		bind_s(st, 4, get_s(o, "kind"));
		bind_s(st, 5, venue);
		bind_s(st, 6, account);
		bind_s(st, 7, get_s(o, "symbol") ? get_s(o, "symbol") : "");
		bind_s(st, 8, get_s(o, "order_id"));
		bind_s(st, 9, get_s(o, "client_order_id"));
		bind_s(st, 10, get_s(o, "status"));
		bind_s(st, 11, get_s(o, "request"));
		bind_s(st, 12, get_s(o, "note"));
		bind_id(st, 13, get_i(o, "depends_on"));
		bind_s(st, 14, at);
	} else if (sql == SQL_ACTION_UPDATE) {
		sqlite3_bind_int64(st, 1, get_i(o, "action_id"));
		bind_s(st, 2, get_s(o, "status"));
		bind_s(st, 3, get_s(o, "order_id"));
		bind_s(st, 4, get_s(o, "response"));
		bind_s(st, 5, get_s(o, "error"));
		bind_s(st, 6, at);
	} else {
		bind_s(st, 1, venue);
		bind_s(st, 2, account);
		bind_s(st, 3, get_s(o, "symbol"));
		bind_s(st, 4, get_s(o, "reason"));
		bind_s(st, 5, at);
		sqlite3_bind_int64(st, 6, seq);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlx_error(journal_db(j), err, type);
	sqlite3_reset(st);
out:
	cJSON_Delete(o);
	return rc;
}

/* ---- settling a pass, releasing a halt ------------------------------------ */

/* Unresolved findings of a venue and account whose last action succeeded,
 * with no action of theirs still planned or sent. */
static const char SQL_RESOLVED_BY_ACTION[] =
	"SELECT f.id, f.symbol, f.finding_key, a.id FROM findings f"
	" JOIN actions a ON a.id = (SELECT max(b.id) FROM actions b WHERE b.finding_id = f.id)"
	" WHERE f.venue = ?1 AND f.account = ?2 AND f.resolved_at IS NULL AND f.run_id IS NOT NULL"
	" AND a.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM actions c"
	"  WHERE c.finding_id = f.id AND c.status IN ('planned', 'sent'))"
	" ORDER BY f.id";
/* Unresolved findings of earlier runs whose key run ?3 did not find. */
static const char SQL_GONE[] =
	"SELECT f.id, f.symbol, f.finding_key, 0 FROM findings f"
	" WHERE f.venue = ?1 AND f.account = ?2 AND f.resolved_at IS NULL"
	" AND f.run_id IS NOT NULL AND f.run_id < ?3 AND NOT EXISTS (SELECT 1 FROM findings g"
	"  WHERE g.run_id = ?3 AND g.finding_key = f.finding_key)"
	" ORDER BY f.id";

struct to_resolve {
	int64_t id, action_id;
	char symbol[MODEL_SYM_MAX];
	char key[256];
};

/* Reads the findings `sql` selects (bound to venue, account, run) into *out
 * (caller frees), before any of them is changed. */
static enum rk_rc select_to_resolve(struct journal *j, const char *sql, enum venue_kind venue,
				    const char *account, int64_t run_id, struct to_resolve **out,
				    size_t *n, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	int step;
	*out = NULL, *n = 0;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	if (sql == SQL_GONE)
		sqlite3_bind_int64(st, 3, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct to_resolve *grown = realloc(*out, (*n + 1) * sizeof **out);
		if (!grown) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			break;
		}
		*out = grown;
		struct to_resolve *t = &grown[(*n)++];
		const unsigned char *sym = sqlite3_column_text(st, 1), *key = sqlite3_column_text(st, 2);
		t->id = sqlite3_column_int64(st, 0);
		t->action_id = sqlite3_column_int64(st, 3);
		snprintf(t->symbol, sizeof t->symbol, "%s", sym ? (const char *)sym : "");
		snprintf(t->key, sizeof t->key, "%s", key ? (const char *)key : "");
	}
	if (!rc && step != SQLITE_DONE)
		rc = sqlx_error(journal_db(j), err, "reading the findings to resolve");
	sqlite3_reset(st);
	return rc;
}

/* One `finding_resolved` event per finding `sql` selects. */
static enum rk_rc resolve(struct journal *j, const char *sql, const char *reason, int64_t run_id,
			  enum venue_kind venue, const char *account, int64_t now_us,
			  size_t *resolved, struct rk_err *err)
{
	struct to_resolve *t = NULL;
	size_t n = 0;
	enum rk_rc rc = select_to_resolve(j, sql, venue, account, run_id, &t, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		cJSON *o = add_i(base(venue, account, now_us), "finding_id", t[i].id);
		add_s(o, "key", t[i].key[0] ? t[i].key : NULL);
		add_i(o, "run_id", run_id);
		add_s(o, "reason", reason);
		if (t[i].action_id > 0)
			add_i(o, "action_id", t[i].action_id);
		rc = append(j, "finding_resolved", venue, account, t[i].symbol, now_us, o, NULL, err);
		*resolved += !rc;
	}
	free(t);
	return rc;
}

/* The snapshot's non-zero positions as an `exchange_positions` event. */
static enum rk_rc journal_exchange_positions(struct journal *j, int64_t run_id,
					     enum venue_kind venue, const char *account,
					     const struct venue_snapshot *snap, int64_t now_us,
					     struct rk_err *err)
{
	cJSON *o = add_i(base(venue, account, now_us), "run_id", run_id);
	cJSON *list = o ? cJSON_AddArrayToObject(o, "positions") : NULL;
	for (size_t i = 0; list && i < snap->npositions; i++) {
		const struct venue_position *p = &snap->positions[i];
		const struct instrument *in = venue_snapshot_instrument(snap, p->symbol);
		char q[DEC_STR_MAX], t[DEC_STR_MAX], e[DEC_STR_MAX];
		struct dec orderable = dec_abs(p->qty);
		cJSON *item = dec_is_zero(p->qty) ? NULL : cJSON_CreateObject();
		if (!item)
			continue;
		/* As the planner sizes a stop: |qty| down to the step (else |qty|). */
		if (in && dec_sign(in->step_size) > 0 &&
		    dec_quantize(dec_abs(p->qty), in->step_size, DEC_ROUND_DOWN, &orderable) != DEC_OK)
			orderable = dec_abs(p->qty);
		add_s(item, "symbol", p->symbol);
		add_s(item, "qty", dec_format(p->qty, q));
		add_s(item, "orderable_qty", dec_format(orderable, t));
		add_s(item, "entry_price", p->has_entry ? dec_format(p->entry_price, e) : NULL);
		cJSON_AddItemToArray(list, item);
	}
	if (!list) {
		cJSON_Delete(o);
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	}
	return append(j, "exchange_positions", venue, account, "", now_us, o, NULL, err);
}

enum rk_rc recon_journal_settle_pass(struct journal *j, int64_t run_id, enum venue_kind venue,
				     const char *account, const struct venue_snapshot *snap,
				     int64_t now_us, size_t *resolved, struct rk_err *err)
{
	size_t count = 0;
	enum rk_rc rc = journal_begin(j, err);
	if (rc)
		return rc;
	if (snap->complete)
		rc = journal_exchange_positions(j, run_id, venue, account, snap, now_us, err);
	if (!rc)
		rc = resolve(j, SQL_RESOLVED_BY_ACTION, "action_succeeded", run_id, venue, account,
			     now_us, &count, err);
	/* Only a complete snapshot can show that something is gone (rule 1). */
	if (!rc && snap->complete)
		rc = resolve(j, SQL_GONE, "gone", run_id, venue, account, now_us, &count, err);
	if (rc) {
		journal_rollback(j);
		return rk_err_prefix(err, "settling run %lld", (long long)run_id);
	}
	if (resolved)
		*resolved = count;
	return journal_commit(j, err);
}

static const char SQL_HALT_EXISTS[] =
	"SELECT 1 FROM halts WHERE venue = ?1 AND account = ?2 AND symbol = ?3";

enum rk_rc recon_journal_release_halt(struct journal *j, enum venue_kind venue,
				      const char *account, const char *symbol, const char *reason,
				      int64_t now_us, int64_t *seq, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_HALT_EXISTS, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, symbol, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step == SQLITE_DONE)
		return rk_err_set(err, RK_ENOTFOUND, "no halt on %s/%s/%s (see 'reckon halt list')",
				  venue_name(venue), account, symbol);
	if (step != SQLITE_ROW)
		return sqlx_error(journal_db(j), err, "reading halts");
	cJSON *o = add_s(base(venue, account, now_us), "symbol", symbol);
	add_s(o, "reason", reason);
	return append_from(j, "operator", "halt_released", venue, account, symbol, now_us, o, seq,
			   err);
}

/* ---- projection of the settlement and operator events ---- */

static const char SQL_FINDING_RESOLVED[] =
	"UPDATE findings SET resolved_at = ?2, resolved_by = ?3, resolution = ?4"
	" WHERE id = ?1 AND resolved_at IS NULL";
static const char SQL_EXPOS_CLEAR[] =
	"DELETE FROM exchange_positions WHERE venue = ?1 AND account = ?2";
static const char SQL_EXPOS_INSERT[] =
	"INSERT INTO exchange_positions(venue, account, symbol, qty, orderable_qty, entry_price,"
	" run_id, as_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_HALT_RELEASE[] =
	"DELETE FROM halts WHERE venue = ?1 AND account = ?2 AND symbol = ?3";

/* Steps a bound statement that writes; *changed (may be NULL) gets the rows changed. */
static enum rk_rc step_write(struct journal *j, sqlite3_stmt *st, const char *what, int *changed,
			     struct rk_err *err)
{
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return sqlx_error(journal_db(j), err, what);
	if (changed)
		*changed = sqlite3_changes(journal_db(j));
	return RK_OK;
}

static enum rk_rc project_finding_resolved(struct journal *j, int64_t seq, const cJSON *o,
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

static enum rk_rc project_exchange_positions(struct journal *j, const cJSON *o,
					     struct rk_err *err)
{
	sqlite3_stmt *st;
	const char *venue = get_s(o, "venue"), *account = get_s(o, "account");
	enum rk_rc rc = journal_stmt(j, SQL_EXPOS_CLEAR, &st, err);
	if (rc)
		return rc;
	bind_s(st, 1, venue);
	bind_s(st, 2, account);
	if ((rc = step_write(j, st, "replacing the exchange's positions", NULL, err)))
		return rc;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "positions"))
	{
		if ((rc = journal_stmt(j, SQL_EXPOS_INSERT, &st, err)))
			return rc;
		bind_s(st, 1, venue);
		bind_s(st, 2, account);
		bind_s(st, 3, get_s(p, "symbol"));
		bind_s(st, 4, get_s(p, "qty"));
		bind_s(st, 5, get_s(p, "orderable_qty"));
		bind_s(st, 6, get_s(p, "entry_price"));
		bind_id(st, 7, get_i(o, "run_id"));
		bind_s(st, 8, get_s(o, "at"));
		if ((rc = step_write(j, st, "writing an exchange position", NULL, err)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc project_halt_released(struct journal *j, int64_t seq, const cJSON *o,
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

/* finding_resolved, exchange_positions and halt_released; RK_ENOTFOUND for
 * any other type. */
static enum rk_rc project_settlement(struct journal *j, int64_t seq, const char *type,
				     const char *payload, struct rk_err *err)
{
	enum rk_rc (*apply)(struct journal *, int64_t, const cJSON *, struct rk_err *) = NULL;
	bool positions = strcmp(type, "exchange_positions") == 0;
	if (strcmp(type, "finding_resolved") == 0)
		apply = project_finding_resolved;
	else if (strcmp(type, "halt_released") == 0)
		apply = project_halt_released;
	else if (!positions)
		return RK_ENOTFOUND;
	enum rk_rc rc;
	cJSON *o = cJSON_Parse(payload);
	if (!o || !cJSON_IsObject(o))
		rc = rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object",
				(long long)seq, type);
	else
		rc = positions ? project_exchange_positions(j, o, err) : apply(j, seq, o, err);
	cJSON_Delete(o);
	return rc;
}
