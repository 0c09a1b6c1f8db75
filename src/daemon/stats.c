/*
 * stats.c — the daemon's counters and their two renderings (stats.h): the
 * status document that `reckon status` prints, and the Prometheus text
 * exposition served at /metrics.
 *
 * Both render a copy the caller took under the daemon's mutex, so nothing
 * here locks. Durations and times are integers of microseconds; the
 * Prometheus rendering writes them as seconds by placing the decimal point
 * (seconds_text), never through a double, so 250 us reads "0.00025" exactly.
 */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "rtime.h"

#ifndef RECKON_VERSION
#define RECKON_VERSION "dev"
#endif

const int64_t stats_latency_le_us[STATS_LATENCY_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

static const char *const INGEST_NAMES[STATS_INGEST_N] = {"accepted", "duplicate", "stale",
							 "rejected"};

void daemon_stats_observe_latency(struct daemon_stats *s, int64_t us)
{
	size_t i = 0;
	while (i < STATS_LATENCY_BUCKETS && us > stats_latency_le_us[i])
		i++;
	s->latency_buckets[i]++;
	s->latency_count++;
	s->latency_sum_us += us < 0 ? 0 : us;
}

int64_t daemon_stats_unprotected_us(const struct daemon_stats *s, int64_t now_us)
{
	int64_t total = s->unprotected_us_total;
	for (size_t i = 0; i < s->nunprotected && i < STATS_MAX_UNPROTECTED; i++) {
		int64_t since = s->unprotected[i].since_us;
		if (since < s->started_at_us)
			since = s->started_at_us;
		if (now_us > since)
			total += now_us - since;
	}
	return total;
}

/* ---- the status document ---------------------------------------------------- */

/* Adds `key`: RFC 3339 text of us, or null for 0 ("never"). */
static bool add_time(cJSON *o, const char *key, int64_t us)
{
	char buf[RTIME_STR_MAX];
	if (us == 0)
		return cJSON_AddNullToObject(o, key) != NULL;
	return jsonout_add_str(o, key, rtime_format(us, buf));
}

static bool add_u64(cJSON *o, const char *key, uint64_t v)
{
	return v <= (uint64_t)INT64_MAX && jsonout_add_int(o, key, (int64_t)v);
}

static cJSON *add_object(cJSON *parent, const char *key)
{
	return cJSON_AddObjectToObject(parent, key);
}

static bool status_header(cJSON *root, const struct daemon_stats *s, int64_t now_us)
{
	cJSON *rel = NULL;
	bool ok = jsonout_add_str(root, "version", RECKON_VERSION) && add_time(root, "now", now_us) &&
		  add_time(root, "started_at", s->started_at_us) &&
		  jsonout_add_int(root, "uptime_s",
				  s->started_at_us && now_us > s->started_at_us
					  ? (now_us - s->started_at_us) / 1000000
					  : 0) &&
		  add_time(root, "config_loaded_at", s->config_loaded_at_us) &&
		  (rel = add_object(root, "reloads")) && add_u64(rel, "ok", s->reloads_ok) &&
		  add_u64(rel, "failed", s->reloads_failed);
	if (!ok)
		return false;
	if (s->last_reload_error[0])
		return jsonout_add_str(rel, "last_error", s->last_reload_error);
	return cJSON_AddNullToObject(rel, "last_error") != NULL;
}

static bool status_ingest(cJSON *root, const struct daemon_stats *s)
{
	cJSON *in = add_object(root, "ingest");
	bool ok = in != NULL;
	for (size_t i = 0; ok && i < STATS_INGEST_N; i++)
		ok = add_u64(in, INGEST_NAMES[i], s->ingest[i]);
	return ok && add_u64(in, "connections", s->ingest_connections) &&
	       add_u64(in, "clients_now", s->ingest_clients_now) &&
	       add_u64(in, "commits", s->ingest_commits);
}

static bool status_last_pass(cJSON *v, const struct stats_venue *sv)
{
	if (sv->last_pass_at_us == 0)
		return cJSON_AddNullToObject(v, "last_pass") != NULL;
	cJSON *p = add_object(v, "last_pass");
	return p && add_time(p, "started_at", sv->last_pass_at_us) &&
	       jsonout_add_int(p, "duration_us", sv->last_pass_us) &&
	       cJSON_AddBoolToObject(p, "complete", sv->last_complete) &&
	       jsonout_add_str(p, "reason", sv->last_reason) &&
	       jsonout_add_int(p, "run_id", sv->last_run_id) &&
	       add_u64(p, "findings", sv->last_findings) && add_u64(p, "actions", sv->last_actions);
}

static bool status_venue(cJSON *arr, const struct stats_venue *sv)
{
	cJSON *v = cJSON_CreateObject(), *passes = NULL, *br = NULL;
	if (!v || !cJSON_AddItemToArray(arr, v)) {
		cJSON_Delete(v);
		return false;
	}
	return jsonout_add_str(v, "venue", venue_name(sv->venue)) &&
	       jsonout_add_str(v, "account", sv->account) &&
	       jsonout_add_int(v, "interval_s", sv->interval_s) &&
	       cJSON_AddBoolToObject(v, "pass_running", sv->pass_running) &&
	       status_last_pass(v, sv) && (passes = add_object(v, "passes")) &&
	       add_u64(passes, "complete", sv->passes_complete) &&
	       add_u64(passes, "incomplete", sv->passes_incomplete) &&
	       add_u64(passes, "failed", sv->passes_failed) && (br = add_object(v, "breaker")) &&
	       add_u64(br, "hour_count", sv->breaker_hour_count) &&
	       jsonout_add_int(br, "hour_limit", sv->breaker_hour_limit) &&
	       cJSON_AddBoolToObject(br, "tripped", sv->breaker_tripped);
}

static bool status_unprotected(cJSON *root, const struct daemon_stats *s, int64_t now_us)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "unprotected");
	bool ok = arr != NULL;
	for (size_t i = 0; ok && i < s->nunprotected && i < STATS_MAX_UNPROTECTED; i++) {
		const struct stats_unprotected *u = &s->unprotected[i];
		cJSON *o = cJSON_CreateObject();
		ok = o && cJSON_AddItemToArray(arr, o);
		if (!ok) {
			cJSON_Delete(o);
			break;
		}
		ok = jsonout_add_str(o, "venue", venue_name(u->venue)) &&
		     jsonout_add_str(o, "account", u->account) &&
		     jsonout_add_str(o, "symbol", u->symbol) && add_time(o, "since", u->since_us) &&
		     jsonout_add_int(o, "for_s",
				     u->since_us && now_us > u->since_us
					     ? (now_us - u->since_us) / 1000000
					     : 0);
	}
	return ok && jsonout_add_int(root, "unprotected_us_total",
				     daemon_stats_unprotected_us(s, now_us));
}

static bool status_counts(cJSON *root, const struct daemon_stats *s)
{
	cJSON *f = add_object(root, "findings"), *a = add_object(root, "actions");
	bool ok = f && a;
	for (size_t k = 0; ok && k < FIND_KIND_COUNT; k++)
		ok = add_u64(f, finding_kind_name((enum finding_kind)k), s->findings[k]);
	for (size_t k = 0; ok && k < ACT_KIND_COUNT; k++) {
		cJSON *byst = add_object(a, action_kind_name((enum action_kind)k));
		ok = byst != NULL;
		for (size_t st = 0; ok && st <= ASTAT_SKIPPED; st++)
			ok = add_u64(byst, action_status_name((enum action_status)st),
				     s->actions[k][st]);
	}
	return ok;
}

static bool status_latency(cJSON *root, const struct daemon_stats *s)
{
	cJSON *l = add_object(root, "protect_latency"), *b = NULL;
	uint64_t cum = 0;
	bool ok = l && add_u64(l, "count", s->latency_count) &&
		  jsonout_add_int(l, "sum_us", s->latency_sum_us) &&
		  (b = cJSON_AddArrayToObject(l, "buckets"));
	for (size_t i = 0; ok && i <= STATS_LATENCY_BUCKETS; i++) {
		cJSON *o = cJSON_CreateObject();
		cum += s->latency_buckets[i];
		ok = o && cJSON_AddItemToArray(b, o);
		if (!ok) {
			cJSON_Delete(o);
			break;
		}
		ok = (i < STATS_LATENCY_BUCKETS ? jsonout_add_int(o, "le_us", stats_latency_le_us[i])
						: cJSON_AddNullToObject(o, "le_us") != NULL) &&
		     add_u64(o, "count", cum);
	}
	return ok;
}

/* "report": null without a "report" section, else the mailer's state. */
static bool status_report(cJSON *root, const struct daemon_stats *s)
{
	const struct stats_report *r = &s->report;
	if (!r->configured)
		return cJSON_AddNullToObject(root, "report") != NULL;
	cJSON *o = add_object(root, "report"), *last = NULL;
	bool ok = o != NULL;
	if (ok && r->last_date[0])
		ok = (last = add_object(o, "last_sent")) && jsonout_add_str(last, "date", r->last_date) &&
		     jsonout_add_str(last, "message_id", r->last_message_id) &&
		     add_time(last, "at", r->last_sent_at_us);
	else if (ok)
		ok = cJSON_AddNullToObject(o, "last_sent") != NULL;
	ok = ok && add_u64(o, "sent", r->sent) && add_u64(o, "failures", r->failures) &&
	     add_u64(o, "consecutive_failures", r->consecutive_failures);
	if (ok && r->last_error[0])
		ok = jsonout_add_str(o, "last_error", r->last_error);
	else if (ok)
		ok = cJSON_AddNullToObject(o, "last_error") != NULL;
	return ok && add_time(o, "last_error_at", r->last_error_at_us) &&
	       add_time(o, "next_attempt", r->next_attempt_us);
}

enum rk_rc daemon_stats_json(const struct daemon_stats *s, int64_t now_us, struct rk_buf *out,
			     struct rk_err *err)
{
	cJSON *root = cJSON_CreateObject(), *venues = NULL;
	char *text = NULL;
	bool ok = root && status_header(root, s, now_us) && status_ingest(root, s) &&
		  (venues = cJSON_AddArrayToObject(root, "venues"));
	for (size_t i = 0; ok && i < s->nvenues && i < CONFIG_MAX_VENUES; i++)
		ok = status_venue(venues, &s->venues[i]);
	ok = ok && status_unprotected(root, s, now_us) && status_counts(root, s) &&
	     status_latency(root, s) && status_report(root, s) &&
	     (text = cJSON_PrintUnformatted(root));
	cJSON_Delete(root);
	if (!ok)
		return rk_err_set(err, RK_ENOMEM,
				  "status: out of memory (or a counter beyond 2^53)");
	rk_buf_add(out, text);
	cJSON_free(text);
	return rk_buf_status(out, err);
}

/* ---- the Prometheus exposition ----------------------------------------------- */

/* `us` microseconds as seconds, exactly: 250 -> "0.00025", 2000000 -> "2". */
static void seconds_text(int64_t us, char buf[32])
{
	const char *sign = us < 0 ? "-" : "";
	uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	int n = snprintf(buf, 32, "%s%" PRIu64 ".%06" PRIu64, sign, a / 1000000, a % 1000000);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* A label value as the text format escapes it: backslash, quote, newline. */
static void add_label_value(struct rk_buf *b, const char *v)
{
	rk_buf_add(b, "\"");
	for (; *v; v++) {
		if (*v == '\\')
			rk_buf_add(b, "\\\\");
		else if (*v == '"')
			rk_buf_add(b, "\\\"");
		else if (*v == '\n')
			rk_buf_add(b, "\\n");
		else
			rk_buf_addn(b, v, 1);
	}
	rk_buf_add(b, "\"");
}

static void add_help(struct rk_buf *b, const char *name, const char *type, const char *help)
{
	rk_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{venue="...",account="..."[,extra="..."]} value */
static void add_venue_sample(struct rk_buf *b, const char *name, const struct stats_venue *v,
			     const char *extra_label, const char *extra_value, const char *value)
{
	rk_buf_addf(b, "%s{venue=", name);
	add_label_value(b, venue_name(v->venue));
	rk_buf_add(b, ",account=");
	add_label_value(b, v->account);
	if (extra_label) {
		rk_buf_addf(b, ",%s=", extra_label);
		add_label_value(b, extra_value);
	}
	rk_buf_addf(b, "} %s\n", value);
}

static void prom_process(struct rk_buf *b, const struct daemon_stats *s)
{
	char t[32];
	add_help(b, "reckon_build_info", "gauge", "reckon's version; always 1.");
	rk_buf_add(b, "reckon_build_info{version=");
	add_label_value(b, RECKON_VERSION);
	rk_buf_add(b, "} 1\n");
	add_help(b, "reckon_start_time_seconds", "gauge", "When the daemon started (Unix time).");
	seconds_text(s->started_at_us, t);
	rk_buf_addf(b, "reckon_start_time_seconds %s\n", t);
	add_help(b, "reckon_config_loaded_time_seconds", "gauge",
		 "When the configuration in use was loaded (Unix time).");
	seconds_text(s->config_loaded_at_us, t);
	rk_buf_addf(b, "reckon_config_loaded_time_seconds %s\n", t);
	add_help(b, "reckon_config_reloads_total", "counter",
		 "SIGHUP reloads by result (failed: the old configuration stayed).");
	rk_buf_addf(b, "reckon_config_reloads_total{result=\"ok\"} %" PRIu64 "\n", s->reloads_ok);
	rk_buf_addf(b, "reckon_config_reloads_total{result=\"failed\"} %" PRIu64 "\n",
		    s->reloads_failed);
}

static void prom_ingest(struct rk_buf *b, const struct daemon_stats *s)
{
	add_help(b, "reckon_ingest_events_total", "counter",
		 "Lines received on the ingest socket, by result.");
	for (size_t i = 0; i < STATS_INGEST_N; i++)
		rk_buf_addf(b, "reckon_ingest_events_total{result=\"%s\"} %" PRIu64 "\n",
			    INGEST_NAMES[i], s->ingest[i]);
	add_help(b, "reckon_ingest_connections_total", "counter",
		 "Connections accepted on the ingest socket.");
	rk_buf_addf(b, "reckon_ingest_connections_total %" PRIu64 "\n", s->ingest_connections);
	add_help(b, "reckon_ingest_clients", "gauge", "Clients connected to the ingest socket now.");
	rk_buf_addf(b, "reckon_ingest_clients %" PRIu64 "\n", s->ingest_clients_now);
	add_help(b, "reckon_ingest_commits_total", "counter",
		 "Group commits of ingested lines (one fsync each).");
	rk_buf_addf(b, "reckon_ingest_commits_total %" PRIu64 "\n", s->ingest_commits);
}

static void prom_passes(struct rk_buf *b, const struct daemon_stats *s)
{
	static const char *const results[] = {"complete", "incomplete", "failed"};
	char t[32];
	size_t n = s->nvenues < CONFIG_MAX_VENUES ? s->nvenues : CONFIG_MAX_VENUES;
	add_help(b, "reckon_passes_total", "counter",
		 "Reconciliation passes by venue, account and result (incomplete: the venue's "
		 "snapshot was partial; failed: the pass itself failed).");
	for (size_t i = 0; i < n; i++) {
		const struct stats_venue *v = &s->venues[i];
		const uint64_t counts[] = {v->passes_complete, v->passes_incomplete, v->passes_failed};
		for (size_t r = 0; r < 3; r++) {
			snprintf(t, sizeof t, "%" PRIu64, counts[r]);
			add_venue_sample(b, "reckon_passes_total", v, "result", results[r], t);
		}
	}
	add_help(b, "reckon_pass_running", "gauge", "1 while a pass of the venue account runs.");
	for (size_t i = 0; i < n; i++)
		add_venue_sample(b, "reckon_pass_running", &s->venues[i], NULL, NULL,
				 s->venues[i].pass_running ? "1" : "0");
	add_help(b, "reckon_last_pass_duration_seconds", "gauge",
		 "Duration of the venue account's last finished pass.");
	for (size_t i = 0; i < n; i++) {
		seconds_text(s->venues[i].last_pass_us, t);
		add_venue_sample(b, "reckon_last_pass_duration_seconds", &s->venues[i], NULL, NULL, t);
	}
	add_help(b, "reckon_last_pass_start_time_seconds", "gauge",
		 "When the venue account's last finished pass started (Unix time; 0: none yet).");
	for (size_t i = 0; i < n; i++) {
		seconds_text(s->venues[i].last_pass_at_us, t);
		add_venue_sample(b, "reckon_last_pass_start_time_seconds", &s->venues[i], NULL, NULL,
				 t);
	}
	add_help(b, "reckon_breaker_tripped", "gauge",
		 "1 when the venue account's last pass tripped the circuit breaker.");
	for (size_t i = 0; i < n; i++)
		add_venue_sample(b, "reckon_breaker_tripped", &s->venues[i], NULL, NULL,
				 s->venues[i].breaker_tripped ? "1" : "0");
}

static void prom_findings_actions(struct rk_buf *b, const struct daemon_stats *s)
{
	add_help(b, "reckon_findings_total", "counter", "Findings of all passes, by kind.");
	for (size_t k = 0; k < FIND_KIND_COUNT; k++) {
		rk_buf_add(b, "reckon_findings_total{kind=");
		add_label_value(b, finding_kind_name((enum finding_kind)k));
		rk_buf_addf(b, "} %" PRIu64 "\n", s->findings[k]);
	}
	add_help(b, "reckon_actions_total", "counter",
		 "Corrective actions of all passes, by kind and final status.");
	for (size_t k = 0; k < ACT_KIND_COUNT; k++)
		for (size_t st = 0; st <= ASTAT_SKIPPED; st++) {
			rk_buf_add(b, "reckon_actions_total{kind=");
			add_label_value(b, action_kind_name((enum action_kind)k));
			rk_buf_add(b, ",status=");
			add_label_value(b, action_status_name((enum action_status)st));
			rk_buf_addf(b, "} %" PRIu64 "\n", s->actions[k][st]);
		}
}

static void prom_protection(struct rk_buf *b, const struct daemon_stats *s, int64_t now_us)
{
	char t[32];
	uint64_t cum = 0;
	add_help(b, "reckon_unprotected_positions", "gauge",
		 "Positions without an acknowledged stop right now.");
	rk_buf_addf(b, "reckon_unprotected_positions %zu\n",
		    s->nunprotected < STATS_MAX_UNPROTECTED ? s->nunprotected : STATS_MAX_UNPROTECTED);
	add_help(b, "reckon_unprotected_seconds_total", "counter",
		 "Seconds positions spent without a stop since the daemon started, summed over "
		 "positions.");
	seconds_text(daemon_stats_unprotected_us(s, now_us), t);
	rk_buf_addf(b, "reckon_unprotected_seconds_total %s\n", t);
	add_help(b, "reckon_protect_latency_seconds", "histogram",
		 "From a fill's acknowledgement to its protective order's request leaving reckon.");
	for (size_t i = 0; i <= STATS_LATENCY_BUCKETS; i++) {
		cum += s->latency_buckets[i];
		if (i < STATS_LATENCY_BUCKETS)
			seconds_text(stats_latency_le_us[i], t);
		rk_buf_addf(b, "reckon_protect_latency_seconds_bucket{le=\"%s\"} %" PRIu64 "\n",
			    i < STATS_LATENCY_BUCKETS ? t : "+Inf", cum);
	}
	seconds_text(s->latency_sum_us, t);
	rk_buf_addf(b, "reckon_protect_latency_seconds_sum %s\n", t);
	/* The +Inf bucket, which latency_count equals: the two never disagree. */
	rk_buf_addf(b, "reckon_protect_latency_seconds_count %" PRIu64 "\n", cum);
}

static void prom_report(struct rk_buf *b, const struct daemon_stats *s)
{
	char t[32];
	add_help(b, "reckon_reports_sent_total", "counter",
		 "Daily report mails this daemon sent (and journaled).");
	rk_buf_addf(b, "reckon_reports_sent_total %" PRIu64 "\n", s->report.sent);
	add_help(b, "reckon_report_failures_total", "counter",
		 "Failed attempts to send the daily report (each retried with backoff).");
	rk_buf_addf(b, "reckon_report_failures_total %" PRIu64 "\n", s->report.failures);
	add_help(b, "reckon_report_consecutive_failures", "gauge",
		 "Failed attempts to send the daily report since the last success.");
	rk_buf_addf(b, "reckon_report_consecutive_failures %" PRIu64 "\n",
		    s->report.consecutive_failures);
	add_help(b, "reckon_report_last_sent_time_seconds", "gauge",
		 "When the latest daily report the journal holds as sent was journaled (Unix "
		 "time; 0: none).");
	seconds_text(s->report.last_date[0] ? s->report.last_sent_at_us : 0, t);
	rk_buf_addf(b, "reckon_report_last_sent_time_seconds %s\n", t);
}

enum rk_rc daemon_stats_prometheus(const struct daemon_stats *s, int64_t now_us,
				   struct rk_buf *out, struct rk_err *err)
{
	prom_process(out, s);
	prom_ingest(out, s);
	prom_passes(out, s);
	prom_findings_actions(out, s);
	prom_protection(out, s, now_us);
	prom_report(out, s);
	return rk_buf_status(out, err);
}
