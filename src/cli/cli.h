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
int cmd_init(int argc, char **argv);
int cmd_halt(int argc, char **argv);

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

/*
 * Parses the options the journal commands share: --db FILE and -h/--help.
 * Returns -1 when the command should go on (*db set, possibly NULL, and
 * positional arguments starting at argv[optind]), or the exit code to return:
 * EX_OK after printing help, EX_USAGE after an unknown option.
 */
int cli_parse_db_options(int argc, char **argv, const char *command, void (*help)(void),
			 const char **db /* OUT */);

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

/* True when argv holds -h or --help (before any "--"). */
bool cli_wants_help(int argc, char **argv);

#endif
