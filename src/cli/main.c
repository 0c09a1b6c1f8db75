/* main.c — the `reckon` binary: finds the subcommand and hands over to it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cli_command CLI_COMMANDS[] = {
	{"demo", "run the built-in incident scenario on the simulated venue", cmd_demo},
	{"init", "create a journal, or upgrade one to this version", cmd_init},
	{"ingest", "journal orders and fills from JSON lines", cmd_ingest},
	{"query", "run a named report (SQL in queries/)", cmd_query},
	{"reconcile", "diff the journal against a venue and fix what is safe to fix", cmd_reconcile},
	{"fifo", "FIFO lot allocation maintenance (rebuild)", cmd_fifo},
	{"halt", "list halted symbols, or release one (journaled)", cmd_halt},
	{"audit", "verify the journal's hash chain and tables", cmd_audit},
	{"help", "show this help, or a command's help", cmd_help},
	{"version", "print the version", cmd_version},
	{NULL, NULL, NULL},
};

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
		     "  69  venue unavailable, or its snapshot incomplete\n"
		     "  70  internal error (out of memory, overflow); the demo's second pass acted\n"
		     "  73  cannot create: the demo's journal already exists\n"
		     "  74  I/O or database error\n"
		     "  77  permission: a read-only journal, directory or filesystem; a secret file\n"
		     "      readable by others\n"
		     "  78  configuration: the policy file, missing credentials\n");
}

static const struct cli_command *find(const char *name)
{
	for (const struct cli_command *c = CLI_COMMANDS; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct cli_command *c = find(argv[1]);
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	const struct cli_command *c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "reckon: unknown command '%s'\nTry 'reckon help'.\n", argv[1]);
		return EX_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
