/*
 * daily.c — the daily report's figures from the named queries (daily.h).
 *
 * One helper runs a named query with the day's instants and hands each row
 * to a handler; the handler checks nothing about column order itself: the
 * sink compares the query's column names with the ones the handler reads
 * first, so a query edited out from under this file is an error, never a
 * figure read from the wrong column.
 */
#include "daily.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "events.h"
#include "jsonout.h"
#include "query.h"
#include "rk_buf.h"
#include "rk_tz.h"
#include "rtime.h"
#include "sqlx.h"

/* ---- running a named query ------------------------------------------------ */

/* A row of pnl_by_period (the 30 days), kept until the chart's quote is known. */
struct period_row {
	int period;
	char quote[MODEL_SYM_MAX];
	long closing_fills;
	char realized[DAILY_AMT_MAX];
};

struct gather;
typedef enum rk_rc row_fn(struct gather *g, const struct rk_cell *c, struct rk_err *err);

struct gather {
	struct journal *j;
	struct daily_report *r;
	const struct daily_opts *o;
	RK_ARRAY(struct period_row) periods; /* pnl_by_period's rows */
	bool day_over;                       /* the day ended before the report was made */
};

struct sink_ctx {
	const char *query;
	const char *const *cols;
	size_t ncols;
	row_fn *row;
	struct gather *g;
};

static enum rk_rc sink_columns(void *ctx, size_t n, const char *const *names, struct rk_err *err)
{
	const struct sink_ctx *s = ctx;
	if (n != s->ncols)
		return rk_err_set(err, RK_ECORRUPT, "query '%s' returns %zu columns, the report reads %zu",
				  s->query, n, s->ncols);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s->cols[i]) != 0)
			return rk_err_set(err, RK_ECORRUPT,
					  "query '%s': column %zu is '%s', the report reads '%s'",
					  s->query, i + 1, names[i], s->cols[i]);
	return RK_OK;
}

static enum rk_rc sink_row(void *ctx, const struct rk_cell *cells, struct rk_err *err)
{
	const struct sink_ctx *s = ctx;
	return s->row(s->g, cells, err);
}

/* Runs query `name` with :from_ts / :to_ts / :limit / :bounds where it
 * has them. */
static enum rk_rc run_query(struct gather *g, const char *name, const char *const *cols,
			    size_t ncols, row_fn *row, const char *from_ts, const char *to_ts,
			    const char *limit, const char *bounds, struct rk_err *err)
{
	struct query_def q;
	struct query_arg args[4];
	size_t n = 0;
	enum rk_rc rc = query_find(name, &q, err);
	if (rc)
		return rc;
	const char *names[] = {"from_ts", "to_ts", "limit", "bounds"};
	const char *values[] = {from_ts, to_ts, limit, bounds};
	for (size_t i = 0; i < 4; i++)
		if (values[i] && query_has_param(&q, names[i])) {
			snprintf(args[n].name, sizeof args[n].name, "%s", names[i]);
			args[n++].value = values[i];
		}
	struct sink_ctx ctx = {name, cols, ncols, row, g};
	struct rk_row_sink sink = {sink_columns, sink_row, &ctx};
	return query_run(g->j, &q, args, n, &sink, NULL, err);
}

#define RUN(g, name, cols, row, from, to, limit, err)                                         \
	run_query(g, name, cols, sizeof cols / sizeof cols[0], row, from, to, limit, NULL, err)

/* ---- reading cells -------------------------------------------------------- */

static const char *txt(const struct rk_cell *c)
{
	return c->kind == RK_CELL_NULL || !c->text ? "" : c->text;
}

/* Copies a cell; text longer than the field is cut (names, reasons). */
static void cp(char *dst, size_t n, const struct rk_cell *c)
{
	snprintf(dst, n, "%s", txt(c));
}

/* Copies an amount, which is never cut: one too long is an error. */
static enum rk_rc amt(char *dst, size_t n, const struct rk_cell *c, struct rk_err *err)
{
	const char *s = txt(c);
	if (strlen(s) >= n)
		return rk_err_set(err, RK_EOVERFLOW, "amount '%.40s...' is too long for the report", s);
	memcpy(dst, s, strlen(s) + 1);
	return RK_OK;
}

static long num(const struct rk_cell *c)
{
	return c->kind == RK_CELL_NULL || !c->text ? 0 : strtol(c->text, NULL, 10);
}

static enum rk_rc oom(struct rk_err *err)
{
	return rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* ---- the rows of each query ----------------------------------------------- */

static const char *const PNL_COLS[] = {"quote", "closing_fills", "unmatched_fills", "fees",
				       "realized_pnl"};

static enum rk_rc pnl_row(struct daily_pnl *p, const struct rk_cell *c, struct rk_err *err)
{
	cp(p->quote, sizeof p->quote, &c[0]);
	p->closing_fills = num(&c[1]);
	p->unmatched_fills = num(&c[2]);
	enum rk_rc rc = amt(p->fees, sizeof p->fees, &c[3], err);
	return rc ? rc : amt(p->realized, sizeof p->realized, &c[4], err);
}

static enum rk_rc month_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_pnl *p = rk_array_push(&g->r->month);
	return p ? pnl_row(p, c, err) : oom(err);
}

static enum rk_rc day_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_pnl *p = rk_array_push(&g->r->day);
	return p ? pnl_row(p, c, err) : oom(err);
}

static const char *const FEES_COLS[] = {"fee_currency", "fills", "fees"};

static enum rk_rc fee_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_fee *f = rk_array_push(&g->r->fees);
	if (!f)
		return oom(err);
	cp(f->currency, sizeof f->currency, &c[0]);
	f->fills = num(&c[1]);
	g->r->fills += f->fills;
	return amt(f->fees, sizeof f->fees, &c[2], err);
}

static const char *const SYMBOL_COLS[] = {"venue", "account", "symbol", "quote", "closing_fills",
					  "unmatched_fills", "fees", "realized_pnl"};

static enum rk_rc symbol_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_symbol *s = rk_array_push(&g->r->symbols);
	if (!s)
		return oom(err);
	cp(s->venue, sizeof s->venue, &c[0]);
	cp(s->account, sizeof s->account, &c[1]);
	cp(s->symbol, sizeof s->symbol, &c[2]);
	cp(s->quote, sizeof s->quote, &c[3]);
	s->closing_fills = num(&c[4]);
	enum rk_rc rc = amt(s->fees, sizeof s->fees, &c[6], err);
	return rc ? rc : amt(s->realized, sizeof s->realized, &c[7], err);
}

static const char *const EXTREME_COLS[] = {"kind", "closed_at", "venue", "account", "symbol",
					   "quote", "fill_id", "qty", "realized_pnl"};

static enum rk_rc extreme_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	bool win = strcmp(txt(&c[0]), "winner") == 0;
	struct daily_close *x = win ? rk_array_push(&g->r->winners) : rk_array_push(&g->r->losers);
	if (!x)
		return oom(err);
	cp(x->closed_at, sizeof x->closed_at, &c[1]);
	cp(x->venue, sizeof x->venue, &c[2]);
	cp(x->symbol, sizeof x->symbol, &c[4]);
	cp(x->quote, sizeof x->quote, &c[5]);
	cp(x->fill_id, sizeof x->fill_id, &c[6]);
	enum rk_rc rc = amt(x->qty, sizeof x->qty, &c[7], err);
	return rc ? rc : amt(x->realized, sizeof x->realized, &c[8], err);
}

static const char *const MINUTE_COLS[] = {"minute", "quote", "closing_fills", "wins", "losses",
					  "realized_pnl"};

/* A minute of the day: its wins and losses count for its quote's headline
 * (counts, not amounts: added here), its P&L is a point of the curve when
 * it is in the chart's quote. */
static enum rk_rc minute_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_pnl *day = NULL;
	for (size_t i = 0; i < g->r->day.n && !day; i++)
		if (strcmp(g->r->day.v[i].quote, txt(&c[1])) == 0)
			day = &g->r->day.v[i];
	if (!day)
		return rk_err_set(err, RK_ECORRUPT, "pnl_by_minute has quote '%s', pnl_between has not",
				  txt(&c[1]));
	day->wins += num(&c[3]);
	day->losses += num(&c[4]);
	if (strcmp(txt(&c[1]), g->r->chart_quote) != 0)
		return RK_OK;
	char ts[RTIME_STR_MAX];
	int64_t us;
	snprintf(ts, sizeof ts, "%s:00Z", txt(&c[0]));
	enum rk_rc rc = rtime_parse(ts, &us, err);
	if (rc)
		return rk_err_prefix(err, "pnl_by_minute");
	struct daily_point *p = rk_array_push(&g->r->curve);
	if (!p)
		return oom(err);
	p->t_us = us;
	return amt(p->realized, sizeof p->realized, &c[5], err);
}

/* pnl_by_period over the 30 days: every row is kept (a few per day), then
 * the chart's quote is the one with the most closing fills (ties: the first
 * by name) and its rows fill the days. */
static const char *const PERIOD_COLS[] = {"period", "quote", "closing_fills", "unmatched_fills",
					  "fees", "realized_pnl"};

static enum rk_rc period_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	long i = num(&c[0]);
	if (i < 0 || i >= DAILY_DAYS)
		return rk_err_set(err, RK_ECORRUPT, "pnl_by_period: period %ld of %d", i, DAILY_DAYS);
	struct period_row *p = rk_array_push(&g->periods);
	if (!p)
		return oom(err);
	p->period = (int)i;
	cp(p->quote, sizeof p->quote, &c[1]);
	p->closing_fills = num(&c[2]);
	return amt(p->realized, sizeof p->realized, &c[5], err);
}

static void pick_chart_quote(struct gather *g)
{
	const char *best = "";
	long best_n = 0;
	for (size_t i = 0; i < g->periods.n; i++) {
		long n = 0;
		const char *q = g->periods.v[i].quote;
		for (size_t k = 0; k < g->periods.n; k++)
			if (strcmp(g->periods.v[k].quote, q) == 0)
				n += g->periods.v[k].closing_fills;
		if (*q && (n > best_n || (n == best_n && strcmp(q, best) < 0)))
			best = q, best_n = n;
	}
	snprintf(g->r->chart_quote, sizeof g->r->chart_quote, "%s", best);
	for (size_t i = 0; i < g->periods.n; i++)
		if (*best && strcmp(g->periods.v[i].quote, best) == 0)
			snprintf(g->r->days[g->periods.v[i].period].realized, DAILY_AMT_MAX, "%s",
				 g->periods.v[i].realized);
}

static const char *const POS_COLS[] = {"venue", "account", "symbol", "quote", "qty",
				       "cost_basis", "avg_entry", "last_price", "last_price_at",
				       "unrealized_pnl"};

static enum rk_rc position_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_position *p = rk_array_push(&g->r->positions);
	if (!p)
		return oom(err);
	enum rk_rc rc = RK_OK;
	cp(p->venue, sizeof p->venue, &c[0]);
	cp(p->account, sizeof p->account, &c[1]);
	cp(p->symbol, sizeof p->symbol, &c[2]);
	cp(p->quote, sizeof p->quote, &c[3]);
	cp(p->last_price_at, sizeof p->last_price_at, &c[8]);
	if ((rc = amt(p->qty, sizeof p->qty, &c[4], err)) ||
	    (rc = amt(p->cost_basis, sizeof p->cost_basis, &c[5], err)) ||
	    (rc = amt(p->avg_entry, sizeof p->avg_entry, &c[6], err)) ||
	    (rc = amt(p->last_price, sizeof p->last_price, &c[7], err)))
		return rc;
	return amt(p->unrealized, sizeof p->unrealized, &c[9], err);
}

static const char *const PROT_COLS[] = {"venue", "account", "symbol", "qty", "avg_entry", "stops",
					"stop_order_ids", "stop_qty", "stop_price", "covered_qty",
					"journal_qty", "exchange_qty", "qty_from", "state"};

/* The distance from the last price to the first stop level, exact. */
static void stop_distance(struct daily_position *p)
{
	struct dec last, stop, d;
	char first[DAILY_AMT_MAX], buf[DEC_STR_MAX];
	snprintf(first, sizeof first, "%s", p->stop_price);
	char *sp = strchr(first, ' ');
	if (sp)
		*sp = '\0';
	if (!*first || !*p->last_price || dec_parse_cstr(first, &stop) ||
	    dec_parse_cstr(p->last_price, &last) || dec_sub(last, stop, &d))
		return;
	snprintf(p->stop_distance, sizeof p->stop_distance, "%s", dec_format(d, buf));
}

static enum rk_rc protection_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	const char *state = txt(&c[13]);
	if (strcmp(state, "UNPROTECTED") == 0 || strcmp(state, "at_risk") == 0)
		g->r->unprotected_now++;
	if (g->day_over) /* the positions are the day's end: now's stops are not theirs */
		return RK_OK;
	for (size_t i = 0; i < g->r->positions.n; i++) {
		struct daily_position *p = &g->r->positions.v[i];
		if (strcmp(p->venue, txt(&c[0])) || strcmp(p->account, txt(&c[1])) ||
		    strcmp(p->symbol, txt(&c[2])))
			continue;
		cp(p->state, sizeof p->state, &c[13]);
		enum rk_rc rc = amt(p->stop_price, sizeof p->stop_price, &c[8], err);
		if (rc)
			return rc;
		stop_distance(p);
		return RK_OK;
	}
	/* held on the exchange only: listed with what protection knows */
	struct daily_position *p = rk_array_push(&g->r->positions);
	if (!p)
		return oom(err);
	cp(p->venue, sizeof p->venue, &c[0]);
	cp(p->account, sizeof p->account, &c[1]);
	cp(p->symbol, sizeof p->symbol, &c[2]);
	cp(p->state, sizeof p->state, &c[13]);
	enum rk_rc rc = amt(p->qty, sizeof p->qty, &c[3], err);
	if (!rc)
		rc = amt(p->avg_entry, sizeof p->avg_entry, &c[4], err);
	return rc ? rc : amt(p->stop_price, sizeof p->stop_price, &c[8], err);
}

static const char *const STOP_COLS[] = {"venue", "account", "symbol", "order_id", "side",
					"order_type", "status", "qty", "filled_qty", "stop_price",
					"first_seen", "last_seen"};

/* A stop that stood at the end of a past day: its level joins its
 * position's when it is on the side that reduces it. */
static enum rk_rc stop_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	for (size_t i = 0; i < g->r->positions.n; i++) {
		struct daily_position *p = &g->r->positions.v[i];
		if (strcmp(p->venue, txt(&c[0])) || strcmp(p->account, txt(&c[1])) ||
		    strcmp(p->symbol, txt(&c[2])))
			continue;
		bool is_short = p->qty[0] == '-';
		if (strcmp(txt(&c[4]), is_short ? "buy" : "sell") != 0 || !*txt(&c[9]))
			return RK_OK;
		size_t used = strlen(p->stop_price), add = strlen(txt(&c[9]));
		if (used + (used ? 1 : 0) + add >= sizeof p->stop_price)
			return rk_err_set(err, RK_EOVERFLOW,
					  "stop levels of %s are too long for the report", p->symbol);
		snprintf(p->stop_price + used, sizeof p->stop_price - used, "%s%s", used ? " " : "",
			 txt(&c[9]));
		stop_distance(p);
		return RK_OK;
	}
	return RK_OK;
}

static const char *const RUN_COLS[] = {"run_id", "venue", "account", "started_at", "finished_at",
				       "complete", "reason", "dry_run"};

static enum rk_rc run_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	g->r->runs++;
	if (num(&c[5]))
		return RK_OK;
	g->r->runs_incomplete++;
	struct daily_run *r = rk_array_push(&g->r->incomplete);
	if (!r)
		return oom(err);
	r->id = strtoll(txt(&c[0]), NULL, 10);
	cp(r->venue, sizeof r->venue, &c[1]);
	cp(r->account, sizeof r->account, &c[2]);
	cp(r->started_at, sizeof r->started_at, &c[3]);
	if (c[4].kind == RK_CELL_NULL && c[6].kind == RK_CELL_NULL)
		snprintf(r->reason, sizeof r->reason, "did not finish");
	else
		cp(r->reason, sizeof r->reason, &c[6]);
	return RK_OK;
}

static const char *const FINDING_COLS[] = {"kind", "findings", "resolved", "circuit_breaker"};

static enum rk_rc finding_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_count *k = rk_array_push(&g->r->findings);
	if (!k)
		return oom(err);
	cp(k->name, sizeof k->name, &c[0]);
	k->n = num(&c[1]);
	g->r->breaker_trips += num(&c[3]);
	return RK_OK;
}

static const char *const ACTION_COLS[] = {"kind", "status", "actions"};

static enum rk_rc action_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_count *k = rk_array_push(&g->r->actions);
	if (!k)
		return oom(err);
	snprintf(k->name, sizeof k->name, "%s %s", txt(&c[0]), txt(&c[1]));
	k->n = num(&c[2]);
	return RK_OK;
}

static const char *const FAILED_COLS[] = {"action_id", "updated_at", "venue", "account",
					  "symbol", "kind", "error"};

static enum rk_rc failed_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_action *a = rk_array_push(&g->r->failed);
	if (!a)
		return oom(err);
	a->id = strtoll(txt(&c[0]), NULL, 10);
	cp(a->updated_at, sizeof a->updated_at, &c[1]);
	cp(a->venue, sizeof a->venue, &c[2]);
	cp(a->symbol, sizeof a->symbol, &c[4]);
	cp(a->kind, sizeof a->kind, &c[5]);
	cp(a->error, sizeof a->error, &c[6]);
	return RK_OK;
}

static const char *const HALT_COLS[] = {"venue", "account", "symbol", "halted_at", "reason"};

static enum rk_rc halt_row(struct gather *g, const struct rk_cell *c, struct rk_err *err)
{
	struct daily_halt *h = rk_array_push(&g->r->halts);
	if (!h)
		return oom(err);
	cp(h->venue, sizeof h->venue, &c[0]);
	cp(h->account, sizeof h->account, &c[1]);
	cp(h->symbol, sizeof h->symbol, &c[2]);
	cp(h->halted_at, sizeof h->halted_at, &c[3]);
	cp(h->reason, sizeof h->reason, &c[4]);
	return RK_OK;
}

/* ---- sections ------------------------------------------------------------- */

static enum rk_rc gather_gaps(struct gather *g, struct rk_err *err)
{
	struct daily_report *r = g->r;
	struct audit_gap *v = NULL;
	size_t n = 0;
	struct rk_err gerr = {0};
	if (!g->o->gaps) {
		snprintf(r->gaps_error, sizeof r->gaps_error, "protection gaps not read");
		return RK_OK;
	}
	struct audit_gap_filter f = {.from_us = r->from_us, .to_us = r->to_us};
	if (g->o->gaps(g->j, &f, &v, &n, &gerr)) {
		/* The rest of the report stands; this section says why it is empty. */
		snprintf(r->gaps_error, sizeof r->gaps_error, "%s", gerr.msg);
		free(v);
		return RK_OK;
	}
	r->gaps_available = 1;
	enum rk_rc rc = RK_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		struct daily_gap *d = rk_array_push(&r->gaps);
		if (!d) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			break;
		}
		int64_t a = v[i].start_us > r->from_us ? v[i].start_us : r->from_us;
		int64_t b = v[i].end_us && v[i].end_us < r->to_us ? v[i].end_us : r->to_us;
		snprintf(d->venue, sizeof d->venue, "%s", venue_name(v[i].venue));
		snprintf(d->account, sizeof d->account, "%s", v[i].account);
		snprintf(d->symbol, sizeof d->symbol, "%s", v[i].symbol);
		snprintf(d->start_cause, sizeof d->start_cause, "%s", v[i].start_cause);
		snprintf(d->end_cause, sizeof d->end_cause, "%s", v[i].end_cause);
		d->start_us = a;
		d->end_us = v[i].end_us && v[i].end_us <= r->to_us ? v[i].end_us : 0;
		d->duration_us = b > a ? b - a : 0;
		r->unprotected_us += d->duration_us;
	}
	free(v);
	return rc;
}

/* The 30 days of the chart in one statement: their bounds as a JSON array
 * of 31 instants (each local day's start, then the report day's end). */
static enum rk_rc gather_days(struct gather *g, struct rk_err *err)
{
	struct daily_report *r = g->r;
	struct rk_buf bounds = {0};
	char ts[RTIME_STR_MAX];
	int64_t a, b = 0;
	enum rk_rc rc = RK_OK;
	rk_buf_add(&bounds, "[");
	for (int i = 0; i < DAILY_DAYS && !rc; i++) {
		struct daily_day *d = &r->days[i];
		if ((rc = rk_tz_date_add(r->date, i - (DAILY_DAYS - 1), d->date, err)) ||
		    (rc = rk_tz_day(r->tz, d->date, &a, &b, err)))
			break;
		rk_buf_addf(&bounds, "\"%s\",", rtime_format(a, ts));
	}
	rk_buf_addf(&bounds, "\"%s\"]", rtime_format(b, ts));
	if (!rc && !(rc = rk_buf_status(&bounds, err)))
		rc = run_query(g, "pnl_by_period", PERIOD_COLS, 6, period_row, NULL, NULL, NULL,
			       rk_buf_str(&bounds), err);
	if (!rc)
		pick_chart_quote(g);
	rk_buf_free(&bounds);
	free(g->periods.v);
	g->periods.v = NULL, g->periods.n = g->periods.cap = 0;
	return rc;
}

/* The protection of each position at the end of a past day, from the gaps
 * (audit_gaps.h's rule, which follows every event): UNPROTECTED when one of
 * its intervals was still open when the day ended; else "protected" when a
 * stop stood on its reducing side, "no gap" when none did (dust, or the
 * exchange held no such position), "unknown" when the gaps could not be read. */
static void judge_day_end(struct daily_report *r)
{
	for (size_t i = 0; i < r->positions.n; i++) {
		struct daily_position *p = &r->positions.v[i];
		const char *state = *p->stop_price ? "protected" : "no gap";
		if (!r->gaps_available)
			state = "unknown";
		for (size_t k = 0; r->gaps_available && k < r->gaps.n; k++) {
			const struct daily_gap *gp = &r->gaps.v[k];
			if (!gp->end_us && !strcmp(gp->venue, p->venue) &&
			    !strcmp(gp->account, p->account) && !strcmp(gp->symbol, p->symbol))
				state = "UNPROTECTED";
		}
		snprintf(p->state, sizeof p->state, "%s", state);
	}
}

static enum rk_rc gather_day(struct gather *g, struct rk_err *err)
{
	struct daily_report *r = g->r;
	const char *f = r->from_ts, *t = r->to_ts;
	char month_ts[RTIME_STR_MAX], limit[16];
	int64_t a, b;
	enum rk_rc rc;
	snprintf(limit, sizeof limit, "%d", g->o->extremes > 0 ? g->o->extremes : 5);
	snprintf(r->month_start, sizeof r->month_start, "%.8s01", r->date);
	if ((rc = rk_tz_day(r->tz, r->month_start, &a, &b, err)))
		return rc;
	rtime_format(a, month_ts);
	if ((rc = RUN(g, "pnl_between", PNL_COLS, day_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "pnl_between", PNL_COLS, month_row, month_ts, t, NULL, err)) ||
	    (rc = RUN(g, "fees_between", FEES_COLS, fee_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "pnl_by_symbol_between", SYMBOL_COLS, symbol_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "closes_extreme", EXTREME_COLS, extreme_row, f, t, limit, err)) ||
	    (rc = RUN(g, "positions_marked", POS_COLS, position_row, NULL, t, NULL, err)) ||
	    (rc = RUN(g, "protection", PROT_COLS, protection_row, NULL, NULL, NULL, err)) ||
	    (g->day_over && (rc = RUN(g, "stops_at", STOP_COLS, stop_row, NULL, t, NULL, err))) ||
	    (rc = RUN(g, "runs_between", RUN_COLS, run_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "findings_between", FINDING_COLS, finding_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "actions_between", ACTION_COLS, action_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "actions_failed_between", FAILED_COLS, failed_row, f, t, NULL, err)) ||
	    (rc = RUN(g, "halts", HALT_COLS, halt_row, NULL, NULL, NULL, err)) ||
	    (rc = gather_days(g, err)))
		return rc;
	if ((rc = RUN(g, "pnl_by_minute", MINUTE_COLS, minute_row, f, t, NULL, err)) ||
	    (rc = gather_gaps(g, err)))
		return rc;
	if (g->day_over)
		judge_day_end(r);
	return RK_OK;
}

enum rk_rc daily_gather(struct journal *j, const struct daily_opts *o, struct daily_report *r,
			struct rk_err *err)
{
	struct gather g = {.j = j, .r = r, .o = o};
	bool began = false;
	const char *tz = o->tz && *o->tz ? o->tz : "UTC";
	enum rk_rc rc;
	snprintf(r->tz, sizeof r->tz, "%s", tz);
	snprintf(r->date, sizeof r->date, "%s", o->date ? o->date : "");
	r->generated_us = o->now_us;
	if ((rc = rk_tz_day(tz, o->date, &r->from_us, &r->to_us, err)))
		return rc;
	g.day_over = r->to_us <= o->now_us;
	r->day_over = g.day_over;
	rtime_format(r->from_us, r->from_ts);
	rtime_format(r->to_us, r->to_ts);
	if ((rc = sqlx_read_begin(journal_db(j), &began, err)))
		return rc;
	rc = gather_day(&g, err);
	sqlx_read_end(journal_db(j), began);
	return rc;
}

/* ---- sent reports --------------------------------------------------------- */

/* The dedup key is "report_sent:KIND:YYYY-MM-DD" in the group '' (audit
 * derives every group but an order's as ''): the greatest key of a kind is
 * its latest day, found on event_dedup's primary key. ?1 is the key, or the
 * prefix "report_sent:KIND:" for the latest. */
static const char SQL_SENT_FIND[] =
	"SELECT e.seq, e.ts, json_extract(e.payload, '$.message_id'), json_extract(e.payload, '$.date')"
	" FROM event_dedup AS d JOIN events AS e ON e.seq = d.seq"
	" WHERE d.dedup_group = '' AND d.dedup_key = ?1 AND e.type = 'report_sent'";
static const char SQL_SENT_LAST[] =
	"SELECT e.seq, e.ts, json_extract(e.payload, '$.message_id'), json_extract(e.payload, '$.date')"
	" FROM event_dedup AS d JOIN events AS e ON e.seq = d.seq"
	" WHERE d.dedup_group = '' AND d.dedup_key > ?1 AND d.dedup_key < ?1 || '~'"
	"   AND e.type = 'report_sent'"
	" ORDER BY d.dedup_key DESC LIMIT 1";

static void sent_key(char *out, size_t n, const char *kind, const char *date)
{
	snprintf(out, n, "report_sent:%s:%s", kind, date ? date : "");
}

static enum rk_rc sent_read(struct journal *j, const char *sql, const char *kind, const char *date,
			    struct daily_sent *out, bool *found, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	char key[96];
	bool row = false;
	*found = false;
	sent_key(key, sizeof key, kind, date);
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if ((rc = sqlx_step_row(st, &row, "reading the sent reports", err)) || !row)
		return rc;
	memset(out, 0, sizeof *out);
	out->seq = sqlite3_column_int64(st, 0);
	snprintf(out->sent_at, sizeof out->sent_at, "%s", sqlx_col_text(st, 1));
	snprintf(out->message_id, sizeof out->message_id, "%s", sqlx_col_text(st, 2));
	snprintf(out->date, sizeof out->date, "%s", sqlx_col_text(st, 3));
	sqlite3_reset(st);
	*found = true;
	return RK_OK;
}

enum rk_rc daily_sent_find(struct journal *j, const char *kind, const char *date,
			   struct daily_sent *out, bool *found, struct rk_err *err)
{
	return sent_read(j, SQL_SENT_FIND, kind, date, out, found, err);
}

enum rk_rc daily_sent_last(struct journal *j, const char *kind, struct daily_sent *out, bool *found,
			   struct rk_err *err)
{
	return sent_read(j, SQL_SENT_LAST, kind, NULL, out, found, err);
}

enum rk_rc daily_sent_record(struct journal *j, const char *kind, const char *date, const char *tz,
			     const char *message_id, size_t recipients, int64_t sent_us,
			     struct rk_err *err)
{
	char ts[RTIME_STR_MAX], key[96];
	char *payload = NULL;
	enum events_result res;
	enum rk_rc rc = RK_OK;
	cJSON *o = cJSON_CreateObject();
	/* keys in sorted order: the canonical JSON of every event */
	if (!o || !jsonout_add_str(o, "date", date) || !jsonout_add_str(o, "kind", kind) ||
	    !jsonout_add_str(o, "message_id", message_id) ||
	    !jsonout_add_int(o, "recipients", (int64_t)recipients) || !jsonout_add_str(o, "tz", tz) ||
	    !(payload = cJSON_PrintUnformatted(o))) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	rtime_format(sent_us, ts);
	sent_key(key, sizeof key, kind, date);
	struct journal_event ev = {"report_sent", "report", ts, "reckon", "report", "",
				   payload, key, NULL};
	if ((rc = journal_begin(j, err)))
		goto out;
	if (!(rc = events_append(j, &ev, &res, NULL, err)))
		rc = journal_commit(j, err);
	if (rc)
		journal_rollback(j);
out:
	cJSON_Delete(o);
	free(payload);
	return rc;
}
