/*
 * test_config.c — the daemon's configuration document (src/core/config.c):
 * the issue's example and the documented defaults; relative paths resolved
 * against the config file's folder; the embedded policy checked by
 * policy_parse with its numbers as written; and every refusal, each naming
 * the JSON path of the culprit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "policy.h"

/* A document's fixed parts, so each case shows only what it is about. */
#define PATHS "\"db\":\"journal.db\",\"socket\":\"reckon.sock\","
#define SIM "{\"venue\":\"sim\",\"scenario\":\"demo.json\"}"
#define DOC(rest) "{" PATHS "\"venues\":[" SIM "]" rest "}"
#define VENUE_DOC(v) "{" PATHS "\"venues\":[" v "]}"
#define REPORT_OK                                                                               \
	"\"smtp_url\":\"smtps://smtp.example.com:465\",\"username\":\"bot@example.com\","       \
	"\"password_env\":\"RECKON_SMTP_PASSWORD\",\"from\":\"reckon <bot@example.com>\","      \
	"\"to\":[\"me@example.com\"]"
#define REPORT_DOC(extra) DOC(",\"report\":{" REPORT_OK extra "}")

static struct rk_config *parse_ok(const char *json, const char *base_dir)
{
	struct rk_config *c = NULL;
	struct rk_err err = {0};
	if (config_parse(json, base_dir, &c, &err) != RK_OK)
		fail_msg("config_parse(%s): %s", json, err.msg);
	assert_non_null(c);
	return c;
}

/* Parses `json`, expecting RK_ECONFIG, no config, and `want` in the message. */
static void check_rejected(const char *json, const char *want, const char *file, int line)
{
	struct rk_config *c = (struct rk_config *)&c; /* must be overwritten with NULL */
	struct rk_err err = {0};
	enum rk_rc rc = config_parse(json, "/etc/reckon", &c, &err);
	if (rc != RK_ECONFIG || c != NULL)
		fail_msg("%s:%d: %s: rc %d (%s), want RK_ECONFIG", file, line, json, (int)rc,
			 err.msg);
	if (!strstr(err.msg, want))
		fail_msg("%s:%d: error \"%s\" lacks \"%s\"", file, line, err.msg, want);
}
#define assert_rejected(json, want) check_rejected((json), (want), __FILE__, __LINE__)

struct bad_case {
	const char *json;
	const char *want; /* a part of the message: always the JSON path */
};

static void check_table(const struct bad_case *t, size_t n, const char *file, int line)
{
	for (size_t i = 0; i < n; i++)
		check_rejected(t[i].json, t[i].want, file, line);
}
#define assert_all_rejected(t) check_table((t), sizeof(t) / sizeof(t)[0], __FILE__, __LINE__)

/* ---- what is accepted ---------------------------------------------------- */

static void test_issue_example_parses_with_paths_resolved_against_the_folder(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(
		"{\"db\":\"journal.db\",\"socket\":\"reckon.sock\",\"venues\":["
		"{\"venue\":\"binance-usdm\",\"account\":\"default\",\"base_url\":"
		"\"https://fapi.binance.com\",\"interval_s\":30,\"timeout_ms\":10000},"
		"{\"venue\":\"coinbase\",\"account\":\"default\",\"interval_s\":30},"
		"{\"venue\":\"sim\",\"scenario\":\"demo.json\",\"interval_s\":5}],"
		"\"policy\":{\"defaults\":{\"stop_pct\":\"5\"}},"
		"\"metrics\":{\"listen\":\"127.0.0.1:9464\"}}",
		"/etc/reckon");
	assert_string_equal(c->db, "/etc/reckon/journal.db");
	assert_string_equal(c->socket, "/etc/reckon/reckon.sock");
	assert_string_equal(c->control, "/etc/reckon/reckon.sock.ctl");
	assert_int_equal(c->nvenues, 3);
	assert_int_equal(c->venues[0].venue, VENUE_BINANCE_USDM);
	assert_string_equal(c->venues[0].base_url, "https://fapi.binance.com");
	assert_int_equal(c->venues[0].timeout_ms, 10000);
	assert_int_equal(c->venues[0].interval_s, 30);
	assert_int_equal(c->venues[1].venue, VENUE_COINBASE);
	assert_null(c->venues[1].base_url);
	assert_int_equal(c->venues[2].venue, VENUE_SIM);
	assert_string_equal(c->venues[2].scenario, "/etc/reckon/demo.json");
	assert_int_equal(c->venues[2].interval_s, 5);
	assert_non_null(c->policy_json);
	assert_null(c->policy_file);
	assert_true(c->metrics);
	assert_string_equal(c->metrics_host, "127.0.0.1");
	assert_int_equal(c->metrics_port, 9464);
	assert_false(c->report.present);
	config_free(c);
}

static void test_defaults_of_optional_keys(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(VENUE_DOC("{\"venue\":\"coinbase\"}"), NULL);
	const struct config_venue *v = &c->venues[0];
	assert_string_equal(c->control, "reckon.sock.ctl");
	assert_string_equal(v->account, "default");
	assert_null(v->base_url);
	assert_int_equal(v->timeout_ms, 0);
	assert_int_equal(v->interval_s, 30);
	assert_null(v->scenario);
	assert_null(v->key_env);
	assert_null(v->secret_env);
	assert_null(c->policy_json);
	assert_null(c->policy_file);
	assert_false(c->metrics);
	assert_null(c->metrics_host);
	assert_false(c->report.present);
	config_free(c);
}

static void test_relative_paths_join_the_folder_absolute_ones_stay(void **state)
{
	(void)state;
	const char *doc = "{\"db\":\"/var/lib/reckon/j.db\",\"socket\":\"run/r.sock\","
			  "\"control\":\"../ctl/r.ctl\",\"policy_file\":\"policy.json\","
			  "\"venues\":[{\"venue\":\"sim\",\"scenario\":\"/srv/s.json\"}],"
			  "\"report\":{\"smtp_url\":\"smtps://x.com\",\"username\":\"u\","
			  "\"password_env\":null,\"password_file\":\"secrets/smtp\","
			  "\"from\":\"a@b\",\"to\":[\"c@d\"]}}";
	/* password_env null is absent: only password_file counts. */
	struct rk_config *c = parse_ok(doc, "/etc/reckon/");
	assert_string_equal(c->db, "/var/lib/reckon/j.db");
	assert_string_equal(c->socket, "/etc/reckon/run/r.sock");
	assert_string_equal(c->control, "/etc/reckon/../ctl/r.ctl");
	assert_string_equal(c->policy_file, "/etc/reckon/policy.json");
	assert_string_equal(c->venues[0].scenario, "/srv/s.json");
	assert_string_equal(c->report.password_file, "/etc/reckon/secrets/smtp");
	config_free(c);

	/* A relative folder makes relative paths; "." and NULL leave them as written. */
	c = parse_ok(doc, "conf");
	assert_string_equal(c->socket, "conf/run/r.sock");
	config_free(c);
	c = parse_ok(doc, ".");
	assert_string_equal(c->socket, "run/r.sock");
	assert_string_equal(c->report.password_file, "secrets/smtp");
	config_free(c);
}

static void test_real_venue_options_are_read(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(
		VENUE_DOC("{\"venue\":\"binance-usdm\",\"account\":\"sub-1\","
			  "\"base_url\":\"http://127.0.0.1:8080\",\"timeout_ms\":600000,"
			  "\"interval_s\":86400,\"key_env\":\"BN_KEY\",\"secret_env\":\"BN_SECRET_2\"},"
			  "{\"venue\":\"binance-usdm\",\"account\":\"sub-2\","
			  "\"base_url\":\"http://[::1]:9/api\",\"interval_s\":1,"
			  "\"key_env\":\"BN2_KEY\",\"secret_env\":\"BN2_SECRET\"},"
			  "{\"venue\":\"coinbase\",\"account\":\"sub-2\"}"),
		"/x");
	assert_string_equal(c->venues[0].account, "sub-1");
	assert_string_equal(c->venues[0].base_url, "http://127.0.0.1:8080");
	assert_int_equal(c->venues[0].timeout_ms, 600000);
	assert_int_equal(c->venues[0].interval_s, 86400);
	assert_string_equal(c->venues[0].key_env, "BN_KEY");
	assert_string_equal(c->venues[0].secret_env, "BN_SECRET_2");
	assert_string_equal(c->venues[1].base_url, "http://[::1]:9/api");
	assert_int_equal(c->venues[1].interval_s, 1);
	config_free(c);
}

static void test_embedded_policy_keeps_its_numbers_as_written(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(
		DOC(",\"policy\":{\"defaults\":{\"stop_pct\":2.50,\"dust_notional\":1e-8},"
		    "\"venues\":{\"sim\":{\"symbols\":{\"X-USD\":{\"stop_pct\":\"3\"}}}}}"),
		NULL);
	/* The literal, not a double's rendering of it. */
	assert_non_null(strstr(c->policy_json, "2.50"));
	assert_non_null(strstr(c->policy_json, "1e-8"));
	struct policy *p = NULL;
	struct rk_err err = {0};
	assert_int_equal(policy_parse(c->policy_json, &p, &err), RK_OK);
	char buf[DEC_STR_MAX];
	assert_string_equal(dec_format(policy_for(p, VENUE_COINBASE, NULL)->stop_pct, buf), "2.5");
	assert_string_equal(dec_format(policy_for(p, VENUE_SIM, "X-USD")->stop_pct, buf), "3");
	policy_free(p);
	config_free(c);
}

static void test_metrics_listen_on_each_loopback_spelling(void **state)
{
	(void)state;
	static const struct {
		const char *listen, *host;
		int port;
	} ok[] = {{"127.0.0.1:9464", "127.0.0.1", 9464},
		  {"[::1]:1", "::1", 1},
		  {"localhost:65535", "localhost", 65535},
		  {"LocalHost:80", "LocalHost", 80}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char doc[512];
		snprintf(doc, sizeof doc, DOC(",\"metrics\":{\"listen\":\"%s\"}"), ok[i].listen);
		struct rk_config *c = parse_ok(doc, NULL);
		assert_true(c->metrics);
		assert_string_equal(c->metrics_host, ok[i].host);
		assert_int_equal(c->metrics_port, ok[i].port);
		config_free(c);
	}
}

static void test_report_section_with_defaults(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(REPORT_DOC(""), NULL);
	const struct config_report *r = &c->report;
	assert_true(r->present);
	assert_string_equal(r->smtp_url, "smtps://smtp.example.com:465");
	assert_false(r->starttls);
	assert_string_equal(r->username, "bot@example.com");
	assert_string_equal(r->password_env, "RECKON_SMTP_PASSWORD");
	assert_null(r->password_file);
	assert_string_equal(r->from, "reckon <bot@example.com>");
	assert_int_equal(r->nto, 1);
	assert_string_equal(r->to[0], "me@example.com");
	assert_int_equal(r->daily_at_min, 7 * 60);
	assert_string_equal(r->tz, "UTC");
	config_free(c);
}

static void test_report_section_issue_example(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(
		DOC(",\"report\":{\"smtp_url\":\"smtp://smtp.example.com:587\",\"starttls\":true,"
		    "\"username\":\"bot@example.com\",\"password_env\":\"RECKON_SMTP_PASSWORD\","
		    "\"from\":\"reckon <bot@example.com>\",\"to\":[\"me@example.com\","
		    "\"desk@example.com\"],\"daily_at\":\"23:59\","
		    "\"tz\":\"America/Argentina/Buenos_Aires\"}"),
		NULL);
	assert_true(c->report.starttls);
	assert_int_equal(c->report.nto, 2);
	assert_string_equal(c->report.to[1], "desk@example.com");
	assert_int_equal(c->report.daily_at_min, 23 * 60 + 59);
	assert_string_equal(c->report.tz, "America/Argentina/Buenos_Aires");
	config_free(c);
}

static void test_report_without_authentication_to_a_loopback_server(void **state)
{
	(void)state;
	struct rk_config *c = parse_ok(
		DOC(",\"report\":{\"smtp_url\":\"smtp://127.0.0.1:2525\",\"from\":\"a@b\","
		    "\"to\":[\"c@d\"],\"daily_at\":\"00:00\",\"tz\":\"Etc/GMT+5\"}"),
		NULL);
	assert_null(c->report.username);
	assert_null(c->report.password_env);
	assert_null(c->report.password_file);
	assert_int_equal(c->report.daily_at_min, 0);
	config_free(c);
}

static void test_free_is_null_safe(void **state)
{
	(void)state;
	config_free(NULL);
}

/* ---- what is refused, naming where --------------------------------------- */

static void test_document_level_errors(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{"", "JSON"},
		{"{\"db\":", "JSON"},
		{"[]", "object"},
		{"{\"db\":\"j.db\",\"db\":\"k.db\"}", "db"},
		{DOC(",\"dbx\":1"), "dbx: unknown key"},
		{DOC(",\"Venues\":[]"), "Venues: unknown key"},
		{"{\"socket\":\"r.sock\",\"venues\":[" SIM "]}", "db: missing"},
		{"{\"db\":\"j.db\",\"venues\":[" SIM "]}", "socket: missing"},
		{"{\"db\":null,\"socket\":\"r\",\"venues\":[" SIM "]}", "db: missing"},
		{"{\"db\":1,\"socket\":\"r\",\"venues\":[" SIM "]}", "db: must be a string"},
		{"{\"db\":\"\",\"socket\":\"r\",\"venues\":[" SIM "]}", "db: must not be empty"},
		{"{\"db\":\"a\\nb\",\"socket\":\"r\",\"venues\":[" SIM "]}", "db: contains a control"},
		{"{\"db\":\"j.db\",\"socket\":\"j.db\",\"venues\":[" SIM "]}", "socket: is the journal"},
		{DOC(",\"control\":\"reckon.sock\""), "control: is the ingest socket"},
		{DOC(",\"control\":[]"), "control: must be a string"},
		{DOC(",\"policy_file\":true"), "policy_file: must be a string"},
		{"{\"db\":\"j\",\"socket\":\"" /* 110 characters */
		 "0123456789012345678901234567890123456789012345678901234567890123456789"
		 "0123456789012345678901234567890123456789\",\"venues\":[" SIM "]}",
		 "socket: "},
	};
	assert_all_rejected(t);
}

static void test_duplicate_keys_anywhere_are_refused_with_their_path(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{VENUE_DOC("{\"venue\":\"sim\",\"scenario\":\"s\",\"interval_s\":5,\"interval_s\":6}"),
		 "venues[0].interval_s: appears twice"},
		{DOC(",\"policy\":{\"defaults\":{\"stop_pct\":\"5\",\"stop_pct\":\"6\"}}"),
		 "policy.defaults.stop_pct: appears twice"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1:1\",\"listen\":\"127.0.0.1:2\"}"),
		 "metrics.listen: appears twice"},
		{REPORT_DOC(",\"from\":\"x@y\""), "report.from: appears twice"},
	};
	assert_all_rejected(t);
}

static void test_venue_list_errors(void **state)
{
	(void)state;
	char many[8192] = "{" PATHS "\"venues\":[";
	for (int i = 0; i <= CONFIG_MAX_VENUES; i++) {
		size_t n = strlen(many);
		snprintf(many + n, sizeof many - n, "%s{\"venue\":\"sim\",\"account\":\"a%d\","
			 "\"scenario\":\"s\"}", i ? "," : "", i);
	}
	strcat(many, "]}");
	const struct bad_case t[] = {
		{"{" PATHS "\"policy\":{}}", "venues: missing"},
		{"{" PATHS "\"venues\":{}}", "venues: must be an array"},
		{"{" PATHS "\"venues\":[]}", "venues: must list 1 to 32 venues"},
		{many, "venues: must list 1 to 32 venues"},
		{VENUE_DOC("\"sim\""), "venues[0]: must be an object"},
		{VENUE_DOC(SIM ",{\"venue\":\"sim\",\"scenario\":\"t\",\"account\":\"default\"}"),
		 "venues[1]: venue sim account default is already venues[0]"},
		{VENUE_DOC("{\"venue\":\"coinbase\"},{\"venue\":\"coinbase\",\"account\":\"b\"}"),
		 "venues[1]: account b would read the same credential variables as venues[0] "
		 "(account default)"},
		{VENUE_DOC("{\"venue\":\"binance-usdm\",\"key_env\":\"K1\",\"secret_env\":\"S\"},"
			   "{\"venue\":\"binance-usdm\",\"account\":\"b\",\"key_env\":\"K2\","
			   "\"secret_env\":\"S\"}"),
		 "venues[1]: account b would read the same credential variables"},
	};
	assert_all_rejected(t);
}

static void test_venue_member_errors(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{VENUE_DOC("{\"account\":\"a\"}"), "venues[0].venue: missing"},
		{VENUE_DOC("{\"venue\":\"kraken\"}"), "venues[0].venue: unknown venue \"kraken\""},
		{VENUE_DOC("{\"venue\":3}"), "venues[0].venue: must be a string"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"intervals\":5}"),
		 "venues[0].intervals: unknown key"},
		{VENUE_DOC(SIM ",{\"venue\":\"coinbase\",\"interval_s\":0}"),
		 "venues[1].interval_s: must be a whole number from 1 to 86400"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"interval_s\":86401}"),
		 "venues[0].interval_s: must be a whole number from 1 to 86400"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"interval_s\":\"30\"}"),
		 "venues[0].interval_s: must be a whole number"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"interval_s\":1.5}"),
		 "venues[0].interval_s: must be a whole number"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"interval_s\":3e1}"),
		 "venues[0].interval_s: must be a whole number"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"timeout_ms\":0}"),
		 "venues[0].timeout_ms: must be a whole number from 1 to 600000"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"timeout_ms\":600001}"),
		 "venues[0].timeout_ms: must be a whole number from 1 to 600000"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"account\":\"\"}"),
		 "venues[0].account: must not be empty"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"account\":\""
			   "0123456789012345678901234567890123456789012345678901234567890123"
			   "0123456789012345678901234567890123456789012345678901234567890123\"}"),
		 "venues[0].account: longer than 127"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"key_env\":\"1KEY\"}"),
		 "venues[0].key_env: must be an environment variable name"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"secret_env\":\"MY-SECRET\"}"),
		 "venues[0].secret_env: must be an environment variable name"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"scenario\":\"s.json\"}"),
		 "venues[0].scenario: only for venue \"sim\""},
		{VENUE_DOC("{\"venue\":\"sim\"}"), "venues[0].scenario: missing"},
		{VENUE_DOC("{\"venue\":\"sim\",\"scenario\":\"s\",\"base_url\":\"https://x\"}"),
		 "venues[0].base_url: only for a real venue"},
		{VENUE_DOC("{\"venue\":\"sim\",\"scenario\":\"s\",\"timeout_ms\":5}"),
		 "venues[0].timeout_ms: only for a real venue"},
		{VENUE_DOC("{\"venue\":\"sim\",\"scenario\":\"s\",\"key_env\":\"K\"}"),
		 "venues[0].key_env: only for a real venue"},
	};
	assert_all_rejected(t);
}

static void test_base_url_errors(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"http://api.coinbase.com\"}"),
		 "venues[0].base_url: http://api.coinbase.com refused: plain http is allowed only "
		 "to loopback"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"http://127.0.0.2:80\"}"),
		 "venues[0].base_url: http://127.0.0.2 refused"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"http://0.0.0.0\"}"),
		 "venues[0].base_url: http://0.0.0.0 refused"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"ftp://x.com\"}"),
		 "venues[0].base_url: scheme 'ftp' is not https"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"api.coinbase.com\"}"),
		 "venues[0].base_url: needs a scheme and a host"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://\"}"),
		 "venues[0].base_url: needs a host"},
		/* User info hides the real host from a casual reader: 127.0.0.1 is a user name. */
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"http://127.0.0.1@evil.com/\"}"),
		 "venues[0].base_url: must not carry user info"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://u:pw@x.com\"}"),
		 "venues[0].base_url: must not carry user info"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://x.com/?a=1\"}"),
		 "venues[0].base_url: must not have a query or fragment"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://x.com#f\"}"),
		 "venues[0].base_url: must not have a query or fragment"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://x.com:99999\"}"),
		 "venues[0].base_url: port must be a number from 1 to 65535"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"https://x .com\"}"),
		 "venues[0].base_url: must not contain spaces"},
		{VENUE_DOC("{\"venue\":\"coinbase\",\"base_url\":\"http://[::1\"}"),
		 "venues[0].base_url: IPv6 host lacks its closing ']'"},
	};
	assert_all_rejected(t);
}

static void test_policy_errors_name_the_path_inside_policy(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{DOC(",\"policy\":{\"defaults\":{\"stop_pct\":\"0\"}}"),
		 "policy.defaults.stop_pct: must be greater than 0"},
		{DOC(",\"policy\":{\"defaults\":{\"stop_pcnt\":\"5\"}}"),
		 "policy.defaults.stop_pcnt: unknown key"},
		{DOC(",\"policy\":{\"venues\":{\"sim\":{\"symbols\":{\"X\":{\"max_destructive_per_pass\":"
		     "1}}}}}"),
		 "policy.venues.sim.symbols.X.max_destructive_per_pass: only allowed in defaults"},
		{DOC(",\"policy\":{\"defaults\":{\"stop_pct\":1.00000000000000001}}"),
		 "policy.defaults.stop_pct"},
		{DOC(",\"policy\":{\"extra\":{}}"), "policy.extra: unknown key"},
		{DOC(",\"policy\":\"policy.json\""), "policy: must be an object"},
		{DOC(",\"policy\":{},\"policy_file\":\"p.json\""),
		 "policy_file: give either \"policy\" or \"policy_file\", not both"},
	};
	assert_all_rejected(t);
}

static void test_metrics_errors(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{DOC(",\"metrics\":true"), "metrics: must be an object"},
		{DOC(",\"metrics\":{}"), "metrics.listen: missing"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1:9464\",\"path\":\"/m\"}"),
		 "metrics.path: unknown key"},
		{DOC(",\"metrics\":{\"listen\":\"0.0.0.0:9464\"}"),
		 "metrics.listen: 0.0.0.0 is not loopback"},
		{DOC(",\"metrics\":{\"listen\":\"10.1.2.3:9464\"}"),
		 "metrics.listen: 10.1.2.3 is not loopback"},
		{DOC(",\"metrics\":{\"listen\":\"[::]:9464\"}"), "metrics.listen: :: is not loopback"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1\"}"), "metrics.listen: needs a port"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1:0\"}"),
		 "metrics.listen: port must be a number from 1 to 65535"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1:65536\"}"),
		 "metrics.listen: port must be a number from 1 to 65535"},
		{DOC(",\"metrics\":{\"listen\":\"127.0.0.1:94x\"}"),
		 "metrics.listen: port must be a number"},
		{DOC(",\"metrics\":{\"listen\":\"http://127.0.0.1:9464\"}"), "metrics.listen: "},
		{DOC(",\"metrics\":{\"listen\":9464}"), "metrics.listen: must be a string"},
	};
	assert_all_rejected(t);
}

static void test_report_refuses_a_password_in_the_file(void **state)
{
	(void)state;
	assert_rejected(REPORT_DOC(",\"password\":\"hunter2\""),
			"report.password: a password is never read from the config file");
	/* Whatever else is wrong, the password is what the message is about. */
	assert_rejected(DOC(",\"report\":{\"password\":\"hunter2\",\"bogus\":1}"),
			"report.password: a password is never read");
}

static void test_report_errors(void **state)
{
	(void)state;
	static const struct bad_case t[] = {
		{DOC(",\"report\":[]"), "report: must be an object"},
		{REPORT_DOC(",\"cc\":[]"), "report.cc: unknown key"},
		{DOC(",\"report\":{\"from\":\"a@b\",\"to\":[\"c@d\"]}"), "report.smtp_url: missing"},
		{REPORT_DOC(",\"smtp_url\":null"), "report.smtp_url"},
		{DOC(",\"report\":{\"smtp_url\":\"https://x.com\",\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.smtp_url: scheme 'https' is neither smtp nor smtps"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://u:p@x.com\",\"from\":\"a@b\","
		     "\"to\":[\"c@d\"]}"),
		 "report.smtp_url: must not carry user info"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"starttls\":true,\"from\":\"a@b\","
		     "\"to\":[\"c@d\"]}"),
		 "report.starttls: only with smtp://"},
		{DOC(",\"report\":{\"smtp_url\":\"smtp://mail.example.com:25\",\"from\":\"a@b\","
		     "\"to\":[\"c@d\"]}"),
		 "report.smtp_url: smtp://mail.example.com without starttls"},
		{DOC(",\"report\":{\"smtp_url\":\"smtp://127.0.0.1\",\"starttls\":\"yes\","
		     "\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.starttls: must be true or false"},
		{REPORT_DOC(",\"password_file\":\"pw\""),
		 "report.password_file: give either password_env or password_file, not both"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"username\":\"u\","
		     "\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.username: needs password_env or password_file"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"password_env\":\"P\","
		     "\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.password_env: needs a username"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"password_file\":\"p\","
		     "\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.password_file: needs a username"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"username\":\"u\","
		     "\"password_env\":\"$P\",\"from\":\"a@b\",\"to\":[\"c@d\"]}"),
		 "report.password_env: must be an environment variable name"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"to\":[\"c@d\"]}"),
		 "report.from: missing"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"nobody\","
		     "\"to\":[\"c@d\"]}"),
		 "report.from: \"nobody\" is not an email address"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\"}"),
		 "report.to: missing"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\",\"to\":\"c@d\"}"),
		 "report.to: must be an array"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\",\"to\":[]}"),
		 "report.to: must list 1 to 32 addresses"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\","
		     "\"to\":[\"c@d\",7]}"),
		 "report.to[1]: must be a non-empty string"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\","
		     "\"to\":[\"c@d\",\"x@y\\r\\nBcc: e@f\"]}"),
		 "report.to[1]: contains a control character"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\\r\\nX: y\","
		     "\"to\":[\"c@d\"]}"),
		 "report.from: contains a control character"},
		{DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\","
		     "\"to\":[\"c@d\",\"me\"]}"),
		 "report.to[1]: \"me\" is not an email address"},
		{REPORT_DOC(",\"daily_at\":\"24:00\""), "report.daily_at: must be HH:MM"},
		{REPORT_DOC(",\"daily_at\":\"7:00\""), "report.daily_at: must be HH:MM"},
		{REPORT_DOC(",\"daily_at\":\"07:60\""), "report.daily_at: must be HH:MM"},
		{REPORT_DOC(",\"daily_at\":\"07:00:00\""), "report.daily_at: must be HH:MM"},
		{REPORT_DOC(",\"daily_at\":420"), "report.daily_at: must be a string"},
		{REPORT_DOC(",\"tz\":\"../../etc/passwd\""), "report.tz: \"../../etc/passwd\" is not"},
		{REPORT_DOC(",\"tz\":\"/etc/localtime\""), "report.tz: "},
		{REPORT_DOC(",\"tz\":\"Europe Berlin\""), "report.tz: "},
		{REPORT_DOC(",\"tz\":\"\""), "report.tz: must not be empty"},
	};
	assert_all_rejected(t);
}

static void test_thirty_three_recipients_are_refused(void **state)
{
	(void)state;
	char doc[8192] = DOC(",\"report\":{\"smtp_url\":\"smtps://x.com\",\"from\":\"a@b\",\"to\":[");
	/* DOC's closing brace is replaced: build the tail by hand. */
	doc[strlen(doc) - 1] = '\0';
	for (int i = 0; i <= CONFIG_MAX_RECIPIENTS; i++) {
		size_t n = strlen(doc);
		snprintf(doc + n, sizeof doc - n, "%s\"r%d@x\"", i ? "," : "", i);
	}
	strcat(doc, "]}}");
	assert_rejected(doc, "report.to: must list 1 to 32 addresses");
}

/* A hostile or broken file: deep nesting and a huge object are refused
 * quickly and cleanly (ASan and valgrind runs check "cleanly"). */
static void test_deeply_nested_and_huge_documents_are_refused(void **state)
{
	(void)state;
	size_t depth = 900, cap = depth * 2 + 256;
	char *doc = malloc(cap);
	assert_non_null(doc);
	size_t n = (size_t)snprintf(doc, cap, "{" PATHS "\"venues\":[" SIM "],\"policy\":{\"x\":");
	for (size_t i = 0; i < depth; i++)
		doc[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		doc[n++] = ']';
	snprintf(doc + n, cap - n, "}}");
	check_rejected(doc, "policy.x: unknown key", __FILE__, __LINE__);
	free(doc);

	/* Many keys in one object: up to 4096 are read (and a name twice among
	 * them found), more are refused before any pairwise comparison. */
	static const struct {
		size_t keys;
		bool dup;
		const char *want;
	} cases[] = {{4000, false, "policy.defaults.k0: unknown key"},
		     {4000, true, "policy.defaults.k7: appears twice"},
		     {4097, false, "policy.defaults: more than 4096 keys"},
		     {100000, false, "policy.defaults: more than 4096 keys"}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t keys = cases[c].keys;
		cap = keys * 16 + 256;
		doc = malloc(cap);
		assert_non_null(doc);
		n = (size_t)snprintf(doc, cap,
				     "{" PATHS "\"venues\":[" SIM "],\"policy\":{\"defaults\":{");
		for (size_t i = 0; i < keys; i++)
			n += (size_t)snprintf(doc + n, cap - n, "%s\"k%zu\":%zu", i ? "," : "",
					      cases[c].dup && i == keys - 1 ? (size_t)7 : i, i);
		snprintf(doc + n, cap - n, "}}}");
		check_rejected(doc, cases[c].want, __FILE__, __LINE__);
		free(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example_parses_with_paths_resolved_against_the_folder),
		cmocka_unit_test(test_defaults_of_optional_keys),
		cmocka_unit_test(test_relative_paths_join_the_folder_absolute_ones_stay),
		cmocka_unit_test(test_real_venue_options_are_read),
		cmocka_unit_test(test_embedded_policy_keeps_its_numbers_as_written),
		cmocka_unit_test(test_metrics_listen_on_each_loopback_spelling),
		cmocka_unit_test(test_report_section_with_defaults),
		cmocka_unit_test(test_report_section_issue_example),
		cmocka_unit_test(test_report_without_authentication_to_a_loopback_server),
		cmocka_unit_test(test_free_is_null_safe),
		cmocka_unit_test(test_document_level_errors),
		cmocka_unit_test(test_duplicate_keys_anywhere_are_refused_with_their_path),
		cmocka_unit_test(test_venue_list_errors),
		cmocka_unit_test(test_venue_member_errors),
		cmocka_unit_test(test_base_url_errors),
		cmocka_unit_test(test_policy_errors_name_the_path_inside_policy),
		cmocka_unit_test(test_metrics_errors),
		cmocka_unit_test(test_report_refuses_a_password_in_the_file),
		cmocka_unit_test(test_report_errors),
		cmocka_unit_test(test_thirty_three_recipients_are_refused),
		cmocka_unit_test(test_deeply_nested_and_huge_documents_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
