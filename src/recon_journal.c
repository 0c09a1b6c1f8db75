/* recon_journal.c — reconciler events and their projection (see recon_journal.h). */
#include "recon_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ingest.h"
#include "rtime.h"

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

/* Appends event `type` with the payload object (consumed). */
static enum rk_rc append(struct journal *j, const char *type, enum venue_kind venue,
			 const char *account, const char *symbol, int64_t now_us, cJSON *payload,
			 int64_t *seq, struct rk_err *err)
{
	char ts[RTIME_STR_MAX];
	enum rk_rc rc;
	char *text = payload ? cJSON_PrintUnformatted(payload) : NULL;
	cJSON_Delete(payload);
	if (!text)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	rtime_format(now_us, ts);
	struct journal_event ev = {type, "reconcile", ts, venue_name(venue), account,
				   symbol ? symbol : "", text, NULL};
	enum journal_append_result res;
	rc = journal_append(j, &ev, &res, seq, err);
	free(text);
	return rc;
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
	else return RK_ENOTFOUND;

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
		rc = journal_sql_error(j, err, type);
	sqlite3_reset(st);
out:
	cJSON_Delete(o);
	return rc;
}
