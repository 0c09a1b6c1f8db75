/*
 * report_daily.c — the daily report in text and HTML (report_daily.h).
 *
 * Both formats are written by the same section functions through a small
 * document writer (paragraphs, headings, tables), so the two can never show
 * different figures: only the writer knows whether it writes text or HTML.
 */
#include "report_daily.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "rk_tz.h"
#include "rtime.h"

/* ---- the document writer ---------------------------------------------- */

struct doc {
	struct rk_buf *b;
	bool html;
	const struct daily_report *r;
	enum rk_rc rc;      /* first time conversion error */
	struct rk_err *err;
};

/* A table column: its heading and, for text, its width (negative: left
 * aligned, positive: right aligned). */
struct col {
	const char *head;
	int width;
};

static void esc(struct rk_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': rk_buf_add(b, "&amp;"); break;
		case '<': rk_buf_add(b, "&lt;"); break;
		case '>': rk_buf_add(b, "&gt;"); break;
		case '"': rk_buf_add(b, "&quot;"); break;
		case '\'': rk_buf_add(b, "&#39;"); break;
		default: rk_buf_addn(b, s, 1);
		}
	}
}

#define CELL_STYLE "padding:4px 6px;border-bottom:1px solid #eee;vertical-align:top"
#define HEAD_STYLE "padding:4px 6px;border-bottom:2px solid #ccc;text-align:left;font-weight:bold"

static void section(struct doc *d, const char *title)
{
	if (!d->html) {
		rk_buf_addf(d->b, "\n%s\n", title);
		for (size_t i = strlen(title); i > 0; i--)
			rk_buf_add(d->b, "-");
		rk_buf_add(d->b, "\n");
		return;
	}
	rk_buf_add(d->b, "<tr><td style=\"padding:18px 12px 4px;font-size:16px;font-weight:bold;"
			 "color:#333;border-bottom:1px solid #ddd\">");
	esc(d->b, title);
	rk_buf_add(d->b, "</td></tr>\n");
}

/* One paragraph; `style` is an inline CSS for HTML (NULL: plain). */
__attribute__((format(printf, 3, 4))) static void para(struct doc *d, const char *style,
							const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!d->html) {
		rk_buf_addf(d->b, "  %s\n", line);
		return;
	}
	rk_buf_addf(d->b, "<tr><td style=\"padding:4px 12px;%s\">", style ? style : "");
	esc(d->b, line);
	rk_buf_add(d->b, "</td></tr>\n");
}

/* A text row: columns padded to their widths, a left-aligned last one not
 * padded (no trailing spaces). */
static void text_row(struct doc *d, const struct col *cols, size_t n, const char *const *cells)
{
	rk_buf_add(d->b, " ");
	for (size_t i = 0; i < n; i++)
		rk_buf_addf(d->b, " %*s", i == n - 1 && cols[i].width < 0 ? 0 : cols[i].width,
			    cells[i]);
	rk_buf_add(d->b, "\n");
}

static void table_begin(struct doc *d, const struct col *cols, size_t n)
{
	if (!d->html) {
		const char *heads[16];
		for (size_t i = 0; i < n && i < 16; i++)
			heads[i] = cols[i].head;
		text_row(d, cols, n, heads);
		return;
	}
	rk_buf_add(d->b, "<tr><td style=\"padding:4px 6px\"><table role=\"presentation\" "
			 "width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
			 "style=\"border-collapse:collapse;font-size:13px\"><tr>");
	for (size_t i = 0; i < n; i++) {
		rk_buf_addf(d->b, "<th style=\"" HEAD_STYLE "%s\">",
			    cols[i].width > 0 ? ";text-align:right" : "");
		esc(d->b, cols[i].head);
		rk_buf_add(d->b, "</th>");
	}
	rk_buf_add(d->b, "</tr>\n");
}

/* A row; `color` (NULL: none) colours the last cell in HTML. */
static void table_row(struct doc *d, const struct col *cols, size_t n, const char *const *cells,
		      const char *color)
{
	if (!d->html) {
		text_row(d, cols, n, cells);
		return;
	}
	rk_buf_add(d->b, "<tr>");
	for (size_t i = 0; i < n; i++) {
		rk_buf_addf(d->b, "<td style=\"" CELL_STYLE "%s%s%s\">",
			    cols[i].width > 0 ? ";text-align:right;white-space:nowrap" : "",
			    color && i == n - 1 ? ";color:" : "", color && i == n - 1 ? color : "");
		esc(d->b, cells[i]);
		rk_buf_add(d->b, "</td>");
	}
	rk_buf_add(d->b, "</tr>\n");
}

static void table_end(struct doc *d)
{
	if (d->html)
		rk_buf_add(d->b, "</table></td></tr>\n");
}

/* ---- figures -------------------------------------------------------------- */

static bool is_zero(const char *s)
{
	bool digit = false;
	for (; *s; s++) {
		if (*s >= '1' && *s <= '9')
			return false;
		digit |= *s == '0';
	}
	return digit;
}

const char *report_signed(const char *amount, char *buf, size_t cap)
{
	if (!amount || !*amount)
		snprintf(buf, cap, "n/a");
	else if (amount[0] != '-' && !is_zero(amount))
		snprintf(buf, cap, "+%s", amount);
	else
		snprintf(buf, cap, "%s", amount);
	return buf;
}

static const char *pnl_color(const char *amount)
{
	if (!*amount || is_zero(amount))
		return "#555";
	return amount[0] == '-' ? "#b00020" : "#0a7d32";
}

/* "HH:MM" in the report's zone, "MM-DD HH:MM" when on another local day. */
static const char *local_time(struct doc *d, int64_t us, char *buf, size_t cap)
{
	char date[RK_TZ_DATE_MAX];
	int minute = 0;
	struct rk_err e = {0};
	if (rk_tz_local(d->r->tz, us, date, &minute, &e)) {
		if (!d->rc)
			d->rc = rk_err_set(d->err, e.rc, "%s", e.msg);
		snprintf(buf, cap, "?");
	} else if (strcmp(date, d->r->date) != 0) {
		snprintf(buf, cap, "%s %02d:%02d", date + 5, minute / 60, minute % 60);
	} else {
		snprintf(buf, cap, "%02d:%02d", minute / 60, minute % 60);
	}
	return buf;
}

/* A journal timestamp's local time, or the text itself if unreadable. */
static const char *ts_time(struct doc *d, const char *ts, char *buf, size_t cap)
{
	int64_t us;
	if (!*ts || rtime_parse(ts, &us, NULL)) {
		snprintf(buf, cap, "%s", ts);
		return buf;
	}
	return local_time(d, us, buf, cap);
}

static const char *duration(int64_t us, char *buf, size_t cap)
{
	int64_t s = us / 1000000;
	if (s < 60)
		snprintf(buf, cap, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, cap, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, cap, "%lld h %02lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	return buf;
}

/* ---- sections ------------------------------------------------------------- */

#define ALERT_STYLE "color:#b00020;font-weight:bold"

static void alerts(struct doc *d)
{
	const struct daily_report *r = d->r;
	char t[32];
	if (!r->failed.n && !r->breaker_trips && !r->halts.n && !r->runs_incomplete &&
	    !r->unprotected_now)
		return;
	section(d, "Alerts");
	for (size_t i = 0; i < r->failed.n; i++) {
		const struct daily_action *a = &r->failed.v[i];
		para(d, ALERT_STYLE, "! failed action %lld at %s: %s %s %s: %s", a->id,
		     ts_time(d, a->updated_at, t, sizeof t), a->kind, a->venue, a->symbol, a->error);
	}
	if (r->breaker_trips)
		para(d, ALERT_STYLE, "! circuit breaker: %ld finding%s of the day held back",
		     r->breaker_trips, r->breaker_trips == 1 ? "" : "s");
	for (size_t i = 0; i < r->halts.n; i++) {
		const struct daily_halt *h = &r->halts.v[i];
		para(d, ALERT_STYLE, "! halted: %s %s %s since %s: %s", h->venue, h->account,
		     h->symbol, h->halted_at, h->reason);
	}
	for (size_t i = 0; i < r->incomplete.n; i++) {
		const struct daily_run *x = &r->incomplete.v[i];
		para(d, ALERT_STYLE, "! incomplete pass %lld (%s %s) at %s: %s", x->id, x->venue,
		     x->account, ts_time(d, x->started_at, t, sizeof t), x->reason);
	}
	if (r->unprotected_now)
		para(d, ALERT_STYLE, "! %ld position%s unprotected right now (see Open positions)",
		     r->unprotected_now, r->unprotected_now == 1 ? "" : "s");
}

static void headline_protection(struct doc *d)
{
	const struct daily_report *r = d->r;
	char dur[32];
	if (!r->gaps_available)
		para(d, ALERT_STYLE, "Unprotected time today: unknown (%s)", r->gaps_error);
	else if (r->unprotected_us == 0)
		para(d, "color:#0a7d32", "Unprotected time today: 0 \xe2\x80\x94 every position was "
					 "protected all day");
	else
		para(d, ALERT_STYLE, "Unprotected time today: %s in %zu interval%s%s",
		     duration(r->unprotected_us, dur, sizeof dur), r->gaps.n,
		     r->gaps.n == 1 ? "" : "s", r->gaps.n > 1 ? ", added up over positions" : "");
}

static void headline(struct doc *d)
{
	const struct daily_report *r = d->r;
	char s[128], line[512];
	long wins = 0, losses = 0, closes = 0;
	section(d, "Headline");
	if (!r->day.n)
		para(d, "font-size:18px;font-weight:bold", "Realized P&L: 0 (no closing fills)");
	for (size_t i = 0; i < r->day.n; i++) {
		const struct daily_pnl *p = &r->day.v[i];
		para(d, "font-size:18px;font-weight:bold", "Realized P&L: %s %s",
		     report_signed(p->realized, s, sizeof s), p->quote);
		wins += p->wins, losses += p->losses, closes += p->closing_fills;
		if (p->unmatched_fills)
			para(d, NULL, "  (%ld %s close%s with unknown cost: no P&L)", p->unmatched_fills,
			     p->quote, p->unmatched_fills == 1 ? "" : "s");
	}
	para(d, NULL, "FIFO, after fees. Closing fills: %ld (%ld won, %ld lost)", closes, wins,
	     losses);
	line[0] = '\0';
	for (size_t i = 0; i < r->fees.n; i++) {
		const struct daily_fee *f = &r->fees.v[i];
		if (!*f->currency && is_zero(f->fees))
			continue;
		size_t at = strlen(line);
		snprintf(line + at, sizeof line - at, "%s%s %s", at ? ", " : "", f->fees, f->currency);
	}
	para(d, NULL, "Fills: %ld. Fees: %s", r->fills, *line ? line : "0");
	if (!r->month.n)
		para(d, NULL, "Month to date (from %s): 0 (no closing fills)", r->month_start);
	for (size_t i = 0; i < r->month.n; i++)
		para(d, NULL, "Month to date (from %s): %s %s", r->month_start,
		     report_signed(r->month.v[i].realized, s, sizeof s), r->month.v[i].quote);
	headline_protection(d);
}

static void by_symbol(struct doc *d)
{
	static const struct col cols[] = {{"venue", -13}, {"symbol", -12}, {"closes", 7},
					  {"fees", 12}, {"realized P&L", 16}};
	const struct daily_report *r = d->r;
	char n[16], s[128], pnl[160];
	section(d, "Realized P&L by symbol");
	if (!r->symbols.n) {
		para(d, NULL, "No closing fills today.");
		return;
	}
	table_begin(d, cols, 5);
	for (size_t i = 0; i < r->symbols.n; i++) {
		const struct daily_symbol *x = &r->symbols.v[i];
		snprintf(n, sizeof n, "%ld", x->closing_fills);
		snprintf(pnl, sizeof pnl, "%s %s", report_signed(x->realized, s, sizeof s), x->quote);
		const char *cells[] = {x->venue, x->symbol, n, x->fees, pnl};
		table_row(d, cols, 5, cells, pnl_color(x->realized));
	}
	table_end(d);
}

static void closes(struct doc *d, const char *title, const struct daily_close *v, size_t n)
{
	static const struct col cols[] = {{"time", -11}, {"symbol", -12}, {"qty", 12},
					  {"realized P&L", 16}};
	char t[32], s[128], pnl[160];
	if (!n)
		return;
	section(d, title);
	table_begin(d, cols, 4);
	for (size_t i = 0; i < n; i++) {
		ts_time(d, v[i].closed_at, t, sizeof t);
		snprintf(pnl, sizeof pnl, "%s %s", report_signed(v[i].realized, s, sizeof s),
			 v[i].quote);
		const char *cells[] = {t, v[i].symbol, v[i].qty, pnl};
		table_row(d, cols, 4, cells, pnl_color(v[i].realized));
	}
	table_end(d);
}

static void positions(struct doc *d)
{
	static const struct col cols[] = {{"symbol", -12}, {"qty", 10}, {"cost", 12},
					  {"last", 10}, {"unrealized", 12}, {"stop", 10},
					  {"distance", 10}, {"protection", -12}};
	const struct daily_report *r = d->r;
	char s[128];
	section(d, "Open positions");
	if (!r->positions.n) {
		para(d, NULL, "None: flat.");
		return;
	}
	if (r->day_over)
		para(d, "color:#555",
		     "At the end of the day (FIFO lots); last = price of the latest fill before it; "
		     "stop = the stops that stood then; protection = whether a gap was open then.");
	else
		para(d, "color:#555", "As the journal holds them now; last = price of the latest fill.");
	table_begin(d, cols, 8);
	for (size_t i = 0; i < r->positions.n; i++) {
		const struct daily_position *p = &r->positions.v[i];
		const char *cells[] = {p->symbol,
				       p->qty,
				       *p->cost_basis ? p->cost_basis : "-",
				       *p->last_price ? p->last_price : "-",
				       *p->unrealized ? report_signed(p->unrealized, s, sizeof s) : "-",
				       *p->stop_price ? p->stop_price : "none",
				       *p->stop_distance ? p->stop_distance : "-",
				       *p->state ? p->state : "?"};
		bool bad = strcmp(p->state, "protected") != 0 && strcmp(p->state, "dust") != 0 &&
			   strcmp(p->state, "no gap") != 0;
		table_row(d, cols, 8, cells, bad ? "#b00020" : "#0a7d32");
	}
	table_end(d);
}

static void gaps(struct doc *d)
{
	static const struct col cols[] = {{"symbol", -12}, {"from", -11}, {"to", -11},
					  {"duration", 12}, {"cause", -30}};
	const struct daily_report *r = d->r;
	char a[32], b[32], dur[32], cause[160];
	section(d, "Protection");
	if (!r->gaps_available) {
		para(d, ALERT_STYLE, "Protection gaps unknown: %s", r->gaps_error);
		return;
	}
	if (!r->gaps.n) {
		para(d, NULL, "No interval without a stop today.");
		return;
	}
	table_begin(d, cols, 5);
	for (size_t i = 0; i < r->gaps.n; i++) {
		const struct daily_gap *g = &r->gaps.v[i];
		local_time(d, g->start_us, a, sizeof a);
		if (g->end_us)
			local_time(d, g->end_us, b, sizeof b);
		else
			snprintf(b, sizeof b, "still open");
		snprintf(cause, sizeof cause, "%s%s%s", g->start_cause, *g->end_cause ? " -> " : "",
			 g->end_cause);
		const char *cells[] = {g->symbol, a, b, duration(g->duration_us, dur, sizeof dur),
				       cause};
		table_row(d, cols, 5, cells, NULL);
	}
	table_end(d);
}

static void counts(struct doc *d, const char *what, const struct daily_count *v, size_t n)
{
	static const struct col cols[] = {{"", -32}, {"count", 8}};
	char c[16];
	if (!n) {
		para(d, NULL, "%s: none", what);
		return;
	}
	para(d, "font-weight:bold", "%s:", what);
	table_begin(d, cols, 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(c, sizeof c, "%ld", v[i].n);
		const char *cells[] = {v[i].name, c};
		table_row(d, cols, 2, cells, NULL);
	}
	table_end(d);
}

static void reconciliation(struct doc *d)
{
	const struct daily_report *r = d->r;
	section(d, "Reconciliation");
	para(d, NULL, "Passes run: %ld (%ld incomplete)", r->runs, r->runs_incomplete);
	counts(d, "Findings by kind", r->findings.v, r->findings.n);
	counts(d, "Corrective actions and outcomes", r->actions.v, r->actions.n);
}

static void charts(struct doc *d, const char *curve_src, const char *days_src)
{
	if (!d->html || (!curve_src && !days_src))
		return;
	section(d, "Charts");
	const char *srcs[] = {curve_src, days_src};
	const char *alts[] = {"Cumulative realized P&L through the day",
			      "Daily realized P&L, last 30 days"};
	for (int i = 0; i < 2; i++) {
		if (!srcs[i])
			continue;
		rk_buf_add(d->b, "<tr><td style=\"padding:6px 6px\"><img src=\"");
		esc(d->b, srcs[i]);
		rk_buf_add(d->b, "\" alt=\"");
		esc(d->b, alts[i]);
		rk_buf_addf(d->b, "\" width=\"%d\" height=\"%d\" style=\"display:block;width:100%%;"
				  "max-width:%dpx;height:auto;border:0\"></td></tr>\n",
			    CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH);
	}
}

static void title(struct doc *d)
{
	const struct daily_report *r = d->r;
	char gen[RTIME_STR_MAX];
	rtime_format(r->generated_us, gen);
	if (!d->html) {
		rk_buf_addf(d->b, "reckon daily report: %s (%s)\n", r->date, r->tz);
		rk_buf_addf(d->b, "  the day from %s to %s; made %s\n", r->from_ts, r->to_ts, gen);
		return;
	}
	rk_buf_add(d->b, "<tr><td style=\"padding:14px 12px;background:#1f3a5f;color:#fff;"
			 "font-size:20px;font-weight:bold\">reckon daily report: ");
	esc(d->b, r->date);
	rk_buf_add(d->b, "<div style=\"font-size:12px;font-weight:normal\">");
	esc(d->b, r->tz);
	rk_buf_add(d->b, "; the day from ");
	esc(d->b, r->from_ts);
	rk_buf_add(d->b, " to ");
	esc(d->b, r->to_ts);
	rk_buf_add(d->b, "</div></td></tr>\n");
}

static enum rk_rc render(struct doc *d, const char *curve_src, const char *days_src)
{
	const struct daily_report *r = d->r;
	if (d->html) {
		rk_buf_add(d->b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
				 "<title>reckon daily report ");
		esc(d->b, r->date);
		rk_buf_add(d->b, "</title></head>\n<body style=\"margin:0;padding:0;background:#f2f2f2\">"
				 "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
				 "cellspacing=\"0\" style=\"background:#f2f2f2\"><tr><td align=\"center\" "
				 "style=\"padding:8px\">\n<table role=\"presentation\" width=\"100%\" "
				 "cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;"
				 "background:#ffffff;font-family:Arial,Helvetica,sans-serif;"
				 "font-size:14px;line-height:1.4;color:#222222\">\n");
	}
	title(d);
	alerts(d);
	headline(d);
	by_symbol(d);
	closes(d, "Largest winners", r->winners.v, r->winners.n);
	closes(d, "Largest losers", r->losers.v, r->losers.n);
	positions(d);
	gaps(d);
	reconciliation(d);
	charts(d, curve_src, days_src);
	if (d->html)
		rk_buf_add(d->b, "</table>\n</td></tr></table></body></html>\n");
	if (d->rc)
		return d->rc;
	return rk_buf_status(d->b, d->err);
}

enum rk_rc report_daily_text(const struct daily_report *r, struct rk_buf *out, struct rk_err *err)
{
	struct doc d = {.b = out, .html = false, .r = r, .err = err};
	return render(&d, NULL, NULL);
}

enum rk_rc report_daily_html(const struct daily_report *r, const char *curve_src,
			     const char *days_src, struct rk_buf *out, struct rk_err *err)
{
	struct doc d = {.b = out, .html = true, .r = r, .err = err};
	return render(&d, curve_src, days_src);
}

void report_daily_subject(const struct daily_report *r, char out[REPORT_SUBJECT_MAX])
{
	char s[128];
	int at = snprintf(out, REPORT_SUBJECT_MAX, "reckon daily %s: P&L", r->date);
	if (!r->day.n)
		snprintf(out + at, REPORT_SUBJECT_MAX - (size_t)at, " 0 (no closes)");
	for (size_t i = 0; i < r->day.n && at > 0 && at < REPORT_SUBJECT_MAX; i++)
		at += snprintf(out + at, REPORT_SUBJECT_MAX - (size_t)at, "%s %s %s", i ? "," : "",
			       report_signed(r->day.v[i].realized, s, sizeof s), r->day.v[i].quote);
}
