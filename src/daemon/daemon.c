/*
 * daemon.c — `reckon run`'s loop (daemon.h): start, the journal's lock,
 * signals, the control socket, reload and stop. The ingest socket is
 * sock.c's, the venue workers worker.c's.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chart.h"
#include "daemon_int.h"
#include "dlog.h"
#include "events.h"
#include "metrics.h"
#include "rk_tz.h"

/* ---- the single-instance lock ----------------------------------------------------- */

/*
 * flock(2) on "DB-lock", held by an fd open for the process lifetime. Not
 * the journal file itself: SQLite keeps POSIX (fcntl) locks on it, and
 * closing any descriptor of that file drops them all, so a second
 * descriptor of it is a trap. Not a PID file either: the kernel releases a
 * flock when the process dies, however it dies. The PID written into the
 * file is only for the message a second daemon prints.
 */
static enum rk_rc lock_journal(const char *db, int *fd_out, bool *in_use, struct rk_err *err)
{
	char path[4096];
	*fd_out = -1;
	if ((size_t)snprintf(path, sizeof path, "%s-lock", db) >= sizeof path)
		return rk_err_set(err, RK_ECONFIG, "db: path too long");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return rk_err_set(err, errno == EACCES || errno == EROFS ? RK_EPERM : RK_EIO,
				  "journal lock %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		char pid[32] = "";
		ssize_t n = e == EWOULDBLOCK ? pread(fd, pid, sizeof pid - 1, 0) : -1;
		close(fd);
		if (e != EWOULDBLOCK)
			return rk_err_set(err, RK_EIO, "journal lock %s: %s", path, strerror(e));
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		*in_use = true;
		if (*pid)
			return rk_err_set(err, RK_ECONFLICT,
					  "journal %s is in use by another reckon run (pid %s)", db, pid);
		return rk_err_set(err, RK_ECONFLICT, "journal %s is in use by another reckon run", db);
	}
	char pid[32];
	int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		/* The lock holds regardless; the PID is only for messages. */
	}
	*fd_out = fd;
	return RK_OK;
}

/* ---- stats and the control socket --------------------------------------------------- */

/* The per-venue rows for config `l`, keeping the counters of venues that stay. */
static void stats_set_venues(struct daemon *d, const struct loaded *l)
{
	struct stats_venue next[CONFIG_MAX_VENUES];
	memset(next, 0, sizeof next);
	pthread_mutex_lock(&d->mu);
	for (size_t k = 0; k < l->nunits; k++) {
		const struct unit *u = &l->units[k];
		const struct stats_venue *old = stats_venue_of(&d->stats, u->kind, u->account);
		if (old)
			next[k] = *old;
		next[k].venue = u->kind;
		snprintf(next[k].account, sizeof next[k].account, "%s", u->account);
		next[k].interval_s = u->interval_s;
	}
	memcpy(d->stats.venues, next, sizeof next);
	d->stats.nvenues = l->nunits;
	d->stats.config_loaded_at_us = now_us();
	pthread_mutex_unlock(&d->mu);
}

/* A copy of the stats, for a renderer (stats.h: render copies only). */
static void stats_copy(struct daemon *d, struct daemon_stats *out)
{
	pthread_mutex_lock(&d->mu);
	*out = d->stats;
	pthread_mutex_unlock(&d->mu);
}

/* On connect: the status document, a newline, close. The document is a few
 * KiB, far below a Unix socket's buffer, so one non-blocking send takes it;
 * a client that cannot take it gets what fits. */
static void control_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	(void)loop;
	(void)revents;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct daemon_stats *copy = malloc(sizeof *copy);
	struct rk_buf out = {0};
	struct rk_err err = {0};
	if (copy) {
		stats_copy(d, copy);
		if (daemon_stats_json(copy, now_us(), &out, &err) == RK_OK) {
			rk_buf_add(&out, "\n");
			if (!out.failed && send(fd, out.p, out.len, MSG_NOSIGNAL) < 0) {
				/* the client went away: nothing to do */
			}
		} else {
			dlog_msg(DLOG_ERROR, "status_failed", err.msg);
		}
	}
	rk_buf_free(&out);
	free(copy);
	close(fd);
}

/* The /metrics exposition, on the metrics server's thread (metrics.h). */
static enum rk_rc render_metrics(void *ctx, struct rk_buf *out, struct rk_err *err)
{
	struct daemon *d = ctx;
	struct daemon_stats *copy = malloc(sizeof *copy);
	if (!copy)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	stats_copy(d, copy);
	enum rk_rc rc = daemon_stats_prometheus(copy, now_us(), out, err);
	free(copy);
	return rc;
}

/* ---- reload --------------------------------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What a running daemon cannot change: the files it holds open. */
static enum rk_rc check_fixed(const struct loaded *cur, const struct loaded *next,
			      struct rk_err *err)
{
	const struct rk_config *a = cur->cfg, *b = next->cfg;
	const char *key = !same_str(a->db, b->db)            ? "db"
			  : !same_str(a->socket, b->socket)   ? "socket"
			  : !same_str(a->control, b->control) ? "control"
			  : a->metrics != b->metrics || !same_str(a->metrics_host, b->metrics_host) ||
				  a->metrics_port != b->metrics_port
			      ? "metrics"
			      : NULL;
	if (key)
		return rk_err_set(err, RK_ECONFIG, "%s: cannot change while reckon run runs (restart it)",
				  key);
	if (cur->kind != next->kind)
		return rk_err_set(err, RK_ECONFIG,
				  "venues: cannot switch between simulated and real venues on one journal");
	return policy_check_reload(cur->policy->p, next->policy->p, err);
}

/* Hands the new config to the workers: existing venue accounts take the new
 * venue client, policy and interval at their next pass; new ones start;
 * removed ones stop after the pass in flight. */
static void apply(struct daemon *d, struct loaded *nl)
{
	struct rk_err err = {0};
	for (struct worker *w = d->workers; w; w = w->next) {
		bool kept = false;
		for (size_t k = 0; k < nl->nunits && !kept; k++)
			kept = nl->units[k].kind == w->kind &&
			       strcmp(nl->units[k].account, w->account) == 0;
		if (!kept) {
			pthread_mutex_lock(&d->mu);
			w->sh.stop = true;
			pthread_cond_signal(&w->cv);
			pthread_mutex_unlock(&d->mu);
		}
	}
	for (size_t k = 0; k < nl->nunits; k++) {
		struct unit *u = &nl->units[k];
		struct worker *w = worker_find(d, u->kind, u->account);
		bool handed = false;
		pthread_mutex_lock(&d->mu);
		if (w && !w->sh.exited) {
			/* Kept, or dropped earlier and still in its last pass: it
			 * carries on (never two workers on one account at once). */
			w->sh.stop = false;
			venue_destroy(w->sh.next_venue);
			w->sh.next_venue = u->v;
			u->v = NULL; /* the worker's now */
			if (w->sh.next_policy)
				w->sh.next_policy->refs--; /* never the last: its config holds one */
			w->sh.next_policy = nl->policy;
			nl->policy->refs++;
			w->sh.interval_s = u->interval_s;
			pthread_cond_signal(&w->cv); /* its timer follows the new interval */
			handed = true;
		}
		pthread_mutex_unlock(&d->mu);
		if (!handed && worker_start(d, u, nl->policy, &err))
			dlog_msg(DLOG_ERROR, "worker_start_failed", err.msg);
	}
}

static void reload(struct daemon *d)
{
	struct loaded *nl = NULL;
	struct rk_err err = {0};
	enum rk_rc rc = loaded_read(d->config_path, &nl, &err);
	if (!rc && (rc = check_fixed(d->cur, nl, &err)))
		rk_err_prefix(&err, "config %s", d->config_path);
	if (rc) {
		pthread_mutex_lock(&d->mu);
		d->stats.reloads_failed++;
		snprintf(d->stats.last_reload_error, sizeof d->stats.last_reload_error, "%s", err.msg);
		pthread_mutex_unlock(&d->mu);
		struct dlog l;
		dlog_begin(&l, DLOG_ERROR, "reload_failed");
		dlog_str(&l, "error", err.msg);
		dlog_str(&l, "kept", "the running config");
		dlog_end(&l);
		loaded_free(d, nl);
		return;
	}
	/* A worker whose venue is dropped may still be finishing a pass: its
	 * next_policy may point at the old config's policy, which refcounts
	 * keep alive; pending handovers to stopped workers are freed at reap. */
	apply(d, nl);
	mailer_apply(d, &nl->cfg->report);
	struct loaded *old = d->cur;
	d->cur = nl;
	stats_set_venues(d, nl);
	pthread_mutex_lock(&d->mu);
	d->stats.reloads_ok++;
	d->stats.last_reload_error[0] = '\0';
	pthread_mutex_unlock(&d->mu);
	loaded_free(d, old);
	struct dlog l;
	dlog_begin(&l, DLOG_INFO, "reloaded");
	dlog_str(&l, "config", d->config_path);
	dlog_int(&l, "venues", (int64_t)nl->nunits);
	dlog_end(&l);
}

/* ---- signals and stop ------------------------------------------------------------- */

static void stop_now(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)w;
	dlog_msg(DLOG_WARN, "stop_forced",
		 "a pass still runs after the grace period; its journal state is crash-safe");
	ev_break(loop, EVBREAK_ALL);
}

static void begin_stop(struct daemon *d, const char *signame)
{
	if (d->stopping)
		return;
	d->stopping = true;
	struct dlog l;
	dlog_begin(&l, DLOG_INFO, "stopping");
	dlog_str(&l, "signal", signame);
	dlog_end(&l);
	/* Lines already read are journaled and answered; no new ones are read. */
	sock_commit_cb(d->loop, &d->commit_w, 0);
	ev_io_stop(d->loop, &d->sock_w);
	ev_io_stop(d->loop, &d->ctl_w);
	sock_close_all(d);
	for (struct worker *w = d->workers; w; w = w->next) {
		pthread_mutex_lock(&d->mu);
		w->sh.stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&d->mu);
	}
	mailer_stop(d);
	if (!d->workers && !d->mailer) {
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_init(&d->stop_w, stop_now, DAEMON_STOP_GRACE_S, 0.);
	ev_timer_start(d->loop, &d->stop_w);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	(void)loop;
	(void)revents;
	if (w->signum == SIGHUP) {
		if (!d->stopping)
			reload(d);
		return;
	}
	begin_stop(d, w->signum == SIGTERM ? "TERM" : "INT");
}

static void async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct daemon *d = w->data;
	(void)revents;
	worker_reap(d, false);
	mailer_reap(d, false);
	if (d->stopping && !d->workers && !d->mailer)
		ev_break(loop, EVBREAK_ALL);
}

/* ---- start -------------------------------------------------------------------------- */

static void start_watchers(struct daemon *d)
{
	ev_io_init(&d->sock_w, sock_accept_cb, d->sock_fd, EV_READ);
	ev_io_init(&d->ctl_w, control_cb, d->ctl_fd, EV_READ);
	ev_signal_init(&d->sigterm_w, signal_cb, SIGTERM);
	ev_signal_init(&d->sigint_w, signal_cb, SIGINT);
	ev_signal_init(&d->sighup_w, signal_cb, SIGHUP);
	ev_async_init(&d->async_w, async_cb);
	ev_prepare_init(&d->commit_w, sock_commit_cb);
	d->sock_w.data = d->ctl_w.data = d->sigterm_w.data = d->sigint_w.data = d;
	d->sighup_w.data = d->async_w.data = d->commit_w.data = d;
	ev_io_start(d->loop, &d->sock_w);
	ev_io_start(d->loop, &d->ctl_w);
	ev_signal_start(d->loop, &d->sigterm_w);
	ev_signal_start(d->loop, &d->sigint_w);
	ev_signal_start(d->loop, &d->sighup_w);
	ev_async_start(d->loop, &d->async_w);
	ev_prepare_start(d->loop, &d->commit_w);
}

static enum rk_rc start(struct daemon *d, bool *in_use, struct rk_err *err)
{
	enum rk_rc rc;
	const struct rk_config *cfg = d->cur->cfg;
	if ((rc = lock_journal(cfg->db, &d->lock_fd, in_use, err)))
		return rc;
	if ((rc = events_open(cfg->db, JOURNAL_CREATE, d->cur->kind, &d->j, err)))
		return rc;
	if ((rc = sock_listen(cfg->socket, &d->sock_fd, err)) ||
	    (rc = sock_listen(cfg->control, &d->ctl_fd, err)))
		return rc;
	if (cfg->metrics &&
	    (rc = metrics_start(cfg->metrics_host, cfg->metrics_port, render_metrics, d, &d->metrics,
				err)))
		return rc;
	start_watchers(d);
	d->stats.started_at_us = now_us();
	stats_set_venues(d, d->cur);
	for (size_t k = 0; k < d->cur->nunits; k++)
		if ((rc = worker_start(d, &d->cur->units[k], d->cur->policy, err)))
			return rc;
	if ((rc = mailer_start(d, &cfg->report, err)))
		return rc;
	struct dlog l;
	dlog_begin(&l, DLOG_INFO, "started");
	dlog_str(&l, "config", d->config_path);
	dlog_str(&l, "db", cfg->db);
	dlog_str(&l, "socket", cfg->socket);
	dlog_str(&l, "control", cfg->control);
	dlog_int(&l, "venues", (int64_t)d->cur->nunits);
	dlog_str(&l, "report", d->mailer ? "daily" : "off");
	if (d->metrics)
		dlog_int(&l, "metrics_port", metrics_port(d->metrics));
	dlog_int(&l, "pid", (int64_t)getpid());
	dlog_end(&l);
	return RK_OK;
}

static void finish(struct daemon *d)
{
	metrics_stop(d->metrics); /* before d can go: it renders from d */
	d->metrics = NULL;
	sock_close_all(d);
	worker_reap(d, false);
	mailer_reap(d, false);
	const struct rk_config *cfg = d->cur ? d->cur->cfg : NULL;
	if (d->sock_fd >= 0) {
		close(d->sock_fd);
		unlink(cfg->socket);
	}
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(cfg->control);
	}
	/* After a forced stop the threads still in a pass keep what they use. */
	if (!d->workers) {
		loaded_free(d, d->cur);
		d->cur = NULL;
	}
	journal_close(d->j);
	d->j = NULL;
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* releases the flock last */
}

/* Room for every client (1024) beside the journals and venues: the soft
 * descriptor limit up to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max && r.rlim_cur < 4096) {
		r.rlim_cur = r.rlim_max < 4096 ? r.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

enum rk_rc daemon_run(const char *config_path, bool *in_use, struct rk_err *err)
{
	struct daemon *d = calloc(1, sizeof *d);
	enum rk_rc rc;
	*in_use = false;
	if (!d)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	d->lock_fd = d->sock_fd = d->ctl_fd = -1;
	pthread_mutex_init(&d->mu, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (!(d->config_path = strdup(config_path))) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = loaded_read(config_path, &d->cur, err)))
		goto out;
	{
		/* rk_tz.h: its first call may add TZ to the environment, so it is
		 * made here, before any thread (the mailer's calls only replace
		 * the value). The zone's own errors are the mailer's to report. */
		char day[RK_TZ_DATE_MAX];
		struct rk_err tz_err = {0};
		(void)rk_tz_local("UTC", now_us(), day, NULL, &tz_err);
	}
	if (!(d->loop = ev_default_loop(EVFLAG_AUTO))) {
		rc = rk_err_set(err, RK_EIO, "libev: no event loop");
		goto out;
	}
	if ((rc = start(d, in_use, err)))
		goto stop;
	ev_run(d->loop, 0);
	dlog_msg(DLOG_INFO, "stopped", "clean stop");
	goto out;
stop:
	/* A start that failed half-way: stop the workers already started. */
	d->stopping = true;
	for (struct worker *w = d->workers; w; w = w->next) {
		pthread_mutex_lock(&d->mu);
		w->sh.stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&d->mu);
	}
	mailer_stop(d);
	worker_reap(d, true);
	mailer_reap(d, true);
out:
	/* Workers or the mailer still running after a forced stop keep d (and
	 * the process exits right after): it is freed only when none is left. */
	finish(d);
	if (!d->workers && !d->mailer) {
		chart_fonts_release(); /* the mailer's cairo and fontconfig caches */
		free(d->config_path);
		pthread_mutex_destroy(&d->mu);
		free(d);
	}
	return rc;
}
