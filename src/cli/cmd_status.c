/*
 * cmd_status.c — `reckon status --config FILE [--json]`: asks the running
 * daemon over its control socket (config "control") and prints what it
 * says: readably, or the document itself with --json.
 *
 * The protocol is the daemon's (README.md "Status"): connect, read one JSON
 * document until the daemon closes, no request sent. Everything that is not
 * a whole, well-formed status document within STATUS_TIMEOUT_MS — no
 * socket, nobody listening, a timeout, an answer cut short, garbage — is
 * "no daemon answers", exit 69, with the reason: a monitoring script can
 * treat 69 as "down" without parsing anything.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_opts.h"
#include "config_file.h"
#include "rk_buf.h"
#include "rtime.h"

#define STATUS_TIMEOUT_MS 5000
#define STATUS_MAX_BYTES (4 * 1024 * 1024)

static void help(void)
{
	cli_print_usage("status");
	printf("\n"
	       "Asks the running daemon (`reckon run`) over its control socket (the config's\n"
	       "\"control\", by default \"<socket>.ctl\") and prints: uptime, when the config was\n"
	       "loaded and how reloads went, per venue account the last pass (when, complete\n"
	       "or not, findings, actions, duration) and the circuit breaker, the positions\n"
	       "unprotected now and since when, ingest counters, findings and actions since\n"
	       "start, the protection latency, and the daily report (last sent, failures,\n"
	       "next attempt). The daemon answers while a pass runs.\n\n"
	       "Options:\n"
	       "  --config FILE  the daemon's configuration file\n"
	       "  --json         print the daemon's status document as it sent it (one line;\n"
	       "                 fields in README.md, \"Status\")\n"
	       "  -h, --help     this help\n\n"
	       "Exit: 0 ok, 64 usage, 66 no such config file, 69 no daemon answers (no socket,\n"
	       "connection refused, no answer within 5 s, or an answer that is not a status\n"
	       "document), 78 the config file is invalid.\n");
}

/* ---- asking -------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum rk_rc unavailable(struct rk_err *err, const char *path, const char *why)
{
	return rk_err_set(err, RK_EUNKNOWN, "no daemon answers on %s: %s", path, why);
}

static enum rk_rc connect_control(const char *path, int *fd_out, struct rk_err *err)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return rk_err_set(err, RK_ECONFIG, "control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rk_err_set(err, RK_EIO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT)
			return unavailable(err, path, "no such socket (is `reckon run` running?)");
		if (e == ECONNREFUSED)
			return unavailable(err, path,
					   "connection refused (a socket left by a daemon that "
					   "is not running?)");
		return unavailable(err, path, strerror(e));
	}
	*fd_out = fd;
	return RK_OK;
}

/* Reads until the daemon closes, within the deadline and the size bound. */
static enum rk_rc read_answer(int fd, const char *path, struct rk_buf *out, struct rk_err *err)
{
	int64_t deadline = mono_ms() + STATUS_TIMEOUT_MS;
	char chunk[65536];
	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return unavailable(err, path, "no answer within 5 s");
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return unavailable(err, path, strerror(errno));
		if (n == 0)
			return unavailable(err, path, "no answer within 5 s");
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return unavailable(err, path, strerror(errno));
		if (got == 0)
			return rk_buf_status(out, err);
		if (out->len + (size_t)got > STATUS_MAX_BYTES)
			return unavailable(err, path, "the answer is larger than 4 MiB");
		rk_buf_addn(out, chunk, (size_t)got);
	}
}

/* The fields the readable view needs, with their types: anything else is
 * not a status document (another program on the socket, a cut answer). */
static bool looks_like_status(const cJSON *d)
{
	static const char *const objects[] = {"reloads", "ingest", "findings", "actions",
					      "protect_latency", NULL};
	if (!cJSON_IsObject(d) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "now")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "uptime_s")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "venues")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "unprotected")))
		return false;
	for (size_t i = 0; objects[i]; i++)
		if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, objects[i])))
			return false;
	const cJSON *v = NULL;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(d, "venues"))
		if (!cJSON_IsObject(v) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "venue")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "account")))
			return false;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(d, "unprotected"))
		if (!cJSON_IsObject(v) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "symbol")))
			return false;
	return true;
}

/* Asks the daemon: *doc (OUT) is the parsed document, *text the bytes sent. */
static enum rk_rc ask(const char *path, cJSON **doc, struct rk_buf *text, struct rk_err *err)
{
	int fd = -1;
	enum rk_rc rc = connect_control(path, &fd, err);
	if (rc)
		return rc;
	rc = read_answer(fd, path, text, err);
	close(fd);
	if (rc)
		return rc;
	/* One document, optionally followed by a newline. */
	while (text->len > 0 && (text->p[text->len - 1] == '\n' || text->p[text->len - 1] == '\r'))
		text->p[--text->len] = '\0';
	if (text->len == 0)
		return unavailable(err, path, "the connection closed without an answer");
	const char *end = NULL;
	*doc = cJSON_ParseWithOpts(rk_buf_str(text), &end, true);
	if (!*doc || !looks_like_status(*doc)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return unavailable(err, path, "the answer is not a reckon status document");
	}
	return RK_OK;
}

/* ---- printing -------------------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = get(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* A string member for the terminal: control characters (a newline in a
 * name, an escape sequence) become '?', so no value can forge a line. */
static const char *text(const cJSON *o, const char *key, char buf[512])
{
	size_t i = 0;
	for (const char *s = str(o, key, "?"); *s && i < 511; s++, i++)
		buf[i] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	buf[i] = '\0';
	return buf;
}

/* "1d 2h", "1h 02m", "4m 05s", "12s" */
static const char *duration(double seconds, char buf[32])
{
	long s = seconds > 0 && seconds < 1e12 ? (long)seconds : 0;
	if (s >= 86400)
		snprintf(buf, 32, "%ldd %ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, 32, "%ldh %02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, 32, "%ldm %02lds", s / 60, s % 60);
	else
		snprintf(buf, 32, "%lds", s);
	return buf;
}

/* A document time as "2025-12-02 11:38:20Z", and how long before `now_us`. */
static const char *when(const char *rfc, int64_t now_us, char buf[80])
{
	int64_t us = 0;
	char ago[32];
	struct rk_err err = {0};
	if (!rfc)
		return "never";
	if (rtime_parse(rfc, &us, &err) != RK_OK)
		return rfc;
	snprintf(buf, 80, "%.10s %.8sZ (%s ago)", rfc, rfc + 11,
		 duration((double)(now_us - us) / 1e6, ago));
	return buf;
}

static void print_header(const cJSON *d, int64_t now_us)
{
	char b1[32], b2[80], t[512];
	const cJSON *rel = get(d, "reloads");
	printf("reckon %s, up %s (started %s)\n", str(d, "version", "?"),
	       duration(num(d, "uptime_s"), b1), str(d, "started_at", "?"));
	printf("config loaded %s; reloads: %.0f ok, %.0f failed\n",
	       when(str(d, "config_loaded_at", NULL), now_us, b2), num(rel, "ok"),
	       num(rel, "failed"));
	if (str(rel, "last_error", NULL))
		printf("  last reload refused: %s\n", text(rel, "last_error", t));
	const cJSON *in = get(d, "ingest");
	printf("ingest: %.0f accepted, %.0f duplicates, %.0f stale, %.0f rejected; "
	       "%.0f clients now, %.0f connections, %.0f commits\n",
	       num(in, "accepted"), num(in, "duplicate"), num(in, "stale"), num(in, "rejected"),
	       num(in, "clients_now"), num(in, "connections"), num(in, "commits"));
}

static void print_venue(const cJSON *v, int64_t now_us)
{
	char b[80], t1[512], t2[512];
	const cJSON *last = get(v, "last_pass"), *passes = get(v, "passes"), *br = get(v, "breaker");
	printf("  %s/%s (every %.0fs)%s\n", text(v, "venue", t1), text(v, "account", t2),
	       num(v, "interval_s"), cJSON_IsTrue(get(v, "pass_running")) ? ": a pass is running" : "");
	if (cJSON_IsObject(last)) {
		bool complete = cJSON_IsTrue(get(last, "complete"));
		printf("    last pass %s: %s%s%s%s, %.0f findings, %.0f actions, %.1f ms (run %.0f)\n",
		       when(str(last, "started_at", NULL), now_us, b),
		       complete ? "complete" : "INCOMPLETE", complete ? "" : " (",
		       complete ? "" : text(last, "reason", t1), complete ? "" : ")",
		       num(last, "findings"), num(last, "actions"), num(last, "duration_us") / 1000.0,
		       num(last, "run_id"));
	} else {
		printf("    no pass finished yet\n");
	}
	printf("    passes: %.0f complete, %.0f incomplete, %.0f failed; breaker %s, %.0f of "
	       "%.0f destructive actions this hour\n",
	       num(passes, "complete"), num(passes, "incomplete"), num(passes, "failed"),
	       cJSON_IsTrue(get(br, "tripped")) ? "TRIPPED" : "ok", num(br, "hour_count"),
	       num(br, "hour_limit"));
}

static void print_unprotected(const cJSON *d, int64_t now_us)
{
	char b[80], t[32], t1[512], t2[512], t3[512];
	const cJSON *list = get(d, "unprotected"), *u = NULL;
	int n = cJSON_GetArraySize(list);
	if (n == 0)
		printf("unprotected now: none\n");
	else
		printf("unprotected now: %d position%s\n", n, n == 1 ? "" : "s");
	cJSON_ArrayForEach(u, list)
		printf("  %s/%s %s since %s\n", text(u, "venue", t1), text(u, "account", t2),
		       text(u, "symbol", t3), when(str(u, "since", NULL), now_us, b));
	printf("unprotected time since start (all positions): %s\n",
	       duration(num(d, "unprotected_us_total") / 1e6, t));
}

static void print_counts(const cJSON *d)
{
	const cJSON *f = NULL, *k = NULL, *st = NULL;
	bool any = false;
	printf("findings since start:");
	cJSON_ArrayForEach(f, get(d, "findings"))
		if (cJSON_IsNumber(f) && f->valuedouble > 0) {
			printf("%s %s %.0f", any ? "," : "", f->string, f->valuedouble);
			any = true;
		}
	printf("%s\nactions since start:", any ? "" : " none");
	any = false;
	cJSON_ArrayForEach(k, get(d, "actions"))
		cJSON_ArrayForEach(st, k)
			if (cJSON_IsNumber(st) && st->valuedouble > 0) {
				printf("%s %s %s %.0f", any ? "," : "", k->string, st->string,
				       st->valuedouble);
				any = true;
			}
	printf("%s\n", any ? "" : " none");
}

/* The latency histogram as count, mean, and the bucket holding the median
 * and the 99th percentile (an upper bound: the daemon keeps buckets only). */
static void print_latency(const cJSON *d)
{
	const cJSON *l = get(d, "protect_latency"), *b = NULL;
	double count = num(l, "count");
	if (count <= 0) {
		printf("protection latency: no fill protected yet\n");
		return;
	}
	printf("protection latency: %.0f fills, mean %.2f ms", count,
	       num(l, "sum_us") / count / 1000.0);
	const double q[2] = {0.5, 0.99};
	const char *name[2] = {"median", "p99"};
	for (int i = 0; i < 2; i++) {
		cJSON_ArrayForEach(b, get(l, "buckets"))
			if (num(b, "count") >= ceil(q[i] * count)) {
				if (cJSON_IsNumber(get(b, "le_us")))
					printf(", %s <= %g ms", name[i], num(b, "le_us") / 1000.0);
				else
					printf(", %s > 1 s", name[i]);
				break;
			}
	}
	printf("\n");
}

/* The daily report's mailer, when the daemon has a "report" section: the
 * last report sent, failures, the next attempt. */
static void print_report(const cJSON *d, int64_t now_us)
{
	char b[80], t1[512], t2[512];
	const cJSON *r = get(d, "report");
	if (!cJSON_IsObject(r)) {
		printf("daily report: off (no \"report\" section)\n");
		return;
	}
	const cJSON *last = get(r, "last_sent");
	if (cJSON_IsObject(last))
		printf("daily report: last sent %s for %s as %s\n",
		       when(str(last, "at", NULL), now_us, b), text(last, "date", t1),
		       text(last, "message_id", t2));
	else
		printf("daily report: none sent yet\n");
	printf("  %.0f sent since start, %.0f failed attempts", num(r, "sent"), num(r, "failures"));
	double consecutive = num(r, "consecutive_failures");
	if (consecutive > 0)
		printf(", FAILING: %.0f in a row", consecutive);
	printf("\n");
	if (str(r, "last_error", NULL))
		printf("  last error %s: %s\n", when(str(r, "last_error_at", NULL), now_us, b),
		       text(r, "last_error", t1));
	const char *next = str(r, "next_attempt", NULL);
	if (next) {
		char t[32];
		int64_t us = 0;
		struct rk_err err = {0};
		if (rtime_parse(next, &us, &err) == RK_OK && us > now_us)
			printf("  next attempt %.10s %.8sZ (in %s)\n", next, next + 11,
			       duration((double)(us - now_us) / 1e6, t));
		else
			printf("  next attempt %.10s %.8sZ\n", next, next + 11);
	}
}

static void print_status(const cJSON *d)
{
	int64_t now_us = 0;
	struct rk_err err = {0};
	const cJSON *v = NULL;
	if (rtime_parse(str(d, "now", ""), &now_us, &err) != RK_OK)
		now_us = 0;
	print_header(d, now_us);
	printf("venues:\n");
	cJSON_ArrayForEach(v, get(d, "venues"))
		print_venue(v, now_us);
	print_unprotected(d, now_us);
	print_counts(d);
	print_latency(d);
	print_report(d, now_us);
}

int cmd_status(int argc, char **argv)
{
	const char *config = NULL;
	bool json = false;
	const struct cli_opt opts[] = {{"config", .value = &config}, {"json", .flag = &json}, {NULL}};
	int first, code = cli_opts_parse("status", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if (first < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[first]);
	if (!config)
		return cli_usage_error("status", "--config FILE is required");
	struct rk_config *cfg = NULL;
	struct rk_err err = {0};
	struct rk_buf text = {0};
	cJSON *doc = NULL;
	enum rk_rc rc = config_load(config, &cfg, &err);
	if (rc == RK_OK)
		rc = ask(cfg->control, &doc, &text, &err);
	if (rc) {
		code = cli_fail(&err);
	} else {
		if (json)
			printf("%s\n", rk_buf_str(&text));
		else
			print_status(doc);
		code = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	cJSON_Delete(doc);
	rk_buf_free(&text);
	config_free(cfg);
	return code;
}
