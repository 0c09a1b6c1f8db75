/*
 * main.c — reckon-fakex: the command line, the process's lifecycle and
 * signals. Everything else is in the modules listed in fakex.h.
 *
 *   reckon-fakex --scenario FILE --coinbase-port N --binance-port N
 *                [--log FILE] [--faults FILE]
 *   reckon-fakex --scenario FILE --print-journal
 *
 * Prints "coinbase=PORT binance=PORT" as the first line of stdout once both
 * daemons listen, serves until SIGTERM or SIGINT, and exits 0. Exit 2 is a
 * usage or configuration error, 1 a runtime failure.
 */
#include "fakex.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rk_clock.h"
#include "secret.h"
#include "sign.h"
#include "sim.h"

static const char USAGE[] =
	"usage: reckon-fakex --scenario FILE [--coinbase-port N] [--binance-port N]\n"
	"                    [--log FILE] [--faults FILE]\n"
	"       reckon-fakex --scenario FILE --print-journal\n"
	"\n"
	"A fake Coinbase Advanced Trade + Binance USD-M futures exchange on 127.0.0.1,\n"
	"driven by a sim scenario (scenarios/README.md). Port 0 (the default) picks a\n"
	"free port; the first line of stdout is \"coinbase=PORT binance=PORT\".\n"
	"\n"
	"  --scenario FILE   scenario JSON (a file, or the name of an embedded one)\n"
	"  --log FILE        append every venue request as a JSON line\n"
	"  --faults FILE     HTTP faults to arm at start (JSON object or array)\n"
	"  --print-journal   print the scenario's journal (the bot's view, ingest JSON\n"
	"                    lines) and exit; seed a journal:\n"
	"                    reckon-fakex --scenario demo.json --print-journal | reckon ingest --db x.db -\n"
	"\n"
	"Credentials to accept come from RECKON_BINANCE_API_KEY, RECKON_BINANCE_API_SECRET,\n"
	"RECKON_COINBASE_KEY_NAME and RECKON_COINBASE_PRIVATE_KEY (or NAME_FILE).\n"
	"Control API: /__fakex/ on either port (see tools/fakex/control.c).\n"
	"\n"
	"Test aid: reckon-fakex --make-jwt METHOD PATH [HOST] prints a Coinbase JWT\n"
	"signed with the same variables (HOST defaults to api.coinbase.com).\n";

struct options {
	const char *scenario;
	const char *log;
	const char *faults;
	unsigned ports[FX_NVENUES];
	const char *jwt_method, *jwt_path, *jwt_host; /* --make-jwt */
	bool print_journal;                           /* --print-journal */
};

static bool parse_port(const char *s, unsigned *out)
{
	char *end = NULL;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || !end || *end || v < 0 || v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

/* 0 = run, 1 = printed help, 2 = usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(USAGE, stdout);
			return 1;
		} else if (strcmp(a, "--make-jwt") == 0 && next && i + 2 < argc) {
			o->jwt_method = argv[++i];
			o->jwt_path = argv[++i];
			if (i + 1 < argc && argv[i + 1][0] != '-')
				o->jwt_host = argv[++i];
		} else if (strcmp(a, "--print-journal") == 0) {
			o->print_journal = true;
		} else if (strcmp(a, "--scenario") == 0 && next) {
			o->scenario = argv[++i];
		} else if (strcmp(a, "--log") == 0 && next) {
			o->log = argv[++i];
		} else if (strcmp(a, "--faults") == 0 && next) {
			o->faults = argv[++i];
		} else if (strcmp(a, "--coinbase-port") == 0 && parse_port(next, &o->ports[FX_COINBASE])) {
			i++;
		} else if (strcmp(a, "--binance-port") == 0 && parse_port(next, &o->ports[FX_BINANCE])) {
			i++;
		} else {
			fprintf(stderr, "reckon-fakex: bad argument '%s'\n%s", a, USAGE);
			return 2;
		}
	}
	if (!o->jwt_method && !o->scenario) {
		fprintf(stderr, "reckon-fakex: --scenario is required\n%s", USAGE);
		return 2;
	}
	return 0;
}

/* The whole of a file, or of an embedded scenario by that name. malloc'd. */
static char *read_text(const char *path, struct rk_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f) {
		const char *embedded = sim_scenario_text(path);
		if (embedded && (buf = strdup(embedded)))
			return buf;
		rk_err_set(err, RK_ENOTFOUND, "%s: cannot open", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
	} else {
		free(buf);
		buf = NULL;
		rk_err_set(err, RK_EIO, "%s: cannot read", path);
	}
	fclose(f);
	return buf;
}

/* ---- --make-jwt ----------------------------------------------------------- */

static int make_jwt(const struct options *o)
{
	char *name = NULL, *pem = NULL, *jwt = NULL;
	struct rk_err err;
	int status = 2;
	if (secret_load("RECKON_COINBASE_KEY_NAME", &name, &err) == RK_OK &&
	    secret_load("RECKON_COINBASE_PRIVATE_KEY", &pem, &err) == RK_OK &&
	    sign_cdp_jwt(name, pem, o->jwt_method, o->jwt_host ? o->jwt_host : FX_COINBASE_HOST,
			 o->jwt_path, rk_clock_now(rk_clock_system()) / 1000000, &jwt,
			 &err) == RK_OK) {
		printf("%s\n", jwt);
		status = 0;
	} else {
		fprintf(stderr, "reckon-fakex: --make-jwt: %s\n", err.msg);
	}
	free(jwt);
	secret_free(name);
	secret_free(pem);
	return status;
}

/* ---- --print-journal ------------------------------------------------------- */

/* The scenario's journal lines on stdout: the bot's view that reckon ingests
 * before reconciling against this fake exchange. */
static int print_journal(const struct options *o)
{
	struct rk_err err;
	char *scenario = NULL, **lines = NULL;
	size_t n = 0;
	int status = 2;

	rk_err_clear(&err);
	if ((scenario = read_text(o->scenario, &err)) &&
	    sim_scenario_journal(scenario, &lines, &n, &err) == RK_OK) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", lines[i]);
		status = fflush(stdout) == 0 ? 0 : 1;
	} else {
		fprintf(stderr, "reckon-fakex: %s\n", err.msg);
	}
	sim_lines_free(lines, n);
	free(scenario);
	return status;
}

/* ---- state ---------------------------------------------------------------- */

/* Every numeric Binance id in the scenario, so new ones are numbered above. */
static void seed_binance_ids(struct fakex *fx)
{
	struct fx_dump d;
	if (!fx->books[FX_BINANCE].venue || fx_dump_load(&fx->books[FX_BINANCE], &d, NULL))
		return;
	for (size_t i = 0; i < d.norders; i++)
		fx_ids_seed(&fx->binance_ids, d.orders[i].order_id);
	for (size_t i = 0; i < d.nfills; i++)
		fx_ids_seed(&fx->binance_ids, d.fills[i].fill_id);
	fx_dump_free(&d);
}

/* Builds both venues; a venue absent from the scenario is served as 503. */
static enum rk_rc load_books(struct fakex *fx, const char *scenario, struct rk_err *err)
{
	bool any = false;
	for (int v = 0; v < FX_NVENUES; v++) {
		enum rk_rc rc = fx_book_init(&fx->books[v], (enum fx_venue)v, scenario, err);
		if (rc == RK_ENOTFOUND && !fx->books[v].venue) {
			fprintf(stderr, "reckon-fakex: %s\n", err->msg);
			rk_err_clear(err);
			continue;
		}
		if (rc)
			return rc;
		any = true;
	}
	if (!any)
		return rk_err_set(err, RK_EINVAL, "the scenario has neither coinbase nor binance-usdm");
	seed_binance_ids(fx);
	return RK_OK;
}

static enum rk_rc fakex_init(struct fakex *fx, const struct options *o, struct rk_err *err)
{
	enum rk_rc rc;
	char *scenario = read_text(o->scenario, err), *faults = NULL;

	if (!scenario)
		return err->rc;
	if ((rc = load_books(fx, scenario, err)))
		goto out;
	if (o->faults && (!(faults = read_text(o->faults, err)) ||
			  (rc = fx_faults_add_json(&fx->faults, faults, err)))) {
		rc = err->rc;
		rk_err_prefix(err, "%s", o->faults);
		goto out;
	}
	if (o->log && !(fx->log.file = fopen(o->log, "a"))) {
		rc = rk_err_set(err, RK_EIO, "%s: cannot open for appending", o->log);
		goto out;
	}
	rc = fx_creds_load(&fx->creds, err);
out:
	free(scenario);
	free(faults);
	return rc;
}

static void fakex_free(struct fakex *fx)
{
	for (int v = 0; v < FX_NVENUES; v++)
		fx_book_free(&fx->books[v]);
	fx_ids_free(&fx->binance_ids);
	fx_pages_free(&fx->pages);
	fx_faults_clear(&fx->faults);
	fx_reqlog_free(&fx->log);
	fx_creds_free(&fx->creds);
}

/* ---- serving -------------------------------------------------------------- */

/* Serves until SIGTERM or SIGINT. Returns the exit status. */
static int serve(struct fakex *fx, const struct options *o)
{
	struct fx_server *srv[FX_NVENUES] = {NULL, NULL};
	struct rk_err err;
	sigset_t set;
	int sig = 0, status = 0;

	/* Blocked before any thread starts, so only sigwait below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (int v = 0; v < FX_NVENUES; v++)
		if (fx_server_start(fx, (enum fx_venue)v, o->ports[v], &srv[v], &err) != RK_OK) {
			fprintf(stderr, "reckon-fakex: %s\n", err.msg);
			status = 1;
			goto out;
		}
	printf("coinbase=%u binance=%u\n", fx_server_port(srv[FX_COINBASE]),
	       fx_server_port(srv[FX_BINANCE]));
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "reckon-fakex: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
	fx_server_wake_all();
	for (int v = 0; v < FX_NVENUES; v++)
		fx_server_stop(srv[v]);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	struct fakex fx;
	struct rk_err err;
	int status = parse_args(argc, argv, &o);

	if (status)
		return status == 1 ? 0 : 2;
	if (o.jwt_method)
		return make_jwt(&o);
	if (o.print_journal)
		return print_journal(&o);
	memset(&fx, 0, sizeof fx);
	fx.clock = rk_clock_system();
	pthread_mutex_init(&fx.lock, NULL);
	rk_err_clear(&err);
	if (fakex_init(&fx, &o, &err) != RK_OK) {
		fprintf(stderr, "reckon-fakex: %s\n", err.msg);
		status = 2;
	} else {
		status = serve(&fx, &o);
	}
	fakex_free(&fx);
	pthread_mutex_destroy(&fx.lock);
	return status;
}
