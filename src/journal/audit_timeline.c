/* audit_timeline.c — the events of a selection as readable, chained entries
 * (see audit_timeline.h). */
#include "audit_timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "jsonin.h"
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

/*
 * A window with no symbol or order: the events whose ts falls in it, through
 * events_ts. Canonical ts (rtime.h) compare as text, so ?3..?4 (the window's
 * canonical bounds) select them exactly; a ts stored in another form (an
 * offset, another number of digits, a lower-case 't': a record a venue
 * adapter built) is read when its date is within a day of the window's
 * (?1..?2: an offset moves the date by at most a day) and one_event keeps
 * it only if it parses into the window. The shape below is the canonical
 * form's: rtime_parse reads every field at a fixed width, so a ts of that
 * shape that parses is canonical (one that does not parse is an error
 * wherever it is read). A shape, not digit classes: three times cheaper on
 * the index entries of the days around the window.
 */
#define TS_CANONICAL_GLOB "??????????T????????.??????Z"
const char AUDIT_SQL_TIMELINE_WINDOW[] =
	"SELECT seq, ts, type, source, venue, account, symbol, payload FROM events"
	" WHERE ts >= ?1 AND ts < ?2 AND ((ts >= ?3 AND ts < ?4) OR NOT ts GLOB '"
	TS_CANONICAL_GLOB "') ORDER BY seq";
/* A cited finding or action, through the primary key. */
const char AUDIT_SQL_TIMELINE_CITED[] = "SELECT type, payload FROM events WHERE seq = ?1";
/* The last action_update in [?1, ?2): which request was out just before ?2. */
const char AUDIT_SQL_TIMELINE_FLIGHT[] =
	"SELECT seq, payload FROM events WHERE seq >= ?1 AND seq < ?2 AND type = 'action_update'"
	" ORDER BY seq DESC LIMIT 1";

/* What the walk remembers of the chain. */
struct link {
	int64_t seq, cites;
	int depth;
	bool wanted;        /* part of an --order selection */
	bool none;          /* (window) this seq is no finding or action */
};

struct walk {
	const struct audit_tl_filter *f;
	RK_ARRAY(struct link) links;  /* findings and actions, by seq (ascending) */
	RK_ARRAY(char *) vas;         /* "venue\naccount" of the symbol's events */
	int64_t in_flight;            /* the action whose request is out, 0 none */
	bool oom;                     /* a link could not be remembered */
	/* A window read through events_ts: what precedes it is looked up. */
	bool window;
	struct journal *j;
	int64_t flight_at, flight;    /* the request out just before seq flight_at */
	enum rk_rc rc;                /* a failed lookup or a bad payload */
	struct rk_err *err;
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

/* Remembers `l` in seq order; NULL on ENOMEM. */
static struct link *link_insert(struct walk *w, struct link l)
{
	size_t i = w->links.n;
	if (!rk_array_push(&w->links)) {
		w->oom = true;
		return NULL;
	}
	while (i > 0 && w->links.v[i - 1].seq > l.seq) {
		w->links.v[i] = w->links.v[i - 1];
		i--;
	}
	w->links.v[i] = l;
	return &w->links.v[i];
}

static enum rk_rc lookup(struct walk *w, int64_t seq, struct link *out);

/* The finding or action `seq` as the walk knew it just before event
 * `before`: the full walk has met it (or not); a window looks it up. Returns
 * a copy (*out) and true when there is one. */
static bool link_get(struct walk *w, int64_t seq, int64_t before, struct link *out)
{
	struct link *l = seq > 0 && seq < before ? link_find(w, seq) : NULL;
	if (l) {
		*out = *l;
		return !l->none;
	}
	if (!w->window || seq <= 0 || seq >= before || w->rc || w->oom)
		return false;
	if ((w->rc = lookup(w, seq, out)))
		return false;
	return link_insert(w, *out) && !out->none;
}

/* Remembers event `seq` (ascending) citing `cites`; NULL on ENOMEM. */
static struct link *link_add(struct walk *w, int64_t seq, int64_t cites)
{
	struct link c;
	bool found = cites && link_get(w, cites, seq, &c);
	int depth = found ? c.depth + 1 : 0;
	bool wanted = found && c.wanted;
	return link_insert(w, (struct link){seq, cites, depth, wanted, false});
}

/* A whole number member of an event's payload, as exactly as jsonin reads
 * it; absent is 0; anything else stops the walk (RK_ECORRUPT, naming the
 * event). */
static int64_t ji_of(struct walk *w, int64_t seq, const cJSON *o, const char *k)
{
	struct jsonin_at at = {o, NULL, 0};
	struct rk_err e = {0};
	int64_t n = 0;
	if (jsonin_get_int(&at, k, false, 0, 0, JSONIN_MAX_EXACT_INT, NULL, &n, &e) && !w->rc) {
		w->rc = rk_err_set(w->err, RK_ECORRUPT, "event %lld: %s", (long long)seq, e.msg);
		return 0;
	}
	return n;
}

/* A string member of a payload, "" when absent (jsonin.h). */
#define js(o, k) jsonin_member_str((o), (k))

/* In the say_* functions: a member of entry e's payload. */
#define ji(o, k) ji_of(w, e->seq, (o), (k))

/* An event's payload: a JSON object, its numbers read exactly (jsonin.h);
 * RK_ECORRUPT naming the event otherwise. */
static enum rk_rc payload_of(int64_t seq, const char *type, const char *text, struct jsonin *in,
			     struct rk_err *err)
{
	struct rk_err why = {0};
	if (jsonin_parse(text, strlen(text), in, &why))
		return rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object (%s)",
				  (long long)seq, type, why.msg);
	return RK_OK;
}

/* Reads the finding or action `seq` (cited by event `before`) by its
 * primary key into *out: what the full walk would have remembered of it. An
 * action's own citation is looked up in turn (link_get). */
static enum rk_rc lookup(struct walk *w, int64_t seq, struct link *out)
{
	sqlite3_stmt *st;
	struct jsonin in = {0};
	bool row = false, action = false;
	*out = (struct link){.seq = seq, .none = true};
	enum rk_rc rc = journal_stmt(w->j, AUDIT_SQL_TIMELINE_CITED, &st, w->err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlx_step_row(st, &row, "looking up a cited event", w->err)) || !row)
		return rc;
	const char *type = sqlx_col_text(st, 0);
	action = strcmp(type, "action") == 0;
	if (action || strcmp(type, "finding") == 0) {
		out->none = false;
		if (action)
			rc = payload_of(seq, type, sqlx_col_text(st, 1), &in, w->err);
	}
	sqlite3_reset(st); /* before link_get reuses it */
	if (!rc && action) {
		struct link c;
		out->cites = ji_of(w, seq, in.root, "finding_id");
		if (!w->rc && link_get(w, out->cites, seq, &c))
			out->depth = c.depth + 1;
		rc = w->rc;
	}
	jsonin_close(&in);
	return rc;
}

/* The action whose request was out just before event `seq` (0: none): the
 * status of the last action_update before it, found by reading back from
 * `seq` to the point the previous call settled (the window's events come in
 * seq order). */
static int64_t flight_before(struct walk *w, int64_t seq)
{
	sqlite3_stmt *st;
	struct jsonin in = {0};
	bool row = false;
	if (w->rc || seq <= w->flight_at)
		return w->flight;
	enum rk_rc rc = journal_stmt(w->j, AUDIT_SQL_TIMELINE_FLIGHT, &st, w->err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, w->flight_at);
		sqlite3_bind_int64(st, 2, seq);
		rc = sqlx_step_row(st, &row, "reading the action updates before the window", w->err);
	}
	if (!rc && row) {
		int64_t at = sqlite3_column_int64(st, 0);
		if (!(rc = payload_of(at, "action_update", sqlx_col_text(st, 1), &in, w->err)))
			w->flight = strcmp(js(in.root, "status"), "sent") == 0
					    ? ji_of(w, at, in.root, "action_id") : 0;
		sqlite3_reset(st);
		rc = rc ? rc : w->rc;
	}
	jsonin_close(&in);
	w->flight_at = seq;
	w->rc = rc;
	return rc ? 0 : w->flight;
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
	struct link c, *l = link_get(w, id, e->seq, &c) ? link_find(w, id) : NULL;
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
	struct link c, *l = link_get(w, id, e->seq, &c) ? link_find(w, id) : NULL;
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
	struct jsonin in = {0};
	enum rk_rc rc = payload_of(e.seq, type, sqlx_col_text(st, 7), &in, err);
	if (rc)
		return rc;
	const cJSON *o = in.root;
	bool proof = (strcmp(type, "order") == 0 || strcmp(type, "fill") == 0) &&
		     strcmp(source, "ingest") != 0;
	int64_t flight = w->in_flight;
	if (proof && w->window)
		flight = flight_before(w, e.seq);
	describe(w, type, o, &e, &keep);
	jsonin_close(&in);
	/* What the executor journaled while a request was out: its proof. */
	struct link l;
	if (proof && flight && !w->rc) {
		bool found = link_get(w, flight, e.seq, &l);
		e.cites = flight;
		e.depth = found ? l.depth + 2 : 2;
		keep = keep || (found && l.wanted);
	}
	if (w->oom)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	if (w->rc)
		return w->rc;
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

/* Binds AUDIT_SQL_TIMELINE_WINDOW's bounds (kept in `b` while it runs):
 * ?1..?2 the local dates a ts written with an offset (at most a day) can
 * carry, ?3..?4 the window's canonical ends. */
static void bind_window(sqlite3_stmt *st, const struct audit_tl_filter *f,
			char b[4][RTIME_STR_MAX])
{
	const int64_t day = 86400 * (int64_t)1000000;
	snprintf(b[0], RTIME_STR_MAX, "%s", "");
	snprintf(b[1], RTIME_STR_MAX, "%s", "~"); /* after every digit and letter */
	snprintf(b[2], RTIME_STR_MAX, "%s", "");
	snprintf(b[3], RTIME_STR_MAX, "%s", "~");
	if (f->from_us > day) {
		rtime_format(f->from_us - day, b[0]);
		b[0][10] = '\0'; /* "YYYY-MM-DD": before every ts of that date */
	}
	if (f->to_us) {
		rtime_format(f->to_us + day, b[1]);
		snprintf(b[1] + 10, RTIME_STR_MAX - 10, "~"); /* after every ts of that date */
		rtime_format(f->to_us, b[3]);
	}
	if (f->from_us)
		rtime_format(f->from_us, b[2]);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, i + 1, b[i], -1, SQLITE_STATIC);
}

enum rk_rc audit_timeline(struct journal *j, const struct audit_tl_filter *f, audit_tl_fn fn,
			  void *ctx, struct rk_err *err)
{
	struct audit_tl_filter sel = f ? *f : (struct audit_tl_filter){0};
	struct walk w = {.f = &sel, .fn = fn, .ctx = ctx, .j = j, .err = err};
	char sym[MODEL_SYM_MAX], bounds[4][RTIME_STR_MAX];
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
	w.window = !sel.symbol && !sel.order_id && (sel.from_us || sel.to_us);
	if (!rc)
		rc = journal_stmt(j, sel.symbol   ? AUDIT_SQL_TIMELINE_SYMBOL
				     : w.window ? AUDIT_SQL_TIMELINE_WINDOW
						: SQL_ALL,
				  &st, err);
	if (!rc && sel.symbol)
		sqlite3_bind_text(st, 1, sel.symbol, -1, SQLITE_STATIC);
	if (!rc && w.window)
		bind_window(st, &sel, bounds);
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
