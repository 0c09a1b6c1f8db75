/* audit_gaps.c — protection gaps (see audit_gaps.h for the rules): read
 * from the projection (audit_gaps, at the end), or rebuilt from the events
 * alone (audit_gaps_replay, the reference). The replay: one pass over the selected events in seq
 * order keeps, in memory, each position's quantity, the exchange's view of
 * it, its dust mark and its live stop orders, and records every change of
 * "unprotected" as the start or end of an interval. Positions move by
 * model.h's own rules (fill_position_delta through
 * position_apply_superseding); orders move as the orders projection moves
 * them (project.c: progress only forward, fills kept apart from reports). */
#include "audit_gaps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "jsonin.h"
#include "protect_rule.h"
#include "record.h"
#include "rk_array.h"
#include "rk_index.h"
#include "rtime.h"
#include "audit_sql.h"
#include "sqlx.h"

/* Every event that can move a position, a stop or a dust mark, in the
 * journal's order. The symbol's own events and those of no symbol (runs,
 * the exchange's positions), through events_symbol (migration 0012). */
static const char SQL_EVENTS_ALL[] =
	"SELECT seq, ts, type, venue, account, symbol, payload FROM events"
	" WHERE type IN ('order', 'fill', 'finding', 'exchange_positions', 'recon_run_end')"
	" ORDER BY seq";
const char AUDIT_SQL_GAPS_SYMBOL[] =
	"SELECT seq, ts, type, venue, account, symbol, payload FROM events"
	" WHERE symbol IN (?1, '')"
	" AND type IN ('order', 'fill', 'finding', 'exchange_positions', 'recon_run_end')"
	" ORDER BY seq";

#define VA_MAX (MODEL_NAME_MAX + MODEL_ID_MAX + 2)

/* One position: venue + account + symbol. */
struct gpos {
	char va[VA_MAX];              /* "venue\naccount": the index's first key part */
	enum venue_kind venue;
	char account[MODEL_ID_MAX];
	char symbol[MODEL_SYM_MAX];
	struct position_state pos;    /* the journal's, from fills */
	int64_t last_fill_seq;        /* positions.last_seq: 0 before any fill */
	bool has_ex;                  /* exchange_positions holds a row for it */
	struct dec ex_qty, ex_orderable;
	int64_t ex_run;
	bool dust;                    /* the venue's latest word: dust */
	int64_t dust_run;
	RK_ARRAY(size_t) stops;       /* orders (indexes) that are open stop orders */
	bool in_gap;
	int64_t last_us;              /* time of its latest start or end */
	struct audit_gap cur;
};

/* One order, as far as protection needs it. */
struct gord {
	char venue[MODEL_NAME_MAX];
	char order_id[MODEL_ID_MAX];
	size_t pos;                   /* its position */
	enum side side;
	enum order_type type;
	enum order_status status;
	bool from_fill;               /* known from its fills only */
	bool has_qty;
	struct dec qty, filled, fills, inferred_open;
	bool live;                    /* in its position's stops */
};

typedef RK_ARRAY(struct audit_gap) gap_array;

struct gaps_run {
	RK_ARRAY(struct gpos) pos;
	RK_ARRAY(struct gord) ord;
	struct rk_index pos_ix, va_ix, ord_ix;
	gap_array out;
	const char *symbol;           /* the filter's, or NULL */
};

static const char *pos_key(const void *ctx, size_t i, unsigned part)
{
	const struct gaps_run *r = ctx;
	return part == 0 ? r->pos.v[i].va : r->pos.v[i].symbol;
}

static const char *va_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct gaps_run *)ctx)->pos.v[i].va;
}

static const char *ord_key(const void *ctx, size_t i, unsigned part)
{
	const struct gaps_run *r = ctx;
	return part == 0 ? r->ord.v[i].venue : r->ord.v[i].order_id;
}

static void make_va(char out[VA_MAX], const char *venue, const char *account)
{
	snprintf(out, VA_MAX, "%s\n%s", venue, account);
}

/* The position of venue/account/symbol, created flat when new; RK_INDEX_NONE
 * on ENOMEM. */
static size_t pos_get(struct gaps_run *r, const char *venue, const char *account,
		      const char *symbol)
{
	char va[VA_MAX];
	make_va(va, venue, account);
	size_t i = rk_index_first(&r->pos_ix, va, symbol);
	if (i != RK_INDEX_NONE)
		return i;
	struct gpos *p = rk_array_push(&r->pos);
	if (!p)
		return RK_INDEX_NONE;
	snprintf(p->va, sizeof p->va, "%s", va);
	p->venue = venue_parse(venue);
	snprintf(p->account, sizeof p->account, "%s", account);
	snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
	p->pos.qty = p->ex_qty = p->ex_orderable = dec_zero();
	i = r->pos.n - 1;
	/* On ENOMEM the caller aborts the whole computation. */
	if (!rk_index_add(&r->pos_ix, i) || !rk_index_add(&r->va_ix, i))
		return RK_INDEX_NONE;
	return i;
}

static size_t ord_get(struct gaps_run *r, const char *venue, const char *order_id, bool *found)
{
	size_t i = rk_index_first(&r->ord_ix, venue, order_id);
	*found = i != RK_INDEX_NONE;
	if (*found)
		return i;
	struct gord *o = rk_array_push(&r->ord);
	if (!o)
		return RK_INDEX_NONE;
	snprintf(o->venue, sizeof o->venue, "%s", venue);
	snprintf(o->order_id, sizeof o->order_id, "%s", order_id);
	o->qty = o->filled = o->fills = o->inferred_open = dec_zero();
	if (!rk_index_add(&r->ord_ix, r->ord.n - 1)) {
		r->ord.n--;
		return RK_INDEX_NONE;
	}
	return r->ord.n - 1;
}

/* Keeps the position's list of open stop orders in step with order `oi`. */
static bool stop_track(struct gaps_run *r, size_t oi)
{
	struct gord *o = &r->ord.v[oi];
	bool live = order_type_is_stop(o->type) && order_status_is_open(o->status);
	if (live == o->live)
		return true;
	struct gpos *p = &r->pos.v[o->pos];
	if (live) {
		size_t *s = rk_array_push(&p->stops);
		if (!s)
			return false;
		*s = oi;
	} else {
		for (size_t k = 0; k < p->stops.n; k++)
			if (p->stops.v[k] == oi) {
				p->stops.v[k] = p->stops.v[--p->stops.n];
				break;
			}
	}
	o->live = live;
	return true;
}

/* ---- the rule: is a position unprotected now? ------------------------------ */

/* The position's state by core/protect_rule.h, from what the replay holds. */
static enum protect_state pos_state(const struct gaps_run *r, const struct gpos *p)
{
	struct protect_pos in = {p->pos.qty, p->last_fill_seq, p->has_ex, p->ex_qty,
				 p->ex_orderable, p->ex_run, p->dust};
	struct protect_cover c;
	bool has_orderable;
	struct dec orderable, qty = protect_judged_qty(&in, &has_orderable, &orderable);
	protect_cover_init(&c, qty);
	for (size_t k = 0; k < p->stops.n; k++) {
		const struct gord *o = &r->ord.v[p->stops.v[k]];
		protect_cover_add(&c, o->side, o->has_qty, o->qty, o->filled);
	}
	return protect_judge(&in, &c);
}

/* ---- intervals ---------------------------------------------------------------- */

/* What one event did, for naming a start or an end. */
struct gcause {
	const char *start; /* if the position becomes unprotected */
	const char *end;   /* if it becomes protected (a stop) */
};

/* Records a start or end for position `pi` after event `seq` at `ts_us`. */
static bool pos_judge(struct gaps_run *r, size_t pi, int64_t seq, int64_t ts_us,
		      struct gcause c)
{
	struct gpos *p = &r->pos.v[pi];
	enum protect_state s = pos_state(r, p);
	bool bare = s == PROTECT_BARE;
	if (bare == p->in_gap)
		return true;
	int64_t t = ts_us > p->last_us ? ts_us : p->last_us;
	p->last_us = t;
	if (bare) {
		memset(&p->cur, 0, sizeof p->cur);
		p->cur.venue = p->venue;
		snprintf(p->cur.account, sizeof p->cur.account, "%s", p->account);
		snprintf(p->cur.symbol, sizeof p->cur.symbol, "%s", p->symbol);
		p->cur.start_us = t;
		p->cur.start_seq = seq;
		snprintf(p->cur.start_cause, sizeof p->cur.start_cause, "%s", c.start);
		p->in_gap = true;
		return true;
	}
	const char *why = protect_end_cause(s, c.end);
	p->cur.end_us = t;
	p->cur.end_seq = seq;
	snprintf(p->cur.end_cause, sizeof p->cur.end_cause, "%s", why);
	p->in_gap = false;
	struct audit_gap *g = rk_array_push(&r->out);
	if (!g)
		return false;
	*g = p->cur;
	return true;
}

/* ---- applying events ---------------------------------------------------------- */

/* Filled quantity a report states (project.c's report_filled). */
static struct dec report_filled(const struct order_rec *o)
{
	if (o->has_filled_qty)
		return o->filled_qty;
	return o->status == OSTATUS_FILLED ? o->qty : dec_zero();
}

static int status_rank(enum order_status s)
{
	return order_status_is_terminal(s) ? 2 : s == OSTATUS_PARTIALLY_FILLED ? 1 : 0;
}

/* project.c's staleness: a status that goes back, or the same unfinished
 * status with less filled. */
static bool report_stale(enum order_status cur, struct dec cur_filled, const struct order_rec *o)
{
	if (cur != o->status) {
		if (order_status_is_terminal(cur))
			return !(o->status == OSTATUS_FILLED &&
				 (cur == OSTATUS_CANCELLED || cur == OSTATUS_EXPIRED));
		return status_rank(o->status) < status_rank(cur);
	}
	return !order_status_is_terminal(cur) && o->has_filled_qty &&
	       dec_cmp(o->filled_qty, cur_filled) < 0;
}

static enum rk_rc apply_order(struct gaps_run *r, int64_t seq, int64_t ts_us, const char *payload,
			      struct rk_err *err)
{
	struct order_rec o;
	bool found;
	if (record_order_from_text(payload, &o, err)) {
		err->rc = RK_ECORRUPT;
		return rk_err_prefix(err, "event %lld", (long long)seq);
	}
	size_t pi = pos_get(r, venue_name(o.venue), o.account, o.symbol);
	size_t oi = pi == RK_INDEX_NONE ? pi : ord_get(r, venue_name(o.venue), o.order_id, &found);
	if (oi == RK_INDEX_NONE)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	struct gord *g = &r->ord.v[oi];
	enum order_status cur = found && g->from_fill
					? (dec_cmp(g->fills, o.qty) >= 0 ? OSTATUS_FILLED
									 : OSTATUS_PARTIALLY_FILLED)
					: found ? g->status : OSTATUS_OPEN;
	struct dec cur_filled = found ? g->filled : dec_zero();
	bool stale = found && report_stale(cur, cur_filled, &o);
	bool finished = found && !g->from_fill && order_status_is_terminal(g->status);
	if (stale && finished)
		return RK_OK;
	struct dec filled = stale ? cur_filled : dec_max(cur_filled, report_filled(&o));
	g->pos = pi;
	g->side = o.side;
	g->type = o.type;
	g->has_qty = true;
	g->qty = o.qty;
	g->filled = filled;
	g->from_fill = false;
	if (dec_eq(filled, o.qty))
		g->status = OSTATUS_FILLED;
	else if (stale)
		g->status = cur;
	else if (o.status == OSTATUS_OPEN && dec_sign(filled) > 0)
		g->status = OSTATUS_PARTIALLY_FILLED;
	else
		g->status = o.status;
	if (!stop_track(r, oi))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	struct gcause c = {protect_order_start_cause(order_type_is_stop(g->type), g->status),
			   "stop_acknowledged"};
	return pos_judge(r, pi, seq, ts_us, c) ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* The order side of a fill (project.c's fill_update_order); *stop tells
 * whether the order is a stop order (its fill is the stop triggering). */
static bool fill_order(struct gaps_run *r, size_t pi, const struct fill_rec *f, struct dec *absorbed,
		       bool *stop)
{
	bool found;
	size_t oi = ord_get(r, venue_name(f->venue), f->order_id, &found);
	if (oi == RK_INDEX_NONE)
		return false;
	struct gord *g = &r->ord.v[oi];
	*absorbed = dec_zero();
	if (!fill_stands_in(f)) {
		*absorbed = dec_min(g->inferred_open, f->qty);
		(void)dec_sub(g->inferred_open, *absorbed, &g->inferred_open);
	} else {
		(void)dec_add(g->inferred_open, f->qty, &g->inferred_open);
	}
	struct dec adds;
	(void)dec_sub(f->qty, *absorbed, &adds);
	if (!found) { /* order_from_fill: its whole quantity, filled */
		g->pos = pi;
		g->side = f->side;
		g->from_fill = true;
		g->qty = g->filled = g->fills = f->qty;
		g->status = OSTATUS_FILLED;
		*stop = false;
		return true;
	}
	(void)dec_add(g->fills, adds, &g->fills);
	g->filled = dec_max(g->filled, g->fills);
	if (g->from_fill || !g->has_qty)
		g->qty = g->filled = g->fills;
	if (dec_eq(g->filled, g->qty))
		g->status = OSTATUS_FILLED;
	else if (order_status_is_open(g->status))
		g->status = OSTATUS_PARTIALLY_FILLED;
	*stop = order_type_is_stop(g->type);
	return stop_track(r, oi);
}

static enum rk_rc apply_fill(struct gaps_run *r, int64_t seq, int64_t ts_us, const char *payload,
			     struct rk_err *err)
{
	struct fill_rec f;
	struct dec absorbed;
	bool stop = false;
	if (record_fill_from_text(payload, &f, err)) {
		err->rc = RK_ECORRUPT;
		return rk_err_prefix(err, "event %lld", (long long)seq);
	}
	size_t pi = pos_get(r, venue_name(f.venue), f.account, f.symbol);
	if (pi == RK_INDEX_NONE || !fill_order(r, pi, &f, &absorbed, &stop))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	struct gpos *p = &r->pos.v[pi];
	if (!position_apply_superseding(&p->pos, &f, absorbed))
		return rk_err_set(err, RK_EOVERFLOW, "event %lld: position overflows",
				  (long long)seq);
	p->last_fill_seq = seq;
	p->dust = false; /* the venue judged another size */
	struct gcause c = {stop ? "stop_triggered" : "fill", "fill"};
	return pos_judge(r, pi, seq, ts_us, c) ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* A payload's string member ("" when absent) and integer member (0 when
 * absent): the events' own payloads, read leniently (jsonin.h). */
#define js(o, k) jsonin_member_str((o), (k))
#define ji(o, k) jsonin_member_int((o), (k))

static bool wanted(const struct gaps_run *r, const char *symbol)
{
	return !r->symbol || strcmp(r->symbol, symbol) == 0;
}

/* A `dust` finding marks its position dust (until a fill of it, or a later
 * run of its venue and account ends without saying so again). */
static enum rk_rc apply_finding(struct gaps_run *r, int64_t seq, int64_t ts_us, const cJSON *o,
				struct rk_err *err)
{
	if (strcmp(js(o, "kind"), "dust") != 0 || !wanted(r, js(o, "symbol")))
		return RK_OK;
	size_t pi = pos_get(r, js(o, "venue"), js(o, "account"), js(o, "symbol"));
	if (pi == RK_INDEX_NONE)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	r->pos.v[pi].dust = true;
	r->pos.v[pi].dust_run = ji(o, "run_id");
	struct gcause c = {"dust_cleared", "dust"};
	return pos_judge(r, pi, seq, ts_us, c) ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* A run that ended clears the dust marks of earlier runs it did not repeat. */
static enum rk_rc apply_run_end(struct gaps_run *r, int64_t seq, int64_t ts_us, const cJSON *o,
				struct rk_err *err)
{
	char va[VA_MAX];
	int64_t run = ji(o, "run_id");
	make_va(va, js(o, "venue"), js(o, "account"));
	struct gcause c = {"dust_cleared", "dust"};
	for (size_t i = rk_index_first(&r->va_ix, va, NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&r->va_ix, i)) {
		if (!r->pos.v[i].dust || r->pos.v[i].dust_run >= run)
			continue;
		r->pos.v[i].dust = false;
		if (!pos_judge(r, i, seq, ts_us, c))
			return rk_err_set(err, RK_ENOMEM, "out of memory");
	}
	return RK_OK;
}

/* The exchange's positions of a complete pass replace its venue and
 * account's (recon_project.c). */
static enum rk_rc apply_expos(struct gaps_run *r, int64_t seq, int64_t ts_us, const cJSON *o,
			      struct rk_err *err)
{
	char va[VA_MAX];
	const char *venue = js(o, "venue"), *account = js(o, "account");
	int64_t run = ji(o, "run_id");
	const cJSON *p, *list = cJSON_GetObjectItemCaseSensitive(o, "positions");
	struct gcause c = {"exchange_position", "exchange_position"};
	make_va(va, venue, account);
	for (size_t i = rk_index_first(&r->va_ix, va, NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&r->va_ix, i))
		r->pos.v[i].has_ex = false;
	cJSON_ArrayForEach(p, list) {
		struct dec q, oq;
		if (!wanted(r, js(p, "symbol")))
			continue;
		if (dec_parse_cstr(js(p, "qty"), &q) != DEC_OK ||
		    dec_parse_cstr(js(p, "orderable_qty"), &oq) != DEC_OK)
			return rk_err_set(err, RK_ECORRUPT,
					  "event %lld: exchange_positions: a position's qty is not a decimal",
					  (long long)seq);
		size_t pi = pos_get(r, venue, account, js(p, "symbol"));
		if (pi == RK_INDEX_NONE)
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		struct gpos *g = &r->pos.v[pi];
		g->has_ex = true;
		g->ex_qty = q;
		g->ex_orderable = oq;
		g->ex_run = run;
	}
	for (size_t i = rk_index_first(&r->va_ix, va, NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&r->va_ix, i))
		if (!pos_judge(r, i, seq, ts_us, c))
			return rk_err_set(err, RK_ENOMEM, "out of memory");
	return RK_OK;
}

/* Events with a JSON object payload other than orders and fills. */
static enum rk_rc apply_object(struct gaps_run *r, int64_t seq, int64_t ts_us, const char *type,
			       const char *payload, struct rk_err *err)
{
	cJSON *o = cJSON_Parse(payload);
	enum rk_rc rc;
	if (!o || !cJSON_IsObject(o))
		rc = rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object",
				(long long)seq, type);
	else if (strcmp(type, "finding") == 0)
		rc = apply_finding(r, seq, ts_us, o, err);
	else if (strcmp(type, "recon_run_end") == 0)
		rc = apply_run_end(r, seq, ts_us, o, err);
	else
		rc = apply_expos(r, seq, ts_us, o, err);
	cJSON_Delete(o);
	return rc;
}

static enum rk_rc apply_event(struct gaps_run *r, sqlite3_stmt *st, struct rk_err *err)
{
	int64_t seq = sqlite3_column_int64(st, 0), ts_us;
	const char *type = sqlx_col_text(st, 2), *payload = sqlx_col_text(st, 6);
	if (rtime_parse(sqlx_col_text(st, 1), &ts_us, err))
		return rk_err_prefix(err, "event %lld: ts", (long long)seq);
	if (r->symbol && strcmp(sqlx_col_text(st, 5), "") != 0 &&
	    strcmp(sqlx_col_text(st, 5), r->symbol) != 0)
		return RK_OK;
	if (strcmp(type, "order") == 0)
		return apply_order(r, seq, ts_us, payload, err);
	if (strcmp(type, "fill") == 0)
		return apply_fill(r, seq, ts_us, payload, err);
	return apply_object(r, seq, ts_us, type, payload, err);
}

/* ---- the selection ---------------------------------------------------------- */

/* Clips `g` to [from, to) (0: unbounded); false when nothing is left. */
static bool clip(struct audit_gap *g, int64_t from, int64_t to)
{
	if (to && g->start_us >= to)
		return false;
	if (from && g->end_us && g->end_us <= from)
		return false;
	if (from && g->start_us < from)
		g->start_us = from;
	if (to && g->end_us > to) {
		g->end_us = 0;
		g->end_seq = 0;
		g->end_cause[0] = '\0';
	}
	return true;
}

static int gap_cmp(const void *a, const void *b)
{
	const struct audit_gap *x = a, *y = b;
	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	int c = strcmp(x->symbol, y->symbol);
	if (c)
		return c;
	return x->start_seq < y->start_seq ? -1 : x->start_seq > y->start_seq;
}

/* Moves the gaps still open to the output, then clips and sorts it. */
static enum rk_rc finish(struct gaps_run *r, const struct audit_gap_filter *f, struct rk_err *err)
{
	for (size_t i = 0; i < r->pos.n; i++) {
		struct audit_gap *g;
		if (!r->pos.v[i].in_gap)
			continue;
		if (!(g = rk_array_push(&r->out)))
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		*g = r->pos.v[i].cur;
	}
	size_t n = 0;
	for (size_t i = 0; i < r->out.n; i++)
		if (clip(&r->out.v[i], f ? f->from_us : 0, f ? f->to_us : 0))
			r->out.v[n++] = r->out.v[i];
	r->out.n = n;
	if (n)
		qsort(r->out.v, n, sizeof *r->out.v, gap_cmp);
	return RK_OK;
}

static void run_free(struct gaps_run *r)
{
	for (size_t i = 0; i < r->pos.n; i++)
		free(r->pos.v[i].stops.v);
	free(r->pos.v);
	free(r->ord.v);
	rk_index_free(&r->pos_ix);
	rk_index_free(&r->va_ix);
	rk_index_free(&r->ord_ix);
	free(r->out.v);
}

enum rk_rc audit_gaps_replay(struct journal *j, const struct audit_gap_filter *f,
			     struct audit_gap **out, size_t *n, struct rk_err *err)
{
	struct gaps_run r = {0};
	sqlite3_stmt *st = NULL;
	bool began = false, row = false;
	*out = NULL;
	*n = 0;
	r.symbol = f && f->symbol && f->symbol[0] ? f->symbol : NULL;
	rk_index_init(&r.pos_ix, 2, pos_key, &r);
	rk_index_init(&r.va_ix, 1, va_key, &r);
	rk_index_init(&r.ord_ix, 2, ord_key, &r);
	enum rk_rc rc = sqlx_read_begin(journal_db(j), &began, err);
	if (!rc)
		rc = journal_stmt(j, r.symbol ? AUDIT_SQL_GAPS_SYMBOL : SQL_EVENTS_ALL, &st, err);
	if (!rc && r.symbol)
		sqlite3_bind_text(st, 1, r.symbol, -1, SQLITE_STATIC);
	while (!rc && !(rc = sqlx_step_row(st, &row, "reading events", err)) && row)
		rc = apply_event(&r, st, err);
	if (st && row)
		sqlite3_reset(st);
	sqlx_read_end(journal_db(j), began);
	if (!rc)
		rc = finish(&r, f, err);
	if (!rc) {
		*out = r.out.v;
		*n = r.out.n;
		r.out.v = NULL;
	}
	run_free(&r);
	return rc;
}

/* ---- the projection (migration 0013) ------------------------------------------ */

#define GAP_COLS "venue, account, symbol, start_us, start_seq, start_cause, end_us, end_seq," \
	" end_cause"
/* Everything, or one symbol's (a seek on protection_gaps_start). */
static const char SQL_GAPS_ALL[] = "SELECT " GAP_COLS " FROM protection_gaps";
const char AUDIT_SQL_GAPS_PROJ_SYMBOL[] =
	"SELECT " GAP_COLS " FROM protection_gaps WHERE symbol = ?1";
/* The positions that ever had a gap (or a dust mark). */
static const char SQL_GAP_POSITIONS[] =
	"SELECT venue, account, symbol FROM protection_state";
static const char SQL_GAP_POSITIONS_SYMBOL[] =
	"SELECT venue, account, symbol FROM protection_state WHERE symbol = ?1";
/* A position's last gap that started before ?4: the only one of its gaps
 * that started earlier and can still be open at ?4 (a position's gaps
 * follow one another). A seek on protection_gaps_start. */
const char AUDIT_SQL_GAPS_PROJ_BEFORE[] =
	"SELECT " GAP_COLS " FROM protection_gaps"
	" WHERE symbol = ?3 AND venue = ?1 AND account = ?2 AND start_us < ?4"
	" ORDER BY start_us DESC, start_seq DESC LIMIT 1";
/* A position's gaps that started in [?4, ?5): a range seek. */
const char AUDIT_SQL_GAPS_PROJ_WINDOW[] =
	"SELECT " GAP_COLS " FROM protection_gaps"
	" WHERE symbol = ?3 AND venue = ?1 AND account = ?2 AND start_us >= ?4 AND start_us < ?5";

/* Reads the rows of `st` into `out`. */
static enum rk_rc gaps_read(sqlite3_stmt *st, gap_array *out, struct rk_err *err)
{
	bool row = false;
	enum rk_rc rc;
	while (!(rc = sqlx_step_row(st, &row, "reading protection_gaps", err)) && row) {
		struct audit_gap *g = rk_array_push(out);
		if (!g) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		g->venue = venue_parse(sqlx_col_text(st, 0));
		snprintf(g->account, sizeof g->account, "%s", sqlx_col_text(st, 1));
		snprintf(g->symbol, sizeof g->symbol, "%s", sqlx_col_text(st, 2));
		g->start_us = sqlite3_column_int64(st, 3);
		g->start_seq = sqlite3_column_int64(st, 4);
		snprintf(g->start_cause, sizeof g->start_cause, "%s", sqlx_col_text(st, 5));
		g->end_us = sqlite3_column_int64(st, 6); /* NULL reads 0: still open */
		g->end_seq = sqlite3_column_int64(st, 7);
		snprintf(g->end_cause, sizeof g->end_cause, "%s", sqlx_col_text(st, 8));
	}
	return rc;
}

/* The gaps of one position that can overlap [from, to): its last gap that
 * started before `from` and those that started from then until `to`. */
static enum rk_rc position_gaps(struct journal *j, const char *venue, const char *account,
				const char *symbol, int64_t from, int64_t to, gap_array *out,
				struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = RK_OK;
	if (from) {
		if ((rc = journal_stmt_account(j, AUDIT_SQL_GAPS_PROJ_BEFORE, venue, account, &st,
					       err)))
			return rc;
		sqlite3_bind_text(st, 3, symbol, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, from);
		if ((rc = gaps_read(st, out, err)))
			return rc;
	}
	if ((rc = journal_stmt_account(j, AUDIT_SQL_GAPS_PROJ_WINDOW, venue, account, &st, err)))
		return rc;
	sqlite3_bind_text(st, 3, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, from);
	sqlite3_bind_int64(st, 5, to ? to : INT64_MAX);
	return gaps_read(st, out, err);
}

/* With a window: position by position, two seeks each. */
static enum rk_rc window_gaps(struct journal *j, const char *symbol, int64_t from, int64_t to,
			      gap_array *out, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, symbol ? SQL_GAP_POSITIONS_SYMBOL : SQL_GAP_POSITIONS, &st,
				     err);
	if (rc)
		return rc;
	if (symbol)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	while (!(rc = sqlx_step_row(st, &row, "reading protection_state", err)) && row) {
		/* The statements below are others: this row's text stays valid. */
		if ((rc = position_gaps(j, sqlx_col_text(st, 0), sqlx_col_text(st, 1),
					sqlx_col_text(st, 2), from, to, out, err)))
			break;
	}
	if (row)
		sqlite3_reset(st);
	return rc;
}

enum rk_rc audit_gaps(struct journal *j, const struct audit_gap_filter *f,
		      struct audit_gap **out, size_t *n, struct rk_err *err)
{
	gap_array all = {0};
	sqlite3_stmt *st = NULL;
	bool began = false;
	const char *symbol = f && f->symbol && f->symbol[0] ? f->symbol : NULL;
	int64_t from = f ? f->from_us : 0, to = f ? f->to_us : 0;
	*out = NULL;
	*n = 0;
	enum rk_rc rc = sqlx_read_begin(journal_db(j), &began, err);
	if (!rc && (from || to))
		rc = window_gaps(j, symbol, from, to, &all, err);
	else if (!rc && !(rc = journal_stmt(j, symbol ? AUDIT_SQL_GAPS_PROJ_SYMBOL : SQL_GAPS_ALL,
					    &st, err))) {
		if (symbol)
			sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
		rc = gaps_read(st, &all, err);
	}
	sqlx_read_end(journal_db(j), began);
	size_t k = 0;
	for (size_t i = 0; !rc && i < all.n; i++)
		if (clip(&all.v[i], from, to))
			all.v[k++] = all.v[i];
	if (!rc && k)
		qsort(all.v, k, sizeof *all.v, gap_cmp);
	if (rc) {
		free(all.v);
		return rc;
	}
	*out = all.v;
	*n = k;
	return RK_OK;
}

static const char SQL_LAST_TS[] = "SELECT max(ts) FROM events";

enum rk_rc audit_last_ts(struct journal *j, int64_t *us, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	*us = 0;
	enum rk_rc rc = journal_stmt(j, SQL_LAST_TS, &st, err);
	if (!rc)
		rc = sqlx_step_row(st, &row, "reading the last event's time", err);
	if (!rc && row && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    rtime_parse(sqlx_col_text(st, 0), us, err))
		rc = rk_err_prefix(err, "the last event's ts");
	if (row)
		sqlite3_reset(st);
	return rc;
}
