/* cmd_report.c — `reckon report daily`: the day's report as text, HTML or a
 * mail file, or sent over SMTP (daemon/daily_mail.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "audit_gaps.h"
#include "chart.h"
#include "cli.h"
#include "cli_opts.h"
#include "config.h"
#include "config_file.h"
#include "daily_mail.h"
#include "rk_clock.h"
#include "rk_tz.h"

static void help(void)
{
	cli_print_usage("report");
	printf("\n"
	       "The daily report of one day in a time zone: realized P&L (FIFO, after fees),\n"
	       "fees, fills, wins and losses, the month to date, alerts (failed actions,\n"
	       "circuit-breaker trips, halts, incomplete passes, positions unprotected now),\n"
	       "P&L by symbol, largest winners and losers, open positions with their stops,\n"
	       "every interval without protection, reconciliation, and two charts (the\n"
	       "day's running P&L and the last 30 days). Every figure comes from the named\n"
	       "queries (reckon query --list), so the two always agree.\n\n"
	       "Options:\n"
	       "  --db FILE          the journal (read-only unless --send)\n"
	       "  --date YYYY-MM-DD  the day (default: yesterday in the zone, the last whole day)\n"
	       "  --tz ZONE          an IANA zone, e.g. Europe/Berlin (default: the config's\n"
	       "                     report.tz with --config, else UTC)\n"
	       "  --format FORMAT    text (default), html (one file, charts inline as data:\n"
	       "                     URIs) or eml (the whole mail, charts as cid: parts)\n"
	       "  --out FILE         write there instead of to standard output\n"
	       "  --send             send the mail to the config's report.to over SMTP and\n"
	       "                     journal it (report_sent); a day already sent is not sent\n"
	       "                     again (exit 0, says so)\n"
	       "  --config FILE      the daemon's config file (its \"report\" section: SMTP\n"
	       "                     server, sender, recipients, zone); needed by --send\n"
	       "  --ca-file FILE     trust this CA bundle for the SMTP server's certificate\n"
	       "                     instead of the system's (a private relay)\n"
	       "  -h, --help         this help\n\n"
	       "The SMTP password comes from report.password_env (the variable, or VAR_FILE\n"
	       "naming a 0600 file) or report.password_file (0600), never the config itself.\n"
	       "Exit 0 on success, 64 usage (a bad --date or --tz too), 65 a corrupt journal, 66 no\n"
	       "such journal or config, 69 the SMTP server unreachable or refusing, 74 I/O or\n"
	       "a sent mail that could not be journaled, 77 a password file readable by\n"
	       "others, 78 a malformed config or SMTP setting. Nothing is journaled as sent\n"
	       "unless the server accepted the mail.\n");
}

static int take_format(const char *command, const char *option, const char *value, void *ctx)
{
	(void)option;
	if (strcmp(value, "text") && strcmp(value, "html") && strcmp(value, "eml"))
		return cli_usage_error(command, "unknown format '%s' (text, html or eml)", value);
	*(const char **)ctx = value;
	return -1;
}

/* Yesterday in `tz`: the last whole day. */
static enum rk_rc default_date(const char *tz, int64_t now, char out[RK_TZ_DATE_MAX],
			       struct rk_err *err)
{
	char today[RK_TZ_DATE_MAX];
	enum rk_rc rc = rk_tz_local(tz, now, today, NULL, err);
	return rc ? rc : rk_tz_date_add(today, -1, out, err);
}

static enum rk_rc write_out(const char *path, const struct rk_buf *b, struct rk_err *err)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f)
		return rk_err_set(err, RK_EIO, "cannot write %s: %s", path, strerror(errno));
	size_t n = fwrite(b->p ? b->p : "", 1, b->len, f);
	int bad = n != b->len || fflush(f) != 0 || ferror(f);
	if (path && fclose(f) != 0)
		bad = 1;
	return bad ? rk_err_set(err, RK_EIO, "cannot write %s", path ? path : "standard output")
		   : RK_OK;
}

struct args {
	const char *db, *date, *tz, *format, *out, *config, *ca_file;
	bool send;
};

static int send_mail(struct journal *j, const struct rk_config *cfg, const struct args *a,
		     struct daily_mail *m, struct rk_err *err)
{
	struct daily_mail_result res;
	if (daily_mail_send(j, &cfg->report, a->ca_file, m, &res, err))
		return cli_fail(err);
	if (res.already_sent)
		printf("already sent: the daily report of %s went out as %s at %s; not sent again\n",
		       m->report.date, res.earlier.message_id, res.earlier.sent_at);
	else
		printf("sent: the daily report of %s as %s to %zu recipient%s\n", m->report.date,
		       m->message_id, cfg->report.nto, cfg->report.nto == 1 ? "" : "s");
	return EX_OK;
}

static int run(const struct args *a, const struct rk_config *cfg)
{
	struct rk_err err = {0};
	struct journal *j = NULL;
	struct daily_mail m = {0};
	struct rk_buf html = {0};
	char date[RK_TZ_DATE_MAX];
	int64_t now = rk_clock_now(rk_clock_system());
	uint64_t rnd = 0;
	int code = EX_OK;
	const char *tz = a->tz ? a->tz : cfg && cfg->report.present && cfg->report.tz ? cfg->report.tz
										: "UTC";
	if (rk_tz_check(tz, &err))
		return cli_usage_error("report", "%s", err.msg);
	if (a->date)
		snprintf(date, sizeof date, "%s", a->date);
	else if (default_date(tz, now, date, &err))
		return cli_fail(&err);
	int64_t from, to;
	if (rk_tz_day(tz, date, &from, &to, &err))
		return cli_usage_error("report", "%s", err.msg);
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (uint64_t)now ^ (uint64_t)getpid() << 32;
	if (!(j = cli_open_journal(a->db, a->send ? JOURNAL_WRITE : JOURNAL_READONLY, JOURNAL_ANY,
				   &code)))
		return code;
	bool mail = cfg && cfg->report.present;
	struct daily_mail_opts o = {.date = date, .tz = tz, .now_us = now, .random = rnd,
				    .from = mail ? cfg->report.from : NULL,
				    .to = mail ? (const char *const *)cfg->report.to : NULL,
				    .nto = mail ? cfg->report.nto : 0, .gaps = audit_gaps};
	if (daily_mail_build(j, &o, &m, &err)) {
		code = cli_fail(&err);
		goto out;
	}
	if (a->send) {
		code = send_mail(j, cfg, a, &m, &err);
		goto out;
	}
	const char *fmt = a->format ? a->format : "text";
	const struct rk_buf *b = strcmp(fmt, "text") == 0 ? &m.text : &m.eml;
	if (strcmp(fmt, "html") == 0) {
		if (daily_mail_html_file(&m, &html, &err)) {
			code = cli_fail(&err);
			goto out;
		}
		b = &html;
	}
	if (write_out(a->out, b, &err))
		code = cli_fail(&err);
out:
	rk_buf_free(&html);
	daily_mail_free(&m);
	journal_close(j);
	return code;
}

int cmd_report(int argc, char **argv)
{
	struct args a = {0};
	struct rk_config *cfg = NULL;
	struct rk_err err = {0};
	int first, code;
	const struct cli_opt opts[] = {
		{.name = "db", .value = &a.db},
		{.name = "date", .value = &a.date},
		{.name = "tz", .value = &a.tz},
		{.name = "format", .take = take_format, .ctx = &a.format},
		{.name = "out", .value = &a.out},
		{.name = "send", .flag = &a.send},
		{.name = "config", .value = &a.config},
		{.name = "ca-file", .value = &a.ca_file},
		{0},
	};
	if ((code = cli_opts_parse("report", argc, argv, opts, help, &first)) >= 0)
		return code;
	if (first >= argc || strcmp(argv[first], "daily") != 0)
		return cli_usage_error("report", first >= argc ? "missing report kind (daily)"
							       : "unknown report '%s' (daily)",
				       first < argc ? argv[first] : "");
	if (argc - first > 1)
		return cli_usage_error("report", "unexpected argument '%s'", argv[first + 1]);
	if ((code = cli_require_db("report", a.db)) >= 0)
		return code;
	if (a.send && !a.config)
		return cli_usage_error("report", "--send needs --config FILE (its \"report\" section)");
	if (a.send && (a.format || a.out))
		return cli_usage_error("report", "--send sends the mail; --format and --out are for "
						 "writing it");
	if (a.config && config_load(a.config, &cfg, &err))
		return cli_fail(&err);
	if (a.send && !cfg->report.present) {
		config_free(cfg);
		return cli_fail_to(stderr, &(struct rk_err){RK_ECONFIG,
			"the config file has no \"report\" section (smtp_url, from, to, ...)"});
	}
	code = run(&a, cfg);
	config_free(cfg);
	chart_fonts_release();
	return code;
}
