/*
 * daily_mail.h — the daily report as a mail: build it for one day (figures
 * from journal/daily.h, text and HTML from report/report_daily.h, the two
 * PNG charts, the MIME message), send it over SMTP (net/smtp.h) with the
 * settings of the config file's "report" section (core/config.h), and
 * journal it as `report_sent` (journal/daily.h) so that it is never sent
 * twice for a day. Used by `reckon report daily` and by the daemon.
 *
 * The daemon's part: at start-up, before its threads, one rk_tz_local of
 * cfg->report.tz (rk_tz.h: the first call may add TZ to the environment);
 * then once a minute or so on its loop (never in a venue worker: sending
 * blocks for up to the SMTP timeout):
 *
 *     struct daily_sent last; bool any;
 *     daily_sent_last(j, "daily", &last, &any, &err);          // journal/daily.h
 *     char day[11];
 *     if (daily_mail_due(&cfg->report, any ? last.date : "", now_us, day, &err)) {
 *             struct daily_mail m = {0};
 *             struct daily_mail_opts o = {.date = day, .tz = cfg->report.tz,
 *                     .now_us = now_us, .random = <64 random bits>,
 *                     .from = cfg->report.from, .to = (const char *const *)cfg->report.to,
 *                     .nto = cfg->report.nto, .gaps = audit_gaps};
 *             rc = daily_mail_build(j, &o, &m, &err);
 *             if (!rc) rc = daily_mail_send(j, &cfg->report, NULL, &m, &res, &err);
 *             daily_mail_free(&m);
 *             // on error: log err.msg, count it in the stats, retry after a
 *             // backoff (e.g. 1, 2, 4 ... 60 min); nothing was journaled.
 *     }
 *
 * A failure leaves nothing journaled, so the next attempt sends; a success
 * is journaled before daily_mail_send returns. The window between the
 * server accepting the message and the journal's commit (a crash there,
 * or a journal that cannot be written) can deliver the report twice after
 * a restart; it is reported (RK_EIO "sent as <id> but not journaled").
 *
 * Ownership: struct daily_mail owns its buffers (daily_mail_free, NULL-safe).
 * Threads: one call at a time per journal connection.
 */
#ifndef RECKON_DAILY_MAIL_H
#define RECKON_DAILY_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "daily.h"
#include "daily_report.h"
#include "err.h"
#include "journal.h"
#include "report_daily.h"
#include "rk_buf.h"

#define DAILY_MAIL_KIND "daily"

struct daily_mail_opts {
	const char *date;          /* the local day "YYYY-MM-DD" */
	const char *tz;            /* its zone (NULL: UTC) */
	int64_t now_us;            /* the Date header and the report's stamp */
	uint64_t random;           /* makes the Message-ID and boundaries unique */
	const char *from;          /* NULL: "reckon <reckon@localhost>" */
	const char *const *to;     /* NULL / nto 0: the From address */
	size_t nto;
	daily_gaps_fn *gaps;       /* audit_gaps, or a test's */
};

struct daily_mail {
	struct daily_report report;
	struct rk_buf text;        /* text/plain */
	struct rk_buf html;        /* text/html, images by cid: */
	struct rk_buf curve_png, days_png;
	struct rk_buf eml;         /* the whole message, CRLF */
	char subject[REPORT_SUBJECT_MAX];
	char message_id[DAILY_MSGID_MAX];
};

/* What daily_mail_send did. */
struct daily_mail_result {
	bool sent;                /* this call sent it (and journaled it) */
	bool already_sent;        /* the journal holds the day's send: nothing done */
	struct daily_sent earlier; /* that send, when already_sent */
};

/* Gathers the day and builds every part of the mail into *m (zeroed by the
 * caller). Errors as daily_gather, mime_build, chart_*. */
enum rk_rc daily_mail_build(struct journal *j, const struct daily_mail_opts *o,
			    struct daily_mail *m /* OUT */, struct rk_err *err);

/* The HTML alone with the charts inline as data: URIs (a file to open in a
 * browser), into *out. */
enum rk_rc daily_mail_html_file(const struct daily_mail *m, struct rk_buf *out,
				struct rk_err *err);

/*
 * Sends m for its day unless the journal already holds that day's
 * report_sent (then res->already_sent, nothing sent), then journals it.
 * The password comes from cfg->password_env (secret.h: the variable or
 * VAR_FILE) or cfg->password_file (0600), never from the config itself; it
 * is wiped after use. ca_file: NULL for the system's CAs. The journal must
 * be open for writing. Errors: RK_ECONFIG / RK_EPERM / RK_ENOTFOUND for the
 * password and the settings (RK_EINVAL from smtp_check is reported as
 * RK_ECONFIG), smtp_send's RK_EUNKNOWN / RK_EREJECTED, RK_EIO when sent but
 * not journaled.
 */
enum rk_rc daily_mail_send(struct journal *j, const struct config_report *cfg,
			   const char *ca_file, const struct daily_mail *m,
			   struct daily_mail_result *res /* OUT */, struct rk_err *err);

/*
 * Which day's report is due at `now_us`: the latest local day whose send
 * time has passed (yesterday once today's cfg->daily_at_min is reached in
 * cfg->tz, else the day before), when `last_sent` (a date, "" for never)
 * is earlier. True with the day in day_out; false when nothing is due or on
 * a bad zone (err set). Days missed while the daemon was down are not
 * sent late, only the latest one.
 */
bool daily_mail_due(const struct config_report *cfg, const char *last_sent, int64_t now_us,
		    char day_out[11] /* OUT */, struct rk_err *err);

void daily_mail_free(struct daily_mail *m);

#endif
