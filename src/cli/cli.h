/*
 * cli.h — the `reckon` subcommands and the helpers they share: the command
 * table that dispatches them, exit codes (sysexits.h), opening the journal
 * with a clear message, help output. Options are parsed by cli_opts.h.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)` with argv[0] being the
 * command name; it returns the process exit code.
 */
#ifndef RECKON_CLI_H
#define RECKON_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>

#include "err.h"
#include "journal.h"

/* A sub-command: the dispatch table in cli.c has one row per command. */
struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* the handler; argv[0] is `name` */
	const char *summary;               /* one line for `reckon help` */
	const char *usage;                 /* its synopsis, after "Usage: " (lines after the
					    * first indented to line up) */
};

/* Every command, in `reckon help` order, NULL-terminated (cli.c). */
extern const struct cli_command CLI_COMMANDS[];

/* The row for `name`, or NULL. */
const struct cli_command *cli_command_find(const char *name);

/* Runs `reckon ARGS...`: finds the sub-command in the table and hands over;
 * `reckon`, `reckon help [COMMAND]`, `--help` and `--version` too. Returns
 * the exit code. */
int cli_main(int argc, char **argv);

/* Prints "Usage: <the command's usage>\n" to stdout (a command's --help
 * starts with it). */
void cli_print_usage(const char *command);

int cmd_ingest(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_fifo(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_halt(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Maps an error code to a sysexits.h exit code (the table in `reckon help`
 * and README.md). */
int cli_exit_code(enum rk_rc rc);

/* Prints "reckon: <msg>" to stderr and returns the exit code for err->rc. */
int cli_fail(const struct rk_err *err);

/* Same, to `f`. */
int cli_fail_to(FILE *f, const struct rk_err *err);

/* Prints "reckon COMMAND: <message>\nTry 'reckon COMMAND --help'." and returns EX_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Opens the journal at `path` as journal_open does (`mode` and `kind` say
 * whether it may be created, written, and of which kind). On failure prints
 * the reason and returns NULL with *exit_code set (66 "no such journal", 65
 * not a reckon journal or wrong version, 77 read-only, ...). */
struct journal *cli_open_journal(const char *path, enum journal_mode mode, enum journal_kind kind,
				 int *exit_code /* OUT */);

/* Returns -1 when --db was given, else prints the usage error and returns
 * EX_USAGE. */
int cli_require_db(const char *command, const char *db);

/* The prefix of every output line of a simulated pass. */
#define CLI_SIM_PREFIX "[simulated] "

/*
 * A stream that writes to `to`, starting every line with `prefix` (a string
 * constant), so no line of a simulated pass can be read as a real one.
 * Closed with fclose, which flushes it and leaves `to` open. NULL when out
 * of memory.
 */
FILE *cli_prefixed_stream(FILE *to, const char *prefix);


#endif
