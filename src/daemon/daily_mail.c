/* daily_mail.c — building, sending and journaling the daily report mail
 * (daily_mail.h). */
#include "daily_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "mime.h"
#include "rk_tz.h"
#include "secret.h"
#include "smtp.h"

#define DEFAULT_FROM "reckon <reckon@localhost>"
#define CID_CURVE "pnl-day@reckon"
#define CID_DAYS "pnl-30d@reckon"

void daily_mail_free(struct daily_mail *m)
{
	if (!m)
		return;
	daily_report_free(&m->report);
	rk_buf_free(&m->text), rk_buf_free(&m->html), rk_buf_free(&m->curve_png);
	rk_buf_free(&m->days_png), rk_buf_free(&m->eml);
}

/* <reckon.daily.DATE.NOW.RANDOM@DOMAIN>, the domain of the sender. */
static enum rk_rc message_id(struct daily_mail *m, const struct daily_mail_opts *o, const char *from,
			     struct rk_err *err)
{
	char addr[MIME_ADDR_MAX];
	enum rk_rc rc = mime_addr_spec(from, addr, err);
	if (rc)
		return rk_err_prefix(err, "from");
	snprintf(m->message_id, sizeof m->message_id, "<reckon.daily.%s.%lld.%016llx@%s>",
		 m->report.date, (long long)o->now_us, (unsigned long long)o->random,
		 strchr(addr, '@') + 1);
	return RK_OK;
}

enum rk_rc daily_mail_build(struct journal *j, const struct daily_mail_opts *o,
			    struct daily_mail *m, struct rk_err *err)
{
	const struct daily_opts d = {.date = o->date, .tz = o->tz, .gaps = o->gaps,
				     .now_us = o->now_us};
	const char *from = o->from ? o->from : DEFAULT_FROM;
	const char *const *to = o->nto ? o->to : &from;
	char boundary[64];
	enum rk_rc rc;
	if ((rc = daily_gather(j, &d, &m->report, err)) ||
	    (rc = chart_pnl_curve(&m->report, &m->curve_png, err)) ||
	    (rc = chart_pnl_days(&m->report, &m->days_png, err)) ||
	    (rc = report_daily_text(&m->report, &m->text, err)) ||
	    (rc = report_daily_html(&m->report, "cid:" CID_CURVE, "cid:" CID_DAYS, &m->html, err)) ||
	    (rc = message_id(m, o, from, err)))
		return rc;
	report_daily_subject(&m->report, m->subject);
	snprintf(boundary, sizeof boundary, "reckon.%016llx.%lld", (unsigned long long)o->random,
		 (long long)o->now_us);
	const struct mime_image images[] = {
		{CID_CURVE, "pnl-day.png", (const unsigned char *)m->curve_png.p, m->curve_png.len},
		{CID_DAYS, "pnl-30d.png", (const unsigned char *)m->days_png.p, m->days_png.len},
	};
	const struct mime_message msg = {
		.from = from, .to = to, .nto = o->nto ? o->nto : 1, .subject = m->subject,
		.message_id = m->message_id, .date_us = o->now_us, .text = rk_buf_str(&m->text),
		.html = rk_buf_str(&m->html), .images = images, .nimages = 2, .boundary = boundary};
	return mime_build(&msg, &m->eml, err);
}

enum rk_rc daily_mail_html_file(const struct daily_mail *m, struct rk_buf *out, struct rk_err *err)
{
	struct rk_buf a = {0}, b = {0};
	rk_buf_add(&a, "data:image/png;base64,");
	mime_base64(m->curve_png.p, m->curve_png.len, 0, &a);
	rk_buf_add(&b, "data:image/png;base64,");
	mime_base64(m->days_png.p, m->days_png.len, 0, &b);
	enum rk_rc rc = rk_buf_status(&a, err);
	if (!rc)
		rc = rk_buf_status(&b, err);
	if (!rc)
		rc = report_daily_html(&m->report, rk_buf_str(&a), rk_buf_str(&b), out, err);
	rk_buf_free(&a), rk_buf_free(&b);
	return rc;
}

static enum rk_rc load_password(const struct config_report *cfg, char **pw, struct rk_err *err)
{
	*pw = NULL;
	if (cfg->password_env && cfg->password_file)
		return rk_err_set(err, RK_ECONFIG, "report: password_env or password_file, not both");
	if (cfg->password_env)
		return secret_load(cfg->password_env, pw, err);
	if (cfg->password_file)
		return secret_load_file("report.password_file", cfg->password_file, pw, err);
	return RK_OK;
}

/* The envelope: the From's and each To's addr-spec. */
static enum rk_rc envelope(const struct config_report *cfg, char from[MIME_ADDR_MAX],
			   char (*rcpt)[MIME_ADDR_MAX], struct rk_err *err)
{
	enum rk_rc rc = mime_addr_spec(cfg->from, from, err);
	if (rc)
		return rk_err_prefix(err, "report.from");
	if (cfg->nto < 1 || cfg->nto > CONFIG_MAX_RECIPIENTS)
		return rk_err_set(err, RK_ECONFIG, "report.to: 1 to %d recipients",
				  CONFIG_MAX_RECIPIENTS);
	for (size_t i = 0; i < cfg->nto; i++)
		if ((rc = mime_addr_spec(cfg->to[i], rcpt[i], err)))
			return rk_err_prefix(err, "report.to[%zu]", i);
	return RK_OK;
}

enum rk_rc daily_mail_send(struct journal *j, const struct config_report *cfg, const char *ca_file,
			   const struct daily_mail *m, struct daily_mail_result *res,
			   struct rk_err *err)
{
	char from[MIME_ADDR_MAX], rcpt[CONFIG_MAX_RECIPIENTS][MIME_ADDR_MAX];
	const char *rcpts[CONFIG_MAX_RECIPIENTS];
	char *pw = NULL;
	bool found = false;
	enum rk_rc rc;
	memset(res, 0, sizeof *res);
	if (!cfg || !cfg->present)
		return rk_err_set(err, RK_ECONFIG, "the config file has no \"report\" section");
	if ((rc = envelope(cfg, from, rcpt, err))) {
		if (rc == RK_EINVAL)
			err->rc = rc = RK_ECONFIG;
		return rc;
	}
	if ((rc = daily_sent_find(j, DAILY_MAIL_KIND, m->report.date, &res->earlier, &found, err)))
		return rc;
	if (found) {
		res->already_sent = true;
		return RK_OK;
	}
	for (size_t i = 0; i < cfg->nto; i++)
		rcpts[i] = rcpt[i];
	struct smtp_opts so = {.url = cfg->smtp_url, .starttls = cfg->starttls,
			       .username = cfg->username, .mail_from = from, .rcpt = rcpts,
			       .nrcpt = cfg->nto, .ca_file = ca_file};
	if ((rc = load_password(cfg, &pw, err)))
		goto out;
	so.password = pw;
	if ((rc = smtp_check(&so, err))) {
		err->rc = rc = RK_ECONFIG;
		rk_err_prefix(err, "report");
		goto out;
	}
	if ((rc = smtp_send(&so, m->eml.p, m->eml.len, err)))
		goto out;
	if ((rc = daily_sent_record(j, DAILY_MAIL_KIND, m->report.date, m->report.tz, m->message_id,
				    cfg->nto, m->report.generated_us, err))) {
		rk_err_prefix(err, "sent as %s but not journaled", m->message_id);
		err->rc = rc = RK_EIO;
		goto out;
	}
	res->sent = true;
out:
	secret_free(pw);
	return rc;
}

bool daily_mail_due(const struct config_report *cfg, const char *last_sent, int64_t now_us,
		    char day_out[11], struct rk_err *err)
{
	char today[RK_TZ_DATE_MAX];
	int minute = 0;
	const char *tz = cfg->tz && *cfg->tz ? cfg->tz : "UTC";
	if (rk_tz_local(tz, now_us, today, &minute, err))
		return false;
	if (rk_tz_date_add(today, minute >= cfg->daily_at_min ? -1 : -2, day_out, err))
		return false;
	return !last_sent || strcmp(last_sent, day_out) < 0;
}
