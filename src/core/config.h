/*
 * config.h — the daemon's configuration file (`reckon run --config FILE`,
 * `reckon status --config FILE`, `reckon report daily --send --config FILE`),
 * parsed as strictly as the policy file: unknown keys, duplicate keys, wrong
 * types and out-of-range values are RK_ECONFIG naming the JSON path
 * ("venues[1].interval_s: must be an integer from 1 to 86400").
 *
 * The document (documented in config/README.md, complete example in
 * config/reckon.example.json):
 *   {
 *     "db": "journal.db",                       required
 *     "socket": "reckon.sock",                  required: the ingest socket
 *     "control": "reckon.ctl",                  optional: the status socket;
 *                                               default: "<socket>.ctl"
 *     "venues": [ VENUE, ... ],                 required, at least one
 *     "policy": { policy.h's document }         optional; or
 *     "policy_file": "policy.json",             optional; not both
 *     "metrics": { "listen": "127.0.0.1:9464" },optional; loopback only
 *     "report": { REPORT }                      optional (issue 13)
 *   }
 *   VENUE: {"venue": "binance-usdm"|"coinbase"|"sim", "account": "default" (< 128 chars),
 *           "base_url": URL (real venues only), "timeout_ms": 1..600000,
 *           "interval_s": 1..86400 (default 30), "scenario": FILE (sim only,
 *           required there), "key_env"/"secret_env": variable names (real
 *           venues only; default: registry.h's)}
 *   A venue and account appear at most once, and two accounts of one real
 *   venue must name different key_env and secret_env (else both would log
 *   in with the same credentials).
 *   REPORT: {"smtp_url": "smtp://…"|"smtps://…", "starttls": bool (default
 *           false; true only with smtp://), "username": text,
 *           "password_env": VAR | "password_file": FILE (0600; not both;
 *           never a password itself), "from": text, "to": [text, ...] (at
 *           least one), "daily_at": "HH:MM" (default "07:00"), "tz": IANA
 *           zone name (default "UTC")}
 *
 * Relative paths (db, socket, control, scenario, policy_file, password_file)
 * are resolved against `base_dir` (the config file's folder) by the parser:
 * every path in struct rk_config is as the process should open it.
 *
 * Beyond types and ranges the parser refuses: a member name twice in any
 * object; an object or array of more than 4096 members; base_url other than https (http only to 127.0.0.1, ::1,
 * localhost), with user info, a query or fragment; a "real only" key
 * (base_url, timeout_ms, key_env, secret_env) on sim, scenario on a real
 * venue; metrics.listen not "HOST:PORT" on loopback; socket or control paths
 * of CONFIG_SOCKET_PATH_MAX bytes or more, or equal to each other or to db;
 * report: a "password" key (never in the file), smtps with starttls, plain
 * smtp:// without starttls to a non-loopback host (the password would travel
 * in clear), username without a password source or the reverse, an address
 * without '@', daily_at not HH:MM, a tz that is not spelled like an IANA
 * name (whether the zone exists is for the report, which reads the tz
 * database). The embedded "policy" is checked with policy_parse.
 *
 * This module only parses: it is handed the text and never opens a file
 * (the caller reads the file, the scenario, the policy file and the secret).
 * The embedded "policy" object is kept as JSON text for policy_parse, so its
 * errors name "policy.<path>".
 *
 * Ownership: *out is the caller's, released with config_free (NULL-safe).
 * Threads: immutable once parsed; share freely.
 */
#ifndef RECKON_CONFIG_H
#define RECKON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "model.h"

#define CONFIG_MAX_VENUES 32
#define CONFIG_MAX_RECIPIENTS 32
/* sizeof(struct sockaddr_un.sun_path) on Linux: socket and control, once
 * resolved, must be shorter. */
#define CONFIG_SOCKET_PATH_MAX 108

struct config_venue {
	enum venue_kind venue;
	char *account;      /* never NULL ("default") */
	char *base_url;     /* NULL: the exchange's own */
	long timeout_ms;    /* 0: http.h's default */
	int interval_s;     /* timer pass interval (default 30) */
	char *scenario;     /* sim only: path of the scenario file */
	char *key_env;      /* NULL: registry.h's default variable */
	char *secret_env;   /* NULL: registry.h's default variable */
};

struct config_report {
	bool present;        /* false: no "report" section */
	char *smtp_url;
	bool starttls;
	char *username;      /* NULL: no authentication */
	char *password_env;  /* at most one of password_env / password_file */
	char *password_file;
	char *from;
	char *to[CONFIG_MAX_RECIPIENTS];
	size_t nto;
	int daily_at_min;    /* minutes after local midnight (07:00 -> 420) */
	char *tz;            /* IANA zone name, "UTC" by default */
};

struct rk_config {
	char *db;
	char *socket;
	char *control;       /* never NULL: "<socket>.ctl" by default */
	struct config_venue venues[CONFIG_MAX_VENUES];
	size_t nvenues;
	char *policy_json;   /* the "policy" object as JSON text (numbers as written),
			      * already accepted by policy_parse; or NULL */
	char *policy_file;   /* or a path, or NULL (both NULL: built-in defaults) */
	bool metrics;        /* "metrics" present */
	char *metrics_host;  /* "127.0.0.1" or "::1" or "localhost" (any case); NULL
			      * without metrics */
	int metrics_port;    /* 1..65535 */
	struct config_report report;
};

/* Parses `json` (NUL-terminated) into *out, resolving relative paths against
 * base_dir (NULL, "" or ".": relative paths stay relative, to the current
 * directory). RK_ECONFIG names the JSON path; RK_ENOMEM. On error *out is
 * NULL. */
enum rk_rc config_parse(const char *json, const char *base_dir, struct rk_config **out /* OUT */,
			struct rk_err *err);
void config_free(struct rk_config *c);

#endif
