/* cmd_reconcile.c — `reckon reconcile`: one pass against a venue. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "events.h"
#include "policy_file.h"
#include "recon_exec.h"
#include "recon_text.h"
#include "registry.h"
#include "rk_file.h"
#include "rk_clock.h"
#include "sim.h"

static void help(void)
{
	cli_print_usage("reconcile");
	printf("\n"
	       "Diffs the journal against the venue (open orders, fills, positions), prints\n"
	       "the findings and the actions taken, and journals every step.\n\n"
	       "The journal must exist ('reckon init --db FILE' or 'reckon ingest' create one).\n"
	       "The simulated venue is used only when --sim names a scenario. Its results go\n"
	       "only into a simulation journal ('reckon init --sim --db FILE', or one made by\n"
	       "'reckon demo'), a real venue's never do, and every line a simulated pass\n"
	       "prints starts with \"" CLI_SIM_PREFIX "\".\n\n"
	       "Options:\n"
	       "  --once           run one pass and exit (the daemon runs passes periodically)\n"
	       "  --db FILE        journal database (must exist)\n"
	       "  --venue NAME     coinbase or binance-usdm; with --sim, the one venue of the\n"
	       "                   scenario to reconcile (coinbase, binance-usdm or sim;\n"
	       "                   default: every venue the scenario defines)\n"
	       "  --config FILE    policy (JSON, see config/README.md); built-in defaults if absent\n"
	       "  --account NAME   account within the venue (default: default)\n"
	       "  --sim SCENARIO   use the simulated venue built from this scenario file, or\n"
	       "                   the name of an embedded one (demo.json); it starts from the\n"
	       "                   scenario on every invocation (a file of at most 256 MiB)\n"
	       "  --base-url URL   talk to this address instead of the exchange (https, or\n"
	       "                   http only to 127.0.0.1 / ::1, e.g. reckon-fakex)\n"
	       "  --timeout-ms N   HTTP timeout of each request to the venue, 1..600000\n"
	       "                   (default 10000); a placement that times out is resolved by\n"
	       "                   looking its client order id up, and sent again under the\n"
	       "                   same id only when the venue confirms it does not have it\n"
	       "                   (policy protect_retries)\n\n"
	       "Without --sim reckon talks to the real venue with credentials from the\n"
	       "environment (or a 0600 file named by the _FILE variant):\n"
	       "  coinbase:      RECKON_COINBASE_KEY_NAME, RECKON_COINBASE_PRIVATE_KEY (PEM)\n"
	       "  binance-usdm:  RECKON_BINANCE_API_KEY, RECKON_BINANCE_API_SECRET\n\n"
	       "  --dry-run        plan and journal everything, send nothing\n"
	       "  -h, --help       this help\n\n"
	       "With RECKON_TIMINGS=1 in the environment, stderr gets where the time went:\n"
	       "  timings: open S s                 opening the venue (parsing a --sim scenario)\n"
	       "  timings VENUE: recover S s, snapshot S s, load S s, plan S s, journal S s,\n"
	       "    execute S s, settle S s, engine S s   one pass; engine is all of it\n\n"
	       "Exit: 0 when the pass ran (findings are not errors), 69 when the venue snapshot\n"
	       "was incomplete, 64 usage, 65 when FILE is not a reckon journal, is newer than\n"
	       "this reckon, or is a simulation journal for a real venue (or the reverse),\n"
	       "or when another pass on the same journal, venue and account is running,\n"
	       "66 no such journal, 74 I/O, 77 read-only journal, 78 bad configuration.\n");
}

#define SCENARIO_FILE_MAX (256u << 20) /* bytes; benchmark scenarios reach 60 MB */

/* RECKON_TIMINGS=1: print where the time went (help). */
static bool timings_wanted(void)
{
	const char *v = getenv("RECKON_TIMINGS");
	return v && strcmp(v, "1") == 0;
}

static double secs(int64_t us)
{
	return (double)us / 1e6;
}

static void print_timings(FILE *to, enum venue_kind venue, const struct recon_timings *t)
{
	fprintf(to, "timings %s: recover %.3f s, snapshot %.3f s, load %.3f s, plan %.3f s, "
		    "journal %.3f s, execute %.3f s, settle %.3f s, engine %.3f s\n",
		venue_name(venue), secs(t->recover_us), secs(t->snapshot_us), secs(t->load_us),
		secs(t->plan_us), secs(t->journal_us), secs(t->execute_us), secs(t->settle_us),
		secs(t->total_us));
}

/* The simulated venues of scenario `sim` (a file or an embedded name): the
 * one --venue names, else every venue the scenario defines. Returns -1, or
 * the exit code after printing why not. */
static int sim_venues(const char *sim, const char *venue, struct venue **venues, size_t *n,
		      char **scenario_owned /* OUT */, FILE *errs)
{
	struct rk_err err = {0};
	const char *scenario = sim_scenario_text(sim);
	if (!scenario) {
		if (rk_file_read(sim, SCENARIO_FILE_MAX, scenario_owned, NULL, &err))
			return cli_fail_to(errs, &err);
		scenario = *scenario_owned;
	}
	struct venue_config cfg = {.kind = venue ? venue_parse(venue) : VENUE_UNKNOWN,
				   .scenario = scenario};
	if (registry_open_all(&cfg, venues, n, &err) == RK_OK)
		return -1;
	if (venue || err.rc != RK_ENOTFOUND)
		return cli_fail_to(errs, &err);
	fprintf(errs, "reckon: scenario %s defines no venue\n", sim);
	return EX_DATAERR;
}

/* The real venue's client, credentials from the environment. Returns -1, or
 * the exit code after printing why not. */
static int real_venue(const char *venue, const char *base_url, long timeout_ms,
		      const struct policy *policy, struct venue **venues, size_t *n)
{
	struct rk_err err = {0};
	enum venue_kind kind = venue_parse(venue);
	/* An empty fill cursor reads back as far as the policy says. */
	struct venue_config cfg = {
		.kind = kind, .base_url = base_url, .timeout_ms = timeout_ms,
		.fills_lookback_hours = policy_for(policy, kind, NULL)->fill_lookback_hours};
	enum rk_rc rc = registry_open(&cfg, &venues[0], &err);
	if (rc) {
		/* Missing or unreadable credentials are configuration problems. */
		fprintf(stderr, "reckon: %s\n", err.msg);
		return rc == RK_EPERM ? EX_NOPERM
		       : (rc == RK_ENOTFOUND || rc == RK_ECONFIG || rc == RK_EINVAL) ? EX_CONFIG
		       : cli_exit_code(rc);
	}
	*n = 1;
	return -1;
}

int cmd_reconcile(int argc, char **argv)
{
	const char *db = NULL, *venue = NULL, *config = NULL, *account = "default", *sim = NULL;
	const char *base_url = NULL;
	long timeout_ms = 0;
	bool once = false, dry_run = false;
	struct cli_long timeout = {&timeout_ms, 1, 600000};
	const struct cli_opt options[] = {
		{"once", .flag = &once},       {"db", .value = &db},
		{"venue", .value = &venue},    {"config", .value = &config},
		{"account", .value = &account}, {"sim", .value = &sim},
		{"dry-run", .flag = &dry_run}, {"base-url", .value = &base_url},
		{"timeout-ms", .take = cli_take_long, .ctx = &timeout}, {NULL}};
	int first, code = cli_opts_parse("reconcile", argc, argv, options, help, &first);
	if (code >= 0)
		return code;
	code = EX_OK;
	if (first < argc)
		return cli_usage_error("reconcile", "unexpected argument '%s'", argv[first]);
	if (!once)
		return cli_usage_error("reconcile", "--once is required (periodic passes are the daemon's job)");
	if (!db)
		return cli_usage_error("reconcile", "--db FILE is required");
	if (venue && venue_parse(venue) == VENUE_UNKNOWN)
		return cli_usage_error("reconcile", "--venue must be coinbase, binance-usdm or sim");
	/* The simulated venue is never a default: it must be asked for. */
	if (!venue && !sim)
		return cli_usage_error("reconcile", "--venue NAME is required (or --sim SCENARIO for "
						    "the simulated venue)");
	if (sim && base_url)
		return cli_usage_error("reconcile", "--sim and --base-url exclude each other");
	if (sim && timeout_ms)
		return cli_usage_error("reconcile", "--timeout-ms applies to a real venue, not --sim");
	if (venue && !sim && venue_parse(venue) == VENUE_SIM)
		return cli_usage_error("reconcile", "--venue sim needs --sim SCENARIO");

	struct rk_err err = {0};
	struct policy *policy = NULL;
	struct venue *venues[REGISTRY_SIM_VENUES] = {NULL, NULL, NULL};
	size_t nvenues = 0;
	struct journal *j = NULL;
	char *scenario_owned = NULL;
	FILE *report = stdout, *errs = stderr;
	if (sim && (!(report = cli_prefixed_stream(stdout, CLI_SIM_PREFIX)) ||
		    !(errs = cli_prefixed_stream(stderr, CLI_SIM_PREFIX)))) {
		fprintf(stderr, "reckon: out of memory\n");
		code = EX_SOFTWARE;
		goto out;
	}
	if (policy_file_load(config, &policy, &err)) {
		code = err.rc == RK_ENOTFOUND ? EX_NOINPUT : EX_CONFIG;
		fprintf(errs, "reckon: %s\n", err.msg);
		goto out;
	}
	/* The journal first: its kind must match the venue's before anything runs. */
	if (events_open(db, JOURNAL_WRITE, sim ? JOURNAL_SIM : JOURNAL_REAL, &j, &err)) {
		code = cli_fail_to(errs, &err);
		goto out;
	}
	int64_t t0 = rk_clock_now(rk_clock_system());
	if ((code = sim ? sim_venues(sim, venue, venues, &nvenues, &scenario_owned, errs)
			: real_venue(venue, base_url, timeout_ms, policy, venues, &nvenues)) >= 0)
		goto out;
	code = EX_OK;
	if (timings_wanted())
		fprintf(errs, "timings: open %.3f s\n", secs(rk_clock_now(rk_clock_system()) - t0));
	for (size_t k = 0; k < nvenues; k++) {
		struct recon_outcome res;
		struct recon_opts opts = {.policy = policy, .dry_run = dry_run,
					  .sink = recon_text_sink(report)};
		if (recon_run_pass(j, venues[k], account, &opts, &res, &err)) {
			code = cli_fail_to(errs, &err);
			goto out;
		}
		fprintf(report, "\n%s run %lld: %zu findings, %zu actions (%zu succeeded, %zu failed, %zu skipped%s)\n",
		       venue_name(venues[k]->kind), (long long)res.run_id, res.nfindings, res.nactions,
		       res.by_status[ASTAT_SUCCEEDED], res.by_status[ASTAT_FAILED],
		       res.by_status[ASTAT_SKIPPED], dry_run ? ", dry run: nothing sent" : "");
		if (timings_wanted())
			print_timings(errs, venues[k]->kind, &res.timings);
		if (!res.complete)
			code = EX_UNAVAILABLE;
	}
out:
	journal_close(j);
	if (report && report != stdout)
		fclose(report);
	if (errs && errs != stderr)
		fclose(errs);
	for (size_t k = 0; k < nvenues; k++)
		venue_destroy(venues[k]);
	policy_free(policy);
	free(scenario_owned);
	return code;
}
