/* smtp.c — one message over SMTP with libcurl (smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rk_url.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLcode g_init_rc = CURLE_OK;

static void init_once(void)
{
	g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum rk_rc smtp_check(const struct smtp_opts *o, struct rk_err *err)
{
	struct rk_url u;
	struct rk_err uerr = {0};
	if (!o->url || rk_url_split(o->url, &u, &uerr))
		return rk_err_set(err, RK_EINVAL, "smtp_url: %s", o->url ? uerr.msg : "missing");
	bool tls = strcmp(u.scheme, "smtps") == 0, plain = strcmp(u.scheme, "smtp") == 0;
	const char *host = u.host;
	if (!tls && !plain)
		return rk_err_set(err, RK_EINVAL, "smtp_url must start with smtp:// or smtps://");
	if (o->starttls && tls)
		return rk_err_set(err, RK_EINVAL, "starttls is for smtp:// (port 587); smtps:// is "
						  "already TLS");
	if (plain && !o->starttls && !rk_url_host_is_loopback(host))
		return rk_err_set(err, RK_EINVAL, "smtp://%s without starttls would send in clear "
						  "text: use smtps:// or starttls (clear text only to "
						  "loopback)", host);
	if (plain && !o->starttls && o->password)
		return rk_err_set(err, RK_EINVAL, "a password is never sent in clear text: use "
						  "smtps:// or starttls");
	if (o->password && !o->username)
		return rk_err_set(err, RK_EINVAL, "a password needs a username");
	if (!o->mail_from || !*o->mail_from)
		return rk_err_set(err, RK_EINVAL, "no envelope sender");
	if (o->nrcpt < 1 || o->nrcpt > SMTP_MAX_RCPT)
		return rk_err_set(err, RK_EINVAL, "%zu recipients: 1 to %d", o->nrcpt, SMTP_MAX_RCPT);
	return RK_OK;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = size * n < u->left ? size * n : u->left;
	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static enum rk_rc translate(CURL *c, CURLcode cc, const char *url, const char *errbuf,
			    struct rk_err *err)
{
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	const char *why = *errbuf ? errbuf : curl_easy_strerror(cc);
	switch (cc) {
	case CURLE_LOGIN_DENIED:
		return rk_err_set(err, RK_EREJECTED, "SMTP server %s refused the login (%ld): %s", url,
				  code, why);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_UPLOAD_FAILED:
	case CURLE_REMOTE_ACCESS_DENIED:
		if (code >= 400)
			return rk_err_set(err, RK_EREJECTED, "SMTP server %s refused (%ld): %s", url,
					  code, why);
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_USE_SSL_FAILED:
		return rk_err_set(err, RK_EREJECTED, "SMTP server %s: %s", url, why);
	case CURLE_OUT_OF_MEMORY:
		return rk_err_set(err, RK_ENOMEM, "out of memory sending mail");
	default:
		if (code >= 400)
			return rk_err_set(err, RK_EREJECTED, "SMTP server %s refused (%ld): %s", url,
					  code, why);
	}
	return rk_err_set(err, RK_EUNKNOWN, "SMTP server %s: %s", url, why);
}

enum rk_rc smtp_send(const struct smtp_opts *o, const char *msg, size_t len, struct rk_err *err)
{
	enum rk_rc rc = smtp_check(o, err);
	CURL *c = NULL;
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", from[300];
	struct upload up = {msg, len};
	if (rc)
		return rc;
	pthread_once(&g_once, init_once);
	if (g_init_rc != CURLE_OK)
		return rk_err_set(err, RK_EIO, "libcurl init: %s", curl_easy_strerror(g_init_rc));
	if (!(c = curl_easy_init()))
		return rk_err_set(err, RK_ENOMEM, "libcurl: cannot create a handle");
	for (size_t i = 0; i < o->nrcpt; i++) {
		char addr[300];
		snprintf(addr, sizeof addr, "<%s>", o->rcpt[i]);
		struct curl_slist *next = curl_slist_append(rcpt, addr);
		if (!next) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			goto out;
		}
		rcpt = next;
	}
	snprintf(from, sizeof from, "<%s>", o->mail_from);
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 60000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (o->username) {
		curl_easy_setopt(c, CURLOPT_USERNAME, o->username);
		if (o->password)
			curl_easy_setopt(c, CURLOPT_PASSWORD, o->password);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK)
		rc = translate(c, cc, o->url, errbuf, err);
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc;
}
