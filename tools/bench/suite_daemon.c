/*
 * suite_daemon.c — the daemon's protection latency (issue 11): `reckon run`
 * against reckon-fakex, N market buys filled on the fake exchange through
 * its signed API, each fill sent through the ingest socket; the daemon logs,
 * per fill, protect_latency_us (the reply written -> the protective
 * request's `sent`, before it leaves) and engine_us (that minus the pass's
 * venue I/O). Median and p99 of both are printed against a baseline taken
 * in the same run: one durable SQLite commit (WAL, synchronous=FULL, one
 * row) in the same directory, the fsync every acknowledgement pays.
 *
 * Fills are sequential (the next buy after the previous fill's protection
 * was logged), so each latency is one fill's, not a queue's. Each fill grows
 * the position, so its pass replaces the stop (place the new one, cancel the
 * old): the breaker's hourly limit is lifted so old stops do not pile up.
 * The fake exchange counts Binance's request weight (2400 a minute): about
 * 10 per fill, so at most ~200 fills a minute before passes back off. Not a test:
 * only a missing or unparsable log line is WRONG, never a figure.
 */
#include <errno.h>
#include <libgen.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

#define SECRET "bench0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"

static pid_t spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (out && !freopen(out, "w", stdout))
			_exit(127);
		if (err && !freopen(err, "w", stderr))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(25000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One HTTP/1.1 request to 127.0.0.1:port; the body of the answer in out. */
static int http(int port, const char *method, const char *target, char *out, size_t cap)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	char req[2048];
	int n = snprintf(req, sizeof req,
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-MBX-APIKEY: benchkey\r\n"
			 "Content-Length: 0\r\nConnection: close\r\n\r\n",
			 method, target);
	if (write(s, req, (size_t)n) != n) {
		close(s);
		return -1;
	}
	size_t len = 0;
	ssize_t r;
	while (len + 1 < cap && (r = read(s, out + len, cap - 1 - len)) > 0)
		len += (size_t)r;
	close(s);
	out[len] = '\0';
	char *body = strstr(out, "\r\n\r\n");
	if (!body || strncmp(out, "HTTP/1.1 200", 12) != 0)
		return -1;
	memmove(out, body + 4, strlen(body + 4) + 1);
	return 0;
}

/* A Binance request signed as the exchange wants it. */
static int signed_req(int port, const char *method, const char *path, const char *params,
		      char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char q[1024], target[1400], sig[65];
	snprintf(q, sizeof q, "%s%srecvWindow=5000&timestamp=%lld", params, *params ? "&" : "",
		 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	unsigned char mac[32];
	unsigned int maclen = 0;
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)q, strlen(q), mac,
	     &maclen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(sig + 2 * i, 3, "%02x", mac[i]);
	snprintf(target, sizeof target, "%s?%s&signature=%s", path, q, sig);
	return http(port, method, target, out, cap);
}

/* The long after "KEY": at or after p; -1 when absent. */
static long long json_num(const char *p, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *at = p ? strstr(p, k) : NULL;
	return at ? strtoll(at + strlen(k), NULL, 10) : -1;
}

static int sock_send(const char *path, const char *line, char *reply, size_t cap)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	size_t n = strlen(line);
	if (write(s, line, n) != (ssize_t)n) {
		close(s);
		return -1;
	}
	shutdown(s, SHUT_WR);
	size_t len = 0;
	ssize_t r;
	while (len + 1 < cap && (r = read(s, reply + len, cap - 1 - len)) > 0)
		len += (size_t)r;
	reply[len] = '\0';
	close(s);
	return 0;
}

/* Waits (up to secs) until file `path` holds `needle`; returns the line. */
static char *wait_line(const char *path, const char *needle, double secs)
{
	double end = now_s() + secs;
	do {
		char *text = slurp(path);
		char *at = text ? strstr(text, needle) : NULL;
		if (at) {
			while (at > text && at[-1] != '\n')
				at--;
			char *line = strndup(at, strcspn(at, "\n"));
			free(text);
			return line;
		}
		free(text);
		usleep(2000);
	} while (now_s() < end);
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static long long pct(long long *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, cmp_ll);
	int k = (int)(p * (n - 1) + 0.5);
	return v[k];
}

/* Median of 50 one-row durable commits, microseconds; -1 on error. */
static long long commit_baseline(const struct opts *o)
{
	char db[PATH_MAX];
	sqlite3 *h = NULL;
	long long t[50];
	path_in(db, sizeof db, o, "daemon-baseline.db");
	unlink(db);
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			    "CREATE TABLE t (x INTEGER)", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	for (int i = 0; i < 50; i++) {
		double t0 = now_s();
		if (sqlite3_exec(h, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT", NULL, NULL,
				 NULL) != SQLITE_OK) {
			sqlite3_close(h);
			return -1;
		}
		t[i] = (long long)((now_s() - t0) * 1e6);
	}
	sqlite3_close(h);
	return pct(t, 50, 0.5);
}

/* One market buy of ICXUSDT on the fake, its fill through the socket, and
 * the daemon's log line for it. 0 with *lat and *eng set; -1 WRONG printed. */
static int one_fill(int bn_port, const char *sock, const char *log, long long *lat,
		    long long *eng)
{
	static char body[1 << 20];
	char line[1024], reply[512], needle[64];
	if (signed_req(bn_port, "POST", "/fapi/v1/order",
		       "symbol=ICXUSDT&side=BUY&type=MARKET&quantity=100", body, sizeof body)) {
		bad("daemon protect", "market buy refused: %.200s", body);
		return -1;
	}
	long long oid = json_num(body, "orderId");
	if (signed_req(bn_port, "GET", "/fapi/v1/userTrades", "symbol=ICXUSDT&limit=5", body,
		       sizeof body)) {
		bad("daemon protect", "userTrades: %.200s", body);
		return -1;
	}
	char key[64];
	snprintf(key, sizeof key, "\"orderId\":%lld,", oid);
	char *at = strstr(body, key);
	char *obj = at;
	while (obj && obj > body && *obj != '{')
		obj--;
	long long fid = obj ? json_num(obj, "id") : -1, ms = obj ? json_num(obj, "time") : -1;
	const char *pr = obj ? strstr(obj, "\"price\":\"") : NULL;
	if (fid < 0 || ms < 0 || !pr) {
		bad("daemon protect", "no trade for order %lld", oid);
		return -1;
	}
	char price[32];
	snprintf(price, sizeof price, "%.*s", (int)strcspn(pr + 9, "\""), pr + 9);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char ts[40];
	gmtime_r(&secs, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(line, sizeof line,
		 "{\"type\":\"fill\",\"ts\":\"%s.%03lldZ\",\"venue\":\"binance-usdm\","
		 "\"symbol\":\"ICXUSDT\",\"fill_id\":\"%lld\",\"order_id\":\"%lld\",\"side\":\"buy\","
		 "\"qty\":\"100\",\"price\":\"%s\"}\n",
		 ts, ms % 1000, fid, oid, price);
	if (sock_send(sock, line, reply, sizeof reply) || !strstr(reply, "\"ok\":true,\"seq\":")) {
		bad("daemon protect", "socket reply: %.200s", reply);
		return -1;
	}
	snprintf(needle, sizeof needle, " seq=%lld ", json_num(reply, "seq"));
	char *l = wait_line(log, needle, 10);
	char *p = l ? strstr(l, "protect_latency_us=") : NULL, *e = l ? strstr(l, "engine_us=") : NULL;
	if (!p || !e) {
		bad("daemon protect", "no protect line for the fill: %.200s", l ? l : "(none)");
		free(l);
		return -1;
	}
	*lat = strtoll(p + strlen("protect_latency_us="), NULL, 10);
	*eng = strtoll(e + strlen("engine_us="), NULL, 10);
	free(l);
	return 0;
}

/* Starts the fake exchange; its Binance port, or -1. */
static int start_fakex(const char *fx, const struct opts *o, pid_t *pid)
{
	char out[PATH_MAX], err[PATH_MAX];
	path_in(out, sizeof out, o, "daemon-fakex.out");
	path_in(err, sizeof err, o, "daemon-fakex.err");
	char *argv[] = {(char *)fx, "--scenario", "demo.json", "--coinbase-port", "0",
			"--binance-port", "0", NULL};
	*pid = spawn(argv, out, err);
	for (int i = 0; i < 200; i++) {
		char *t = slurp(out);
		const char *b = t ? strstr(t, "binance=") : NULL;
		int port = b ? atoi(b + 8) : 0;
		free(t);
		if (port > 0)
			return port;
		usleep(25000);
	}
	return -1;
}

int bench_daemon(const struct opts *o, int nfills)
{
	char fx[PATH_MAX], dir_copy[PATH_MAX], seed[PATH_MAX], db[PATH_MAX], cfg[PATH_MAX];
	char log[PATH_MAX], sock[PATH_MAX], buf[64];
	snprintf(dir_copy, sizeof dir_copy, "%s", o->reckon);
	snprintf(fx, sizeof fx, "%s/reckon-fakex", dirname(dir_copy));
	if (access(fx, X_OK) != 0) {
		fig("daemon protect latency", "skipped", "", "(%s not built)", fx);
		return 0;
	}
	setenv("RECKON_BINANCE_API_KEY", "benchkey", 1);
	setenv("RECKON_BINANCE_API_SECRET", SECRET, 1);
	pid_t fx_pid = -1, rk_pid = -1;
	int rc = -1, port = start_fakex(fx, o, &fx_pid);
	long long *lat = calloc((size_t)nfills, sizeof *lat), *eng = calloc((size_t)nfills, sizeof *eng);
	if (port < 0 || !lat || !eng) {
		fprintf(stderr, "reckon-bench: reckon-fakex did not start\n");
		goto out;
	}
	path_in(seed, sizeof seed, o, "daemon-seed.jsonl");
	path_in(db, sizeof db, o, "daemon.db");
	path_in(cfg, sizeof cfg, o, "daemon.json");
	path_in(log, sizeof log, o, "daemon.err");
	path_in(sock, sizeof sock, o, "daemon.sock");
	unlink(db);
	struct run r;
	char *pj[] = {fx, "--scenario", "demo.json", "--print-journal", NULL};
	char *ing[] = {(char *)o->reckon, "ingest", "--db", db, seed, NULL};
	if (run_step(pj, NULL, seed, NULL, 30, &r) || r.exit_code ||
	    run_step(ing, NULL, NULL, NULL, 30, &r) || r.exit_code) {
		fprintf(stderr, "reckon-bench: seeding the daemon's journal failed\n");
		goto out;
	}
	FILE *f = fopen(cfg, "w");
	if (!f)
		goto out;
	fprintf(f, "{\"db\": \"%s\", \"socket\": \"%s\", \"venues\": [{\"venue\": \"binance-usdm\", "
		   "\"base_url\": \"http://127.0.0.1:%d\", \"interval_s\": 3600}],\n"
		   " \"policy\": {\"defaults\": {\"max_destructive_per_hour\": 1000000}}}\n",
		db, sock, port);
	fclose(f);
	char *run_argv[] = {(char *)o->reckon, "run", "--config", cfg, NULL};
	rk_pid = spawn(run_argv, NULL, log);
	char *started = wait_line(log, "reason=start", 20);
	free(started);
	if (!started) {
		bad("daemon protect", "reckon run did not start");
		rc = 0;
		goto out;
	}
	int n = 0;
	for (; n < nfills; n++)
		if (one_fill(port, sock, log, &lat[n], &eng[n]))
			break;
	rc = 0;
	if (n < nfills)
		goto out;
	long long base = commit_baseline(o);
	snprintf(buf, sizeof buf, "%lld", base);
	fig("one durable commit (baseline)", buf, "us", "median of 50, WAL, synchronous=FULL");
	char b2[64];
	snprintf(buf, sizeof buf, "%lld", pct(lat, n, 0.5));
	snprintf(b2, sizeof b2, "%lld", pct(lat, n, 0.99));
	fig("daemon protect latency median", buf, "us", "%d fills; %.1f commits", n,
	    base > 0 ? (double)pct(lat, n, 0.5) / (double)base : 0.0);
	fig("daemon protect latency p99", b2, "us", "%d fills", n);
	snprintf(buf, sizeof buf, "%lld", pct(eng, n, 0.5));
	snprintf(b2, sizeof b2, "%lld", pct(eng, n, 0.99));
	fig("daemon engine time median", buf, "us", "goal < 1000 (no venue I/O); %.1f commits",
	    base > 0 ? (double)pct(eng, n, 0.5) / (double)base : 0.0);
	fig("daemon engine time p99", b2, "us", "goal < 5000");
out:
	stop_child(rk_pid);
	stop_child(fx_pid);
	free(lat);
	free(eng);
	return rc;
}
