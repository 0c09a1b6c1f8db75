/* audit_gaps.c — protection gaps rebuilt from the events alone (see
 * audit_gaps.h for the rules). One pass over the selected events in seq
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

#include "record.h"
#include "rk_array.h"
#include "rk_index.h"
#include "rtime.h"
#include "sqlx.h"

/* Every event that can move a position, a stop or a dust mark, in the
 * journal's order. The symbol's own events and those of no symbol (runs,
 * the exchange's positions), through events_symbol (migration 0012). */
static const char SQL_EVENTS_ALL[] =
	"SELECT seq, ts, type, venue, account, symbol, payload FROM events"
	" WHERE type IN ('order', 'fill', 'finding', 'exchange_positions', 'recon_run_end')"
	" ORDER BY seq";
static const char SQL_EVENTS_SYMBOL[] =
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

struct gaps_run {
	RK_ARRAY(struct gpos) pos;
	RK_ARRAY(struct gord) ord;
	struct rk_index pos_ix, va_ix, ord_ix;
	RK_ARRAY(struct audit_gap) out;
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

/* The quantity judged as protection.sql judges it: the exchange's (and its
 * orderable size) when its latest complete pass listed the position and no
 * fill of it was journaled since that pass began; else the journal's. */
static struct dec judged_qty(const struct gpos *p, bool *has_orderable, struct dec *orderable)
{
	*has_orderable = p->has_ex && p->last_fill_seq <= p->ex_run;
	*orderable = p->ex_orderable;
	return *has_orderable ? p->ex_qty : p->pos.qty;
}

/* What the position's open stop orders on the reducing side cover: each its
 * qty - filled (0 if negative), a stop of no size the whole position. */
static bool covered(const struct gaps_run *r, const struct gpos *p, struct dec qty)
{
	struct dec sum = dec_zero(), size = dec_abs(qty), rem, orderable;
	bool has_orderable, any = false;
	enum side reducing = dec_sign(qty) < 0 ? SIDE_BUY : SIDE_SELL;
	for (size_t k = 0; k < p->stops.n; k++) {
		const struct gord *o = &r->ord.v[p->stops.v[k]];
		if (o->side != reducing)
			continue;
		any = true;
		if (!o->has_qty || dec_is_zero(o->qty))
			rem = size;
		else if (dec_sub(o->qty, o->filled, &rem) != DEC_OK || dec_sign(rem) < 0)
			rem = dec_zero();
		if (dec_add(sum, rem, &sum) != DEC_OK)
			return true; /* beyond any position */
	}
	(void)judged_qty(p, &has_orderable, &orderable);
	return any && (dec_cmp(sum, size) >= 0 ||
		       (has_orderable && dec_cmp(sum, orderable) >= 0));
}

enum gstate { G_FLAT, G_PROTECTED, G_DUST, G_BARE };

static enum gstate pos_state(const struct gaps_run *r, const struct gpos *p)
{
	bool has_orderable;
	struct dec orderable, qty = judged_qty(p, &has_orderable, &orderable);
	if (dec_is_zero(qty))
		return G_FLAT;
	if (covered(r, p, qty))
		return G_PROTECTED;
	return p->dust ? G_DUST : G_BARE;
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
	enum gstate s = pos_state(r, p);
	bool bare = s == G_BARE;
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
	const char *why = s == G_FLAT ? "position_closed" : s == G_DUST ? "dust" : c.end;
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

static const char *stop_start_cause(enum order_status s)
{
	switch (s) {
	case OSTATUS_CANCELLED: return "stop_cancelled";
	case OSTATUS_FILLED:
	case OSTATUS_PARTIALLY_FILLED: return "stop_triggered";
	case OSTATUS_EXPIRED: return "stop_expired";
	case OSTATUS_REJECTED: return "stop_rejected";
	default: return "stop_changed";
	}
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
	struct gcause c = {stop_start_cause(g->status), "stop_acknowledged"};
	if (!order_type_is_stop(g->type))
		c.start = "order_changed";
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

enum rk_rc audit_gaps(struct journal *j, const struct audit_gap_filter *f,
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
		rc = journal_stmt(j, r.symbol ? SQL_EVENTS_SYMBOL : SQL_EVENTS_ALL, &st, err);
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
