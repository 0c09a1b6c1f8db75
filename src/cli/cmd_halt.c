/* cmd_halt.c — `reckon halt`: list the symbols reckon refuses to act on
 * (safety rule 2c), and let an operator release one, journaled. */
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "jsonin.h"
#include "model.h"
#include "query_print.h"
#include "recon_journal.h"
#include "rk_clock.h"
#include "rtime.h"

#define REASON_MAX 500 /* bytes of an operator's reason */

static void help(void)
{
	cli_print_usage("halt");
	printf("\n"
	       "A symbol is halted when the exchange reports less filled quantity than the\n"
	       "journal (safety rule 2c): reckon then takes no action on it until an operator\n"
	       "has looked.\n\n"
	       "list     the halted symbols: venue, account, symbol, since when and why\n"
	       "         (the 'halts' report).\n"
	       "release  journals the operator's release of one halt (event halt_released,\n"
	       "         source operator, with the reason) and removes it: the next pass acts\n"
	       "         on the symbol again. If the exchange still reports less filled\n"
	       "         quantity than the journal, that pass halts the symbol again.\n\n"
	       "Options:\n"
	       "  --db FILE        journal database (must exist)\n"
	       "  --venue NAME     coinbase, binance-usdm or sim\n"
	       "  --account NAME   account (default: default; list: all)\n"
	       "  --symbol SYMBOL  the halted symbol, e.g. ETH-USD\n"
	       "  --reason TEXT    why the halt can go (required, at most %d bytes, one line)\n"
	       "  -h, --help       this help\n\n"
	       "Exit: 0 ok, 64 usage, 66 no such journal or no such halt, 74 database error.\n",
	       REASON_MAX);
}

struct halt_args {
	const char *db, *venue, *account, *symbol, *reason;
};

/* The options; *first is the first positional argument. */
static int parse(int argc, char **argv, struct halt_args *a, int *first)
{
	const struct cli_opt opts[] = {{"db", .value = &a->db},
				       {"venue", .take = cli_take_venue, .ctx = &a->venue},
				       {"account", .value = &a->account},
				       {"symbol", .value = &a->symbol},
				       {"reason", .value = &a->reason},
				       {NULL}};
	memset(a, 0, sizeof *a);
	int code = cli_opts_parse("halt", argc, argv, opts, help, first);
	if (code >= 0)
		return code;
	if (a->account && (!a->account[0] || strlen(a->account) >= MODEL_NAME_MAX))
		return cli_usage_error("halt", "--account: empty or longer than %d bytes",
				       MODEL_NAME_MAX - 1);
	return -1;
}

static int list(struct journal *j, const struct halt_args *a)
{
	struct query_def q;
	struct query_arg args[2];
	size_t n = 0;
	struct rk_err err = {0};
	if (query_find("halts", &q, &err))
		return cli_fail(&err);
	if (a->venue)
		args[n++] = (struct query_arg){.name = "venue", .value = a->venue};
	if (a->account)
		args[n++] = (struct query_arg){.name = "account", .value = a->account};
	if (query_print(j, &q, args, n, RENDER_TABLE, stdout, NULL, &err))
		return cli_fail(&err);
	return EX_OK;
}

/* One line of printable UTF-8 text (tabs allowed), not blank. */
static bool reason_ok(const char *r)
{
	bool blank = true;
	if (!jsonin_utf8_valid(r, strlen(r)))
		return false;
	for (const unsigned char *p = (const unsigned char *)r; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
		blank = blank && (*p == ' ' || *p == '\t');
	}
	return !blank;
}

static int release(struct journal *j, const struct halt_args *a)
{
	const char *account = a->account ? a->account : "default";
	int64_t seq = 0;
	struct rk_err err = {0};
	enum rk_rc rc = journal_begin(j, &err);
	if (!rc && (rc = recon_journal_release_halt(j, venue_parse(a->venue), account, a->symbol,
						    a->reason, rk_clock_now(rk_clock_system()), &seq, &err)))
		journal_rollback(j);
	else if (!rc)
		rc = journal_commit(j, &err);
	if (rc)
		return cli_fail(&err);
	printf("released the halt on %s/%s/%s (event %lld): %s\n"
	       "The next pass acts on %s again; if the exchange still reports less filled\n"
	       "quantity than the journal, it halts it again.\n",
	       a->venue, account, a->symbol, (long long)seq, a->reason, a->symbol);
	return EX_OK;
}

static int check_release_args(const struct halt_args *a)
{
	if (!a->venue || !a->symbol || !a->reason)
		return cli_usage_error("halt", "release needs --venue, --symbol and --reason");
	if (!a->symbol[0] || strlen(a->symbol) >= MODEL_SYM_MAX)
		return cli_usage_error("halt", "--symbol: empty or longer than %d bytes",
				       MODEL_SYM_MAX - 1);
	if (strlen(a->reason) > REASON_MAX || !reason_ok(a->reason))
		return cli_usage_error("halt", "--reason: one line of UTF-8 text, not blank, at"
				       " most %d bytes", REASON_MAX);
	return -1;
}

int cmd_halt(int argc, char **argv)
{
	struct halt_args a;
	int first, code = parse(argc, argv, &a, &first);
	if (code >= 0)
		return code;
	if (first >= argc)
		return cli_usage_error("halt", "missing subcommand (list or release)");
	const char *sub = argv[first];
	bool is_list = strcmp(sub, "list") == 0;
	if (!is_list && strcmp(sub, "release") != 0)
		return cli_usage_error("halt", "unknown subcommand '%s'", sub);
	if (first + 1 < argc)
		return cli_usage_error("halt", "unexpected argument '%s'", argv[first + 1]);
	if (is_list && (a.symbol || a.reason))
		return cli_usage_error("halt", "list takes --venue and --account only");
	if (!is_list && (code = check_release_args(&a)) >= 0)
		return code;
	if ((code = cli_require_db("halt", a.db)) >= 0)
		return code;
	code = EX_OK;
	struct journal *j = cli_open_journal(a.db, is_list ? JOURNAL_READONLY : JOURNAL_WRITE,
					     JOURNAL_ANY, &code);
	if (!j)
		return code;
	code = is_list ? list(j, &a) : release(j, &a);
	journal_close(j);
	return code;
}
