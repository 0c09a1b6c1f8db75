/*
 * bench_fifo.c — throughput of FIFO lot allocation through the projection.
 *
 *   bench_fifo [FILLS [JOURNAL_FILLS]]     (defaults 1000000 and 50000)
 *
 * Generates FILLS deterministic fills (seeded PRNG) over 100 spot and 100
 * futures symbols, buys and sells mixed so that sells consume lots, shorts
 * flip, a few spot sells run past the open lots; about 1 in 1000 fills
 * arrives late (older timestamp than its symbol's newest), forcing a
 * re-allocation. Then, each on a fresh temporary database with reckon's
 * schema and the journal's pragmas (WAL, synchronous=FULL), in
 * transactions of 10000 fills:
 *
 *   baseline  the rows plainly inserted into `fills` (one prepared INSERT)
 *   fifo      the same INSERT, then lots_apply_fill: exactly what
 *             project.c's apply_fill does for lots, late fills included
 *   journal   (first JOURNAL_FILLS fills, for context) the whole ingest
 *             path: events_append_fill -> event hash chain, orders, fills,
 *             positions and lots
 *
 * and prints fills per second for each next to the baseline, and the
 * ratio of their times to the baseline's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "journal.h"
#include "lots.h"
#include "model.h"
#include "rtime.h"
#include "sqlx.h"

#define SYMBOLS 200
#define BATCH 10000

struct gen {
	uint64_t rng;
	int64_t n;            /* fills generated */
	int64_t clock_us;     /* wall of the simulated market */
	int64_t open_qty[SYMBOLS]; /* net position in 0.001 units, to steer sides */
	int64_t price[SYMBOLS];    /* cents */
	int64_t late;         /* fills generated late */
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void gen_init(struct gen *g)
{
	memset(g, 0, sizeof *g);
	g->rng = 20250301;
	g->clock_us = 1740787200000000LL; /* 2025-03-01T00:00:00Z */
	for (int s = 0; s < SYMBOLS; s++)
		g->price[s] = 1000 + (int64_t)(rnd(g) % 100000);
}

static struct dec milli(int64_t v) /* v / 1000, exactly */
{
	struct dec d;
	char buf[32];
	snprintf(buf, sizeof buf, "%lld.%03lld", (long long)(v / 1000), (long long)(v % 1000));
	dec_parse_cstr(buf, &d);
	return d;
}

/* The next fill, written into *f. */
static void gen_next(struct gen *g, struct fill_rec *f)
{
	int s = (int)(rnd(g) % SYMBOLS);
	bool futures = s % 2 == 1;
	int64_t qty = 1 + (int64_t)(rnd(g) % 2000);
	char buf[32];
	memset(f, 0, sizeof *f);
	g->clock_us += 1000;
	int64_t ts = g->clock_us;
	if (rnd(g) % 1000 == 0) { /* late: up to 2 s older than the market */
		ts -= 1 + (int64_t)(rnd(g) % 2000000);
		g->late++;
	}
	rtime_format(ts, f->ts);
	f->venue = futures ? VENUE_BINANCE_USDM : VENUE_COINBASE;
	snprintf(f->account, sizeof f->account, "bench");
	snprintf(f->symbol, sizeof f->symbol, futures ? "S%03dUSDT" : "S%03d-USD", s);
	snprintf(f->fill_id, sizeof f->fill_id, "F%lld", (long long)g->n);
	snprintf(f->order_id, sizeof f->order_id, "O%lld", (long long)g->n);
	g->n++;
	/* Lean against the position so lots get consumed; now and then sell
	 * past it (spot: unmatched) or through it (futures: flip). */
	int64_t pos = g->open_qty[s];
	bool buy = futures ? (pos <= 0 ? rnd(g) % 10 < 6 : rnd(g) % 10 < 4)
			   : (pos == 0 ? rnd(g) % 50 != 0 : rnd(g) % 10 < 5);
	if (!futures && !buy && pos > 0 && rnd(g) % 50 != 0 && qty > pos)
		qty = pos;
	g->open_qty[s] += buy ? qty : -qty;
	if (!futures && g->open_qty[s] < 0)
		g->open_qty[s] = 0;
	g->price[s] += (int64_t)(rnd(g) % 21) - 10;
	if (g->price[s] < 100)
		g->price[s] = 100;
	f->side = buy ? SIDE_BUY : SIDE_SELL;
	f->qty = milli(qty);
	snprintf(buf, sizeof buf, "%lld.%02lld", (long long)(g->price[s] / 100),
		 (long long)(g->price[s] % 100));
	dec_parse_cstr(buf, &f->price);
	switch (rnd(g) % 3) {
	case 0:
		f->fee = dec_zero();
		break;
	case 1: /* 0.1% in the quote currency, to 0.0001 */
		snprintf(buf, sizeof buf, "0.%04lld", (long long)(qty * g->price[s] / 100000 % 10000));
		dec_parse_cstr(buf, &f->fee);
		snprintf(f->fee_currency, sizeof f->fee_currency, futures ? "USDT" : "USD");
		break;
	default:
		dec_parse_cstr("0.0002", &f->fee);
		snprintf(f->fee_currency, sizeof f->fee_currency, "BNB");
	}
	f->liquidity = rnd(g) % 2 ? LIQ_MAKER : LIQ_TAKER;
}

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process (user + system): steadier than wall time on a
 * shared machine. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what, const struct rk_err *err)
{
	fprintf(stderr, "bench_fifo: %s: %s\n", what, err->msg);
	exit(1);
}

static struct journal *open_temp(char *path, size_t cap)
{
	struct journal *j = NULL;
	struct rk_err err = {0};
	snprintf(path, cap, "/tmp/reckon-bench-fifo-%ld.db", (long)getpid());
	unlink(path);
	if (events_open(path, JOURNAL_CREATE, JOURNAL_ANY, &j, &err))
		die("opening a temporary journal", &err);
	return j;
}

static void remove_db(const char *path)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static const char SQL_FILL_INSERT[] =
	"INSERT INTO fills(venue, account, symbol, fill_id, order_id, side, qty, price, fee,"
	" fee_currency, liquidity, ts, inferred, seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13)";

static void insert_fill(struct journal *j, const struct fill_rec *f, int64_t seq)
{
	char q[DEC_STR_MAX], p[DEC_STR_MAX], fee[DEC_STR_MAX];
	struct rk_err err = {0};
	sqlite3_stmt *st;
	if (journal_stmt(j, SQL_FILL_INSERT, &st, &err))
		die("prepare", &err);
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, side_name(f->side), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, dec_format(f->qty, q), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, dec_format(f->price, p), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, dec_format(f->fee, fee), -1, SQLITE_STATIC);
	if (f->fee_currency[0])
		sqlite3_bind_text(st, 10, f->fee_currency, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, liquidity_name(f->liquidity), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlx_error(journal_db(j), &err, "insert");
		die("inserting a fill", &err);
	}
	sqlite3_reset(st);
}

enum mode { MODE_BASELINE, MODE_FIFO, MODE_JOURNAL };

/* Runs n fills in `mode` on a fresh database; returns wall seconds, *cpu
 * (OUT) the CPU seconds. *counts (may be NULL) gets the lot tables' counts
 * afterwards. */
static double run(enum mode mode, long n, double *cpu, struct lots_counts *counts, int64_t *late)
{
	char path[256];
	struct journal *j = open_temp(path, sizeof path);
	struct rk_err err = {0};
	struct gen g;
	struct fill_rec f;
	gen_init(&g);
	double t0 = now_s(), c0 = cpu_s();
	for (long i = 0; i < n; i++) {
		enum events_result res;
		if (i % BATCH == 0 && journal_begin(j, &err))
			die("begin", &err);
		gen_next(&g, &f);
		if (mode == MODE_JOURNAL) {
			if (events_append_fill(j, &f, "bench", &res, &err))
				die("journaling a fill", &err);
		} else {
			insert_fill(j, &f, i + 1);
			if (mode == MODE_FIFO && lots_apply_fill(j, i + 1, &f, &err))
				die("allocating a fill", &err);
		}
		if (((i + 1) % BATCH == 0 || i + 1 == n) && journal_commit(j, &err))
			die("commit", &err);
	}
	double t = now_s() - t0;
	*cpu = cpu_s() - c0;
	if (counts && lots_count(j, counts, &err))
		die("counting", &err);
	if (late)
		*late = g.late;
	journal_close(j);
	remove_db(path);
	return t;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long nj = argc > 2 ? atol(argv[2]) : 50000;
	struct lots_counts c;
	int64_t late = 0;
	if (n <= 0 || nj < 0) {
		fprintf(stderr, "usage: bench_fifo [FILLS [JOURNAL_FILLS]]\n");
		return 64;
	}
	double c_base, c_fifo, c_j;
	double t_base = run(MODE_BASELINE, n, &c_base, NULL, NULL);
	double t_fifo = run(MODE_FIFO, n, &c_fifo, &c, &late);
	printf("bench_fifo: %ld fills over %d symbols (half spot, half futures), %lld late\n", n,
	       SYMBOLS, (long long)late);
	printf("  lots %lld (%lld open), closing fills %lld, allocations %lld, unmatched sells %lld\n",
	       (long long)c.lots, (long long)c.open_lots, (long long)c.closes,
	       (long long)c.allocations, (long long)c.unmatched);
	printf("  baseline  plain prepared INSERT into fills  %9.0f fills/s  (%.1f s)  cpu %.2f s\n",
	       (double)n / t_base, t_base, c_base);
	printf("  fifo      INSERT + lots_apply_fill          %9.0f fills/s  (%.1f s)"
	       "  ratio %.2f (time vs baseline)  cpu %.2f s, cpu ratio %.2f\n",
	       (double)n / t_fifo, t_fifo, t_fifo / t_base, c_fifo, c_fifo / c_base);
	if (nj > 0) {
		long m = nj < n ? nj : n;
		double t_j = run(MODE_JOURNAL, m, &c_j, NULL, NULL);
		double t_b = t_base * (double)m / (double)n;
		printf("  journal   full ingest path, first %ld fills %9.0f fills/s  (%.1f s)"
		       "  ratio %.2f (time vs baseline rate)  cpu ratio %.2f\n",
		       m, (double)m / t_j, t_j, t_j / t_b, c_j / (c_base * (double)m / (double)n));
	}
	return 0;
}
