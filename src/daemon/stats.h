/*
 * stats.h — what the running daemon knows about itself, as plain data, and
 * its two renderings: the status document (`reckon status`, over the control
 * socket) and the Prometheus text exposition (`/metrics`).
 *
 * The daemon (daemon.c) owns one struct daemon_stats, guarded by its own
 * mutex, and updates it from the loop and the venue workers. Readers never
 * touch it directly: they take a copy under the mutex (daemon_stats_copy is
 * a plain struct copy: the struct holds no pointers) and render the copy.
 *
 * Units: times in microseconds since the Unix epoch (0 = never), durations
 * in microseconds. Counters only grow while the process lives.
 * Threads: the rendering functions are pure over a copy; thread-safe.
 */
#ifndef RECKON_DAEMON_STATS_H
#define RECKON_DAEMON_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "reconcile.h"
#include "rk_buf.h"

#define STATS_MAX_UNPROTECTED 256
#define STATS_ERR_MAX 512
/* Upper bounds (microseconds) of the protection-latency histogram's buckets;
 * a last, implicit bucket is +Inf. */
#define STATS_LATENCY_BUCKETS 12
extern const int64_t stats_latency_le_us[STATS_LATENCY_BUCKETS];

enum stats_ingest { STATS_ACCEPTED = 0, STATS_DUPLICATE, STATS_STALE, STATS_REJECTED, STATS_INGEST_N };

struct stats_venue {
	enum venue_kind venue;
	char account[MODEL_ID_MAX];
	int interval_s;
	bool pass_running;           /* a pass is running now */
	int64_t last_pass_at_us;     /* when the last finished pass started; 0 = none yet */
	int64_t last_pass_us;        /* its duration */
	bool last_complete;          /* its snapshot was complete */
	char last_reason[256];       /* why not, "" when complete */
	int64_t last_run_id;
	uint64_t last_findings, last_actions;
	uint64_t passes_complete, passes_incomplete;
	uint64_t passes_failed;      /* the pass itself failed (journal error) */
	/* The circuit breaker: destructive actions in the last hour against
	 * the policy's limit, and whether the last pass tripped it. */
	uint64_t breaker_hour_count;
	int breaker_hour_limit;
	bool breaker_tripped;
};

struct stats_unprotected {
	enum venue_kind venue;
	char account[MODEL_ID_MAX];
	char symbol[MODEL_SYM_MAX];
	int64_t since_us;            /* first seen without an acknowledged stop */
};

/* The daily report mail (daemon/mailer.c; README "Daily report"). */
#define STATS_MSGID_MAX 256
struct stats_report {
	bool configured;             /* the config in force has a "report" section */
	/* The latest report the journal holds as sent (`report_sent`), by this
	 * daemon or any other sender: last_date "" when none. */
	char last_date[11];          /* its local day, YYYY-MM-DD */
	char last_message_id[STATS_MSGID_MAX];
	int64_t last_sent_at_us;     /* when it was journaled */
	uint64_t sent;               /* reports this daemon sent since start */
	uint64_t failures;           /* failed attempts since start */
	uint64_t consecutive_failures; /* since the last success; 0 after one */
	char last_error[STATS_ERR_MAX]; /* the last failed attempt's error, "" after a success */
	int64_t last_error_at_us;
	/* When the mailer tries next: the retry after a failure, else when the
	 * next day's report falls due; 0 = not scheduled (no "report"). */
	int64_t next_attempt_us;
};

struct daemon_stats {
	int64_t started_at_us;
	int64_t config_loaded_at_us;
	uint64_t reloads_ok, reloads_failed;
	char last_reload_error[STATS_ERR_MAX]; /* "" when the last reload was good */

	uint64_t ingest[STATS_INGEST_N];     /* socket lines by outcome */
	uint64_t ingest_connections;         /* accepted since start */
	uint64_t ingest_clients_now;         /* connected now */
	uint64_t ingest_commits;             /* group commits (one fsync each) */

	struct stats_venue venues[CONFIG_MAX_VENUES];
	size_t nvenues;

	uint64_t findings[FIND_KIND_COUNT];                  /* by kind, all passes */
	uint64_t actions[ACT_KIND_COUNT][ASTAT_SKIPPED + 1]; /* by kind and final status */

	struct stats_unprotected unprotected[STATS_MAX_UNPROTECTED];
	size_t nunprotected;                 /* positions unprotected right now */
	/* Closed intervals only: when a position listed in unprotected[] gets
	 * its stop (or goes flat), the daemon adds now - max(since_us,
	 * started_at_us) here and removes it from the list. The open intervals
	 * are added at rendering time (daemon_stats_unprotected_us), so the
	 * rendered counter grows smoothly and never goes back. */
	int64_t unprotected_us_total;

	/* Fill acknowledged -> protective request leaving reckon. */
	uint64_t latency_buckets[STATS_LATENCY_BUCKETS + 1]; /* non-cumulative; last = +Inf */
	uint64_t latency_count;
	int64_t latency_sum_us;

	struct stats_report report;
};

/* Adds one protection-latency observation. */
void daemon_stats_observe_latency(struct daemon_stats *s, int64_t us);

/* Unprotected time since start, summed over positions: the closed
 * intervals (unprotected_us_total) plus each open one up to now_us. */
int64_t daemon_stats_unprotected_us(const struct daemon_stats *s, int64_t now_us);

/* The status document (JSON, one object on one line, no trailing newline;
 * documented in README.md "Status"): appended to `out`. Times are RFC 3339
 * UTC text or null for "never", durations integers with their unit in the
 * name (_us, _s). RK_ENOMEM (also for a counter beyond 2^53, which JSON
 * numbers cannot carry exactly). */
enum rk_rc daemon_stats_json(const struct daemon_stats *s, int64_t now_us, struct rk_buf *out,
			     struct rk_err *err);

/* The Prometheus text exposition format (version 0.0.4), every metric with
 * HELP and TYPE, names prefixed "reckon_", times and durations in seconds
 * written exactly from the microseconds, label values escaped (\\, \", \n):
 * appended to `out`. Metrics (README.md "Metrics"): reckon_build_info,
 * reckon_start_time_seconds, reckon_config_loaded_time_seconds,
 * reckon_config_reloads_total{result}, reckon_ingest_events_total{result},
 * reckon_ingest_connections_total, reckon_ingest_clients,
 * reckon_ingest_commits_total, reckon_passes_total{venue,account,result},
 * reckon_pass_running, reckon_last_pass_duration_seconds,
 * reckon_last_pass_start_time_seconds, reckon_breaker_tripped (each
 * {venue,account}), reckon_findings_total{kind},
 * reckon_actions_total{kind,status}, reckon_unprotected_positions,
 * reckon_unprotected_seconds_total, reckon_protect_latency_seconds
 * (histogram), reckon_reports_sent_total, reckon_report_failures_total,
 * reckon_report_consecutive_failures, reckon_report_last_sent_time_seconds.
 * RK_ENOMEM. */
enum rk_rc daemon_stats_prometheus(const struct daemon_stats *s, int64_t now_us,
				   struct rk_buf *out, struct rk_err *err);

#endif
