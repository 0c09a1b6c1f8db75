/*
 * gen.h — deterministic inputs for the benchmark suite (tools/bench).
 *
 * Everything here is a pure function of (size, seed): the same call writes
 * the same bytes on every machine. Nothing reads the clock or the
 * environment, and nothing links reckon: the lines follow the ingest
 * contract of README.md ("Ingest contract") and the scenarios the format
 * of scenarios/README.md, which are the stable interfaces the suite drives.
 *
 * Errors: every function returns 0 on success, or -1 after printing why on
 * stderr (an I/O error, out of memory).
 */
#ifndef RECKON_BENCH_GEN_H
#define RECKON_BENCH_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What a stream of ingest lines holds, to check what reckon made of it. */
struct ingest_meta {
	int64_t lines;       /* lines generated (each one journaled event) */
	int64_t orders;      /* distinct orders */
	int64_t reports;     /* order lines */
	int64_t fills;       /* fill lines */
	int64_t open_orders; /* orders open or partially filled after the last line */
	/* One (day, venue, symbol) with fills, for fills_of_day and the
	 * filtered open_orders: the symbol of an order still open at the end
	 * (else of the middle fill), the day of that symbol's middle fill. */
	char check_day[11];      /* "YYYY-MM-DD" */
	char check_venue[16];
	char check_symbol[32];
	int64_t check_day_fills;    /* fills of check_symbol on check_day */
	int64_t check_open_orders;  /* open orders of check_symbol at the end */
	char first_day[11], last_day[11]; /* days of the first and last line */
};

/* Writes `lines` ingest lines (orders and fills, both venues, 200 symbols,
 * orders interleaved as a bot's would be: open report, 0-3 fills, final
 * report filled or cancelled; stop orders mostly cancelled) to `out` (NULL:
 * write nothing, only compute `meta`). The first K lines of a run are the
 * same for every `lines` >= K, so the meta of a prefix is that of a shorter
 * run. */
int gen_ingest(FILE *out, int64_t lines, uint64_t seed, struct ingest_meta *meta);

/* A reconciliation scenario: `positions` binance-usdm futures positions,
 * half long and half short, each with a reduce-only stop_market 5% from the
 * entry, both in the journal lines (entry order, its fill, the stop) and in
 * the simulated venue (position, open stop, the fill, last price). */
struct recon_meta {
	int64_t positions;
	int64_t journal_lines;
	int64_t dirty_missing_stop; /* positions whose stop is nowhere (dirty only) */
	int64_t dirty_orphans;      /* venue orders the journal does not know (dirty only) */
};

/* Writes the journal lines to `journal`, the clean scenario (the venue holds
 * exactly what the journal says: a pass finds nothing to do) to `clean` and
 * the 1%-dirty one to `dirty` (either may be NULL). In the dirty scenario 1
 * in 100 positions is broken on the venue's side, so both scenarios share
 * one journal: alternately its stop is gone from the venue (cancelled behind
 * the bot's back: missing_stop, stale_local_order) or the venue holds an
 * extra reduce-only take-profit limit the journal never saw
 * (orphan_exchange_order). */
int gen_recon(FILE *journal, FILE *clean, FILE *dirty, int64_t positions, uint64_t seed,
	      struct recon_meta *meta);

#endif
