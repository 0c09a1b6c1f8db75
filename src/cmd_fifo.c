/* cmd_fifo.c — `reckon fifo`: maintenance of the FIFO lot allocation. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lots.h"

static void help(void)
{
	printf("Usage: reckon fifo rebuild --db FILE\n\n"
	       "rebuild  recomputes every lot, allocation, closing fill, lot position and\n"
	       "         unmatched_sell finding from the journaled fills, symbol by symbol\n"
	       "         in (timestamp, seq) order, in one transaction. The result equals\n"
	       "         what incremental allocation produced; running it is only needed\n"
	       "         after a change to the allocator. Prints the row counts.\n\n"
	       "Options:\n  --db FILE   journal database\n  -h, --help  this help\n");
}

int cmd_fifo(int argc, char **argv)
{
	static const struct option OPTS[] = {
		{"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	const char *db = NULL;
	int c, code = EX_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", OPTS, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'h')
			return help(), EX_OK;
		else
			return cli_usage_error("fifo", "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error("fifo", "missing subcommand (rebuild)");
	if (strcmp(argv[optind], "rebuild") != 0)
		return cli_usage_error("fifo", "unknown subcommand '%s'", argv[optind]);
	if (optind + 1 < argc)
		return cli_usage_error("fifo", "unexpected argument '%s'", argv[optind + 1]);
	if (!db)
		return cli_usage_error("fifo", "--db FILE is required");
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "reckon: no database at %s\n", db);
		return EX_NOINPUT;
	}
	struct journal *j = cli_open_journal(db, &code);
	if (!j)
		return code;
	struct lots_counts n;
	struct rk_err err = {0};
	enum rk_rc rc = journal_begin(j, &err);
	if (!rc && (rc = lots_rebuild(j, &n, &err)))
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
