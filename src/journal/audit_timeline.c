/* audit_timeline.c — the events of a selection as readable, chained entries
 * (see audit_timeline.h). */
#include "audit_timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "rk_array.h"
#include "rtime.h"
#include "audit_sql.h"
#include "sqlx.h"

static const char SQL_ALL[] =
	"SELECT seq, ts, type, source, venue, account, symbol, payload FROM events ORDER BY seq";
const char AUDIT_SQL_TIMELINE_SYMBOL[] =
	"SELECT seq, ts, type, source, venue, account, symbol, payload FROM events"
	" WHERE symbol IN (?1, '') ORDER BY seq";
/* An order's venue and symbol, through the orders' primary key. */
const char AUDIT_SQL_TIMELINE_ORDER[] =
	"SELECT symbol FROM orders WHERE venue IN ('coinbase', 'binance-usdm', 'sim')"
	" AND order_id = ?1 LIMIT 1";

/* What the walk remembers of the chain. */
struct link {
	int64_t seq, cites;
	int depth;
	bool wanted;        /* part of an --order selection */
};

struct walk {
	const struct audit_tl_filter *f;
	RK_ARRAY(struct link) links;  /* findings and actions, by seq (ascending) */
	RK_ARRAY(char *) vas;         /* "venue\naccount" of the symbol's events */
	int64_t in_flight;            /* the action whose request is out, 0 none */
	bool oom;                     /* a link could not be remembered */
	audit_tl_fn fn;
	void *ctx;
};

static struct link *link_find(struct walk *w, int64_t seq)
{
	size_t lo = 0, hi = w->links.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->links.v[mid].seq == seq)
			return &w->links.v[mid];
		if (w->links.v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Remembers event `seq` (ascending) citing `cites`; NULL on ENOMEM. */
static struct link *link_add(struct walk *w, int64_t seq, int64_t cites)
{
	struct link *c = cites ? link_find(w, cites) : NULL;
	int depth = c ? c->depth + 1 : 0;
	bool wanted = c && c->wanted;
	struct link *l = rk_array_push(&w->links);
	if (l)
		*l = (struct link){seq, cites, depth, wanted};
	else
		w->oom = true;
	return l;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t ji(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Appends " LABEL VALUE" when value is not empty. */
static void add(char *buf, const char *label, const char *value)
{
	size_t n = strlen(buf);
	if (value && value[0] && n < AUDIT_TL_WHAT_MAX - 1)
		snprintf(buf + n, AUDIT_TL_WHAT_MAX - n, " %s%s", label, value);
}

static bool same_order(const struct walk *w, const char *id)
{
	return w->f->order_id && id[0] && strcmp(w->f->order_id, id) == 0;
}

/* ---- one entry per event type ----------------------------------------------- */

static void say_order(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	snprintf(e->order_id, sizeof e->order_id, "%s", js(o, "order_id"));
	snprintf(e->what, sizeof e->what, "order %s %s %s %s qty %s", js(o, "order_id"),
		 js(o, "side"), js(o, "order_type"), js(o, "status"), js(o, "qty"));
	add(e->what, "filled ", js(o, "filled_qty"));
	add(e->what, "price ", js(o, "price"));
	add(e->what, "stop ", js(o, "stop_price"));
	add(e->what, "", js(o, "purpose"));
	add(e->what, "client ", js(o, "client_order_id"));
	*keep = !w->f->order_id || same_order(w, e->order_id);
}

static void say_fill(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	snprintf(e->order_id, sizeof e->order_id, "%s", js(o, "order_id"));
	snprintf(e->what, sizeof e->what, "fill %s of order %s: %s %s @ %s", js(o, "fill_id"),
		 js(o, "order_id"), js(o, "side"), js(o, "qty"), js(o, "price"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "inferred")))
		add(e->what, "", "(inferred)");
	*keep = !w->f->order_id || same_order(w, e->order_id);
}

static void say_finding(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	struct link *l = link_add(w, e->seq, 0);
	snprintf(e->order_id, sizeof e->order_id, "%s", js(o, "order_id"));
	snprintf(e->what, sizeof e->what, "finding #%lld %s", (long long)e->seq, js(o, "kind"));
	add(e->what, "order ", e->order_id);
	add(e->what, "", js(o, "detail"));
	if (l)
		l->wanted = same_order(w, e->order_id);
	*keep = !w->f->order_id || (l && l->wanted);
}

static void say_action(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	struct link *l = link_add(w, e->seq, ji(o, "finding_id"));
	snprintf(e->order_id, sizeof e->order_id, "%s", js(o, "order_id"));
	snprintf(e->what, sizeof e->what, "action #%lld %s %s", (long long)e->seq, js(o, "kind"),
		 js(o, "status"));
	add(e->what, "order ", e->order_id);
	add(e->what, "client ", js(o, "client_order_id"));
	if (ji(o, "depends_on"))
		snprintf(e->what + strlen(e->what), sizeof e->what - strlen(e->what),
			 " after action #%lld", (long long)ji(o, "depends_on"));
	add(e->what, "request ", js(o, "request"));
	add(e->what, "— ", js(o, "note"));
	if (l) {
		e->cites = l->cites;
		e->depth = l->depth;
		l->wanted = l->wanted || same_order(w, e->order_id);
	}
	*keep = !w->f->order_id || (l && l->wanted);
}

static void say_update(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	int64_t id = ji(o, "action_id");
	struct link *l = link_find(w, id);
	const char *status = js(o, "status");
	snprintf(e->order_id, sizeof e->order_id, "%s", js(o, "order_id"));
	snprintf(e->what, sizeof e->what, "action #%lld %s", (long long)id,
		 strcmp(status, "sent") == 0 ? "sent: the request left" : status);
	add(e->what, "order ", e->order_id);
	add(e->what, "answer ", js(o, "response"));
	add(e->what, "error ", js(o, "error"));
	e->cites = id;
	e->depth = l ? l->depth + 1 : 1;
	w->in_flight = strcmp(status, "sent") == 0 ? id : 0;
	if (l && same_order(w, e->order_id))
		l->wanted = true; /* the order it placed */
	*keep = !w->f->order_id || (l && l->wanted);
}

static void say_resolved(struct walk *w, const cJSON *o, struct audit_tl_entry *e, bool *keep)
{
	int64_t id = ji(o, "finding_id");
	struct link *l = link_find(w, id);
	snprintf(e->what, sizeof e->what, "finding #%lld resolved: %s", (long long)id,
		 js(o, "reason"));
	if (ji(o, "action_id"))
		snprintf(e->what + strlen(e->what), sizeof e->what - strlen(e->what),
			 " (action #%lld)", (long long)ji(o, "action_id"));
	e->cites = id;
	e->depth = l ? l->depth + 1 : 1;
	*keep = !w->f->order_id || (l && l->wanted);
}

/* Runs, the exchange's positions, halts, checkpoints. */
static void say_other(struct walk *w, const char *type, const cJSON *o, struct audit_tl_entry *e,
		      bool *keep)
{
	*keep = !w->f->order_id;
	if (strcmp(type, "recon_run") == 0) {
		snprintf(e->what, sizeof e->what, "reconciliation run #%lld started%s",
			 (long long)e->seq,
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "dry_run")) ? " (dry run)"
										   : "");
	} else if (strcmp(type, "recon_run_end") == 0) {
		snprintf(e->what, sizeof e->what, "run #%lld ended, snapshot %s",
			 (long long)ji(o, "run_id"),
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete")) ? "complete"
										 : "incomplete");
		add(e->what, "— ", js(o, "reason"));
	} else if (strcmp(type, "exchange_positions") == 0) {
		const cJSON *p;
		snprintf(e->what, sizeof e->what, "the exchange's positions (run #%lld):",
			 (long long)ji(o, "run_id"));
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "positions"))
			if (!w->f->symbol || strcmp(js(p, "symbol"), w->f->symbol) == 0) {
				add(e->what, "", js(p, "symbol"));
				add(e->what, "", js(p, "qty"));
			}
		if (w->f->symbol && !strstr(e->what, w->f->symbol))
			*keep = false;
	} else if (strcmp(type, "halt") == 0 || strcmp(type, "halt_released") == 0) {
		snprintf(e->what, sizeof e->what, "%s: %s",
			 strcmp(type, "halt") == 0 ? "halted" : "halt released", js(o, "reason"));
	} else if (strcmp(type, "audit_checkpoint") == 0) {
		snprintf(e->what, sizeof e->what, "audit checkpoint: events 1..%lld verified",
			 (long long)ji(o, "seq"));
	} else {
		snprintf(e->what, sizeof e->what, "%s", type);
	}
}

/* Who spoke, from the event's type and source. */
static const char *who(const char *type, const char *source)
{
	if (strcmp(source, "ingest") == 0)
		return "bot";
	if (strcmp(source, "operator") == 0)
		return "operator";
	if (strcmp(type, "audit_checkpoint") == 0)
		return "audit";
	if (strcmp(type, "order") == 0 || strcmp(type, "fill") == 0)
		return "venue";
	return "reconciler";
}

/* Is a run of this venue and account one of the symbol's? */
static bool va_seen(struct walk *w, const char *venue, const char *account, bool add_it)
{
	char va[MODEL_NAME_MAX + MODEL_ID_MAX + 2];
	snprintf(va, sizeof va, "%s\n%s", venue, account);
	for (size_t i = 0; i < w->vas.n; i++)
		if (strcmp(w->vas.v[i], va) == 0)
			return true;
	if (!add_it)
		return false;
	char **p = rk_array_push(&w->vas);
	if (p && !(*p = strdup(va)))
		w->vas.n--;
	return true;
}

static void describe(struct walk *w, const char *type, const cJSON *o, struct audit_tl_entry *e,
		     bool *keep)
{
	if (strcmp(type, "order") == 0)
		say_order(w, o, e, keep);
	else if (strcmp(type, "fill") == 0)
		say_fill(w, o, e, keep);
	else if (strcmp(type, "finding") == 0)
		say_finding(w, o, e, keep);
	else if (strcmp(type, "action") == 0)
		say_action(w, o, e, keep);
	else if (strcmp(type, "action_update") == 0)
		say_update(w, o, e, keep);
	else if (strcmp(type, "finding_resolved") == 0)
		say_resolved(w, o, e, keep);
	else
		say_other(w, type, o, e, keep);
}

static enum rk_rc one_event(struct walk *w, sqlite3_stmt *st, struct rk_err *err)
{
	struct audit_tl_entry e = {0};
	const char *type = sqlx_col_text(st, 2), *source = sqlx_col_text(st, 3);
	bool keep = true;
	int64_t us = 0;
	e.seq = sqlite3_column_int64(st, 0);
	snprintf(e.ts, sizeof e.ts, "%s", sqlx_col_text(st, 1));
	snprintf(e.type, sizeof e.type, "%s", type);
	e.who = who(type, source);
	snprintf(e.venue, sizeof e.venue, "%s", sqlx_col_text(st, 4));
	snprintf(e.account, sizeof e.account, "%s", sqlx_col_text(st, 5));
	snprintf(e.symbol, sizeof e.symbol, "%s", sqlx_col_text(st, 6));
	if (w->f->symbol && e.symbol[0] && strcmp(e.symbol, w->f->symbol) != 0)
		return RK_OK;
	cJSON *o = cJSON_Parse(sqlx_col_text(st, 7));
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object",
				  (long long)e.seq, type);
	}
	int64_t flight = w->in_flight;
	describe(w, type, o, &e, &keep);
	cJSON_Delete(o);
	if (w->oom)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	/* What the executor journaled while a request was out: its proof. */
	if ((strcmp(type, "order") == 0 || strcmp(type, "fill") == 0) && flight &&
	    strcmp(source, "ingest") != 0) {
		struct link *l = link_find(w, flight);
		e.cites = flight;
		e.depth = l ? l->depth + 2 : 2;
		keep = keep || (l && l->wanted);
	}
	if (w->f->symbol && !e.symbol[0] && strcmp(type, "exchange_positions") != 0 &&
	    !va_seen(w, e.venue, e.account, false))
		keep = false; /* a run of another venue or account */
	if (w->f->symbol && e.symbol[0])
		va_seen(w, e.venue, e.account, true);
	if (keep && (w->f->from_us || w->f->to_us)) {
		if (rtime_parse(e.ts, &us, err))
			return rk_err_prefix(err, "event %lld: ts", (long long)e.seq);
		keep = (!w->f->from_us || us >= w->f->from_us) && (!w->f->to_us || us < w->f->to_us);
	}
	return keep ? w->fn(w->ctx, &e, err) : RK_OK;
}

/* The symbol of --order, from the orders table (an index); "" unknown. */
static enum rk_rc order_symbol(struct journal *j, const char *id, char sym[MODEL_SYM_MAX],
			       struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	sym[0] = '\0';
	enum rk_rc rc = journal_stmt(j, AUDIT_SQL_TIMELINE_ORDER, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (!(rc = sqlx_step_row(st, &row, "looking the order up", err)) && row)
		snprintf(sym, MODEL_SYM_MAX, "%s", sqlx_col_text(st, 0));
	sqlite3_reset(st);
	return rc;
}

enum rk_rc audit_timeline(struct journal *j, const struct audit_tl_filter *f, audit_tl_fn fn,
			  void *ctx, struct rk_err *err)
{
	struct audit_tl_filter sel = f ? *f : (struct audit_tl_filter){0};
	struct walk w = {.f = &sel, .fn = fn, .ctx = ctx};
	char sym[MODEL_SYM_MAX];
	sqlite3_stmt *st = NULL;
	bool began = false, row = false;
	if (sel.symbol && !sel.symbol[0])
		sel.symbol = NULL;
	if (sel.order_id && !sel.order_id[0])
		sel.order_id = NULL;
	enum rk_rc rc = sqlx_read_begin(journal_db(j), &began, err);
	if (!rc && sel.order_id && !sel.symbol && !(rc = order_symbol(j, sel.order_id, sym, err)) &&
	    sym[0])
		sel.symbol = sym;
	if (!rc)
		rc = journal_stmt(j, sel.symbol ? AUDIT_SQL_TIMELINE_SYMBOL : SQL_ALL, &st, err);
	if (!rc && sel.symbol)
		sqlite3_bind_text(st, 1, sel.symbol, -1, SQLITE_STATIC);
	while (!rc && !(rc = sqlx_step_row(st, &row, "reading events", err)) && row)
		rc = one_event(&w, st, err);
	if (st && row)
		sqlite3_reset(st);
	sqlx_read_end(journal_db(j), began);
	for (size_t i = 0; i < w.vas.n; i++)
		free(w.vas.v[i]);
	free(w.vas.v);
	free(w.links.v);
	return rc;
}
