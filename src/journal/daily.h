/*
 * daily.h — gathering the daily report (`reckon report daily`, the daemon's
 * morning mail) from the journal: every figure of one local day through the
 * named queries (the files in queries/, query.h), so the report and `reckon query`
 * never disagree; the protection gaps through audit_gaps.h.
 *
 * The day is `date` in time zone `tz` (lib/rk_tz.h), as the instants
 * [from, to) in UTC, handed to the queries as :from_ts / :to_ts:
 *   pnl_between             the headline (P&L per quote), the month to date
 *   pnl_by_period           each of the 30 days charted, in one statement
 *   fees_between            fills of the day and fees per fee currency
 *   pnl_by_symbol_between   P&L by symbol
 *   closes_extreme          the largest winners and losers
 *   pnl_by_minute           the day's wins and losses, and its running total
 *                           (chart)
 *   positions_marked        open positions at the day's end (:to_ts; the
 *                           FIFO lots then), last fill price before it,
 *                           unrealized P&L
 *   protection              "unprotected now" (an alert of the moment the
 *                           report is made); while the day is not over, the
 *                           positions' stops and state too
 *   stops_at                a past day: the stops that stood at its end
 *   runs_between, findings_between, actions_between, actions_failed_between,
 *   halts                   reconciliation and the alerts
 * A past day's positions are those of its end, whenever the report is made
 * (the daily mail runs hours later): their protection state is UNPROTECTED
 * when a protection gap of theirs was open at the day's end (the gaps
 * follow every event), else "protected" with the stops that stood then, or
 * "no gap" without one (dust, or the exchange held no such position).
 * Halts are the journal's current ones.
 *
 * Everything is read in one read transaction (one snapshot, never blocking
 * a writer). Any failed read aborts with its error: a report never shows an
 * error as an empty section. The one exception is the gaps function
 * (opts->gaps, a seam: the CLI passes audit_gaps): when it fails, the report
 * carries gaps_available 0 and the error text, and says so, since the rest
 * of the report is still right.
 *
 * Ownership: *out is filled by the call (zero it first); the caller releases
 * it with daily_report_free, also after an error. Threads: one call at a
 * time per journal connection.
 */
#ifndef RECKON_DAILY_H
#define RECKON_DAILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_gaps.h"
#include "daily_report.h"
#include "err.h"
#include "journal.h"

/* audit_gaps' signature: the seam through which the gaps are read. */
typedef enum rk_rc daily_gaps_fn(struct journal *j, const struct audit_gap_filter *f,
				 struct audit_gap **out, size_t *n, struct rk_err *err);

struct daily_opts {
	const char *date;    /* "YYYY-MM-DD", the local day */
	const char *tz;      /* IANA zone, NULL: "UTC" */
	daily_gaps_fn *gaps; /* NULL: no protection section (gaps_available 0) */
	int64_t now_us;      /* when the report is made (its clock): stamps it */
	int extremes;        /* winners and losers listed, each (0: 5) */
};

/* Fills *out for opts->date. RK_EINVAL for a bad date or zone (named);
 * RK_EDB / RK_ECORRUPT for a failed read; RK_ENOMEM. */
enum rk_rc daily_gather(struct journal *j, const struct daily_opts *opts,
			struct daily_report *out /* OUT */, struct rk_err *err);

/* ---- the journal of sent reports -----------------------------------------
 * A sent report is the event `report_sent` (source "report", venue
 * "reckon", account "report"), payload {"date","kind","message_id",
 * "recipients","tz"}, with the dedup key "report_sent:KIND:DATE" (in the
 * group "", as audit expects of every event but an order). It projects nothing: these functions read it back through its
 * dedup record. The same date twice with another Message-ID is refused by
 * the journal itself (RK_ECONFLICT), so two senders racing cannot both
 * record a send. */

#define DAILY_MSGID_MAX 256

struct daily_sent {
	char date[11];
	char message_id[DAILY_MSGID_MAX];
	char sent_at[40];  /* the event's ts */
	int64_t seq;
};

/* Was the report of `kind` ("daily") for `date` sent? *found false when not. */
enum rk_rc daily_sent_find(struct journal *j, const char *kind, const char *date,
			   struct daily_sent *out /* OUT */, bool *found /* OUT */,
			   struct rk_err *err);

/* The latest date a report of `kind` was sent for (*found false: never). */
enum rk_rc daily_sent_last(struct journal *j, const char *kind, struct daily_sent *out /* OUT */,
			   bool *found /* OUT */, struct rk_err *err);

/* Journals that the report of `kind` for `date` (zone `tz`) was sent at
 * `sent_us` as `message_id` to `recipients` addresses: its own transaction
 * (the journal must not be in one). RK_ECONFLICT when that date was
 * recorded with another Message-ID; the same one again changes nothing. */
enum rk_rc daily_sent_record(struct journal *j, const char *kind, const char *date,
			     const char *tz, const char *message_id, size_t recipients,
			     int64_t sent_us, struct rk_err *err);

#endif
