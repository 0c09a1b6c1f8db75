/*
 * test_stats.c — the daemon's status document and Prometheus exposition
 * (src/daemon/stats.c): every figure of a known struct daemon_stats appears
 * where README.md "Status" and "Metrics" say; the exposition is well formed
 * (HELP and TYPE before every family's samples, label values escaped,
 * histogram buckets cumulative with _count equal to the +Inf bucket, seconds
 * written exactly); unprotected time counts the open intervals up to now;
 * the daily report's mailer state (README.md "Daily report").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "stats.h"

#define T0 1764672000000000LL /* 2025-12-02T10:40:00Z */
#define SEC 1000000LL

/* A daemon one hour old with one finished pass on coinbase, one running on
 * sim, two unprotected positions and three latency observations. */
static struct daemon_stats *fixture(void)
{
	struct daemon_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->started_at_us = T0;
	s->config_loaded_at_us = T0 + 600 * SEC;
	s->reloads_ok = 2;
	s->reloads_failed = 1;
	strcpy(s->last_reload_error, "venues[1].interval_s: must be a whole number from 1 to 86400");
	s->ingest[STATS_ACCEPTED] = 40;
	s->ingest[STATS_DUPLICATE] = 3;
	s->ingest[STATS_STALE] = 2;
	s->ingest[STATS_REJECTED] = 1;
	s->ingest_connections = 5;
	s->ingest_clients_now = 2;
	s->ingest_commits = 7;
	s->nvenues = 2;
	struct stats_venue *cb = &s->venues[0];
	cb->venue = VENUE_COINBASE;
	strcpy(cb->account, "default");
	cb->interval_s = 30;
	cb->last_pass_at_us = T0 + 3500 * SEC;
	cb->last_pass_us = 1250;
	cb->last_complete = false;
	strcpy(cb->last_reason, "fills endpoint timed out");
	cb->last_run_id = 17;
	cb->last_findings = 4;
	cb->last_actions = 2;
	cb->passes_complete = 110;
	cb->passes_incomplete = 5;
	cb->passes_failed = 1;
	cb->breaker_hour_count = 3;
	cb->breaker_hour_limit = 100;
	struct stats_venue *sim = &s->venues[1];
	sim->venue = VENUE_SIM;
	strcpy(sim->account, "desk \"A\"\\2\nx"); /* every character the format escapes */
	sim->interval_s = 5;
	sim->pass_running = true;
	sim->breaker_tripped = true;
	s->findings[FIND_MISSING_STOP] = 6;
	s->findings[FIND_ORPHAN_EXCHANGE_ORDER] = 1;
	s->actions[ACT_PLACE_STOP][ASTAT_SUCCEEDED] = 5;
	s->actions[ACT_PLACE_STOP][ASTAT_FAILED] = 1;
	s->actions[ACT_CANCEL_ORDER][ASTAT_SENT] = 2;
	s->nunprotected = 2;
	s->unprotected[0] = (struct stats_unprotected){.venue = VENUE_COINBASE, .account = "default",
						       .symbol = "TOWNS-USD",
						       .since_us = T0 + 3590 * SEC};
	/* Seen before start cannot count before start. */
	s->unprotected[1] = (struct stats_unprotected){.venue = VENUE_SIM, .account = "default",
						       .symbol = "X-USD", .since_us = T0 - 50 * SEC};
	s->unprotected_us_total = 30 * SEC;
	daemon_stats_observe_latency(s, 100);    /* le 0.0001: a boundary belongs to its bucket */
	daemon_stats_observe_latency(s, 101);    /* le 0.00025 */
	daemon_stats_observe_latency(s, 5000000); /* +Inf */
	/* The daily report: yesterday's went out, today's first retry failed. */
	s->report.configured = true;
	strcpy(s->report.last_date, "2025-12-01");
	strcpy(s->report.last_message_id, "<reckon.daily.2025-12-01.1@example.com>");
	s->report.last_sent_at_us = T0 - 3 * 3600 * SEC; /* 07:40Z */
	s->report.sent = 1;
	s->report.failures = 3;
	s->report.consecutive_failures = 2;
	strcpy(s->report.last_error, "smtp://127.0.0.1:2525: Couldn't connect to server");
	s->report.last_error_at_us = T0 + 3540 * SEC;
	s->report.next_attempt_us = T0 + 3660 * SEC;
	return s;
}

#define NOW (T0 + 3600 * SEC)

static char *render_prom(const struct daemon_stats *s)
{
	struct rk_buf b = {0};
	struct rk_err err = {0};
	assert_int_equal(daemon_stats_prometheus(s, NOW, &b, &err), RK_OK);
	return rk_buf_take(&b);
}

static cJSON *render_json(const struct daemon_stats *s)
{
	struct rk_buf b = {0};
	struct rk_err err = {0};
	assert_int_equal(daemon_stats_json(s, NOW, &b, &err), RK_OK);
	assert_null(strchr(rk_buf_str(&b), '\n')); /* one line: the control socket's reply */
	cJSON *root = cJSON_Parse(rk_buf_str(&b));
	assert_non_null(root);
	rk_buf_free(&b);
	return root;
}

/* Asserts that `line` (a whole line) is in the exposition. */
static void check_line(const char *text, const char *line, const char *file, int ln)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("%s:%d: no line \"%s\" in:\n%s", file, ln, line, text);
}
#define assert_line(text, line) check_line((text), (line), __FILE__, __LINE__)

/* ---- latency histogram -------------------------------------------------------- */

static void test_latency_observation_lands_in_the_first_bucket_that_holds_it(void **state)
{
	(void)state;
	struct daemon_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	daemon_stats_observe_latency(s, 0);
	daemon_stats_observe_latency(s, 1000);
	daemon_stats_observe_latency(s, 1001);
	daemon_stats_observe_latency(s, 1000000);
	daemon_stats_observe_latency(s, 1000001);
	daemon_stats_observe_latency(s, -5); /* a clock step back counts as 0 */
	assert_int_equal(s->latency_buckets[0], 2);
	assert_int_equal(s->latency_buckets[3], 1);
	assert_int_equal(s->latency_buckets[4], 1);
	assert_int_equal(s->latency_buckets[STATS_LATENCY_BUCKETS - 1], 1);
	assert_int_equal(s->latency_buckets[STATS_LATENCY_BUCKETS], 1);
	assert_int_equal(s->latency_count, 6);
	assert_int_equal(s->latency_sum_us, 0 + 1000 + 1001 + 1000000 + 1000001);
	free(s);
}

static void test_unprotected_time_adds_open_intervals_from_start_at_the_earliest(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	/* 30 s closed + 10 s of TOWNS-USD + 3600 s of X-USD (since start, not before). */
	assert_int_equal(daemon_stats_unprotected_us(s, NOW), (30 + 10 + 3600) * SEC);
	/* A reading one second later is larger: the counter never goes back. */
	assert_true(daemon_stats_unprotected_us(s, NOW + SEC) > daemon_stats_unprotected_us(s, NOW));
	free(s);
}

/* ---- Prometheus ------------------------------------------------------------------ */

static void test_prometheus_has_every_figure(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	char *p = render_prom(s);
	assert_line(p, "reckon_ingest_events_total{result=\"accepted\"} 40");
	assert_line(p, "reckon_ingest_events_total{result=\"duplicate\"} 3");
	assert_line(p, "reckon_ingest_events_total{result=\"stale\"} 2");
	assert_line(p, "reckon_ingest_events_total{result=\"rejected\"} 1");
	assert_line(p, "reckon_ingest_clients 2");
	assert_line(p, "reckon_ingest_commits_total 7");
	assert_line(p, "reckon_config_reloads_total{result=\"failed\"} 1");
	assert_line(p, "reckon_start_time_seconds 1764672000");
	assert_line(p, "reckon_config_loaded_time_seconds 1764672600");
	assert_line(p, "reckon_passes_total{venue=\"coinbase\",account=\"default\",result=\"complete\"} 110");
	assert_line(p, "reckon_passes_total{venue=\"coinbase\",account=\"default\",result=\"incomplete\"} 5");
	assert_line(p, "reckon_passes_total{venue=\"coinbase\",account=\"default\",result=\"failed\"} 1");
	assert_line(p, "reckon_last_pass_duration_seconds{venue=\"coinbase\",account=\"default\"} 0.00125");
	assert_line(p, "reckon_findings_total{kind=\"missing_stop\"} 6");
	assert_line(p, "reckon_findings_total{kind=\"orphan_exchange_order\"} 1");
	assert_line(p, "reckon_findings_total{kind=\"dust\"} 0");
	assert_line(p, "reckon_actions_total{kind=\"place_stop\",status=\"succeeded\"} 5");
	assert_line(p, "reckon_actions_total{kind=\"place_stop\",status=\"failed\"} 1");
	assert_line(p, "reckon_actions_total{kind=\"cancel_order\",status=\"sent\"} 2");
	assert_line(p, "reckon_unprotected_positions 2");
	assert_line(p, "reckon_unprotected_seconds_total 3640");
	assert_line(p, "reckon_reports_sent_total 1");
	assert_line(p, "reckon_report_failures_total 3");
	assert_line(p, "reckon_report_consecutive_failures 2");
	assert_line(p, "reckon_report_last_sent_time_seconds 1764661200");
	assert_line(p, "# TYPE reckon_reports_sent_total counter");
	assert_line(p, "# TYPE reckon_report_failures_total counter");
	assert_line(p, "# TYPE reckon_report_consecutive_failures gauge");
	free(p);
	free(s);
}

static void test_prometheus_label_values_are_escaped(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	char *p = render_prom(s);
	assert_line(p, "reckon_pass_running{venue=\"sim\",account=\"desk \\\"A\\\"\\\\2\\nx\"} 1");
	assert_line(p, "reckon_breaker_tripped{venue=\"sim\",account=\"desk \\\"A\\\"\\\\2\\nx\"} 1");
	free(p);
	free(s);
}

static void test_prometheus_histogram_is_cumulative_with_exact_seconds(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	char *p = render_prom(s);
	assert_line(p, "# TYPE reckon_protect_latency_seconds histogram");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"0.0001\"} 1");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"0.00025\"} 2");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"0.0005\"} 2");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"1\"} 2");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"+Inf\"} 3");
	assert_line(p, "reckon_protect_latency_seconds_sum 5.000201");
	assert_line(p, "reckon_protect_latency_seconds_count 3");
	free(p);
	free(s);
}

/* The family a sample belongs to: a histogram's _bucket/_sum/_count belong
 * to the histogram's name. */
static bool family_declared(const char *types, const char *name)
{
	char want[256];
	snprintf(want, sizeof want, "\n%s ", name);
	if (strstr(types, want))
		return true;
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(name), k = strlen(suffixes[i]);
		if (n > k && strcmp(name + n - k, suffixes[i]) == 0) {
			snprintf(want, sizeof want, "\n%.*s histogram", (int)(n - k), name);
			if (strstr(types, want))
				return true;
		}
	}
	return false;
}

static void test_prometheus_every_family_has_help_and_type_before_its_samples(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	char *p = render_prom(s);
	char types[16384] = "\n", helps[16384] = "\n";
	size_t nsamples = 0;
	assert_true(p[strlen(p) - 1] == '\n');
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
		char name[128] = "", type[32] = "";
		if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
			assert_non_null(strstr(helps, name)); /* HELP first */
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
				    strcmp(type, "histogram") == 0);
			strcat(types, name), strcat(types, " "), strcat(types, type),
				strcat(types, "\n");
			continue;
		}
		if (sscanf(line, "# HELP %127s", name) == 1) {
			strcat(helps, name), strcat(helps, "\n");
			continue;
		}
		assert_true(line[0] != '#');
		size_t n = strcspn(line, "{ ");
		assert_true(n > 0 && n < sizeof name);
		memcpy(name, line, n);
		name[n] = '\0';
		assert_true(strncmp(name, "reckon_", 7) == 0);
		if (!family_declared(types, name))
			fail_msg("sample of %s before its TYPE", name);
		/* A counter's name ends in _total. */
		char want[160];
		snprintf(want, sizeof want, "\n%s counter", name);
		if (strstr(types, want))
			assert_non_null(strstr(name, "_total"));
		nsamples++;
	}
	/* 5 process + 7 ingest + 13 finding kinds + 7x6 action kinds and statuses
	 * + 2 unprotected + 15 histogram lines + 4 report, and 7 per venue: none
	 * missing. */
	assert_int_equal(nsamples,
			 5 + 7 + FIND_KIND_COUNT + ACT_KIND_COUNT * 6 + 2 + 15 + 4 + 7 * 2);
	free(p);
	free(s);
}

static void test_prometheus_of_a_fresh_daemon_has_zeroes_not_gaps(void **state)
{
	(void)state;
	struct daemon_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	char *p = render_prom(s);
	assert_line(p, "reckon_unprotected_positions 0");
	assert_line(p, "reckon_unprotected_seconds_total 0");
	assert_line(p, "reckon_protect_latency_seconds_bucket{le=\"+Inf\"} 0");
	assert_line(p, "reckon_protect_latency_seconds_sum 0");
	assert_line(p, "reckon_reports_sent_total 0");
	assert_line(p, "reckon_report_failures_total 0");
	assert_line(p, "reckon_report_consecutive_failures 0");
	assert_line(p, "reckon_report_last_sent_time_seconds 0");
	assert_null(strstr(p, "reckon_passes_total{")); /* no venue, no series */
	free(p);
	free(s);
}

/* ---- the status document ---------------------------------------------------------- */

static const cJSON *at(const cJSON *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok(buf, "."); k && o; k = strtok(NULL, ".")) {
		if (k[0] >= '0' && k[0] <= '9')
			o = cJSON_GetArrayItem(o, atoi(k));
		else
			o = cJSON_GetObjectItemCaseSensitive(o, k);
	}
	if (!o)
		fail_msg("no %s", path);
	return o;
}

static void check_num(const cJSON *root, const char *path, double want, const char *file, int ln)
{
	const cJSON *v = at(root, path);
	if (!cJSON_IsNumber(v) || v->valuedouble != want)
		fail_msg("%s:%d: %s is not %.0f", file, ln, path, want);
}
#define assert_num(root, path, want) check_num((root), (path), (want), __FILE__, __LINE__)

static void check_str(const cJSON *root, const char *path, const char *want, const char *file,
		      int ln)
{
	const cJSON *v = at(root, path);
	if (!cJSON_IsString(v) || strcmp(v->valuestring, want) != 0)
		fail_msg("%s:%d: %s is not \"%s\"", file, ln, path, want);
}
#define assert_str(root, path, want) check_str((root), (path), (want), __FILE__, __LINE__)

static void test_status_document_header_and_ingest(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	cJSON *j = render_json(s);
	assert_str(j, "now", "2025-12-02T11:40:00.000000Z");
	assert_str(j, "started_at", "2025-12-02T10:40:00.000000Z");
	assert_num(j, "uptime_s", 3600);
	assert_str(j, "config_loaded_at", "2025-12-02T10:50:00.000000Z");
	assert_num(j, "reloads.ok", 2);
	assert_num(j, "reloads.failed", 1);
	assert_str(j, "reloads.last_error",
		   "venues[1].interval_s: must be a whole number from 1 to 86400");
	assert_num(j, "ingest.accepted", 40);
	assert_num(j, "ingest.duplicate", 3);
	assert_num(j, "ingest.stale", 2);
	assert_num(j, "ingest.rejected", 1);
	assert_num(j, "ingest.connections", 5);
	assert_num(j, "ingest.clients_now", 2);
	assert_num(j, "ingest.commits", 7);
	assert_true(cJSON_IsString(at(j, "version")));
	cJSON_Delete(j);
	free(s);
}

static void test_status_document_venues_and_last_pass(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	cJSON *j = render_json(s);
	assert_int_equal(cJSON_GetArraySize(at(j, "venues")), 2);
	assert_str(j, "venues.0.venue", "coinbase");
	assert_str(j, "venues.0.account", "default");
	assert_num(j, "venues.0.interval_s", 30);
	assert_true(cJSON_IsFalse(at(j, "venues.0.pass_running")));
	assert_str(j, "venues.0.last_pass.started_at", "2025-12-02T11:38:20.000000Z");
	assert_num(j, "venues.0.last_pass.duration_us", 1250);
	assert_true(cJSON_IsFalse(at(j, "venues.0.last_pass.complete")));
	assert_str(j, "venues.0.last_pass.reason", "fills endpoint timed out");
	assert_num(j, "venues.0.last_pass.run_id", 17);
	assert_num(j, "venues.0.last_pass.findings", 4);
	assert_num(j, "venues.0.last_pass.actions", 2);
	assert_num(j, "venues.0.passes.complete", 110);
	assert_num(j, "venues.0.passes.incomplete", 5);
	assert_num(j, "venues.0.passes.failed", 1);
	assert_num(j, "venues.0.breaker.hour_count", 3);
	assert_num(j, "venues.0.breaker.hour_limit", 100);
	assert_true(cJSON_IsFalse(at(j, "venues.0.breaker.tripped")));
	/* No pass finished yet: null, not a pass at the epoch. */
	assert_true(cJSON_IsNull(at(j, "venues.1.last_pass")));
	assert_true(cJSON_IsTrue(at(j, "venues.1.pass_running")));
	assert_str(j, "venues.1.account", "desk \"A\"\\2\nx");
	assert_true(cJSON_IsTrue(at(j, "venues.1.breaker.tripped")));
	cJSON_Delete(j);
	free(s);
}

static void test_status_document_unprotected_counts_and_latency(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	cJSON *j = render_json(s);
	assert_int_equal(cJSON_GetArraySize(at(j, "unprotected")), 2);
	assert_str(j, "unprotected.0.symbol", "TOWNS-USD");
	assert_str(j, "unprotected.0.venue", "coinbase");
	assert_str(j, "unprotected.0.since", "2025-12-02T11:39:50.000000Z");
	assert_num(j, "unprotected.0.for_s", 10);
	assert_num(j, "unprotected_us_total", 3640.0 * SEC);
	assert_num(j, "findings.missing_stop", 6);
	assert_num(j, "findings.stray_stop", 0);
	assert_num(j, "actions.place_stop.succeeded", 5);
	assert_num(j, "actions.place_stop.failed", 1);
	assert_num(j, "actions.emergency_close.planned", 0);
	assert_num(j, "protect_latency.count", 3);
	assert_num(j, "protect_latency.sum_us", 5000201);
	assert_num(j, "protect_latency.buckets.0.le_us", 100);
	assert_num(j, "protect_latency.buckets.0.count", 1);
	assert_num(j, "protect_latency.buckets.1.count", 2);
	assert_true(cJSON_IsNull(at(j, "protect_latency.buckets.12.le_us")));
	assert_num(j, "protect_latency.buckets.12.count", 3);
	cJSON_Delete(j);
	free(s);
}

static void test_status_document_report(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	cJSON *j = render_json(s);
	assert_str(j, "report.last_sent.date", "2025-12-01");
	assert_str(j, "report.last_sent.message_id", "<reckon.daily.2025-12-01.1@example.com>");
	assert_str(j, "report.last_sent.at", "2025-12-02T07:40:00.000000Z");
	assert_num(j, "report.sent", 1);
	assert_num(j, "report.failures", 3);
	assert_num(j, "report.consecutive_failures", 2);
	assert_str(j, "report.last_error", "smtp://127.0.0.1:2525: Couldn't connect to server");
	assert_str(j, "report.last_error_at", "2025-12-02T11:39:00.000000Z");
	assert_str(j, "report.next_attempt", "2025-12-02T11:41:00.000000Z");
	cJSON_Delete(j);
	/* Configured, nothing sent yet, no error: nulls, not empty strings. */
	memset(&s->report, 0, sizeof s->report);
	s->report.configured = true;
	j = render_json(s);
	assert_true(cJSON_IsNull(at(j, "report.last_sent")));
	assert_true(cJSON_IsNull(at(j, "report.last_error")));
	assert_true(cJSON_IsNull(at(j, "report.last_error_at")));
	assert_true(cJSON_IsNull(at(j, "report.next_attempt")));
	assert_num(j, "report.consecutive_failures", 0);
	cJSON_Delete(j);
	free(s);
}

static void test_status_of_a_fresh_daemon_says_never(void **state)
{
	(void)state;
	struct daemon_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	cJSON *j = render_json(s);
	assert_true(cJSON_IsNull(at(j, "started_at")));
	assert_true(cJSON_IsNull(at(j, "config_loaded_at")));
	assert_true(cJSON_IsNull(at(j, "reloads.last_error")));
	assert_num(j, "uptime_s", 0);
	assert_int_equal(cJSON_GetArraySize(at(j, "venues")), 0);
	assert_int_equal(cJSON_GetArraySize(at(j, "unprotected")), 0);
	assert_true(cJSON_IsNull(at(j, "report"))); /* no "report" section */
	cJSON_Delete(j);
	free(s);
}

static void test_status_refuses_a_counter_json_cannot_carry(void **state)
{
	(void)state;
	struct daemon_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->ingest[STATS_ACCEPTED] = (1ULL << 53) + 1;
	struct rk_buf b = {0};
	struct rk_err err = {0};
	assert_int_equal(daemon_stats_json(s, NOW, &b, &err), RK_ENOMEM);
	assert_non_null(strstr(err.msg, "2^53"));
	rk_buf_free(&b);
	free(s);
}

/* tests/cli/data/status.json, which tests/cli/status.sh serves to `reckon
 * status` from a fake daemon, is this fixture's document: the CLI is tested
 * against what the renderer writes, not against a guess. After a change to
 * the document, regenerate it: RECKON_WRITE_FIXTURES=1 ./test_stats */
#define CLI_FIXTURE RECKON_SOURCE_DIR "/tests/cli/data/status.json"

static void test_status_document_is_the_cli_fixture(void **state)
{
	(void)state;
	struct daemon_stats *s = fixture();
	struct rk_buf b = {0};
	struct rk_err err = {0};
	assert_int_equal(daemon_stats_json(s, NOW, &b, &err), RK_OK);
	if (getenv("RECKON_WRITE_FIXTURES")) {
		FILE *f = fopen(CLI_FIXTURE, "w");
		assert_non_null(f);
		fprintf(f, "%s\n", rk_buf_str(&b));
		assert_int_equal(fclose(f), 0);
	}
	char text[65536];
	FILE *f = fopen(CLI_FIXTURE, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	cJSON *want = cJSON_Parse(text), *got = cJSON_Parse(rk_buf_str(&b));
	assert_non_null(want);
	assert_non_null(got);
	/* The version changes with every release; everything else must not. */
	cJSON_DeleteItemFromObjectCaseSensitive(want, "version");
	cJSON_DeleteItemFromObjectCaseSensitive(got, "version");
	if (!cJSON_Compare(want, got, true))
		fail_msg("%s differs from the rendering:\n%s", CLI_FIXTURE, rk_buf_str(&b));
	cJSON_Delete(want);
	cJSON_Delete(got);
	rk_buf_free(&b);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_observation_lands_in_the_first_bucket_that_holds_it),
		cmocka_unit_test(test_unprotected_time_adds_open_intervals_from_start_at_the_earliest),
		cmocka_unit_test(test_prometheus_has_every_figure),
		cmocka_unit_test(test_prometheus_label_values_are_escaped),
		cmocka_unit_test(test_prometheus_histogram_is_cumulative_with_exact_seconds),
		cmocka_unit_test(test_prometheus_every_family_has_help_and_type_before_its_samples),
		cmocka_unit_test(test_prometheus_of_a_fresh_daemon_has_zeroes_not_gaps),
		cmocka_unit_test(test_status_document_header_and_ingest),
		cmocka_unit_test(test_status_document_venues_and_last_pass),
		cmocka_unit_test(test_status_document_unprotected_counts_and_latency),
		cmocka_unit_test(test_status_document_report),
		cmocka_unit_test(test_status_of_a_fresh_daemon_says_never),
		cmocka_unit_test(test_status_refuses_a_counter_json_cannot_carry),
		cmocka_unit_test(test_status_document_is_the_cli_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
