/* cli.c — the sub-command table and dispatch, and the helpers the
 * sub-commands share (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cli_command CLI_COMMANDS[] = {
	{"demo", cmd_demo, "run the built-in incident scenario on the simulated venue",
	 "reckon demo [--db FILE] [--config FILE]"},
	{"init", cmd_init, "create a journal, or upgrade one to this version",
	 "reckon init --db FILE [--sim]"},
	{"ingest", cmd_ingest, "journal orders and fills from JSON lines",
	 "reckon ingest --db FILE [PATH|-]"},
	{"query", cmd_query, "run a named report (SQL in queries/)",
	 "reckon query --list\n"
	 "       reckon query NAME --db FILE [--param KEY=VALUE ...] [--format table|csv|json]\n"
	 "       reckon query NAME --sql"},
	{"reconcile", cmd_reconcile, "diff the journal against a venue and fix what is safe to fix",
	 "reckon reconcile --once --db FILE --venue NAME [--base-url URL]\n"
	 "                        [--timeout-ms N] [--config FILE] [--account NAME] [--dry-run]\n"
	 "       reckon reconcile --once --db FILE --sim SCENARIO [--venue NAME]\n"
	 "                        [--config FILE] [--account NAME] [--dry-run]"},
	{"run", cmd_run, "run as a daemon: ingest socket, event-driven protection, reload",
	 "reckon run --config FILE"},
	{"fifo", cmd_fifo, "FIFO lot allocation maintenance (rebuild)",
	 "reckon fifo rebuild --db FILE"},
	{"halt", cmd_halt, "list halted symbols, or release one (journaled)",
	 "reckon halt list --db FILE [--venue NAME] [--account NAME]\n"
	 "       reckon halt release --db FILE --venue NAME --symbol SYMBOL --reason TEXT\n"
	 "                           [--account NAME]"},
	{"status", cmd_status, "ask the running daemon how it is doing",
	 "reckon status --config FILE [--json]"},
	{"audit", cmd_audit, "verify the journal; post-mortems: gaps, state, timeline, export",
	 "reckon audit verify [--full] [--checkpoint] --db FILE\n"
	 "       reckon audit verify --export FILE.jsonl\n"
	 "       reckon audit gaps --db FILE [--symbol S] [--from T] [--to T] [--json] [--replay]\n"
	 "       reckon audit state --db FILE --at T [--symbol S] [--json] [--replay]\n"
	 "       reckon audit timeline --db FILE [--symbol S] [--order ID] [--from T] [--to T]\n"
	 "                             [--json]\n"
	 "       reckon audit export --db FILE --from T --to T --out FILE.jsonl"},
	{"report", cmd_report, "the daily report: text, HTML, a mail file, or sent over SMTP",
	 "reckon report daily --db FILE [--date YYYY-MM-DD] [--tz ZONE]\n"
	 "                          [--format text|html|eml] [--out FILE]\n"
	 "       reckon report daily --db FILE --send --config FILE [--date YYYY-MM-DD]\n"
	 "                          [--tz ZONE] [--ca-file FILE]"},
	{"help", cmd_help, "show this help, or a command's help", "reckon help [COMMAND]"},
	{"version", cmd_version, "print the version", "reckon version"},
	{NULL, NULL, NULL, NULL},
};

/* ---- dispatch ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"reckon — reconciliation engine for automated crypto trading\n\n"
		"Usage: reckon COMMAND [OPTIONS]\n\nCommands:\n");
	for (const struct cli_command *c = CLI_COMMANDS; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'reckon COMMAND --help' for a command's options.\n\n"
		     "Exit codes (sysexits.h):\n"
		     "  0   ok\n"
		     "  64  usage error\n"
		     "  65  bad input data; a file that is not a reckon journal (not a database,\n"
		     "      or another application's); a corrupt journal; a schema version this\n"
		     "      command cannot use; a simulation journal for a real venue or the reverse\n"
		     "  66  input missing: no such journal, input file or directory\n"
		     "  69  venue unavailable, or its snapshot incomplete; the SMTP server\n"
		     "      unreachable or refusing the report\n"
		     "  70  internal error (out of memory, overflow); the demo's second pass acted\n"
		     "  73  cannot create: the demo's journal already exists\n"
		     "  74  I/O or database error\n"
		     "  77  permission: a read-only journal, directory or filesystem; a secret file\n"
		     "      readable by others\n"
		     "  78  configuration: the policy file, missing credentials\n");
}

const struct cli_command *cli_command_find(const char *name)
{
	for (const struct cli_command *c = CLI_COMMANDS; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_print_usage(const char *command)
{
	const struct cli_command *c = cli_command_find(command);
	printf("Usage: %s\n", c ? c->usage : command);
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct cli_command *c = cli_command_find(argv[1]);
		if (!c || c->run == cmd_help)
			return c ? (usage(stdout), EX_OK) : cli_usage_error("help", "unknown command '%s'", argv[1]);
		char *args[] = {argv[1], "--help", NULL};
		return c->run(2, args);
	}
	usage(stdout);
	return EX_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("reckon %s\n", RECKON_VERSION);
	return EX_OK;
}

/* A long replay (a migration that changes the projections) says how far it
 * is on stderr: the daemon's log, or the terminal of `reckon init`. */
static void replay_progress(int64_t done, int64_t total, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "reckon: replaying the journal's events: %lld of %lld (%d%%)\n",
		(long long)done, (long long)total, total ? (int)(done * 100 / total) : 100);
}

int cli_main(int argc, char **argv)
{
	events_set_progress(replay_progress, EVENTS_PROGRESS_EVERY, NULL);
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	const struct cli_command *c = cli_command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "reckon: unknown command '%s'\nTry 'reckon help'.\n", argv[1]);
		return EX_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}

/* ---- shared helpers ---- */

int cli_exit_code(enum rk_rc rc)
{
	switch (rc) {
	case RK_OK: return EX_OK;
	case RK_EINVAL: case RK_ECONFLICT: case RK_ECORRUPT: case RK_EVERSION: case RK_EFOREIGN:
		return EX_DATAERR;
	case RK_ENOTFOUND: return EX_NOINPUT;
	case RK_ECONFIG: return EX_CONFIG;
	case RK_EPERM: return EX_NOPERM;
	case RK_EIO: case RK_EDB: return EX_IOERR;
	case RK_EUNKNOWN: case RK_EREJECTED: return EX_UNAVAILABLE;
	case RK_ENOMEM: case RK_EOVERFLOW: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}

int cli_fail_to(FILE *f, const struct rk_err *err)
{
	fprintf(f, "reckon: %s\n", err->msg[0] ? err->msg : rk_rc_name(err->rc));
	return cli_exit_code(err->rc);
}

int cli_fail(const struct rk_err *err) { return cli_fail_to(stderr, err); }

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "reckon %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'reckon %s --help'.\n", command);
	return EX_USAGE;
}

struct journal *cli_open_journal(const char *path, enum journal_mode mode, enum journal_kind kind,
				 int *exit_code)
{
	struct journal *j = NULL;
	struct rk_err err = {0};
	if (events_open(path, mode, kind, &j, &err)) {
		*exit_code = cli_fail(&err);
		return NULL;
	}
	return j;
}

struct prefixed {
	FILE *to;
	const char *prefix;
	bool at_line_start;
};

static ssize_t prefixed_write(void *cookie, const char *buf, size_t n)
{
	struct prefixed *p = cookie;
	for (size_t i = 0; i < n; i++) {
		if (p->at_line_start && fputs(p->prefix, p->to) == EOF)
			return -1;
		if (putc(buf[i], p->to) == EOF)
			return -1;
		p->at_line_start = buf[i] == '\n';
	}
	return (ssize_t)n;
}

static int prefixed_close(void *cookie)
{
	struct prefixed *p = cookie;
	int rc = fflush(p->to);
	free(p);
	return rc;
}

FILE *cli_prefixed_stream(FILE *to, const char *prefix)
{
	struct prefixed *p = malloc(sizeof *p);
	cookie_io_functions_t io = {.write = prefixed_write, .close = prefixed_close};
	FILE *f;
	if (!p)
		return NULL;
	*p = (struct prefixed){.to = to, .prefix = prefix, .at_line_start = true};
	if (!(f = fopencookie(p, "w", io))) {
		free(p);
		return NULL;
	}
	/* Line by line, so the pass's progress and its errors keep their order. */
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int cli_require_db(const char *command, const char *db)
{
	return db ? -1 : cli_usage_error(command, "--db FILE is required");
}
