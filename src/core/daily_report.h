/*
 * daily_report.h — the daily report's figures as plain data: what the
 * journal layer gathers for one local day (journal/daily.h) and the report
 * layer renders (report/report_daily.h, charts, mail), neither seeing the
 * other.
 *
 * Every amount is the exact decimal TEXT a named query returned (queries/,
 * summed with the decimal SQL functions), never a double: "" means the query
 * gave NULL (no known value, e.g. a realized P&L when every close was an
 * unmatched sell). Renderers print the text as it is; only the charts turn
 * it into doubles, to draw.
 *
 * Amounts of P&L are per quote currency ("USD", "USDT"): different quotes
 * are never added together, so the headline lists one line per quote. The
 * charts draw `chart_quote` only (the quote with the most closing fills in
 * the 30 days; ties by name).
 *
 * Ownership: a struct daily_report owns its arrays (RK_ARRAY members);
 * daily_report_free releases them (NULL-safe) and leaves the struct zeroed.
 * Threads: plain data.
 */
#ifndef RECKON_DAILY_REPORT_H
#define RECKON_DAILY_REPORT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "rk_array.h"

#define DAILY_AMT_MAX 96   /* an exact decimal sum as text */
#define DAILY_TEXT_MAX 160 /* an error or reason, cut for the report */
#define DAILY_DAYS 30      /* the daily P&L chart's days, the report's day last */

/* P&L of one quote currency over a period. */
struct daily_pnl {
	char quote[MODEL_SYM_MAX];
	long closing_fills;      /* lot closes */
	long unmatched_fills;    /* of which with unknown cost (no P&L) */
	long wins, losses;       /* closes with P&L > 0 / < 0 (the day only; 0 otherwise) */
	char realized[DAILY_AMT_MAX]; /* "" when none known */
	char fees[DAILY_AMT_MAX];     /* the closes' fees (included in realized) */
};

/* Fees of the day's fills in one fee currency ("" for fills without fee). */
struct daily_fee {
	char currency[MODEL_SYM_MAX];
	long fills;
	char fees[DAILY_AMT_MAX];
};

/* Realized P&L of one symbol over the day. */
struct daily_symbol {
	char venue[MODEL_SYM_MAX], account[MODEL_ID_MAX], symbol[MODEL_SYM_MAX];
	char quote[MODEL_SYM_MAX];
	long closing_fills;
	char realized[DAILY_AMT_MAX];
	char fees[DAILY_AMT_MAX];
};

/* One closing fill: the day's largest winners and losers. */
struct daily_close {
	char closed_at[40];
	char venue[MODEL_SYM_MAX], symbol[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	char fill_id[MODEL_ID_MAX];
	char qty[DAILY_AMT_MAX], realized[DAILY_AMT_MAX];
};

/* An open position at the end of the report's day (now, when the day is
 * not over yet; see journal/daily.h). */
struct daily_position {
	char venue[MODEL_SYM_MAX], account[MODEL_ID_MAX], symbol[MODEL_SYM_MAX];
	char quote[MODEL_SYM_MAX];
	char qty[DAILY_AMT_MAX];        /* signed: short < 0 */
	char cost_basis[DAILY_AMT_MAX];
	char avg_entry[DAILY_AMT_MAX];
	char last_price[DAILY_AMT_MAX];  /* price of the symbol's last fill, "" if none */
	char last_price_at[40];
	char unrealized[DAILY_AMT_MAX];  /* qty x last_price - cost_basis, "" without a price */
	char stop_price[DAILY_AMT_MAX];  /* the protecting stops' levels, space separated */
	char stop_distance[DAILY_AMT_MAX]; /* last_price - first stop level (signed), or "" */
	char state[16];                  /* the day not over: the protection query's
					    protected, at_risk, dust, UNPROTECTED ("" when
					    it lists no row); a past day: UNPROTECTED (a gap
					    open at its end), protected, "no gap", unknown */
};

/* An interval without protection (audit_gaps.h), clipped to the day. */
struct daily_gap {
	char venue[MODEL_SYM_MAX], account[MODEL_ID_MAX], symbol[MODEL_SYM_MAX];
	int64_t start_us, end_us;   /* end_us 0: still open at the day's end */
	int64_t duration_us;        /* within the day */
	char start_cause[64], end_cause[64];
};

/* A count under a name: findings by kind, actions by kind and status. */
struct daily_count {
	char name[96];
	long n;
};

/* A failed action of the day. */
struct daily_action {
	long long id;
	char updated_at[40];
	char venue[MODEL_SYM_MAX], symbol[MODEL_SYM_MAX], kind[40];
	char error[DAILY_TEXT_MAX];
};

/* A halted symbol (halts query). */
struct daily_halt {
	char venue[MODEL_SYM_MAX], account[MODEL_ID_MAX], symbol[MODEL_SYM_MAX];
	char halted_at[40];
	char reason[DAILY_TEXT_MAX];
};

/* A reconciliation pass of the day that was incomplete. */
struct daily_run {
	long long id;
	char venue[MODEL_SYM_MAX], account[MODEL_ID_MAX];
	char started_at[40];
	char reason[DAILY_TEXT_MAX];
};

/* One minute of the day with closes (chart_quote): the realized P&L of the
 * closes in minute [t_us, t_us + 60 s). The chart draws their running total. */
struct daily_point {
	int64_t t_us;
	char realized[DAILY_AMT_MAX];
};

/* One day of the 30-day chart (chart_quote). */
struct daily_day {
	char date[11];
	char realized[DAILY_AMT_MAX]; /* "" for a day without closes */
};

struct daily_report {
	char date[11];          /* the local day, "YYYY-MM-DD" */
	char tz[64];            /* its zone */
	int64_t from_us, to_us; /* the day as [from, to), UTC */
	char from_ts[40], to_ts[40]; /* the same, canonical text (rtime.h) */
	char month_start[11];   /* first day of the month, local */
	int64_t generated_us;   /* when the report was made (its clock) */
	bool day_over;          /* the day ended before the report was made: the
				   positions and their stops are the day's end's */

	RK_ARRAY(struct daily_pnl) day;     /* per quote */
	RK_ARRAY(struct daily_pnl) month;   /* per quote, month to date incl. the day */
	RK_ARRAY(struct daily_fee) fees;    /* per fee currency, all fills of the day */
	long fills;                         /* fills of the day */

	RK_ARRAY(struct daily_symbol) symbols;
	RK_ARRAY(struct daily_close) winners; /* best first */
	RK_ARRAY(struct daily_close) losers;  /* worst first */
	RK_ARRAY(struct daily_position) positions;

	RK_ARRAY(struct daily_gap) gaps;
	int64_t unprotected_us;     /* sum of the gaps' durations within the day */
	int gaps_available;         /* 0: gaps could not be read (see gaps_error) */
	char gaps_error[DAILY_TEXT_MAX];

	long runs, runs_incomplete; /* reconciliation passes started in the day */
	RK_ARRAY(struct daily_run) incomplete;
	RK_ARRAY(struct daily_count) findings;  /* by kind */
	RK_ARRAY(struct daily_count) actions;   /* "kind status" */
	RK_ARRAY(struct daily_action) failed;   /* failed actions of the day */
	long breaker_trips;         /* findings of the day the circuit breaker held back */
	RK_ARRAY(struct daily_halt) halts;      /* halted now */
	long unprotected_now;       /* positions UNPROTECTED or at_risk now */

	char chart_quote[MODEL_SYM_MAX];     /* "" when no close in the 30 days */
	RK_ARRAY(struct daily_point) curve;  /* per minute with closes, in order */
	struct daily_day days[DAILY_DAYS];   /* oldest first, the day last */
};

void daily_report_free(struct daily_report *r);

#endif
