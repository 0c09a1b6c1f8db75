/* recon_journal.c — writing the reconciler's events (see recon_journal.h). */
#include "recon_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "events.h"
#include "jsonout.h"
#include "rk_array.h"
#include "rk_index.h"
#include "rtime.h"
#include "sqlx.h"

/* ---- writing ------------------------------------------------------------ */

/* An event payload under construction, all or nothing (as exec_json.c):
 * once one member cannot be added (allocation failure, an id beyond 2^53),
 * ok stays false and append() journals nothing, so an event is never hashed
 * into the chain with a member missing. */
struct payload {
	cJSON *o; /* owned; NULL when it could not be created */
	bool ok;  /* every member so far was added */
};

/* Adds k: "v"; a NULL v adds nothing (an absent member, not a failure). */
static void put_s(struct payload *p, const char *k, const char *v)
{
	if (p->ok && v)
		p->ok = jsonout_add_str(p->o, k, v);
}

/* Ids travel as JSON numbers: they are seq values, far below 2^53. */
static void put_i(struct payload *p, const char *k, int64_t v)
{
	if (p->ok)
		p->ok = jsonout_add_int(p->o, k, v);
}

static void put_b(struct payload *p, const char *k, bool v)
{
	if (p->ok)
		p->ok = cJSON_AddBoolToObject(p->o, k, v) != NULL;
}

/* Appends event `type` from `source` with the payload (consumed); RK_ENOMEM
 * and nothing appended when the payload is not whole. */
static enum rk_rc append_from(struct journal *j, const char *source, const char *type,
			      enum venue_kind venue, const char *account, const char *symbol,
			      int64_t now_us, struct payload *p, int64_t *seq, struct rk_err *err)
{
	char ts[RTIME_STR_MAX];
	enum rk_rc rc;
	char *text = p->ok ? cJSON_PrintUnformatted(p->o) : NULL;
	cJSON_Delete(p->o);
	p->o = NULL;
	if (!text)
		return rk_err_set(err, RK_ENOMEM, "out of memory building the %s event", type);
	rtime_format(now_us, ts);
	struct journal_event ev = {type, source, ts, venue_name(venue), account,
				   symbol ? symbol : "", text, NULL, NULL};
	enum events_result res;
	rc = events_append(j, &ev, &res, seq, err);
	free(text);
	return rc;
}

/* Appends the reconciler's event `type` with the payload (consumed). */
static enum rk_rc append(struct journal *j, const char *type, enum venue_kind venue,
			 const char *account, const char *symbol, int64_t now_us,
			 struct payload *p, int64_t *seq, struct rk_err *err)
{
	return append_from(j, "reconcile", type, venue, account, symbol, now_us, p, seq, err);
}

/* A new payload with the members every event has: venue, account, at. */
static struct payload base(enum venue_kind venue, const char *account, int64_t now_us)
{
	char ts[RTIME_STR_MAX];
	struct payload p = {cJSON_CreateObject(), false};
	p.ok = p.o != NULL;
	put_s(&p, "venue", venue_name(venue));
	put_s(&p, "account", account);
	put_s(&p, "at", rtime_format(now_us, ts));
	return p;
}

enum rk_rc recon_journal_run_start(struct journal *j, enum venue_kind venue, const char *account,
				   bool dry_run, int64_t now_us, int64_t *run_id, struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_b(&p, "dry_run", dry_run);
	return append(j, "recon_run", venue, account, "", now_us, &p, run_id, err);
}

enum rk_rc recon_journal_run_end(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, bool complete, const char *reason,
				 const char *fills_cursor, int64_t now_us, struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_i(&p, "run_id", run_id);
	put_b(&p, "complete", complete);
	put_s(&p, "reason", reason && reason[0] ? reason : NULL);
	put_s(&p, "fills_cursor", fills_cursor && fills_cursor[0] ? fills_cursor : NULL);
	return append(j, "recon_run_end", venue, account, "", now_us, &p, NULL, err);
}

enum rk_rc recon_journal_finding(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, const struct finding *f, int64_t now_us,
				 int64_t *finding_id, struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_i(&p, "run_id", run_id);
	put_s(&p, "kind", finding_kind_name(f->kind));
	put_s(&p, "symbol", f->symbol);
	put_s(&p, "order_id", f->order_id[0] ? f->order_id : NULL);
	put_s(&p, "key", f->key);
	put_s(&p, "detail", f->detail[0] ? f->detail : "{}");
	return append(j, "finding", venue, account, f->symbol, now_us, &p, finding_id, err);
}

enum rk_rc recon_journal_action(struct journal *j, int64_t run_id, int64_t finding_id,
				enum venue_kind venue, const char *account, const struct action *a,
				const char *client_order_id, const char *request,
				int64_t depends_on_id, int64_t now_us, int64_t *action_id,
				struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_i(&p, "run_id", run_id);
	if (finding_id > 0)
		put_i(&p, "finding_id", finding_id);
	put_s(&p, "kind", action_kind_name(a->kind));
	put_s(&p, "status", action_status_name(a->status));
	put_s(&p, "symbol", a->symbol);
	put_s(&p, "order_id", a->order_id[0] ? a->order_id : NULL);
	put_s(&p, "client_order_id",
	      client_order_id && client_order_id[0] ? client_order_id : NULL);
	put_s(&p, "request", request);
	put_s(&p, "note", a->note[0] ? a->note : NULL);
	if (depends_on_id > 0)
		put_i(&p, "depends_on", depends_on_id);
	return append(j, "action", venue, account, a->symbol, now_us, &p, action_id, err);
}

enum rk_rc recon_journal_action_update(struct journal *j, int64_t action_id, enum venue_kind venue,
				       const char *account, const char *symbol,
				       enum action_status status, const char *order_id,
				       const char *response, const char *error, int64_t now_us,
				       struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_i(&p, "action_id", action_id);
	put_s(&p, "status", action_status_name(status));
	put_s(&p, "order_id", order_id && order_id[0] ? order_id : NULL);
	put_s(&p, "response", response);
	put_s(&p, "error", error && error[0] ? error : NULL);
	return append(j, "action_update", venue, account, symbol, now_us, &p, NULL, err);
}

enum rk_rc recon_journal_halt(struct journal *j, enum venue_kind venue, const char *account,
			      const char *symbol, const char *reason, int64_t now_us,
			      struct rk_err *err)
{
	struct payload p = base(venue, account, now_us);
	put_s(&p, "symbol", symbol);
	put_s(&p, "reason", reason);
	return append(j, "halt", venue, account, symbol, now_us, &p, NULL, err);
}

enum rk_rc recon_journal_order(struct journal *j, const struct order_rec *o, struct rk_err *err)
{
	enum events_result res;
	return events_append_order(j, o, "reconcile", &res, err);
}

enum rk_rc recon_journal_fill(struct journal *j, const struct fill_rec *f, struct rk_err *err)
{
	enum events_result res;
	return events_append_fill(j, f, "reconcile", &res, err);
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

typedef RK_ARRAY(struct to_resolve) to_resolve_list;

/* Reads the findings `sql` selects (bound to venue, account, run) into *out
 * (caller frees out->v), before any of them is changed. */
static enum rk_rc select_to_resolve(struct journal *j, const char *sql, enum venue_kind venue,
				    const char *account, int64_t run_id, to_resolve_list *out,
				    struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	if (sql == SQL_GONE)
		sqlite3_bind_int64(st, 3, run_id);
	while (!(rc = sqlx_step_row(st, &row, "reading the findings to resolve", err)) && row) {
		struct to_resolve *t = rk_array_push(out);
		if (!t) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		t->id = sqlite3_column_int64(st, 0);
		t->action_id = sqlite3_column_int64(st, 3);
		snprintf(t->symbol, sizeof t->symbol, "%s", sqlx_col_text(st, 1));
		snprintf(t->key, sizeof t->key, "%s", sqlx_col_text(st, 2));
	}
	return rc;
}

/* One `finding_resolved` event per finding `sql` selects. */
static enum rk_rc resolve(struct journal *j, const char *sql, const char *reason, int64_t run_id,
			  enum venue_kind venue, const char *account, int64_t now_us,
			  size_t *resolved, struct rk_err *err)
{
	to_resolve_list t = {0};
	enum rk_rc rc = select_to_resolve(j, sql, venue, account, run_id, &t, err);
	for (size_t i = 0; !rc && i < t.n; i++) {
		struct payload p = base(venue, account, now_us);
		put_i(&p, "finding_id", t.v[i].id);
		put_s(&p, "key", t.v[i].key[0] ? t.v[i].key : NULL);
		put_i(&p, "run_id", run_id);
		put_s(&p, "reason", reason);
		if (t.v[i].action_id > 0)
			put_i(&p, "action_id", t.v[i].action_id);
		rc = append(j, "finding_resolved", venue, account, t.v[i].symbol, now_us, &p, NULL,
			    err);
		*resolved += !rc;
	}
	free(t.v);
	return rc;
}

static const char *instrument_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct venue_snapshot *)ctx)->instruments[i].symbol;
}

/* The snapshot's non-zero positions as an `exchange_positions` event. */
static enum rk_rc journal_exchange_positions(struct journal *j, int64_t run_id,
					     enum venue_kind venue, const char *account,
					     const struct venue_snapshot *snap, int64_t now_us,
					     struct rk_err *err)
{
	struct payload o = base(venue, account, now_us);
	put_i(&o, "run_id", run_id);
	cJSON *list = o.ok ? cJSON_AddArrayToObject(o.o, "positions") : NULL;
	struct rk_index ins; /* the instruments by symbol: first of each, as a scan finds */
	o.ok = list != NULL;
	rk_index_init(&ins, 1, instrument_symbol, snap);
	for (size_t i = 0; o.ok && i < snap->ninstruments; i++)
		o.ok = rk_index_add(&ins, i);
	for (size_t i = 0; o.ok && i < snap->npositions; i++) {
		const struct venue_position *p = &snap->positions[i];
		if (dec_is_zero(p->qty))
			continue;
		size_t k = rk_index_first(&ins, p->symbol, NULL);
		const struct instrument *in = k == RK_INDEX_NONE ? NULL : &snap->instruments[k];
		char q[DEC_STR_MAX], t[DEC_STR_MAX], e[DEC_STR_MAX];
		struct dec orderable = dec_abs(p->qty);
		struct payload item = {cJSON_CreateObject(), false};
		/* As the planner sizes a stop: |qty| down to the step (else |qty|). */
		if (in && dec_sign(in->step_size) > 0 &&
		    dec_quantize(dec_abs(p->qty), in->step_size, DEC_ROUND_DOWN, &orderable) != DEC_OK)
			orderable = dec_abs(p->qty);
		item.ok = item.o != NULL;
		put_s(&item, "symbol", p->symbol);
		put_s(&item, "qty", dec_format(p->qty, q));
		put_s(&item, "orderable_qty", dec_format(orderable, t));
		put_s(&item, "entry_price", p->has_entry ? dec_format(p->entry_price, e) : NULL);
		if (item.ok && cJSON_AddItemToArray(list, item.o))
			continue;
		cJSON_Delete(item.o);
		o.ok = false;
	}
	rk_index_free(&ins);
	return append(j, "exchange_positions", venue, account, "", now_us, &o, NULL, err);
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
	bool halted = false;
	if ((rc = sqlx_step_row(st, &halted, "reading halts", err)))
		return rc;
	sqlite3_reset(st);
	if (!halted)
		return rk_err_set(err, RK_ENOTFOUND, "no halt on %s/%s/%s (see 'reckon halt list')",
				  venue_name(venue), account, symbol);
	struct payload p = base(venue, account, now_us);
	put_s(&p, "symbol", symbol);
	put_s(&p, "reason", reason);
	return append_from(j, "operator", "halt_released", venue, account, symbol, now_us, &p, seq,
			   err);
}
