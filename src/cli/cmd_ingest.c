/* cmd_ingest.c — `reckon ingest`: JSON lines from a file or stdin into the journal. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_opts.h"
#include "ingest.h"

static void help(void)
{
	cli_print_usage("ingest");
	printf("\n"
	       "Reads JSON lines (one order or fill per line, contract in README.md) from PATH\n"
	       "or standard input and journals them. Each bad line is reported on stderr as\n"
	       "'line N: field ...: reason' and skipped; good lines are committed; a line\n"
	       "already journaled counts as a duplicate and changes nothing. An order report\n"
	       "behind what the journal holds (delivered after a later status or after the\n"
	       "fills that supersede it) is journaled as stale: it changes nothing, and\n"
	       "stderr says why ('line N: stale, changes nothing: ...').\n\n"
	       "Options:\n"
	       "  --db FILE   journal database (created if missing or empty; any other file\n"
	       "              that is not a reckon journal is refused, unmodified)\n"
	       "  -h, --help  this help\n\n"
	       "Prints 'accepted A, duplicates D, stale S, rejected R', counting a line only\n"
	       "once it is committed. When a commit fails, stderr names the first line\n"
	       "that is not journaled ('line N: not journaled, nor any line after it').\n"
	       "Exit 0 when nothing was rejected, 65 when some line was (or FILE is not a\n"
	       "reckon journal), 66 when PATH cannot be read (missing, or a directory), 74 on\n"
	       "I/O and database errors, 77 when FILE or its directory is read-only.\n");
}

int cmd_ingest(int argc, char **argv)
{
	const char *db = NULL, *path = "-";
	const struct cli_opt opts[] = {{"db", .value = &db}, {NULL}};
	int first, code = cli_opts_parse("ingest", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if ((code = cli_require_db("ingest", db)) >= 0)
		return code;
	code = EX_OK;
	if (argc - first > 1)
		return cli_usage_error("ingest", "one input path at most");
	if (first < argc)
		path = argv[first];

	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct stat sb;
	if (!in) {
		fprintf(stderr, "reckon: cannot read %s: %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	/* fopen opens a directory; only reading it fails (EISDIR), which would
	 * read as an I/O error after line 0. Checked before the journal opens,
	 * so nothing is created. */
	if (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "reckon: cannot read %s: is a directory\n", path);
		if (in != stdin)
			fclose(in);
		return EX_NOINPUT;
	}
	struct journal *j = cli_open_journal(db, JOURNAL_CREATE, JOURNAL_ANY, &code);
	if (j) {
		struct ingest_stats stats;
		struct rk_err err = {0};
		enum rk_rc rc = ingest_stream(j, in, stderr, "ingest", &stats, &err);
		printf("accepted %ld, duplicates %ld, stale %ld, rejected %ld\n", stats.accepted,
		       stats.duplicates, stats.stale, stats.rejected);
		if (rc)
			code = cli_fail(&err);
		else if (stats.rejected)
			code = EX_DATAERR;
		journal_close(j);
	}
	if (in != stdin)
		fclose(in);
	return code;
}
