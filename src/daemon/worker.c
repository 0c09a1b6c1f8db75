/*
 * worker.c — one thread per configured venue account. It owns its venue
 * client and its own journal connection, and runs recon_run_pass: once at
 * start, every interval_s, and at once when the loop hands it a fill
 * (worker_trigger_fill). Fills that arrive during a pass coalesce into one
 * follow-up pass. A hung venue holds only its own worker: the loop never
 * waits for a worker (stop and reload set flags; an exited worker tells the
 * loop through ev_async, which joins it).
 *
 * Results are written into d->stats under d->mu and logged, one line per
 * pass and one per measured fill:
 *   event=protect venue=.. account=.. symbol=.. seq=N protect_latency_us=..
 *     venue_us=.. engine_us=..
 * protect_latency_us runs from the fill's reply written on the socket to the
 * `sent` report of the pass's place_stop / replace_stop of that symbol
 * (journaled before the request leaves); venue_us is the pass's venue I/O
 * before that point (crash recovery lookups and the snapshot); engine_us is
 * the rest: queueing, journal reads and writes, planning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_int.h"
#include "dlog.h"
#include "events.h"
#include "recon_exec.h"
#include "recon_store.h"

struct pass_ctx {
	struct worker *w;
	struct trig trigs[WORKER_TRIG_MAX];
	int64_t sent_us[WORKER_TRIG_MAX]; /* 0: no protective request yet */
	size_t n;
	int64_t started_us;
};

struct stats_venue *stats_venue_of(struct daemon_stats *s, enum venue_kind venue,
				   const char *account)
{
	for (size_t k = 0; k < s->nvenues; k++)
		if (s->venues[k].venue == venue && strcmp(s->venues[k].account, account) == 0)
			return &s->venues[k];
	return NULL;
}

struct worker *worker_find(struct daemon *d, enum venue_kind venue, const char *account)
{
	for (struct worker *w = d->workers; w; w = w->next)
		if (w->kind == venue && strcmp(w->account, account) == 0)
			return w;
	return NULL;
}

static void on_action(void *ctx, const struct recon_action_report *a)
{
	struct pass_ctx *p = ctx;
	if (a->status != ASTAT_SENT || (a->kind != ACT_PLACE_STOP && a->kind != ACT_REPLACE_STOP))
		return;
	int64_t now = now_us();
	for (size_t k = 0; k < p->n; k++)
		if (!p->sent_us[k] && strcmp(p->trigs[k].symbol, a->symbol) == 0)
			p->sent_us[k] = now;
}

static bool protects(enum action_kind k)
{
	return k == ACT_PLACE_STOP || k == ACT_REPLACE_STOP || k == ACT_EMERGENCY_CLOSE;
}

static bool same_position(const struct stats_unprotected *a, const struct stats_unprotected *b)
{
	return a->venue == b->venue && strcmp(a->account, b->account) == 0 &&
	       strcmp(a->symbol, b->symbol) == 0;
}

/* The positions this pass leaves bare: a missing or would-trigger stop that
 * no protective action of the pass fixed. An entry of this account that is
 * no longer bare closes its interval into unprotected_us_total (stats.h).
 * Under d->mu. */
static void note_unprotected(struct daemon_stats *s, struct worker *w,
			     const struct recon_pass_report *r, int64_t now)
{
	struct stats_unprotected keep[STATS_MAX_UNPROTECTED];
	size_t n = 0;
	/* Other venues' entries stay; this account's are recomputed. */
	for (size_t k = 0; k < s->nunprotected; k++) {
		struct stats_unprotected *u = &s->unprotected[k];
		if (!(u->venue == w->kind && strcmp(u->account, w->account) == 0))
			keep[n++] = *u;
	}
	size_t others = n;
	for (size_t f = 0; f < r->nfindings && n < STATS_MAX_UNPROTECTED; f++) {
		const struct finding *fi = &r->findings[f];
		if (fi->kind != FIND_MISSING_STOP && fi->kind != FIND_STOP_WOULD_TRIGGER)
			continue;
		bool fixed = false;
		for (size_t a = 0; a < r->nactions && !fixed; a++)
			fixed = protects(r->actions[a].kind) && r->actions[a].status == ASTAT_SUCCEEDED &&
				strcmp(r->actions[a].symbol, fi->symbol) == 0;
		struct stats_unprotected u = {.venue = w->kind, .since_us = now};
		snprintf(u.account, sizeof u.account, "%s", w->account);
		snprintf(u.symbol, sizeof u.symbol, "%s", fi->symbol);
		bool listed = false;
		for (size_t k = others; k < n; k++)
			listed |= same_position(&keep[k], &u);
		if (fixed || listed)
			continue;
		for (size_t k = 0; k < s->nunprotected; k++) /* still bare: since when it was */
			if (same_position(&s->unprotected[k], &u))
				u.since_us = s->unprotected[k].since_us;
		keep[n++] = u;
	}
	for (size_t k = 0; k < s->nunprotected; k++) { /* bare before, not now: closed */
		const struct stats_unprotected *u = &s->unprotected[k];
		bool still = false;
		for (size_t i = others; i < n; i++)
			still |= same_position(&keep[i], u);
		if (u->venue == w->kind && strcmp(u->account, w->account) == 0 && !still) {
			int64_t from = u->since_us > s->started_at_us ? u->since_us : s->started_at_us;
			s->unprotected_us_total += now > from ? now - from : 0;
		}
	}
	memcpy(s->unprotected, keep, n * sizeof *keep);
	s->nunprotected = n;
}

static void on_pass(void *ctx, const struct recon_pass_report *r)
{
	struct pass_ctx *p = ctx;
	struct daemon *d = p->w->d;
	int64_t now = now_us();
	pthread_mutex_lock(&d->mu);
	struct daemon_stats *s = &d->stats;
	for (size_t k = 0; k < r->nfindings; k++)
		s->findings[r->findings[k].kind]++;
	for (size_t k = 0; k < r->nactions; k++)
		s->actions[r->actions[k].kind][r->actions[k].status]++;
	struct stats_venue *sv = stats_venue_of(s, p->w->kind, p->w->account);
	if (sv) {
		sv->breaker_hour_limit = policy_for(p->w->pol->p, p->w->kind, NULL)->breaker_per_hour;
		/* The report carries the breaker only in the planner's note (reconcile.h
		 * rule 7): read for display, never to decide anything. */
		sv->breaker_tripped = false;
		for (size_t k = 0; k < r->nactions; k++)
			sv->breaker_tripped |= r->actions[k].status == ASTAT_SKIPPED &&
					       r->actions[k].note &&
					       strstr(r->actions[k].note, "circuit breaker") != NULL;
	}
	note_unprotected(s, p->w, r, now);
	pthread_mutex_unlock(&d->mu);
}

/* Logs and records the latency of each fill this pass protected. */
static void report_latencies(struct pass_ctx *p, const struct recon_outcome *o)
{
	struct daemon *d = p->w->d;
	int64_t venue_us = o->timings.recover_us + o->timings.snapshot_us;
	for (size_t k = 0; k < p->n; k++) {
		struct dlog l;
		dlog_begin(&l, DLOG_INFO, p->sent_us[k] ? "protect" : "fill_checked");
		dlog_str(&l, "venue", venue_name(p->w->kind));
		dlog_str(&l, "account", p->w->account);
		dlog_str(&l, "symbol", p->trigs[k].symbol);
		dlog_int(&l, "seq", p->trigs[k].seq);
		dlog_int(&l, "run", o->run_id);
		if (p->sent_us[k]) {
			int64_t lat = p->sent_us[k] - p->trigs[k].ack_us;
			dlog_int(&l, "protect_latency_us", lat);
			dlog_int(&l, "venue_us", venue_us);
			dlog_int(&l, "engine_us", lat - venue_us);
			pthread_mutex_lock(&d->mu);
			daemon_stats_observe_latency(&d->stats, lat);
			pthread_mutex_unlock(&d->mu);
		} else {
			dlog_str(&l, "protect", "none needed or not possible this pass");
		}
		dlog_end(&l);
	}
}

static void record_pass(struct worker *w, const char *why, int64_t started, enum rk_rc rc,
			const struct recon_outcome *o, const struct rk_err *err)
{
	struct daemon *d = w->d;
	int64_t dur = now_us() - started;
	pthread_mutex_lock(&d->mu);
	struct stats_venue *sv = stats_venue_of(&d->stats, w->kind, w->account);
	if (sv) {
		sv->pass_running = false;
		sv->last_pass_at_us = started;
		sv->last_pass_us = dur;
		if (rc) {
			sv->passes_failed++;
			sv->last_complete = false;
			snprintf(sv->last_reason, sizeof sv->last_reason, "%s", err->msg);
		} else {
			sv->last_complete = o->complete;
			snprintf(sv->last_reason, sizeof sv->last_reason, "%s", o->reason);
			sv->last_run_id = o->run_id;
			sv->last_findings = o->nfindings;
			sv->last_actions = o->nactions;
			if (o->complete)
				sv->passes_complete++;
			else
				sv->passes_incomplete++;
		}
	}
	pthread_mutex_unlock(&d->mu);
	struct dlog l;
	dlog_begin(&l, rc ? DLOG_ERROR : o->complete ? DLOG_INFO : DLOG_WARN, "pass");
	dlog_str(&l, "venue", venue_name(w->kind));
	dlog_str(&l, "account", w->account);
	dlog_str(&l, "reason", why);
	if (rc) {
		dlog_str(&l, "error", err->msg);
	} else {
		dlog_int(&l, "run", o->run_id);
		dlog_str(&l, "complete", o->complete ? "true" : "false");
		if (!o->complete)
			dlog_str(&l, "incomplete", o->reason);
		dlog_int(&l, "findings", (int64_t)o->nfindings);
		dlog_int(&l, "actions", (int64_t)o->nactions);
		dlog_int(&l, "snapshot_us", o->timings.snapshot_us);
	}
	dlog_int(&l, "duration_us", dur);
	dlog_end(&l);
}

/* The breaker's hour as the planner counts it, read after the pass. */
static void note_breaker(struct worker *w)
{
	struct rk_err err = {0};
	int n = 0;
	if (recon_store_destructive_hour(w->j, w->kind, w->account, now_us(), &n, &err)) {
		dlog_msg(DLOG_WARN, "breaker_unknown", err.msg);
		return;
	}
	pthread_mutex_lock(&w->d->mu);
	struct stats_venue *sv = stats_venue_of(&w->d->stats, w->kind, w->account);
	if (sv)
		sv->breaker_hour_count = (uint64_t)n;
	pthread_mutex_unlock(&w->d->mu);
}

/* Runs one pass. Returns false when another pass of this journal, venue and
 * account held the pass lock (`reckon reconcile --once` beside the daemon:
 * RK_ECONFLICT, nothing read or sent), so the caller tries again soon. */
static bool run_pass(struct worker *w, struct pass_ctx *p, const char *why)
{
	struct daemon *d = w->d;
	struct rk_err err = {0};
	struct recon_outcome o;
	memset(&o, 0, sizeof o);
	p->started_us = now_us();
	pthread_mutex_lock(&d->mu);
	struct stats_venue *sv = stats_venue_of(&d->stats, w->kind, w->account);
	if (sv)
		sv->pass_running = true;
	pthread_mutex_unlock(&d->mu);
	struct recon_opts opts = {.policy = w->pol->p,
				  .sink = {.action = on_action, .pass = on_pass, .ctx = p}};
	enum rk_rc rc = recon_run_pass(w->j, w->v, w->account, &opts, &o, &err);
	record_pass(w, why, p->started_us, rc, &o, &err);
	note_breaker(w);
	if (!rc)
		report_latencies(p, &o);
	return rc != RK_ECONFLICT;
}

static struct timespec mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static bool mono_passed(const struct timespec *t)
{
	struct timespec n = mono_now();
	return n.tv_sec > t->tv_sec || (n.tv_sec == t->tv_sec && n.tv_nsec >= t->tv_nsec);
}

/* Takes what the loop handed over, under d->mu. */
static void take_handover(struct worker *w, struct pass_ctx *p)
{
	memcpy(p->trigs, w->sh.trigs, w->sh.ntrig * sizeof *p->trigs);
	memset(p->sent_us, 0, sizeof p->sent_us);
	p->n = w->sh.ntrig;
	w->sh.ntrig = 0;
	w->sh.dropped = 0;
	if (w->sh.next_venue) {
		venue_destroy(w->v);
		w->v = w->sh.next_venue;
		w->sh.next_venue = NULL;
	}
	if (w->sh.next_policy) {
		struct dpolicy *old = w->pol;
		w->pol = w->sh.next_policy;
		w->sh.next_policy = NULL;
		old->refs--; /* under d->mu; the last user frees below */
		if (!old->refs) {
			policy_free(old->p);
			free(old);
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct daemon *d = w->d;
	struct pass_ctx *p = calloc(1, sizeof *p);
	const char *why = "start";
	bool first = true;
	struct timespec last = mono_now(); /* when the last pass started */
	pthread_mutex_lock(&d->mu);
	while (p && !w->sh.stop) {
		/* Recomputed on every wake-up: a reload may change the interval. */
		struct timespec due = last;
		due.tv_sec += w->sh.interval_s;
		if (!first && !w->sh.trigger && !mono_passed(&due)) {
			pthread_cond_timedwait(&w->cv, &d->mu, &due);
			continue;
		}
		if (w->sh.trigger)
			why = w->sh.reason;
		w->sh.trigger = false;
		first = false;
		p->w = w;
		take_handover(w, p);
		last = mono_now();
		pthread_mutex_unlock(&d->mu);
		bool ran = run_pass(w, p, why);
		pthread_mutex_lock(&d->mu);
		if (!ran) {
			/* Another pass held the lock: this one (a fill's, perhaps)
			 * runs again in a second rather than at the next interval. */
			last.tv_sec += 1 - (time_t)w->sh.interval_s;
			continue;
		}
		why = "timer";
	}
	pthread_mutex_unlock(&d->mu);
	if (!p)
		dlog_msg(DLOG_ERROR, "worker_failed", "out of memory");
	free(p);
	venue_destroy(w->v);
	w->v = NULL;
	journal_close(w->j);
	w->j = NULL;
	pthread_mutex_lock(&d->mu);
	w->sh.exited = true;
	pthread_mutex_unlock(&d->mu);
	ev_async_send(d->loop, &d->async_w);
	return NULL;
}

enum rk_rc worker_start(struct daemon *d, struct unit *u, struct dpolicy *pol,
			struct rk_err *err)
{
	struct worker *w = calloc(1, sizeof *w);
	pthread_condattr_t ca;
	enum rk_rc rc = RK_OK;
	struct venue *v = u->v;
	u->v = NULL;
	if (!w) {
		venue_destroy(v);
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	}
	w->d = d;
	w->kind = u->kind;
	snprintf(w->account, sizeof w->account, "%s", u->account);
	w->v = v;
	w->pol = dpolicy_retain(d, pol);
	w->sh.interval_s = u->interval_s;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Its own connection: passes never share the loop's. */
	if ((rc = events_open(d->cur->cfg->db, JOURNAL_WRITE, d->cur->kind, &w->j, err))) {
		rk_err_prefix(err, "venue %s/%s", venue_name(w->kind), w->account);
		goto fail;
	}
	int e = pthread_create(&w->th, NULL, worker_main, w);
	if (e) {
		rc = rk_err_set(err, RK_EIO, "starting the %s worker: %s", venue_name(w->kind),
				strerror(e));
		goto fail;
	}
	w->started = true;
	w->next = d->workers;
	d->workers = w;
	return RK_OK;
fail:
	journal_close(w->j);
	venue_destroy(w->v);
	dpolicy_release(d, w->pol);
	pthread_cond_destroy(&w->cv);
	free(w);
	return rc;
}

void worker_trigger_fill(struct daemon *d, enum venue_kind venue, const char *account,
			 const char *symbol, int64_t seq, int64_t ack_us)
{
	struct worker *w = worker_find(d, venue, account);
	if (!w)
		return; /* a venue account this daemon does not reconcile */
	pthread_mutex_lock(&d->mu);
	if (!w->sh.stop) {
		if (w->sh.ntrig < WORKER_TRIG_MAX) {
			struct trig *t = &w->sh.trigs[w->sh.ntrig++];
			t->seq = seq;
			t->ack_us = ack_us;
			snprintf(t->symbol, sizeof t->symbol, "%s", symbol);
		} else {
			w->sh.dropped++; /* still coalesced into the pass, not measured */
		}
		w->sh.trigger = true;
		w->sh.reason = "fill";
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&d->mu);
}

/* A venue account no longer reconciled lists no unprotected position (its
 * open intervals close now). */
static void forget_unprotected(struct daemon *d, const struct worker *w)
{
	if (worker_find(d, w->kind, w->account))
		return; /* started again by a reload: its passes keep the list */
	int64_t now = now_us();
	pthread_mutex_lock(&d->mu);
	struct daemon_stats *s = &d->stats;
	size_t n = 0;
	for (size_t k = 0; k < s->nunprotected; k++) {
		const struct stats_unprotected *u = &s->unprotected[k];
		if (u->venue == w->kind && strcmp(u->account, w->account) == 0) {
			int64_t from = u->since_us > s->started_at_us ? u->since_us : s->started_at_us;
			s->unprotected_us_total += now > from ? now - from : 0;
		} else {
			s->unprotected[n++] = *u;
		}
	}
	s->nunprotected = n;
	pthread_mutex_unlock(&d->mu);
}

void worker_reap(struct daemon *d, bool wait)
{
	struct worker **pp = &d->workers;
	while (*pp) {
		struct worker *w = *pp;
		pthread_mutex_lock(&d->mu);
		bool done = w->sh.exited || wait;
		pthread_mutex_unlock(&d->mu);
		if (!done) {
			pp = &w->next;
			continue;
		}
		pthread_join(w->th, NULL);
		*pp = w->next;
		forget_unprotected(d, w);
		struct dlog l;
		dlog_begin(&l, DLOG_INFO, "worker_stopped");
		dlog_str(&l, "venue", venue_name(w->kind));
		dlog_str(&l, "account", w->account);
		dlog_end(&l);
		venue_destroy(w->sh.next_venue);
		dpolicy_release(d, w->sh.next_policy);
		dpolicy_release(d, w->pol);
		pthread_cond_destroy(&w->cv);
		free(w);
	}
}
