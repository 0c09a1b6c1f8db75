/*
 * smtp.h — sending one message over SMTP with libcurl: implicit TLS
 * ("smtps://host:465") or plain SMTP upgraded with STARTTLS
 * ("smtp://host:587" and starttls, which is then required: a server that
 * does not offer it is an error, never a fallback to clear text), optional
 * AUTH (user name and password), the envelope sender and each recipient,
 * and the message uploaded from memory. TLS peers are always verified
 * (system CAs, or ca_file).
 *
 * Clear text: "smtp://" without starttls is accepted only to a loopback
 * host (rk_url.h: 127.0.0.1, ::1, localhost), like http.h's rule for plain
 * http, and never with a password. The URL is split by rk_url_split, which
 * refuses user info in it.
 *
 * Secrets: the password is the caller's (net/secret.h loads it); it is
 * handed to libcurl and never copied into an error message or log. Errors
 * name the server URL (without any userinfo) and libcurl's reason.
 *
 * Errors: RK_EINVAL for options that are malformed or unsafe (named);
 * RK_EUNKNOWN when the server could not be reached or the conversation
 * broke off (connection refused, timeout, TLS failure): the message may or
 * may not have been delivered only if the failure came after the final
 * "." was sent, and curl reports that as an error too, so a caller that
 * retries may deliver twice; RK_EREJECTED when the server refused (a 4xx or
 * 5xx answer, a failed login), with its reply in the message; RK_ENOMEM.
 * Threads: one call per thread; libcurl's global init is done once.
 */
#ifndef RECKON_SMTP_H
#define RECKON_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SMTP_MAX_RCPT 32

struct smtp_opts {
	const char *url;        /* "smtps://host:465" or "smtp://host:587" */
	bool starttls;          /* required STARTTLS (smtp:// only) */
	const char *username;   /* NULL: no AUTH */
	const char *password;   /* with username; borrowed, never logged */
	const char *mail_from;  /* envelope sender: an addr-spec, "bot@example.com" */
	const char *const *rcpt; /* envelope recipients, addr-specs */
	size_t nrcpt;           /* 1..SMTP_MAX_RCPT */
	const char *ca_file;    /* NULL: the system's CAs */
	long timeout_ms;        /* whole conversation; 0: 60 s */
};

/* Checks opts (URL scheme and host rule, starttls with smtp:// only,
 * password only with a user name and never in clear text, 1..32
 * recipients) without connecting. RK_EINVAL naming the problem. */
enum rk_rc smtp_check(const struct smtp_opts *o, struct rk_err *err);

/* Sends `msg` (len bytes, CRLF line ends, headers included) as described
 * above. */
enum rk_rc smtp_send(const struct smtp_opts *o, const char *msg, size_t len, struct rk_err *err);

#endif
