/*
 * test_report_smtp.c — the daily report mail sent to a real SMTP server on
 * loopback (tests/support/smtp_sink.py, on Debian's python3-aiosmtpd), and
 * the message it received checked: headers, both parts, the inline images
 * (valid PNGs of the declared size), and numbers equal to what the named
 * queries return for the same journal; once over plain loopback SMTP, once
 * with STARTTLS (a throwaway certificate from `openssl req`) and AUTH; a
 * refused login and a second send of the same day journal nothing new.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "chart.h"
#include "daily_mail.h"
#include "query.h"
#include "rtime.h"
#include "testutil.h"

#define PYTHON "/usr/bin/python3"
#define SINK RECKON_SOURCE_DIR "/tests/support/smtp_sink.py"

static const char *const TRADES[] = {
	"{\"type\":\"fill\",\"ts\":\"2025-11-21T09:00:01Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f1\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"0.5\",\"price\":\"30000\","
	"\"fee\":\"15\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f2\",\"order_id\":\"o2\",\"side\":\"sell\",\"qty\":\"0.2\",\"price\":\"31000\","
	"\"fee\":\"6.2\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T11:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f3\",\"order_id\":\"o3\",\"side\":\"sell\",\"qty\":\"0.1\",\"price\":\"29000\","
	"\"fee\":\"2.9\",\"fee_currency\":\"USD\"}",
};

struct fx {
	struct journal *j;
	char path[128];
	char dir[64];     /* the sink's messages, certificate, password file */
	pid_t sink;
	int sink_in;      /* closing it stops the sink */
	int port;
};

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* Starts the sink with extra arguments (NULL-terminated); reads its port. */
static void sink_start(struct fx *f, const char *a1, const char *a2, const char *a3,
		       const char *a4, const char *a5, const char *a6)
{
	int in[2], out[2];
	char outdir[96];
	snprintf(outdir, sizeof outdir, "%s/mail", f->dir);
	mkdir(outdir, 0700);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	f->sink = fork();
	assert_true(f->sink >= 0);
	if (f->sink == 0) {
		char errpath[128];
		snprintf(errpath, sizeof errpath, "%s/sink.err", f->dir);
		int e = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(in[0], 0), dup2(out[1], 1), dup2(e, 2);
		close(in[1]), close(out[0]);
		execl(PYTHON, PYTHON, SINK, "--out", outdir, a1, a2, a3, a4, a5, a6, (char *)NULL);
		_exit(127);
	}
	close(in[0]), close(out[1]);
	f->sink_in = in[1];
	FILE *r = fdopen(out[0], "r");
	char line[64] = "";
	if (!fgets(line, sizeof line, r) || sscanf(line, "PORT %d", &f->port) != 1)
		fail_msg("the SMTP sink did not start (is python3-aiosmtpd installed? "
			 "tools/setup-debian.sh installs it)");
	fclose(r);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->j = tu_open_temp_journal(f->path, sizeof f->path);
	for (size_t i = 0; i < sizeof TRADES / sizeof TRADES[0]; i++)
		assert_int_equal(tu_ingest(f->j, TRADES[i], NULL, 0), INGEST_ACCEPTED);
	snprintf(f->dir, sizeof f->dir, "/tmp/reckon-smtp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int st;
	if (f->sink > 0) {
		close(f->sink_in);
		waitpid(f->sink, &st, 0);
	}
	journal_close(f->j);
	tu_remove_db(f->path);
	sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

static enum rk_rc no_gaps(struct journal *j, const struct audit_gap_filter *flt,
			  struct audit_gap **out, size_t *n, struct rk_err *err)
{
	(void)j, (void)flt, (void)err;
	*out = NULL, *n = 0;
	return RK_OK;
}

/* The sink's summary of message n (waits for it briefly: the server writes
 * it before answering 250, so it is there when the send returned). */
static cJSON *received(struct fx *f, int n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/mail/%d.json", f->dir, n);
	char *text = tu_read_file(path, NULL);
	assert_non_null(text);
	cJSON *j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

/* The realized P&L the named query pnl_between gives for the UTC day. */
static enum rk_rc q_cols(void *c, size_t n, const char *const *names, struct rk_err *e)
{
	(void)c, (void)n, (void)names, (void)e;
	return RK_OK;
}

static enum rk_rc q_row(void *c, const struct rk_cell *cells, struct rk_err *e)
{
	(void)e;
	snprintf(c, 96, "%s", cells[4].text);
	return RK_OK;
}

static void named_query_pnl(struct fx *f, char out[96])
{
	struct query_def q;
	struct rk_err err = {0};
	struct query_arg args[] = {{"from_ts", "2025-11-22T00:00:00.000000Z"},
				   {"to_ts", "2025-11-23T00:00:00.000000Z"}};
	struct rk_row_sink sink = {q_cols, q_row, out};
	out[0] = '\0';
	assert_int_equal(query_find("pnl_between", &q, &err), RK_OK);
	assert_int_equal(query_run(f->j, &q, args, 2, &sink, NULL, &err), RK_OK);
	assert_string_not_equal(out, "");
}

static void build(struct fx *f, const struct config_report *c, struct daily_mail *m)
{
	struct rk_err err = {0};
	int64_t now;
	assert_int_equal(rtime_parse("2025-11-23T07:00:00Z", &now, NULL), RK_OK);
	struct daily_mail_opts o = {.date = "2025-11-22", .tz = "UTC", .now_us = now,
				    .random = 0x1234, .from = c->from,
				    .to = (const char *const *)c->to, .nto = c->nto, .gaps = no_gaps};
	assert_int_equal(daily_mail_build(f->j, &o, m, &err), RK_OK);
}

static long sent_events(struct fx *f)
{
	return tu_query_int(f->j, "SELECT count(*) FROM events WHERE type = 'report_sent'");
}

static void check_message(struct fx *f, const struct daily_mail *m, cJSON *s)
{
	char pnl[96], want[160];
	named_query_pnl(f, pnl);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "headers");
	snprintf(want, sizeof want, "reckon daily 2025-11-22: P&L +%s USD", pnl);
	assert_string_equal(str(h, "Subject"), want);
	assert_string_equal(str(h, "From"), "reckon <bot@example.com>");
	assert_string_equal(str(h, "To"), "me@example.com, Other <other@example.org>");
	assert_string_equal(str(h, "Message-ID"), m->message_id);
	assert_string_equal(str(h, "Date"), "Sun, 23 Nov 2025 07:00:00 +0000");
	assert_string_equal(str(h, "MIME-Version"), "1.0");
	assert_string_equal(str(s, "mail_from"), "bot@example.com");
	const cJSON *rcpt = cJSON_GetObjectItemCaseSensitive(s, "rcpt_tos");
	assert_int_equal(cJSON_GetArraySize(rcpt), 2);
	assert_string_equal(cJSON_GetArrayItem(rcpt, 1)->valuestring, "other@example.org");
	assert_true(cJSON_GetObjectItemCaseSensitive(s, "longest_line")->valueint <= 998);
	assert_true(cJSON_GetObjectItemCaseSensitive(s, "longest_body_line")->valueint <= 76);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "bare_lf")));

	const cJSON *parts = cJSON_GetObjectItemCaseSensitive(s, "parts");
	static const char *const types[] = {"multipart/related", "multipart/alternative",
					    "text/plain", "text/html", "image/png", "image/png"};
	assert_int_equal(cJSON_GetArraySize(parts), 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(str(cJSON_GetArrayItem(parts, i), "type"), types[i]);
	const char *text = str(cJSON_GetArrayItem(parts, 2), "text");
	const char *html = str(cJSON_GetArrayItem(parts, 3), "text");
	snprintf(want, sizeof want, "Realized P&L: +%s USD", pnl);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof want, "Realized P&amp;L: +%s USD", pnl);
	assert_non_null(strstr(html, want));
	static const char *const cids[] = {"<pnl-day@reckon>", "<pnl-30d@reckon>"};
	for (int i = 4; i < 6; i++) {
		const cJSON *p = cJSON_GetArrayItem(parts, i);
		assert_string_equal(str(p, "cid"), cids[i - 4]);
		assert_string_equal(str(p, "disposition"), "inline");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "valid")));
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "width")->valueint, CHART_WIDTH);
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "height")->valueint, CHART_HEIGHT);
		/* the HTML shows it by cid: and declares the PNG's own size */
		char ref[128];
		snprintf(ref, sizeof ref, "src=\"cid:%.*s\" alt=", (int)strlen(cids[i - 4]) - 2,
			 cids[i - 4] + 1);
		const char *img = strstr(html, ref);
		assert_non_null(img);
		snprintf(ref, sizeof ref, "width=\"%d\" height=\"%d\"", CHART_WIDTH, CHART_HEIGHT);
		const char *end = strchr(img, '>');
		const char *size = strstr(img, ref);
		assert_true(size && size < end);
	}
}

static void test_sent_over_loopback_smtp_and_journaled_once(void **state)
{
	struct fx *f = *state;
	struct daily_mail m = {0};
	struct daily_mail_result res;
	struct rk_err err = {0};
	char url[64];
	sink_start(f, NULL, NULL, NULL, NULL, NULL, NULL);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->port);
	struct config_report c = {.present = true, .smtp_url = url, .tz = "UTC", .nto = 2,
				  .from = "reckon <bot@example.com>",
				  .to = {"me@example.com", "Other <other@example.org>"}};
	build(f, &c, &m);
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_OK);
	assert_true(res.sent);
	cJSON *s = received(f, 1);
	check_message(f, &m, s);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "tls")));
	cJSON_Delete(s);
	char id[300];
	tu_query_text(f->j, "SELECT json_extract(payload, '$.message_id') FROM events "
			    "WHERE type = 'report_sent'", id, sizeof id);
	assert_string_equal(id, m.message_id);

	/* a restart builds the mail again: the journal says it went, nothing is sent */
	daily_mail_free(&m);
	memset(&m, 0, sizeof m);
	build(f, &c, &m);
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_OK);
	assert_false(res.sent);
	assert_true(res.already_sent);
	assert_string_equal(res.earlier.message_id, id);
	char path[128];
	snprintf(path, sizeof path, "%s/mail/2.json", f->dir);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(sent_events(f), 1);
	daily_mail_free(&m);
}

static void test_sent_with_starttls_and_auth(void **state)
{
	struct fx *f = *state;
	struct daily_mail m = {0};
	struct daily_mail_result res;
	struct rk_err err = {0};
	char url[64], cert[128], key[128], pwfile[128];
	snprintf(cert, sizeof cert, "%s/cert.pem", f->dir);
	snprintf(key, sizeof key, "%s/key.pem", f->dir);
	snprintf(pwfile, sizeof pwfile, "%s/smtp-password", f->dir);
	sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
	   "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' 2>/dev/null",
	   key, cert);
	sh("umask 077 && printf 's3cret pass\\n' > '%s'", pwfile);
	sink_start(f, "--cert", cert, "--key", key, "--auth", "bot@example.com:s3cret pass");
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", f->port);
	struct config_report c = {.present = true, .smtp_url = url, .starttls = true,
				  .username = "bot@example.com", .password_file = pwfile,
				  .tz = "UTC", .nto = 2, .from = "reckon <bot@example.com>",
				  .to = {"me@example.com", "Other <other@example.org>"}};
	build(f, &c, &m);

	/* a wrong password: refused by the server, nothing journaled */
	char bad[128];
	snprintf(bad, sizeof bad, "%s/bad-password", f->dir);
	sh("umask 077 && printf 'wrong' > '%s'", bad);
	c.password_file = bad;
	if (daily_mail_send(f->j, &c, cert, &m, &res, &err) != RK_EREJECTED)
		fail_msg("a wrong password: %s", err.msg);
	assert_null(strstr(err.msg, "wrong"));
	assert_int_equal(sent_events(f), 0);

	/* a password file others can read: refused before connecting */
	sh("chmod 644 '%s'", pwfile);
	c.password_file = pwfile;
	assert_int_equal(daily_mail_send(f->j, &c, cert, &m, &res, &err), RK_EPERM);
	sh("chmod 600 '%s'", pwfile);

	assert_int_equal(daily_mail_send(f->j, &c, cert, &m, &res, &err), RK_OK);
	assert_true(res.sent);
	cJSON *s = received(f, 1);
	check_message(f, &m, s);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "tls")));
	assert_string_equal(str(s, "login"), "bot@example.com");
	cJSON_Delete(s);
	assert_int_equal(sent_events(f), 1);

	/* the system's CAs do not know the throwaway certificate: refused, and
	 * nothing journaled (another day; last, as aiosmtpd 1.4 serves no more
	 * after a failed handshake) */
	daily_mail_free(&m);
	memset(&m, 0, sizeof m);
	build(f, &c, &m);
	snprintf(m.report.date, sizeof m.report.date, "2025-11-23");
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_EUNKNOWN);
	assert_false(res.sent);
	assert_int_equal(sent_events(f), 1);
	daily_mail_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent_over_loopback_smtp_and_journaled_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sent_with_starttls_and_auth, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	chart_fonts_release();
	return failed;
}
