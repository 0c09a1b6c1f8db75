/* cmd_run.c — `reckon run`: the daemon in the foreground (src/daemon/daemon.h). */
#include "cli.h"
#include "cli_opts.h"
#include "daemon.h"

static void help(void)
{
	cli_print_usage("run");
	printf("\n"
	       "Runs reckon as a service beside a trading bot, in the foreground (systemd and\n"
	       "Docker style), logging one key=value line per event to stderr:\n"
	       "  - an ingest socket (Unix, mode 0660) taking the JSON lines of 'reckon ingest';\n"
	       "    one reply line per line, in order, written once the line is committed:\n"
	       "      {\"ok\":true,\"seq\":N}  {\"ok\":true,\"duplicate\":true,\"seq\":N}\n"
	       "      {\"ok\":true,\"stale\":true,\"seq\":N,\"reason\":\"...\"}\n"
	       "      {\"ok\":false,\"error\":\"line 3: field 'qty': ...\"}\n"
	       "  - a reconciliation pass per configured venue at start, every interval_s, and\n"
	       "    at once after a fill on it arrives on the socket (protect_latency_us logged);\n"
	       "  - a control socket answering with the status document ('reckon status');\n"
	       "  - with a \"report\" section, the previous day's report mailed once a day at\n"
	       "    its daily_at (a thread of its own; failures retried after 1, 2, 4 ... 60\n"
	       "    minutes; never twice for a day: the journal's report_sent says so).\n\n"
	       "Signals: SIGTERM or SIGINT stop after the transaction in flight (exit 0);\n"
	       "SIGHUP reads the config again: applied from the next pass when valid, else the\n"
	       "running config stays and the error (with its JSON path) is logged.\n\n"
	       "Only one 'reckon run' per journal: a second one exits 69 naming the first's\n"
	       "pid (a flock on DB-lock, released by the kernel however the process ends).\n\n"
	       "Options:\n"
	       "  --config FILE    the daemon's config (JSON, config/README.md); relative paths\n"
	       "                   in it are relative to its folder\n"
	       "  -h, --help       this help\n\n"
	       "Credentials come from the environment as for 'reckon reconcile' (or the\n"
	       "variables a venue's key_env / secret_env name).\n\n"
	       "Exit: 0 after SIGTERM/SIGINT, 64 usage, 65 the journal is not reckon's or of\n"
	       "the other kind (simulation / real), 66 no such config file, 69 the journal\n"
	       "is in use by another 'reckon run', 74 I/O (a socket path, the journal),\n"
	       "77 permission, 78 configuration (the config, its policy, credentials, a\n"
	       "scenario).\n");
}

int cmd_run(int argc, char **argv)
{
	const char *config = NULL;
	const struct cli_opt options[] = {{"config", .value = &config}, {NULL}};
	int first, code = cli_opts_parse("run", argc, argv, options, help, &first);
	if (code >= 0)
		return code;
	if (first < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[first]);
	if (!config)
		return cli_usage_error("run", "--config FILE is required");
	struct rk_err err = {0};
	bool in_use = false;
	enum rk_rc rc = daemon_run(config, &in_use, &err);
	if (!rc)
		return EX_OK;
	fprintf(stderr, "reckon: %s\n", err.msg);
	return in_use ? EX_UNAVAILABLE : rc == RK_EIO ? EX_IOERR : cli_exit_code(rc);
}
