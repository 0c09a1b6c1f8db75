/*
 * chart.h — the daily report's two charts as PNG images, drawn with cairo
 * (anti-aliased lines and text, labelled axes):
 *   - the cumulative realized P&L through the day: a step line from 0 at
 *     the day's start, rising or falling at each minute with closes, the
 *     time axis in the report's zone;
 *   - the daily realized P&L of the last 30 days: one bar per day, green
 *     above zero and red below, the report's day last.
 * Both in the report's chart_quote; a chart without data says so in the
 * image. Doubles are used for drawing only (daily_report.h's exact text is
 * converted with strtod); the figures themselves are in the report's tables.
 *
 * Output: a complete PNG, CHART_WIDTH x CHART_HEIGHT pixels (the caller
 * declares that size in the HTML), appended to the caller's buffer.
 * Errors: RK_ENOMEM; RK_EIO when cairo fails (its status named).
 * Threads: cairo image surfaces are per call; rk_tz is serialised.
 */
#ifndef RECKON_CHART_H
#define RECKON_CHART_H

#include "daily_report.h"
#include "err.h"
#include "rk_buf.h"

#define CHART_WIDTH 640
#define CHART_HEIGHT 300

/* Releases cairo's and fontconfig's process-wide font caches, which
 * otherwise live until exit and read as leaks to a leak checker. Call once
 * at the end, when no thread draws a chart (the CLI does, and the tests). */
void chart_fonts_release(void);

enum rk_rc chart_pnl_curve(const struct daily_report *r, struct rk_buf *png, struct rk_err *err);
enum rk_rc chart_pnl_days(const struct daily_report *r, struct rk_buf *png, struct rk_err *err);

#endif
