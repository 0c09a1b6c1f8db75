/*
 * daemon_int.h — what the daemon's files share (private to src/daemon/):
 *   daemon.c  the loop: start, lock, signals, control socket, reload, stop
 *   load.c    reading and validating a config file into a struct loaded
 *   sock.c    the ingest socket: clients, bounded buffers, group commit
 *   worker.c  one thread per venue account running passes
 *   mailer.c  one thread sending the daily report (with a "report" section)
 *   dlog.c    log lines
 *
 * Locking: d->mu guards d->stats, every worker's and the mailer's `shared`
 * fields and policy reference counts. Nothing else is shared between
 * threads: the loop owns the clients and its journal connection, each
 * worker its venue and its own journal connection, the mailer its copy of
 * the "report" section and its own journal connection.
 */
#ifndef RECKON_DAEMON_INT_H
#define RECKON_DAEMON_INT_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "journal.h"
#include "policy.h"
#include "stats.h"
#include "venue.h"

/* A policy shared by the workers; freed when its last user lets go. */
struct dpolicy {
	struct policy *p;
	int refs; /* under d->mu */
};

/* One venue account the daemon reconciles: a real venue of the config, or
 * one venue a "sim" entry's scenario defines (as `reckon reconcile --sim`
 * without --venue: every venue of the scenario). */
struct unit {
	enum venue_kind kind;    /* the venue the journal names (a sim impersonates) */
	const char *account;     /* borrowed from the config */
	int interval_s;
	struct venue *v;         /* opened; NULL once a worker took it */
};

/* A config file read and checked: everything a start or a reload needs. */
struct loaded {
	struct rk_config *cfg;
	struct dpolicy *policy;               /* refs 1: the loaded's own */
	struct unit units[CONFIG_MAX_VENUES]; /* every venue account, unique */
	size_t nunits;
	enum journal_kind kind;               /* JOURNAL_SIM when every venue is sim */
};

#define WORKER_TRIG_MAX 256 /* fills waiting for a pass; more coalesce unmeasured */

/* A fill acknowledged on the socket, for the latency of its protection. */
struct trig {
	int64_t seq;
	int64_t ack_us; /* system clock when its reply was written */
	char symbol[MODEL_SYM_MAX];
};

struct worker {
	struct daemon *d;
	enum venue_kind kind;
	char account[MODEL_NAME_MAX];
	pthread_t th;
	pthread_cond_t cv;
	bool started;
	/* Shared, under d->mu. */
	struct {
		bool stop;               /* finish the pass in flight, then exit */
		bool exited;             /* the thread is done: join it */
		bool trigger;            /* run a pass now */
		const char *reason;      /* why ("fill", "reload"), for the log */
		int interval_s;
		struct venue *next_venue;     /* a reload's: swapped in before the next pass */
		struct dpolicy *next_policy;  /* likewise */
		struct trig trigs[WORKER_TRIG_MAX];
		size_t ntrig;
		size_t dropped;          /* fills beyond WORKER_TRIG_MAX since the last pass */
	} sh;
	/* The thread's own. */
	struct venue *v;
	struct dpolicy *pol;
	struct journal *j;
	char *db_path;
	struct worker *next;
};

/* The daily report's sender: a thread, so that SMTP (blocking up to its
 * timeout) never holds the loop or a venue's passes. */
struct mailer {
	struct daemon *d;
	pthread_t th;
	pthread_cond_t cv;
	/* Shared, under d->mu. */
	struct {
		bool stop;                   /* exit after the attempt in flight */
		bool exited;                 /* the thread is done: join it */
		struct config_report *next;  /* a reload's changed section: taken, then tried at once */
	} sh;
	/* The thread's own. */
	struct config_report *cfg;           /* a copy: the loaded config may go at a reload */
	struct journal *j;
	int64_t retry_first_us;              /* the backoff's first step */
};

struct client;

struct daemon {
	struct ev_loop *loop;
	pthread_mutex_t mu;
	struct daemon_stats stats;           /* under mu */
	char *config_path;
	struct loaded *cur;                  /* the config in force (loop only) */
	struct journal *j;                   /* the loop's connection */
	int lock_fd;
	int sock_fd, ctl_fd;
	ev_io sock_w, ctl_w;
	ev_signal sigterm_w, sigint_w, sighup_w;
	ev_async async_w;                    /* a worker exited */
	ev_prepare commit_w;                 /* the group commit, once per iteration */
	ev_timer stop_w;                     /* the stop's grace */
	struct metrics_server *metrics;      /* NULL without "metrics" */
	bool stopping;
	bool accept_paused;                  /* out of descriptors: sock_w stopped */
	struct worker *workers;
	struct mailer *mailer;               /* NULL without a "report" section */
	struct client *clients;              /* doubly linked */
	size_t nclients;
	/* The lines of this loop iteration, waiting for the group commit. */
	struct bline *batch;
	size_t nbatch, batch_cap;
};

/* load.c */
enum rk_rc loaded_read(const char *config_path, struct loaded **out /* OUT */, struct rk_err *err);
void loaded_free(struct daemon *d, struct loaded *l); /* NULL-safe; d may be NULL before workers */
void dpolicy_release(struct daemon *d, struct dpolicy *p); /* takes d->mu when d */
struct dpolicy *dpolicy_retain(struct daemon *d, struct dpolicy *p);

/* sock.c */
enum rk_rc sock_listen(const char *path, int *fd /* OUT */, struct rk_err *err);
void sock_accept_cb(struct ev_loop *loop, ev_io *w, int revents);
void sock_commit_cb(struct ev_loop *loop, ev_prepare *w, int revents);
void sock_close_all(struct daemon *d);

/* worker.c */
/* Starts a worker for u, taking u->v (set to NULL) whatever happens. */
enum rk_rc worker_start(struct daemon *d, struct unit *u, struct dpolicy *pol,
			struct rk_err *err);
/* A fill acknowledged at ack_us on (venue, account, symbol): wakes its worker. */
void worker_trigger_fill(struct daemon *d, enum venue_kind venue, const char *account,
			 const char *symbol, int64_t seq, int64_t ack_us);
/* Joins and frees the workers that exited, or with `wait` every worker
 * (after setting their stop flags) (loop thread). */
void worker_reap(struct daemon *d, bool wait);
struct worker *worker_find(struct daemon *d, enum venue_kind venue, const char *account);
/* The stats slot of a venue account, or NULL (under d->mu). */
struct stats_venue *stats_venue_of(struct daemon_stats *s, enum venue_kind venue,
				   const char *account);

/* mailer.c */
/* Starts the mailer for `cfg` (copied) when cfg->present; RK_ENOMEM, or the
 * journal's error opening its connection. */
enum rk_rc mailer_start(struct daemon *d, const struct config_report *cfg, struct rk_err *err);
/* A reload's "report" section: starts, stops or hands over (a changed
 * section is tried at once, the backoff starting again) (loop thread). */
void mailer_apply(struct daemon *d, const struct config_report *cfg);
/* Asks the mailer to exit after the attempt in flight (loop thread). */
void mailer_stop(struct daemon *d);
/* Joins and frees the mailer when it exited, or with `wait` in any case
 * (after mailer_stop) (loop thread). */
void mailer_reap(struct daemon *d, bool wait);

int64_t now_us(void);

#endif
