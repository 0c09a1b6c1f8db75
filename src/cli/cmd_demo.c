/* cmd_demo.c — `reckon demo`: the users' incidents, replayed on the embedded
 * simulated venue in a fresh journal, reconciled and shown. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "cli_opts.h"
#include "ingest.h"
#include "policy_file.h"
#include "query_print.h"
#include "recon_exec.h"
#include "recon_text.h"
#include "rk_clock.h"
#include "rtime.h"
#include "registry.h"
#include "sim.h"

#define DEMO_SCENARIO "demo.json"
#define DEMO_PASS_SECONDS 60 /* scenario time between reconciliation passes */

static void help(void)
{
	cli_print_usage("demo");
	printf("\n"
	       "Replays the incidents reckon exists to end, on the embedded simulated venue:\n"
	       "  - Coinbase spot: eight holdings bought at prices that put them at the\n"
	       "    incident's losses, six plain limit SELL orders the bot still counts as\n"
	       "    open (blocking stop placement), and no stop loss anywhere;\n"
	       "  - Binance USD-M futures: an ATOMUSDT short with a working stop that must be\n"
	       "    preserved, and an ICXUSDT long whose stop level the price already passed.\n"
	       "It journals the bot's view, runs reconciliation passes on both venues, prints\n"
	       "what was found and done, the final protection of every position, a second\n"
	       "pass that must find nothing to do, and an audit of the journal.\n\n"
	       "Options:\n"
	       "  --db FILE      simulation journal to create (must not exist); default: a new file\n"
	       "                 reckon-demo-YYYYMMDD-HHMMSS.db in the current directory\n"
	       "  --config FILE  policy (default: built-in, see config/README.md)\n"
	       "  -h, --help     this help\n");
}

static enum rk_rc ingest_bot_view(struct journal *j, const char *scenario, long *count,
				  struct rk_err *err)
{
	char **lines = NULL;
	size_t n = 0;
	enum rk_rc rc = sim_scenario_journal(scenario, &lines, &n, err);
	if (rc)
		return rc;
	*count = 0;
	if ((rc = journal_begin(j, err)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		enum ingest_outcome oc;
		struct rk_err lerr = {0};
		rc = ingest_line(j, lines[i], strlen(lines[i]), "ingest", &oc, &lerr);
		if (!rc && oc == INGEST_REJECTED)
			rc = rk_err_set(err, RK_EINVAL, "demo scenario journal line %zu: %s", i + 1, lerr.msg);
		else if (rc)
			rk_err_set(err, rc, "%s", lerr.msg);
		*count += oc == INGEST_ACCEPTED;
	}
	if (rc)
		journal_rollback(j);
	else
		rc = journal_commit(j, err);
out:
	sim_lines_free(lines, n);
	return rc;
}

static enum rk_rc show_query(struct journal *j, const char *name, struct rk_err *err)
{
	struct query_def q;
	enum rk_rc rc = query_find(name, &q, err);
	if (!rc)
		rc = query_print(j, &q, NULL, 0, RENDER_TABLE, stdout, NULL, err);
	return rc;
}

/* Every line of a pass says it is simulated, as `reckon reconcile --sim` does. */
static enum rk_rc run_passes(struct journal *j, struct venue **venues, size_t n, const char *account,
			     const struct policy *policy, int64_t *now, int pass, size_t *actions,
			     struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	FILE *report = cli_prefixed_stream(stdout, CLI_SIM_PREFIX);
	struct recon_opts opts = {.policy = policy, .clock = rk_clock_manual(now),
				  .sink = recon_text_sink(report)};
	*actions = 0;
	if (!report)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		struct recon_outcome res;
		*now += DEMO_PASS_SECONDS * 1000000LL;
		if ((rc = recon_run_pass(j, venues[i], account, &opts, &res, err)))
			break;
		*actions += res.nactions;
		fprintf(report,
			"pass %d on %s: %zu findings, %zu actions (%zu succeeded, %zu failed, %zu skipped)\n",
			pass, venue_name(venues[i]->kind), res.nfindings, res.nactions,
			res.by_status[ASTAT_SUCCEEDED], res.by_status[ASTAT_FAILED],
			res.by_status[ASTAT_SKIPPED]);
	}
	fclose(report);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	const char *db = NULL, *config = NULL;
	const struct cli_opt opts[] = {{"db", .value = &db}, {"config", .value = &config}, {NULL}};
	char dbbuf[64];
	int first, code = cli_opts_parse("demo", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	code = EX_OK;
	if (first < argc)
		return cli_usage_error("demo", "unexpected argument '%s'", argv[first]);
	if (!db) {
		char ts[RTIME_STR_MAX];
		rtime_format(rk_clock_now(rk_clock_system()), ts); /* 2026-11-21T18:30:04.000000Z */
		snprintf(dbbuf, sizeof dbbuf, "reckon-demo-%.4s%.2s%.2s-%.2s%.2s%.2s.db", ts, ts + 5,
			 ts + 8, ts + 11, ts + 14, ts + 17);
		db = dbbuf;
	}
	if (access(db, F_OK) == 0) {
		fprintf(stderr, "reckon: %s already exists; the demo needs a fresh journal "
				"(remove it or pass --db NEW_FILE)\n", db);
		return EX_CANTCREAT;
	}

	struct rk_err err = {0};
	struct policy *policy = NULL;
	struct venue *venues[REGISTRY_SIM_VENUES] = {NULL};
	size_t nvenues = 0;
	struct journal *j = NULL;
	const char *scenario = sim_scenario_text(DEMO_SCENARIO);
	long ingested = 0;
	size_t actions = 0;
	int64_t now = 0;

	if (!scenario) {
		rk_err_set(&err, RK_ENOTFOUND, "embedded scenario %s is missing", DEMO_SCENARIO);
		goto fail;
	}
	if (policy_file_load(config, &policy, &err))
		goto fail;
	/* Every venue of the scenario: Coinbase, then Binance USD-M. */
	if (registry_open_all(&(struct venue_config){.kind = VENUE_UNKNOWN, .scenario = scenario},
			      venues, &nvenues, &err))
		goto fail;
	/* Scenario time, so the journal reads like the incident: the journal
	 * (recorded_at) and the executor read it through one manual clock,
	 * which each pass moves on. */
	now = sim_venue_now_us(venues[0]);
	if (!(j = cli_open_journal(db, JOURNAL_CREATE, JOURNAL_SIM, &code)))
		goto done;
	journal_set_clock(j, rk_clock_manual(&now));
	printf("reckon demo — simulation journal: %s\n"
	       "Everything below runs on the embedded simulated venue: no exchange is contacted,\n"
	       "and the lines of each reconciliation pass start with \"" CLI_SIM_PREFIX "\".\n\n",
	       db);
	if (ingest_bot_view(j, scenario, &ingested, &err))
		goto fail;
	printf("Journaled the bot's own view: %ld events (buy fills, its open SELL orders and stops).\n"
	       "What it believes is protected, before reckon looks at the exchange:\n", ingested);
	if (show_query(j, "protection", &err))
		goto fail;

	printf("\n# Pass 1: reconcile each venue and fix what is safe to fix\n");
	if (run_passes(j, venues, nvenues, "default", policy, &now, 1, &actions, &err))
		goto fail;
	printf("\n# Pass 2: nothing should be left to do\n");
	if (run_passes(j, venues, nvenues, "default", policy, &now, 2, &actions, &err))
		goto fail;
	printf("\n# Final protection of every position\n");
	if (show_query(j, "protection", &err))
		goto fail;
	struct audit_result audit;
	if (audit_verify(j, &audit, &err))
		goto fail;
	printf("\naudit verify: ok, %lld events, hash chain and tables sound\n", (long long)audit.events);
	printf("second pass actions: %zu%s\n", actions, actions ? " (expected none)" : " — nothing left to do");
	printf("\nExplore it: reckon query --list; reckon query protection --db %s\n", db);
	if (actions)
		code = EX_SOFTWARE;
	goto done;
fail:
	code = cli_fail(&err);
done:
	journal_close(j);
	for (size_t i = 0; i < nvenues; i++)
		venue_destroy(venues[i]);
	policy_free(policy);
	return code;
}
