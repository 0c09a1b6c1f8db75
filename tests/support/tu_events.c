/* tu_events.c — the post-mortem tests' event language (see tu_events.h). */
#include "tu_events.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "record.h"
#include "rtime.h"
#include "testutil.h"

const char *const TU_SYMS[TU_NSYM] = {"AAA-USD", "BBB-USD"};

int64_t tu_us(const char *ts)
{
	int64_t v = 0;
	struct rk_err err = {0};
	assert_int_equal(rtime_parse(ts, &v, &err), RK_OK);
	return v;
}

static void ingest(struct journal *j, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char why[512];
	enum ingest_outcome oc = tu_ingest(j, line, why, sizeof why);
	if (oc == INGEST_REJECTED)
		fail_msg("rejected: %s: %s", line, why);
}

void tu_order(struct journal *j, const char *ts, const char *sym, const char *id,
		  const char *side, const char *type, const char *status, const char *qty)
{
	ingest(j,
	       "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
	       "\"order_id\":\"%s\",\"side\":\"%s\",\"order_type\":\"%s\",\"status\":\"%s\","
	       "\"qty\":\"%s\",\"price\":\"1\",\"stop_price\":\"1\"}",
	       ts, sym, id, side, type, status, qty);
}

void tu_fill(struct journal *j, const char *ts, const char *sym, const char *id,
		 const char *oid, const char *side, const char *qty)
{
	ingest(j,
	       "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
	       "\"fill_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\","
	       "\"price\":\"1\"}",
	       ts, sym, id, oid, side, qty);
}

/* Appends a reconciler's event; returns its seq. */
int64_t tu_recon_event(struct journal *j, const char *type, const char *ts, const char *sym,
			   const char *payload)
{
	struct rk_err err = {0};
	enum events_result res;
	int64_t seq = 0;
	struct journal_event ev = {type, "reconcile", ts, "coinbase", "default", sym, payload,
				   NULL, NULL};
	assert_int_equal(journal_begin(j, &err), RK_OK);
	if (events_append(j, &ev, &res, &seq, &err))
		fail_msg("%s: %s", type, err.msg);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	return seq;
}

int64_t tu_run_start(struct journal *j, const char *ts)
{
	char p[256];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"dry_run\":false}", ts);
	return tu_recon_event(j, "recon_run", ts, "", p);
}

void tu_run_end(struct journal *j, const char *ts, int64_t run)
{
	char p[256];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"run_id\":%lld,\"complete\":true}", ts, (long long)run);
	tu_recon_event(j, "recon_run_end", ts, "", p);
}

void tu_dust(struct journal *j, const char *ts, int64_t run, const char *sym)
{
	char p[512];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"run_id\":%lld,\"kind\":\"dust\",\"symbol\":\"%s\",\"key\":"
			      "\"dust:coinbase:default:%s\",\"detail\":\"{}\"}",
		 ts, (long long)run, sym, sym);
	tu_recon_event(j, "finding", ts, sym, p);
}

static unsigned rnd(struct tu_gen *g, unsigned n)
{
	g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((g->rng >> 33) % n);
}

static const char *ts_of(struct tu_gen *g, char buf[RTIME_STR_MAX])
{
	g->t += (int64_t)rnd(g, 120) - 20; /* now and then backwards */
	return rtime_format(tu_us("2025-01-01T00:00:00Z") + g->t * 1000000, buf);
}

static const char *qty_of(struct tu_gen *g)
{
	static const char *const Q[] = {"1", "2", "3", "0.5", "5"};
	return Q[rnd(g, 5)];
}

/* Appends one random event, or a line the journal refuses (nothing). */
void tu_gen_step(struct tu_gen *g)
{
	char ts[RTIME_STR_MAX], id[32], fid[32], line[1024], why[256];
	const char *sym = TU_SYMS[rnd(g, TU_NSYM)];
	static const char *const TYPES[] = {"stop_market", "stop_limit", "bracket", "trailing_stop",
					    "limit", "market"};
	static const char *const ST[] = {"open", "partially_filled", "filled", "cancelled",
					 "expired", "rejected"};
	unsigned what = rnd(g, 10);
	ts_of(g, ts);
	snprintf(id, sizeof id, "o%d", what < 4 || g->norders == 0 ? ++g->norders
								    : 1 + (int)rnd(g, (unsigned)g->norders));
	if (what < 6) { /* an order report, new or of a known order */
		snprintf(line, sizeof line,
			 "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
			 "\"order_id\":\"%s\",\"side\":\"%s\",\"order_type\":\"%s\",\"status\":\"%s\","
			 "\"qty\":\"%s\",\"price\":\"1\",\"stop_price\":\"1\"}",
			 ts, sym, id, rnd(g, 2) ? "buy" : "sell", TYPES[rnd(g, 6)], ST[rnd(g, 4) ? 0 : rnd(g, 6)],
			 qty_of(g));
		tu_ingest(g->j, line, why, sizeof why);
	} else if (what < 9) { /* a fill, real or (1 in 4) inferred */
		snprintf(fid, sizeof fid, "%sf%d", rnd(g, 4) ? "" : "inferred:", ++g->nfills);
		snprintf(line, sizeof line,
			 "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
			 "\"fill_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\","
			 "\"price\":\"1\"%s}",
			 ts, sym, fid, id, rnd(g, 2) ? "buy" : "sell", qty_of(g),
			 strncmp(fid, "inferred:", 9) == 0 ? ",\"inferred\":true" : "");
		if (strncmp(fid, "inferred:", 9) != 0) {
			tu_ingest(g->j, line, why, sizeof why);
			return;
		}
		struct fill_rec f;
		struct rk_err err = {0};
		enum events_result res;
		assert_int_equal(record_fill_from_text(line, &f, &err), RK_OK);
		assert_int_equal(journal_begin(g->j, &err), RK_OK);
		if (events_append_fill(g->j, &f, "reconcile", &res, &err))
			journal_rollback(g->j);
		else
			assert_int_equal(journal_commit(g->j, &err), RK_OK);
	} else if (!g->run) {
		g->run = tu_run_start(g->j, ts);
	} else { /* within a run: dust, the exchange's positions, or its end */
		unsigned k = rnd(g, 3);
		if (k == 0) {
			tu_dust(g->j, ts, g->run, sym);
		} else if (k == 1) {
			char p[512];
			snprintf(p, sizeof p,
				 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
				 "\"run_id\":%lld,\"positions\":[{\"symbol\":\"%s\",\"qty\":\"%s%s\","
				 "\"orderable_qty\":\"%s\"}]}",
				 ts, (long long)g->run, sym, rnd(g, 2) ? "-" : "", qty_of(g), qty_of(g));
			tu_recon_event(g->j, "exchange_positions", ts, "", rnd(g, 3) ? p :
				    "{\"venue\":\"coinbase\",\"account\":\"default\",\"positions\":[]}");
		} else {
			tu_run_end(g->j, ts, g->run);
			g->run = 0;
		}
	}
}

