/*
 * cli.h — the `reckon` subcommands and the helpers they share: exit codes
 * (sysexits.h), opening the journal with a clear message, help output.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)` with argv[0] being the
 * command name; it returns the process exit code.
 */
#ifndef RECKON_CLI_H
#define RECKON_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>

#include "err.h"
#include "journal.h"

struct cli_command {
	const char *name;
	const char *summary; /* one line for `reckon help` */
	int (*run)(int argc, char **argv);
};

/* Every command, NULL-terminated (defined in main.c). */
extern const struct cli_command CLI_COMMANDS[];

int cmd_ingest(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_fifo(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_halt(int argc, char **argv);

/* Maps an error code to a sysexits.h exit code. */
int cli_exit_code(enum rk_rc rc);

/* Prints "reckon: <msg>" to stderr and returns the exit code for err->rc. */
int cli_fail(const struct rk_err *err);

/* Prints "reckon COMMAND: <message>\nTry 'reckon COMMAND --help'." and returns EX_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Opens the journal at `path` (created if needed). On failure prints the
 * reason and returns NULL with *exit_code set. */
struct journal *cli_open_journal(const char *path, int *exit_code);

/*
 * Parses the options the journal commands share: --db FILE and -h/--help.
 * Returns -1 when the command should go on (*db set, possibly NULL, and
 * positional arguments starting at argv[optind]), or the exit code to return:
 * EX_OK after printing help, EX_USAGE after an unknown option.
 */
int cli_parse_db_options(int argc, char **argv, const char *command, void (*help)(void),
			 const char **db /* OUT */);

/* Checks that the journal at `db` exists (commands that only read must not
 * create one). Returns -1 when it does, else prints why and returns the exit
 * code (EX_USAGE when db is NULL, EX_NOINPUT when missing). */
int cli_require_existing_db(const char *command, const char *db);

/* True when argv holds -h or --help (before any "--"). */
bool cli_wants_help(int argc, char **argv);

#endif
