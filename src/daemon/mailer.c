/*
 * mailer.c — the daemon sends the daily report (issue 13): one thread, with
 * its own journal connection and its own copy of the config's "report"
 * section, that checks once a minute whether a report is due
 * (daily_mail_due over daily_sent_last: yesterday's, once today's local
 * daily_at has passed) and then builds and sends it (daily_mail.h), which
 * journals it as `report_sent`. Off the loop: sending blocks up to the SMTP
 * timeout, and the loop must keep acknowledging the socket.
 *
 * A failed attempt (the journal unreadable, a bad zone, the password
 * missing, the server down or refusing) journals nothing: it is logged
 * (never the password: secret.h keeps it out of every message), counted in
 * the stats and retried after 1, 2, 4 ... 60 minutes (the first step
 * MAILER_RETRY_FIRST_S; RECKON_TEST_REPORT_RETRY_S overrides it, for the
 * tests only). A success resets the backoff. A restart never sends a day
 * twice: the journal says it went (daily_mail_send's already_sent, and
 * daily_mail_due reads the last day sent).
 *
 * Log lines:
 *   event=report_sent date=.. message_id=.. recipients=N
 *   event=report_failed date=.. error=.. consecutive_failures=N retry_in_s=S
 *   event=report_waiting last_sent=.. next_attempt=..  (first check after a
 *     start or reload, and after each send: nothing is due)
 *   event=report_already_sent date=.. message_id=..  (another sender was first)
 * Stats: d->stats.report (stats.h), under d->mu.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "audit_gaps.h"
#include "daemon_int.h"
#include "daily_mail.h"
#include "dlog.h"
#include "events.h"
#include "rk_tz.h"
#include "rtime.h"

#define MAILER_CHECK_S 60           /* how often the mailer asks "is one due?" */
#define MAILER_RETRY_FIRST_S 60     /* the backoff's first step ... */
#define MAILER_RETRY_MAX_S 3600     /* ... doubling up to this */

/* ---- the "report" section, copied ----------------------------------------------- */

static void report_free(struct config_report *r)
{
	if (!r)
		return;
	free(r->smtp_url), free(r->username), free(r->password_env), free(r->password_file);
	free(r->from), free(r->tz);
	for (size_t i = 0; i < r->nto && i < CONFIG_MAX_RECIPIENTS; i++)
		free(r->to[i]);
	free(r);
}

static bool dup_str(char **dst, const char *src)
{
	*dst = NULL;
	return !src || (*dst = strdup(src)) != NULL;
}

static struct config_report *report_dup(const struct config_report *src)
{
	struct config_report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->present = src->present;
	r->starttls = src->starttls;
	r->daily_at_min = src->daily_at_min;
	bool ok = dup_str(&r->smtp_url, src->smtp_url) && dup_str(&r->username, src->username) &&
		  dup_str(&r->password_env, src->password_env) &&
		  dup_str(&r->password_file, src->password_file) && dup_str(&r->from, src->from) &&
		  dup_str(&r->tz, src->tz);
	for (size_t i = 0; ok && i < src->nto && i < CONFIG_MAX_RECIPIENTS; i++) {
		ok = dup_str(&r->to[i], src->to[i]);
		r->nto = i + 1; /* so report_free releases what is held */
	}
	if (!ok) {
		report_free(r);
		return NULL;
	}
	return r;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool report_same(const struct config_report *a, const struct config_report *b)
{
	bool same = a->present == b->present && a->starttls == b->starttls &&
		    a->daily_at_min == b->daily_at_min && a->nto == b->nto &&
		    same_str(a->smtp_url, b->smtp_url) && same_str(a->username, b->username) &&
		    same_str(a->password_env, b->password_env) &&
		    same_str(a->password_file, b->password_file) && same_str(a->from, b->from) &&
		    same_str(a->tz, b->tz);
	for (size_t i = 0; same && i < a->nto && i < CONFIG_MAX_RECIPIENTS; i++)
		same = same_str(a->to[i], b->to[i]);
	return same;
}

/* ---- one attempt ------------------------------------------------------------------- */

/* What the thread keeps between attempts. */
struct mstate {
	unsigned fails;     /* consecutive failures: the backoff's exponent */
	bool announce;      /* log the schedule at the next check that finds nothing due */
};

static const char *tz_of(const struct config_report *cfg)
{
	return cfg->tz && *cfg->tz ? cfg->tz : "UTC";
}

/* When the report after `day` (the latest day due, sent) falls due: the
 * local midnight two days later plus daily_at (on the days the clocks
 * change, the check's own minute rule decides; this is for display). 0
 * when the zone cannot say. */
static int64_t next_due_us(const struct config_report *cfg, const char *day)
{
	char d2[RK_TZ_DATE_MAX];
	int64_t from = 0, to = 0;
	struct rk_err err = {0};
	if (rk_tz_date_add(day, 2, d2, &err) || rk_tz_day(tz_of(cfg), d2, &from, &to, &err))
		return 0;
	return from + (int64_t)cfg->daily_at_min * 60 * 1000000;
}

/* The journal's latest send into the stats (under d->mu). */
static void note_last(struct daemon *d, const struct daily_sent *last)
{
	int64_t at = 0;
	struct rk_err err = {0};
	if (rtime_parse(last->sent_at, &at, &err))
		at = 0;
	pthread_mutex_lock(&d->mu);
	struct stats_report *r = &d->stats.report;
	snprintf(r->last_date, sizeof r->last_date, "%s", last->date);
	snprintf(r->last_message_id, sizeof r->last_message_id, "%s", last->message_id);
	r->last_sent_at_us = at;
	pthread_mutex_unlock(&d->mu);
}

static int64_t backoff_us(const struct mailer *m, unsigned fails)
{
	int64_t step = m->retry_first_us;
	for (unsigned i = 1; i < fails && step < (int64_t)MAILER_RETRY_MAX_S * 1000000; i++)
		step *= 2;
	return step < (int64_t)MAILER_RETRY_MAX_S * 1000000 ? step : (int64_t)MAILER_RETRY_MAX_S * 1000000;
}

/* A failed attempt: logged, counted, the retry scheduled. Returns the delay. */
static int64_t failed(struct mailer *m, struct mstate *st, const char *day, const struct rk_err *err)
{
	struct daemon *d = m->d;
	int64_t now = now_us(), delay = backoff_us(m, ++st->fails);
	pthread_mutex_lock(&d->mu);
	struct stats_report *r = &d->stats.report;
	r->failures++;
	r->consecutive_failures++;
	snprintf(r->last_error, sizeof r->last_error, "%s", err->msg[0] ? err->msg : "unknown error");
	r->last_error_at_us = now;
	r->next_attempt_us = now + delay;
	uint64_t consecutive = r->consecutive_failures;
	pthread_mutex_unlock(&d->mu);
	struct dlog l;
	dlog_begin(&l, DLOG_ERROR, "report_failed");
	if (day && *day)
		dlog_str(&l, "date", day);
	dlog_str(&l, "error", err->msg);
	dlog_int(&l, "consecutive_failures", (int64_t)consecutive);
	dlog_int(&l, "retry_in_s", delay / 1000000);
	dlog_end(&l);
	st->announce = true;
	return delay;
}

/* Nothing due: the next check, and the schedule logged when asked. */
static int64_t waiting(struct mailer *m, struct mstate *st, const char *day, bool any,
		       const struct daily_sent *last)
{
	struct daemon *d = m->d;
	int64_t next = next_due_us(m->cfg, day);
	pthread_mutex_lock(&d->mu);
	d->stats.report.next_attempt_us = next;
	pthread_mutex_unlock(&d->mu);
	if (st->announce) {
		char t[RTIME_STR_MAX];
		struct dlog l;
		dlog_begin(&l, DLOG_INFO, "report_waiting");
		dlog_str(&l, "last_sent", any ? last->date : "never");
		dlog_str(&l, "next_attempt", next ? rtime_format(next, t) : "unknown");
		dlog_end(&l);
		st->announce = false;
	}
	return (int64_t)MAILER_CHECK_S * 1000000;
}

static uint64_t random64(int64_t now)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (uint64_t)now ^ (uint64_t)getpid() << 32;
	return r;
}

/* Is a report due? Then build and send it. Returns the delay until the
 * next attempt (microseconds). */
static int64_t attempt(struct mailer *m, struct mstate *st)
{
	struct daemon *d = m->d;
	struct rk_err err = {0};
	struct daily_sent last;
	bool any = false;
	char day[RK_TZ_DATE_MAX] = "";
	int64_t now = now_us();
	memset(&last, 0, sizeof last);
	if (daily_sent_last(m->j, DAILY_MAIL_KIND, &last, &any, &err)) {
		rk_err_prefix(&err, "reading the last report sent");
		return failed(m, st, NULL, &err);
	}
	if (any)
		note_last(d, &last);
	if (!daily_mail_due(m->cfg, any ? last.date : "", now, day, &err)) {
		if (err.rc)
			return failed(m, st, NULL, &err);
		return waiting(m, st, day, any, &last);
	}
	struct daily_mail mail;
	struct daily_mail_result res;
	memset(&mail, 0, sizeof mail);
	memset(&res, 0, sizeof res);
	const struct daily_mail_opts o = {.date = day, .tz = tz_of(m->cfg), .now_us = now,
					  .random = random64(now), .from = m->cfg->from,
					  .to = (const char *const *)m->cfg->to, .nto = m->cfg->nto,
					  .gaps = audit_gaps};
	enum rk_rc rc = daily_mail_build(m->j, &o, &mail, &err);
	if (!rc)
		rc = daily_mail_send(m->j, m->cfg, NULL, &mail, &res, &err);
	int64_t delay;
	if (rc) {
		delay = failed(m, st, day, &err);
	} else {
		struct dlog l;
		const struct daily_sent *by = res.already_sent ? &res.earlier : NULL;
		struct daily_sent mine;
		memset(&mine, 0, sizeof mine);
		if (!by) {
			snprintf(mine.date, sizeof mine.date, "%s", day);
			snprintf(mine.message_id, sizeof mine.message_id, "%s", mail.message_id);
			rtime_format(now, mine.sent_at);
			by = &mine;
		}
		note_last(d, by);
		pthread_mutex_lock(&d->mu);
		struct stats_report *r = &d->stats.report;
		if (res.sent)
			r->sent++;
		r->consecutive_failures = 0;
		r->last_error[0] = '\0';
		pthread_mutex_unlock(&d->mu);
		st->fails = 0;
		dlog_begin(&l, DLOG_INFO, res.sent ? "report_sent" : "report_already_sent");
		dlog_str(&l, "date", by->date);
		dlog_str(&l, "message_id", by->message_id);
		if (res.sent)
			dlog_int(&l, "recipients", (int64_t)m->cfg->nto);
		dlog_end(&l);
		st->announce = true;
		delay = waiting(m, st, day, true, by);
	}
	daily_mail_free(&mail);
	return delay;
}

/* ---- the thread ----------------------------------------------------------------------- */

static struct timespec mono_after(int64_t us)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(us / 1000000);
	t.tv_nsec += (long)(us % 1000000) * 1000;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool mono_passed(const struct timespec *t)
{
	struct timespec n;
	clock_gettime(CLOCK_MONOTONIC, &n);
	return n.tv_sec > t->tv_sec || (n.tv_sec == t->tv_sec && n.tv_nsec >= t->tv_nsec);
}

static void *mailer_main(void *arg)
{
	struct mailer *m = arg;
	struct daemon *d = m->d;
	struct mstate st = {.fails = 0, .announce = true};
	struct timespec due = mono_after(0);
	pthread_mutex_lock(&d->mu);
	while (!m->sh.stop) {
		if (m->sh.next) { /* a reload changed the section: try it now */
			report_free(m->cfg);
			m->cfg = m->sh.next;
			m->sh.next = NULL;
			st.fails = 0;
			st.announce = true;
			due = mono_after(0);
		}
		if (!mono_passed(&due)) {
			pthread_cond_timedwait(&m->cv, &d->mu, &due);
			continue;
		}
		pthread_mutex_unlock(&d->mu);
		int64_t delay = attempt(m, &st);
		pthread_mutex_lock(&d->mu);
		due = mono_after(delay);
	}
	/* Set while leaving, in the same hold as the last look at sh.stop: a
	 * reload that finds it set joins this thread and starts another. */
	m->sh.exited = true;
	d->stats.report.next_attempt_us = 0;
	pthread_mutex_unlock(&d->mu);
	journal_close(m->j);
	m->j = NULL;
	ev_async_send(d->loop, &d->async_w);
	return NULL;
}

/* The backoff's first step: RECKON_TEST_REPORT_RETRY_S (tests only), else
 * MAILER_RETRY_FIRST_S. */
static int64_t retry_first_us(void)
{
	const char *v = getenv("RECKON_TEST_REPORT_RETRY_S");
	if (!v || !*v)
		return (int64_t)MAILER_RETRY_FIRST_S * 1000000;
	char *end = NULL;
	long s = strtol(v, &end, 10);
	if (*end || s < 1 || s > MAILER_RETRY_MAX_S) {
		dlog_msg(DLOG_WARN, "report_retry_ignored",
			 "RECKON_TEST_REPORT_RETRY_S is not a whole number of seconds from 1 to 3600");
		return (int64_t)MAILER_RETRY_FIRST_S * 1000000;
	}
	return (int64_t)s * 1000000;
}

enum rk_rc mailer_start(struct daemon *d, const struct config_report *cfg, struct rk_err *err)
{
	if (!cfg->present)
		return RK_OK;
	struct mailer *m = calloc(1, sizeof *m);
	pthread_condattr_t ca;
	enum rk_rc rc = RK_OK;
	if (!m || !(m->cfg = report_dup(cfg))) {
		free(m);
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	}
	m->d = d;
	m->retry_first_us = retry_first_us();
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Its own connection: a send's journal reads and its report_sent
	 * never share the loop's or a worker's. */
	if ((rc = events_open(d->cur->cfg->db, JOURNAL_WRITE, d->cur->kind, &m->j, err))) {
		rk_err_prefix(err, "report");
		goto fail;
	}
	pthread_mutex_lock(&d->mu);
	d->stats.report.configured = true;
	pthread_mutex_unlock(&d->mu);
	int e = pthread_create(&m->th, NULL, mailer_main, m);
	if (e) {
		rc = rk_err_set(err, RK_EIO, "starting the report mailer: %s", strerror(e));
		goto fail;
	}
	d->mailer = m;
	return RK_OK;
fail:
	pthread_mutex_lock(&d->mu);
	d->stats.report.configured = false;
	pthread_mutex_unlock(&d->mu);
	journal_close(m->j);
	report_free(m->cfg);
	pthread_cond_destroy(&m->cv);
	free(m);
	return rc;
}

void mailer_stop(struct daemon *d)
{
	struct mailer *m = d->mailer;
	if (!m)
		return;
	pthread_mutex_lock(&d->mu);
	m->sh.stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&d->mu);
}

void mailer_apply(struct daemon *d, const struct config_report *cfg)
{
	struct mailer *m = d->mailer;
	struct rk_err err = {0};
	if (!cfg->present) {
		mailer_stop(d);
		pthread_mutex_lock(&d->mu);
		d->stats.report.configured = false;
		pthread_mutex_unlock(&d->mu);
		return;
	}
	bool changed = false, exited = false;
	if (m) {
		/* Running, or stopping (a reload removed the section) and still in
		 * its last attempt: it carries on with this section (never two
		 * mailers). Decided in one hold of d->mu, where the thread decides
		 * to leave. m->cfg is the thread's, read here only to compare: the
		 * thread replaces it only under d->mu. */
		pthread_mutex_lock(&d->mu);
		exited = m->sh.exited;
		if (!exited) {
			const struct config_report *now = m->sh.next ? m->sh.next : m->cfg;
			changed = m->sh.stop || !report_same(now, cfg);
			m->sh.stop = false;
			d->stats.report.configured = true;
		}
		pthread_mutex_unlock(&d->mu);
		if (exited) { /* gone for good: join it, start another */
			mailer_reap(d, true);
			m = NULL;
		}
	}
	if (!m) {
		if (mailer_start(d, cfg, &err))
			dlog_msg(DLOG_ERROR, "report_mailer_failed", err.msg);
		return;
	}
	if (!changed)
		return;
	struct config_report *copy = report_dup(cfg);
	if (!copy) {
		dlog_msg(DLOG_ERROR, "report_mailer_failed",
			 "out of memory: kept the previous \"report\" section");
		return;
	}
	pthread_mutex_lock(&d->mu);
	report_free(m->sh.next);
	m->sh.next = copy;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&d->mu);
}

void mailer_reap(struct daemon *d, bool wait)
{
	struct mailer *m = d->mailer;
	if (!m)
		return;
	pthread_mutex_lock(&d->mu);
	bool done = m->sh.exited || wait;
	pthread_mutex_unlock(&d->mu);
	if (!done)
		return;
	pthread_join(m->th, NULL);
	d->mailer = NULL;
	dlog_msg(DLOG_INFO, "report_mailer_stopped", "the daily report mailer stopped");
	report_free(m->sh.next);
	report_free(m->cfg);
	pthread_cond_destroy(&m->cv);
	free(m);
}
