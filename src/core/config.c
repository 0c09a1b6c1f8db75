/*
 * config.c — parsing the daemon's configuration document (config.h).
 *
 * The checks run in this order, so the first error a user sees is the most
 * basic one: the text is JSON (jsonin_parse); no object anywhere holds a
 * member name twice; then each section is read by one function that first
 * refuses keys it does not know, then reads its members through jsonin's
 * readers (which name "venues[1].interval_s" in their errors). Every error
 * leaves as RK_ECONFIG (RK_ENOMEM stays itself).
 *
 * Numbers are read from their literal's digits (jsonin), and the embedded
 * policy object is handed to policy_parse as text rebuilt from those same
 * literals, so "stop_pct": 2.50 reaches the policy exactly as written.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "policy.h"
#include "rk_buf.h"
#include "rk_url.h"

#define CFG_PATH_MAX 256   /* a JSON path in a message */
#define CFG_STR_MAX 4096   /* any string value */
#define CFG_ENV_MAX 128    /* an environment variable name */
#define CFG_TZ_MAX 64      /* an IANA zone name */
/* Members of one object or array: far above any real configuration (a
 * policy naming thousands of symbols), low enough that the policy parser's
 * pairwise duplicate check stays cheap on a hostile file. */
#define CFG_MAX_MEMBERS 4096

static const char *const TOP_KEYS[] = {"db",	 "socket",  "control", "venues", "policy",
				       "policy_file", "metrics", "report",  NULL};
static const char *const VENUE_KEYS[] = {"venue",      "account",  "base_url", "timeout_ms",
					 "interval_s", "scenario", "key_env",  "secret_env",
					 NULL};
static const char *const METRICS_KEYS[] = {"listen", NULL};
static const char *const REPORT_KEYS[] = {"smtp_url",	   "starttls", "username", "password_env",
					  "password_file", "from",     "to",	   "daily_at",
					  "tz",		   NULL};

/* ---- small helpers --------------------------------------------------------- */

static void path_join(char out[CFG_PATH_MAX], const char *base, const char *key)
{
	rk_fmt(out, CFG_PATH_MAX, "%s%s%s", base, base[0] ? "." : "", key);
}

/* jsonin's readers say RK_EINVAL / RK_ENOTFOUND; a config error is RK_ECONFIG. */
static enum rk_rc as_config(enum rk_rc rc, struct rk_err *err)
{
	if (rc == RK_OK || rc == RK_ENOMEM)
		return rc;
	err->rc = RK_ECONFIG;
	return RK_ECONFIG;
}

/* Where jsonin's readers look: members of `obj`, named under `path`
 * ("" at the top, where a member is named alone: "db: missing"). */
static struct jsonin_at at_of(const cJSON *obj, const char *path)
{
	return (struct jsonin_at){obj, path, JSONIN_MISSING_EINVAL | JSONIN_BARE_KEYS};
}

static enum rk_rc oom(struct rk_err *err)
{
	return rk_err_set(err, RK_ENOMEM, "config: out of memory");
}

/* A string member, copied (NULL when absent and not required). */
static enum rk_rc get_str(const cJSON *obj, const char *path, const char *key, bool required,
			  char **out, struct rk_err *err)
{
	char buf[CFG_STR_MAX];
	struct jsonin_at at = at_of(obj, path);
	enum rk_rc rc = jsonin_get_str(&at, key, required, buf, sizeof buf, err);
	if (rc)
		return as_config(rc, err);
	if (buf[0] && !(*out = strdup(buf)))
		return oom(err);
	return RK_OK;
}

/* A path member, resolved against base_dir: absolute paths stay, relative
 * ones are joined to the config file's folder. */
static enum rk_rc get_path(const cJSON *obj, const char *path, const char *key, bool required,
			   const char *base_dir, char **out, struct rk_err *err)
{
	char *raw = NULL;
	enum rk_rc rc = get_str(obj, path, key, required, &raw, err);
	if (rc || !raw || raw[0] == '/' || !base_dir[0] || strcmp(base_dir, ".") == 0) {
		*out = raw;
		return rc;
	}
	size_t n = strlen(base_dir);
	struct rk_buf b = {0};
	rk_buf_add(&b, base_dir);
	if (base_dir[n - 1] != '/')
		rk_buf_add(&b, "/");
	rk_buf_add(&b, raw);
	free(raw);
	if (!(*out = rk_buf_take(&b)))
		return oom(err);
	return RK_OK;
}

static bool env_name_ok(const char *s)
{
	if (!s[0] || isdigit((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* An environment variable's name: letters, digits and '_', not a digit first. */
static enum rk_rc get_env_name(const cJSON *obj, const char *path, const char *key, char **out,
			       struct rk_err *err)
{
	char sub[CFG_PATH_MAX];
	enum rk_rc rc = get_str(obj, path, key, false, out, err);
	if (rc || !*out)
		return rc;
	path_join(sub, path, key);
	if (strlen(*out) >= CFG_ENV_MAX || !env_name_ok(*out))
		return rk_err_set(err, RK_ECONFIG,
				  "%s: must be an environment variable name (letters, digits and "
				  "'_', not starting with a digit, at most %d characters)",
				  sub, CFG_ENV_MAX - 1);
	return RK_OK;
}

static enum rk_rc get_int(const cJSON *obj, const char *path, const char *key, int64_t dflt,
			  int64_t min, int64_t max, int64_t *out, struct rk_err *err)
{
	struct jsonin_at at = at_of(obj, path);
	return as_config(jsonin_get_int(&at, key, false, dflt, min, max, NULL, out, err), err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Refuses a member name twice in any object of the document: which one would
 * count? Sorting the names keeps a large hostile document linear-ish. */
static enum rk_rc check_duplicates(const cJSON *node, const char *path, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	size_t n = 0, i = 0;
	const char **names = NULL;
	for (const cJSON *c = node->child; c; c = c->next)
		n++;
	if (n > CFG_MAX_MEMBERS)
		return rk_err_set(err, RK_ECONFIG, "%s: more than %d %s",
				  path[0] ? path : "the configuration", CFG_MAX_MEMBERS,
				  cJSON_IsObject(node) ? "keys" : "elements");
	if (cJSON_IsObject(node) && n > 1) {
		if (!(names = malloc(n * sizeof *names)))
			return oom(err);
		for (const cJSON *c = node->child; c; c = c->next)
			names[i++] = c->string;
		qsort(names, n, sizeof *names, cmp_names);
		for (i = 1; i < n && rc == RK_OK; i++)
			if (strcmp(names[i - 1], names[i]) == 0) {
				char sub[CFG_PATH_MAX];
				path_join(sub, path, names[i]);
				rc = rk_err_set(err, RK_ECONFIG, "%s: appears twice", sub);
			}
		free(names);
	}
	i = 0;
	for (const cJSON *c = node->child; c && rc == RK_OK; c = c->next, i++) {
		char sub[CFG_PATH_MAX];
		if (cJSON_IsObject(node))
			path_join(sub, path, c->string);
		else
			rk_fmt(sub, sizeof sub, "%s[%zu]", path, i);
		rc = check_duplicates(c, sub, err);
	}
	return rc;
}

/* Refuses anything but an object, and members not in `allowed`. */
static enum rk_rc check_keys(const cJSON *o, const char *path, const char *const *allowed,
			     struct rk_err *err)
{
	if (!cJSON_IsObject(o))
		return rk_err_set(err, RK_ECONFIG, "%s: must be an object",
				  path[0] ? path : "the configuration");
	for (const cJSON *m = o->child; m; m = m->next) {
		bool ok = false;
		char sub[CFG_PATH_MAX], list[512] = "";
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(m->string, allowed[i]) == 0;
		if (ok)
			continue;
		for (size_t i = 0; allowed[i]; i++) {
			size_t len = strlen(list);
			rk_fmt(list + len, sizeof list - len, "%s%s", i ? ", " : "", allowed[i]);
		}
		path_join(sub, path, m->string);
		return rk_err_set(err, RK_ECONFIG, "%s: unknown key (known: %s)", sub, list);
	}
	return RK_OK;
}

/* ---- venues ------------------------------------------------------------------ */

/* base_url: https, or http to loopback only (as net/http.h enforces when the
 * client is created); no user info, query or fragment. */
static enum rk_rc check_base_url(const char *url, const char *path, struct rk_err *err)
{
	struct rk_url u;
	struct rk_err why = {0};
	if (rk_url_split(url, &u, &why))
		return rk_err_set(err, RK_ECONFIG, "%s: %s", path, why.msg);
	if (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0)
		return rk_err_set(err, RK_ECONFIG, "%s: scheme '%s' is not https", path, u.scheme);
	if (strcmp(u.scheme, "http") == 0 && !rk_url_host_is_loopback(u.host))
		return rk_err_set(err, RK_ECONFIG,
				  "%s: http://%s refused: plain http is allowed only to loopback "
				  "(127.0.0.1, ::1, localhost); use https",
				  path, u.host);
	if (u.has_query || u.has_fragment)
		return rk_err_set(err, RK_ECONFIG, "%s: must not have a query or fragment", path);
	return RK_OK;
}

/* Members a venue of one kind may not have: "real" ones on sim, "scenario"
 * on a real venue. */
static enum rk_rc check_venue_kind(const cJSON *o, const char *path, bool sim,
				   struct rk_err *err)
{
	static const char *const real_only[] = {"base_url", "timeout_ms", "key_env", "secret_env",
						NULL};
	char sub[CFG_PATH_MAX];
	for (size_t i = 0; sim && real_only[i]; i++)
		if (jsonin_member(o, real_only[i])) {
			path_join(sub, path, real_only[i]);
			return rk_err_set(err, RK_ECONFIG,
					  "%s: only for a real venue (binance-usdm, coinbase), not "
					  "sim",
					  sub);
		}
	if (!sim && jsonin_member(o, "scenario")) {
		path_join(sub, path, "scenario");
		return rk_err_set(err, RK_ECONFIG, "%s: only for venue \"sim\"", sub);
	}
	if (sim && !jsonin_member(o, "scenario")) {
		path_join(sub, path, "scenario");
		return rk_err_set(err, RK_ECONFIG, "%s: missing (venue \"sim\" needs a scenario file)",
				  sub);
	}
	return RK_OK;
}

static enum rk_rc parse_venue(const cJSON *o, const char *path, const char *base_dir,
			      struct config_venue *v, struct rk_err *err)
{
	char kind[32], sub[CFG_PATH_MAX];
	int64_t n = 0;
	struct jsonin_at at = at_of(o, path);
	enum rk_rc rc = check_keys(o, path, VENUE_KEYS, err);
	if (rc || (rc = as_config(jsonin_get_str(&at, "venue", true, kind, sizeof kind, err), err)))
		return rc;
	if ((v->venue = venue_parse(kind)) == VENUE_UNKNOWN) {
		path_join(sub, path, "venue");
		return rk_err_set(err, RK_ECONFIG,
				  "%s: unknown venue \"%s\" (binance-usdm, coinbase, sim)", sub, kind);
	}
	bool sim = v->venue == VENUE_SIM;
	if ((rc = check_venue_kind(o, path, sim, err)) ||
	    (rc = get_str(o, path, "account", false, &v->account, err)))
		return rc;
	if (v->account && strlen(v->account) >= MODEL_ID_MAX) {
		path_join(sub, path, "account");
		return rk_err_set(err, RK_ECONFIG, "%s: longer than %d characters", sub,
				  MODEL_ID_MAX - 1);
	}
	if (!v->account && !(v->account = strdup("default")))
		return oom(err);
	if ((rc = get_str(o, path, "base_url", false, &v->base_url, err)))
		return rc;
	path_join(sub, path, "base_url");
	if (v->base_url && (rc = check_base_url(v->base_url, sub, err)))
		return rc;
	if ((rc = get_int(o, path, "timeout_ms", 0, 1, 600000, &n, err)))
		return rc;
	v->timeout_ms = (long)n;
	if ((rc = get_int(o, path, "interval_s", 30, 1, 86400, &n, err)))
		return rc;
	v->interval_s = (int)n;
	if ((rc = get_path(o, path, "scenario", false, base_dir, &v->scenario, err)) ||
	    (rc = get_env_name(o, path, "key_env", &v->key_env, err)) ||
	    (rc = get_env_name(o, path, "secret_env", &v->secret_env, err)))
		return rc;
	return RK_OK;
}

static bool same_name(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0; /* NULL: the venue's default variable */
}

/* Venue v (at `path`) against an earlier one, a at venues[j]: not the same
 * venue account twice, and two accounts of one real venue never read the
 * same credential variable (they would be one account under two names). */
static enum rk_rc check_distinct(const struct config_venue *a, size_t j,
				 const struct config_venue *v, const char *path, struct rk_err *err)
{
	if (a->venue != v->venue)
		return RK_OK;
	if (strcmp(a->account, v->account) == 0)
		return rk_err_set(err, RK_ECONFIG, "%s: venue %s account %s is already venues[%zu]",
				  path, venue_name(v->venue), v->account, j);
	if (v->venue == VENUE_SIM)
		return RK_OK;
	if (same_name(a->key_env, v->key_env) || same_name(a->secret_env, v->secret_env))
		return rk_err_set(err, RK_ECONFIG,
				  "%s: account %s would read the same credential variables as "
				  "venues[%zu] (account %s); give each account its own key_env and "
				  "secret_env",
				  path, v->account, j, a->account);
	return RK_OK;
}

static enum rk_rc parse_venues(const cJSON *root, const char *base_dir, struct rk_config *c,
			       struct rk_err *err)
{
	const cJSON *arr = NULL;
	struct jsonin_at at = at_of(root, "");
	enum rk_rc rc = as_config(jsonin_get_array(&at, "venues", true, &arr, err), err);
	if (rc)
		return rc;
	int n = cJSON_GetArraySize(arr);
	if (n < 1 || n > CONFIG_MAX_VENUES)
		return rk_err_set(err, RK_ECONFIG, "venues: must list 1 to %d venues",
				  CONFIG_MAX_VENUES);
	size_t i = 0;
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		char path[CFG_PATH_MAX];
		struct config_venue *v = &c->venues[i];
		rk_fmt(path, sizeof path, "venues[%zu]", i);
		c->nvenues = i + 1; /* so config_free releases what this one holds */
		if ((rc = parse_venue(it, path, base_dir, v, err)))
			return rc;
		for (size_t j = 0; j < i && rc == RK_OK; j++)
			rc = check_distinct(&c->venues[j], j, v, path, err);
		if (rc)
			return rc;
	}
	return RK_OK;
}

/* ---- policy ------------------------------------------------------------------ */

/* Number nodes print from their literal (jsonin keeps it in valuestring):
 * turning them into raw nodes makes cJSON print the digits the user wrote. */
static void numbers_as_literals(cJSON *node)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node) && node->valuestring)
			node->type = (node->type & ~0xFF) | cJSON_Raw;
		numbers_as_literals(node->child);
	}
}

/* The "policy" object as JSON text, checked by policy_parse now so that a
 * daemon never starts (or reloads) with a policy it would refuse later. */
static enum rk_rc parse_policy(const cJSON *root, struct rk_config *c, struct rk_err *err)
{
	const cJSON *obj = NULL;
	struct jsonin_at at = at_of(root, "");
	struct policy *pol = NULL;
	struct rk_err why = {0};
	enum rk_rc rc = as_config(jsonin_get_object(&at, "policy", false, &obj, err), err);
	if (rc || !obj)
		return rc;
	if (jsonin_member(root, "policy_file"))
		return rk_err_set(err, RK_ECONFIG,
				  "policy_file: give either \"policy\" or \"policy_file\", not both");
	cJSON *copy = cJSON_Duplicate(obj, true);
	if (!copy)
		return oom(err);
	numbers_as_literals(copy->child);
	c->policy_json = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	if (!c->policy_json)
		return oom(err);
	rc = policy_parse(c->policy_json, &pol, &why);
	policy_free(pol);
	if (rc == RK_ENOMEM)
		return rk_err_set(err, RK_ENOMEM, "policy: %s", why.msg);
	/* policy_parse names paths inside the document ("defaults.stop_pct"),
	 * or the document itself ("policy: ..."). */
	if (rc && strncmp(why.msg, "policy: ", 8) == 0)
		return rk_err_set(err, RK_ECONFIG, "%s", why.msg);
	if (rc)
		return rk_err_set(err, RK_ECONFIG, "policy.%s", why.msg);
	return RK_OK;
}

/* ---- metrics ----------------------------------------------------------------- */

static enum rk_rc parse_metrics(const cJSON *root, struct rk_config *c, struct rk_err *err)
{
	const cJSON *obj = NULL;
	char listen[CFG_STR_MAX], host[RK_URL_HOST_MAX];
	struct jsonin_at at = at_of(root, "");
	struct rk_err why = {0};
	enum rk_rc rc = as_config(jsonin_get_object(&at, "metrics", false, &obj, err), err);
	if (rc || !obj)
		return rc;
	struct jsonin_at mat = at_of(obj, "metrics");
	if ((rc = check_keys(obj, "metrics", METRICS_KEYS, err)) ||
	    (rc = as_config(jsonin_get_str(&mat, "listen", true, listen, sizeof listen, err), err)))
		return rc;
	if (rk_url_hostport(listen, false, host, &c->metrics_port, &why))
		return rk_err_set(err, RK_ECONFIG, "metrics.listen: %s", why.msg);
	if (!rk_url_host_is_loopback(host))
		return rk_err_set(err, RK_ECONFIG,
				  "metrics.listen: %s is not loopback: the metrics endpoint has no "
				  "authentication, so it listens only on 127.0.0.1, ::1 or localhost",
				  host);
	if (!(c->metrics_host = strdup(host)))
		return oom(err);
	c->metrics = true;
	return RK_OK;
}

/* ---- report (issue 13) ------------------------------------------------------- */

/* "HH:MM", 00:00 to 23:59, as minutes after midnight. */
static bool read_hhmm(const char *s, int *min)
{
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return false;
	*min = h * 60 + m;
	return true;
}

/* An IANA zone name as the tz database spells them ("Europe/Berlin",
 * "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"). Whether the zone
 * exists is for the reader of the tz database to say (the report). */
static bool tz_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= CFG_TZ_MAX || s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") ||
	    strstr(s, "//"))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/_+-", *s))
			return false;
	return true;
}

/* An address list entry or sender: printable, one '@' at least; control
 * characters (a CR or LF would inject a header) are refused by jsonin. */
static enum rk_rc check_address(const char *s, const char *path, struct rk_err *err)
{
	if (!strchr(s, '@'))
		return rk_err_set(err, RK_ECONFIG, "%s: \"%s\" is not an email address", path, s);
	return RK_OK;
}

static enum rk_rc report_smtp(const cJSON *o, struct config_report *r, struct rk_err *err)
{
	struct rk_url u;
	struct rk_err why = {0};
	struct jsonin_at at = at_of(o, "report");
	enum rk_rc rc = get_str(o, "report", "smtp_url", true, &r->smtp_url, err);
	if (rc || (rc = as_config(jsonin_get_bool(&at, "starttls", false, &r->starttls, err), err)))
		return rc;
	if (rk_url_split(r->smtp_url, &u, &why))
		return rk_err_set(err, RK_ECONFIG, "report.smtp_url: %s", why.msg);
	if (strcmp(u.scheme, "smtp") != 0 && strcmp(u.scheme, "smtps") != 0)
		return rk_err_set(err, RK_ECONFIG,
				  "report.smtp_url: scheme '%s' is neither smtp nor smtps", u.scheme);
	if (u.has_query || u.has_fragment)
		return rk_err_set(err, RK_ECONFIG, "report.smtp_url: must not have a query or "
						   "fragment");
	bool smtps = strcmp(u.scheme, "smtps") == 0;
	if (smtps && r->starttls)
		return rk_err_set(err, RK_ECONFIG,
				  "report.starttls: only with smtp:// (smtps:// is TLS from the "
				  "first byte)");
	if (!smtps && !r->starttls && !rk_url_host_is_loopback(u.host))
		return rk_err_set(err, RK_ECONFIG,
				  "report.smtp_url: smtp://%s without starttls would send the mail "
				  "and password in clear; plain smtp:// is allowed only to loopback "
				  "(use smtps:// or \"starttls\": true)",
				  u.host);
	return RK_OK;
}

static enum rk_rc report_auth(const cJSON *o, const char *base_dir, struct config_report *r,
			      struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	if ((rc = get_str(o, "report", "username", false, &r->username, err)) ||
	    (rc = get_env_name(o, "report", "password_env", &r->password_env, err)) ||
	    (rc = get_path(o, "report", "password_file", false, base_dir, &r->password_file, err)))
		return rc;
	if (r->password_env && r->password_file)
		return rk_err_set(err, RK_ECONFIG,
				  "report.password_file: give either password_env or "
				  "password_file, not both");
	if (r->username && !r->password_env && !r->password_file)
		return rk_err_set(err, RK_ECONFIG,
				  "report.username: needs password_env or password_file");
	if (!r->username && (r->password_env || r->password_file))
		return rk_err_set(err, RK_ECONFIG, "report.%s: needs a username",
				  r->password_env ? "password_env" : "password_file");
	return RK_OK;
}

static enum rk_rc report_recipients(const cJSON *o, struct config_report *r, struct rk_err *err)
{
	const cJSON *arr = NULL;
	struct jsonin_at at = at_of(o, "report");
	enum rk_rc rc = get_str(o, "report", "from", true, &r->from, err);
	if (rc || (rc = check_address(r->from, "report.from", err)) ||
	    (rc = as_config(jsonin_get_array(&at, "to", true, &arr, err), err)))
		return rc;
	int n = cJSON_GetArraySize(arr);
	if (n < 1 || n > CONFIG_MAX_RECIPIENTS)
		return rk_err_set(err, RK_ECONFIG, "report.to: must list 1 to %d addresses",
				  CONFIG_MAX_RECIPIENTS);
	for (const cJSON *it = arr->child; it; it = it->next) {
		char path[CFG_PATH_MAX], buf[CFG_STR_MAX];
		/* Read the element as the member of a one-member object would be. */
		const cJSON *s = it;
		rk_fmt(path, sizeof path, "report.to[%zu]", r->nto);
		if (!cJSON_IsString(s) || !s->valuestring[0])
			return rk_err_set(err, RK_ECONFIG, "%s: must be a non-empty string", path);
		if (strlen(s->valuestring) >= sizeof buf)
			return rk_err_set(err, RK_ECONFIG, "%s: too long", path);
		for (const char *p = s->valuestring; *p; p++)
			if ((unsigned char)*p < 0x20)
				return rk_err_set(err, RK_ECONFIG, "%s: contains a control character",
						  path);
		if ((rc = check_address(s->valuestring, path, err)))
			return rc;
		if (!(r->to[r->nto] = strdup(s->valuestring)))
			return oom(err);
		r->nto++;
	}
	return RK_OK;
}

static enum rk_rc report_schedule(const cJSON *o, struct config_report *r, struct rk_err *err)
{
	char at_text[CFG_STR_MAX], tz[CFG_STR_MAX];
	struct jsonin_at at = at_of(o, "report");
	enum rk_rc rc = as_config(jsonin_get_str(&at, "daily_at", false, at_text, sizeof at_text, err),
				  err);
	if (rc)
		return rc;
	r->daily_at_min = 7 * 60;
	if (at_text[0] && !read_hhmm(at_text, &r->daily_at_min))
		return rk_err_set(err, RK_ECONFIG, "report.daily_at: must be HH:MM, 00:00 to 23:59");
	if ((rc = as_config(jsonin_get_str(&at, "tz", false, tz, sizeof tz, err), err)))
		return rc;
	if (tz[0] && !tz_name_ok(tz))
		return rk_err_set(err, RK_ECONFIG,
				  "report.tz: \"%s\" is not an IANA zone name (e.g. Europe/Berlin, "
				  "UTC)",
				  tz);
	if (!(r->tz = strdup(tz[0] ? tz : "UTC")))
		return oom(err);
	return RK_OK;
}

static enum rk_rc parse_report(const cJSON *root, const char *base_dir, struct rk_config *c,
			       struct rk_err *err)
{
	const cJSON *obj = NULL;
	struct jsonin_at at = at_of(root, "");
	struct config_report *r = &c->report;
	enum rk_rc rc = as_config(jsonin_get_object(&at, "report", false, &obj, err), err);
	if (rc || !obj)
		return rc;
	if (cJSON_GetObjectItemCaseSensitive(obj, "password"))
		return rk_err_set(err, RK_ECONFIG,
				  "report.password: a password is never read from the config file; "
				  "name an environment variable (password_env) or a 0600 file "
				  "(password_file)");
	r->present = true;
	if ((rc = check_keys(obj, "report", REPORT_KEYS, err)) ||
	    (rc = report_smtp(obj, r, err)) || (rc = report_auth(obj, base_dir, r, err)) ||
	    (rc = report_recipients(obj, r, err)) || (rc = report_schedule(obj, r, err)))
		return rc;
	return RK_OK;
}

/* ---- the document ------------------------------------------------------------ */

static enum rk_rc parse_paths(const cJSON *root, const char *base_dir, struct rk_config *c,
			      struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	if ((rc = get_path(root, "", "db", true, base_dir, &c->db, err)) ||
	    (rc = get_path(root, "", "socket", true, base_dir, &c->socket, err)) ||
	    (rc = get_path(root, "", "control", false, base_dir, &c->control, err)) ||
	    (rc = get_path(root, "", "policy_file", false, base_dir, &c->policy_file, err)))
		return rc;
	if (!c->control) {
		struct rk_buf b = {0};
		rk_buf_addf(&b, "%s.ctl", c->socket);
		if (!(c->control = rk_buf_take(&b)))
			return oom(err);
	}
	/* A Unix socket's path must fit sockaddr_un.sun_path. */
	if (strlen(c->socket) >= CONFIG_SOCKET_PATH_MAX)
		return rk_err_set(err, RK_ECONFIG,
				  "socket: \"%s\" is longer than %d bytes (the limit of a Unix "
				  "socket's path)",
				  c->socket, CONFIG_SOCKET_PATH_MAX - 1);
	if (strlen(c->control) >= CONFIG_SOCKET_PATH_MAX)
		return rk_err_set(err, RK_ECONFIG,
				  "control: \"%s\" is longer than %d bytes (the limit of a Unix "
				  "socket's path)",
				  c->control, CONFIG_SOCKET_PATH_MAX - 1);
	if (strcmp(c->socket, c->db) == 0 || strcmp(c->control, c->db) == 0)
		return rk_err_set(err, RK_ECONFIG, "%s: is the journal's path",
				  strcmp(c->socket, c->db) == 0 ? "socket" : "control");
	if (strcmp(c->socket, c->control) == 0)
		return rk_err_set(err, RK_ECONFIG, "control: is the ingest socket's path");
	return RK_OK;
}

enum rk_rc config_parse(const char *json, const char *base_dir, struct rk_config **out,
			struct rk_err *err)
{
	struct jsonin in = {0};
	struct rk_config *c = NULL;
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (!base_dir)
		base_dir = ".";
	if (!json)
		return rk_err_set(err, RK_ECONFIG, "config: no document");
	if ((rc = jsonin_parse(json, strlen(json), &in, err))) {
		rc = as_config(rc, err);
		goto out;
	}
	if (!(c = calloc(1, sizeof *c))) {
		rc = oom(err);
		goto out;
	}
	if ((rc = check_duplicates(in.root, "", err)) ||
	    (rc = check_keys(in.root, "", TOP_KEYS, err)) ||
	    (rc = parse_paths(in.root, base_dir, c, err)) ||
	    (rc = parse_venues(in.root, base_dir, c, err)) || (rc = parse_policy(in.root, c, err)) ||
	    (rc = parse_metrics(in.root, c, err)) || (rc = parse_report(in.root, base_dir, c, err)))
		goto out;
	*out = c;
	c = NULL;
out:
	jsonin_close(&in);
	config_free(c);
	return rc;
}

void config_free(struct rk_config *c)
{
	if (!c)
		return;
	free(c->db);
	free(c->socket);
	free(c->control);
	for (size_t i = 0; i < c->nvenues; i++) {
		struct config_venue *v = &c->venues[i];
		free(v->account);
		free(v->base_url);
		free(v->scenario);
		free(v->key_env);
		free(v->secret_env);
	}
	free(c->policy_json);
	free(c->policy_file);
	free(c->metrics_host);
	struct config_report *r = &c->report;
	free(r->smtp_url);
	free(r->username);
	free(r->password_env);
	free(r->password_file);
	free(r->from);
	for (size_t i = 0; i < r->nto; i++)
		free(r->to[i]);
	free(r->tz);
	free(c);
}
