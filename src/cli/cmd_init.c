/* cmd_init.c — `reckon init`: create a journal explicitly, or bring an
 * existing one up to this reckon's schema. */
#include "cli.h"
#include "cli_opts.h"

static void help(void)
{
	cli_print_usage("init");
	printf("\n"
	       "Creates a new journal at FILE (a missing or empty file), or upgrades an\n"
	       "existing reckon journal to this reckon's schema version. Nothing else is\n"
	       "ever written: another application's database, or a file that is not a\n"
	       "database, is refused unmodified. Running it again changes nothing.\n"
	       "Prints 'created ...', 'upgraded ... from version A to B' or '... is up to date'.\n\n"
	       "Options:\n"
	       "  --db FILE   the journal\n"
	       "  --sim       a simulation journal: the only kind the simulated venue\n"
	       "              ('reckon reconcile --sim') writes into, and that a real venue\n"
	       "              never writes into; FILE must be new or already one\n"
	       "  -h, --help  this help\n\n"
	       "Exit: 0 ok, 64 usage, 65 FILE is not a reckon journal, is newer than this\n"
	       "reckon, or (with --sim) is a journal of real venues, 66 its directory does\n"
	       "not exist, 74 I/O, 77 FILE or its directory is read-only.\n");
}

int cmd_init(int argc, char **argv)
{
	const char *db = NULL;
	bool sim = false;
	const struct cli_opt opts[] = {{"db", .value = &db}, {"sim", .flag = &sim}, {NULL}};
	int first, code = cli_opts_parse("init", argc, argv, opts, help, &first);
	if (code >= 0)
		return code;
	if (first < argc)
		return cli_usage_error("init", "unexpected argument '%s'", argv[first]);
	if ((code = cli_require_db("init", db)) >= 0)
		return code;
	code = EX_OK;
	struct journal *j = cli_open_journal(db, JOURNAL_CREATE, sim ? JOURNAL_SIM : JOURNAL_ANY, &code);
	if (!j)
		return code;
	int from = journal_opened_version(j), to = journal_schema_version();
	const char *kind = journal_kind(j) == JOURNAL_SIM ? "simulation journal" : "journal";
	if (from == 0)
		printf("created %s %s (schema version %d)\n", kind, db, to);
	else if (from < to)
		printf("upgraded %s %s from schema version %d to %d\n", kind, db, from, to);
	else
		printf("%s %s is up to date (schema version %d)\n", kind, db, to);
	journal_close(j);
	return EX_OK;
}
