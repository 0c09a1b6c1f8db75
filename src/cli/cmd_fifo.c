/* cmd_fifo.c — `reckon fifo`: maintenance of the FIFO lot allocation. */
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "lots.h"
#include "rollup.h"

static void help(void)
{
	cli_print_usage("fifo");
	printf("\n"
	       "rebuild  recomputes every lot, allocation, closing fill, lot position and\n"
	       "         unmatched_sell finding from the journaled fills, symbol by symbol\n"
	       "         in (timestamp, seq) order, in one transaction. The result equals\n"
	       "         what incremental allocation produced; running it is only needed\n"
	       "         after a change to the allocator. Prints the row counts.\n\n"
	       "Options:\n  --db FILE   journal database (must exist)\n  -h, --help  this help\n");
}

int cmd_fifo(int argc, char **argv)
{
	const char *db = NULL;
	const struct cli_opt opts[] = {{"db", .value = &db}, {NULL}};
	int first, code = cli_opts_parse("fifo", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if (first >= argc)
		return cli_usage_error("fifo", "missing subcommand (rebuild)");
	if (strcmp(argv[first], "rebuild") != 0)
		return cli_usage_error("fifo", "unknown subcommand '%s'", argv[first]);
	if (first + 1 < argc)
		return cli_usage_error("fifo", "unexpected argument '%s'", argv[first + 1]);
	if ((code = cli_require_db("fifo", db)) >= 0)
		return code;
	code = EX_OK;
	struct journal *j = cli_open_journal(db, JOURNAL_WRITE, JOURNAL_ANY, &code);
	if (!j)
		return code;
	struct lots_counts n;
	struct rk_err err = {0};
	enum rk_rc rc = journal_begin(j, &err);
	if (!rc && ((rc = lots_rebuild(j, &n, &err)) || (rc = rollup_rebuild(j, &err))))
		journal_rollback(j);
	else if (!rc)
		rc = journal_commit(j, &err);
	if (rc)
		code = cli_fail(&err);
	else
		printf("rebuilt: %lld fills, %lld lots (%lld open), %lld closing fills,"
		       " %lld allocations, %lld unmatched sells\n",
		       (long long)n.fills, (long long)n.lots, (long long)n.open_lots,
		       (long long)n.closes, (long long)n.allocations, (long long)n.unmatched);
	journal_close(j);
	return code;
}
