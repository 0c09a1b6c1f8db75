/*
 * report_daily.h — the daily report as text and as HTML, from the plain
 * figures of core/daily_report.h (gathered by journal/daily.h).
 *
 * Sections, in order: alerts (only when there are any: failed actions,
 * circuit-breaker trips, halted symbols, incomplete passes, positions
 * unprotected now), the headline (realized P&L of the day per quote after
 * fees, fees, fills, wins and losses, the month to date, the protection
 * headline), P&L by symbol, the largest winners and losers, open positions,
 * protection gaps, reconciliation, and in HTML the two charts.
 *
 * Amounts are printed exactly as the queries returned them (a P&L above
 * zero gets a '+'); times in the report's zone, "HH:MM". The HTML is one
 * table-based column at most 640 px wide with inline styles only: no
 * stylesheet, script, font or image from elsewhere. Images are whatever
 * `src` the caller gives: "cid:..." in a mail, a data: URI in a file.
 *
 * Output is appended to the caller's rk_buf; errors: RK_ENOMEM (the buffer
 * failed), RK_EINVAL for a time the zone cannot convert. Pure apart from
 * rk_tz's zone conversions; not thread-safe per buffer.
 */
#ifndef RECKON_REPORT_DAILY_H
#define RECKON_REPORT_DAILY_H

#include <stddef.h>

#include "daily_report.h"
#include "err.h"
#include "rk_buf.h"

#define REPORT_SUBJECT_MAX 256

/* Plain text (UTF-8, lines under 80 columns where the data allows). */
enum rk_rc report_daily_text(const struct daily_report *r, struct rk_buf *out,
			     struct rk_err *err);

/* An HTML document. curve_src / days_src: the charts' image sources, NULL
 * to leave a chart out. */
enum rk_rc report_daily_html(const struct daily_report *r, const char *curve_src,
			     const char *days_src, struct rk_buf *out, struct rk_err *err);

/* "reckon daily 2025-11-22: P&L +81.9 USD" (each quote; "no closes" when
 * none), UTF-8, to be encoded by the mail (mime.h). */
void report_daily_subject(const struct daily_report *r, char out[REPORT_SUBJECT_MAX]);

/* "+81.9" for a P&L above zero, the text itself otherwise, "n/a" for "". */
const char *report_signed(const char *amount, char *buf, size_t cap);

#endif
