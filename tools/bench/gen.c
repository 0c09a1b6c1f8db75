/*
 * gen.c — deterministic ingest lines and reconciliation scenarios (gen.h).
 */
#include "gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared helpers ----------------------------------------------------- */

static uint64_t rnd(uint64_t *state) /* splitmix64 */
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t rnd_range(uint64_t *state, int64_t lo, int64_t hi) /* [lo, hi] */
{
	return lo + (int64_t)(rnd(state) % (uint64_t)(hi - lo + 1));
}

/* v / 10^places as exact decimal text: fmt_scaled(12345, 3) = "12.345". */
static const char *fmt_scaled(char *buf, size_t cap, int64_t v, int places)
{
	int64_t p = 1;
	for (int k = 0; k < places; k++)
		p *= 10;
	const char *sign = v < 0 ? "-" : "";
	int64_t a = v < 0 ? -v : v;
	if (places == 0)
		snprintf(buf, cap, "%s%" PRId64, sign, a);
	else
		snprintf(buf, cap, "%s%" PRId64 ".%0*" PRId64, sign, a / p, places, a % p);
	return buf;
}

/* RFC 3339 UTC with milliseconds from milliseconds since the epoch. */
static const char *fmt_ts(char *buf, size_t cap, int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

static void fmt_day(char out[11], int64_t ms)
{
	char ts[80];
	fmt_ts(ts, sizeof ts, ms);
	memcpy(out, ts, 10);
	out[10] = '\0';
}

/* A UUID-shaped id from the PRNG, as Coinbase's order and fill ids look. */
static void fmt_uuid(char *buf, size_t cap, uint64_t *state)
{
	uint64_t a = rnd(state), b = rnd(state);
	snprintf(buf, cap, "%08" PRIx64 "-%04" PRIx64 "-5%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
		 a >> 32, (a >> 16) & 0xffff, a & 0xfff, ((b >> 48) & 0x3fff) | 0x8000,
		 b & UINT64_C(0xffffffffffff));
}

/* ---- ingest lines --------------------------------------------------------- */

#define ISYM 200 /* 0..99 coinbase spot, 100..199 binance-usdm futures */
#define POOL 48  /* orders in flight at once */
#define START_MS INT64_C(1740787200000) /* 2025-03-01T00:00:00Z */

enum otype { OT_LIMIT, OT_MARKET, OT_STOP };
enum fate { FATE_FILL, FATE_PARTIAL_CANCEL, FATE_CANCEL };

struct gorder {
	char id[40], client_id[32];
	int sym;
	bool buy;
	enum otype type;
	enum fate fate;
	int64_t qty, target, filled; /* milli units */
	int64_t price;               /* 1e-4, the limit or stop price */
	int fills_left;
};

struct igen {
	uint64_t rng;
	int64_t now_ms;
	int64_t price[ISYM];    /* 1e-4 */
	int64_t avail[ISYM];    /* spot: base held minus what open sells reserve, milli */
	int64_t order_seq, fill_seq, binance_id;
	struct gorder pool[POOL];
	int pool_n;
	/* fills, for the check of one day and symbol */
	int32_t *fill_day;
	int16_t *fill_sym;
	int64_t fills_cap;
};

static bool is_spot(int s) { return s < ISYM / 2; }

static void sym_name(char *buf, size_t cap, int s)
{
	if (is_spot(s))
		snprintf(buf, cap, "S%03d-USD", s);
	else
		snprintf(buf, cap, "S%03dUSDT", s - ISYM / 2);
}

static const char *venue_of(int s) { return is_spot(s) ? "coinbase" : "binance-usdm"; }

static void new_order(struct igen *g, struct gorder *o)
{
	memset(o, 0, sizeof *o);
	int s = (int)rnd_range(&g->rng, 0, ISYM - 1);
	o->sym = s;
	int64_t r = rnd_range(&g->rng, 0, 99);
	o->type = r < 55 ? OT_LIMIT : r < 80 ? OT_MARKET : OT_STOP;
	o->qty = rnd_range(&g->rng, 1, 2000) * (is_spot(s) ? 10 : 1);
	g->price[s] += rnd_range(&g->rng, -50, 50);
	if (g->price[s] < 1000)
		g->price[s] = 1000;
	if (o->type == OT_STOP) {
		/* a protective stop: mostly cancelled (replaced), now and then hit */
		o->buy = !is_spot(s) && rnd(&g->rng) % 2;
		o->price = o->buy ? g->price[s] * 105 / 100 : g->price[s] * 95 / 100;
		o->fate = rnd(&g->rng) % 10 == 0 ? FATE_FILL : FATE_CANCEL;
	} else {
		o->buy = is_spot(s) ? (g->avail[s] < 10 || rnd(&g->rng) % 2) : rnd(&g->rng) % 2;
		o->price = o->type == OT_MARKET ? g->price[s]
			   : o->buy ? g->price[s] - rnd_range(&g->rng, 0, 30)
				    : g->price[s] + rnd_range(&g->rng, 0, 30);
		r = rnd_range(&g->rng, 0, 99);
		o->fate = o->type == OT_MARKET ? FATE_FILL
			  : r < 70 ? FATE_FILL : r < 85 ? FATE_PARTIAL_CANCEL : FATE_CANCEL;
	}
	if (is_spot(s) && !o->buy) { /* sell only what is held and not reserved */
		if (g->avail[s] < 10) { /* nothing held: a limit buy instead */
			o->buy = true;
			if (o->type == OT_STOP) {
				o->type = OT_LIMIT;
				o->price = g->price[s] - rnd_range(&g->rng, 0, 30);
				o->fate = FATE_FILL;
			}
		} else {
			if (o->qty > g->avail[s])
				o->qty = g->avail[s] / 10 * 10;
			g->avail[s] -= o->qty;
		}
	}
	o->target = o->fate == FATE_FILL ? o->qty
		    : o->fate == FATE_CANCEL ? 0
					     : o->qty * rnd_range(&g->rng, 1, 9) / 10;
	if (o->fate == FATE_PARTIAL_CANCEL && o->target == 0)
		o->target = 1;
	o->fills_left = o->target == 0 ? 0 : o->type == OT_MARKET ? 1 : (int)rnd_range(&g->rng, 1, 3);
	if (o->fills_left > o->target)
		o->fills_left = (int)o->target;
	if (is_spot(s))
		fmt_uuid(o->id, sizeof o->id, &g->rng);
	else
		snprintf(o->id, sizeof o->id, "%" PRId64, INT64_C(80000000000) + ++g->binance_id * 7);
	snprintf(o->client_id, sizeof o->client_id, "bot-%" PRId64, ++g->order_seq);
}

static const char *type_name(enum otype t)
{
	return t == OT_LIMIT ? "limit" : t == OT_MARKET ? "market" : "stop_market";
}

static const char *purpose_of(const struct gorder *o)
{
	if (o->type == OT_STOP)
		return "stop_loss";
	return o->buy ? "entry" : "exit";
}

/* An order report: status open (first) or the final one. */
static void emit_report(struct igen *g, FILE *out, const struct gorder *o, const char *status,
			int64_t filled)
{
	char ts[80], sym[32], q[32], p[32], f[32];
	if (!out)
		return;
	fmt_ts(ts, sizeof ts, g->now_ms);
	sym_name(sym, sizeof sym, o->sym);
	fprintf(out,
		"{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"%s\",\"symbol\":\"%s\","
		"\"order_id\":\"%s\",\"client_order_id\":\"%s\",\"side\":\"%s\","
		"\"order_type\":\"%s\",\"status\":\"%s\",\"qty\":\"%s\"",
		ts, venue_of(o->sym), sym, o->id, o->client_id, o->buy ? "buy" : "sell",
		type_name(o->type), status, fmt_scaled(q, sizeof q, o->qty, 3));
	if (o->type == OT_LIMIT)
		fprintf(out, ",\"price\":\"%s\"", fmt_scaled(p, sizeof p, o->price, 4));
	if (o->type == OT_STOP)
		fprintf(out, ",\"stop_price\":\"%s\"", fmt_scaled(p, sizeof p, o->price, 4));
	fprintf(out, ",\"filled_qty\":\"%s\",\"purpose\":\"%s\",\"reduce_only\":%s}\n",
		fmt_scaled(f, sizeof f, filled, 3), purpose_of(o),
		o->type == OT_STOP && !is_spot(o->sym) ? "true" : "false");
}

static int emit_fill(struct igen *g, FILE *out, struct gorder *o, struct ingest_meta *m)
{
	int64_t q = o->fills_left == 1 ? o->target - o->filled : (o->target - o->filled) / o->fills_left;
	o->fills_left--;
	o->filled += q;
	int64_t price = o->type == OT_MARKET ? g->price[o->sym] : o->price;
	if (is_spot(o->sym) && o->buy)
		g->avail[o->sym] += q;
	if (m->fills >= g->fills_cap) {
		int64_t cap = g->fills_cap ? g->fills_cap * 2 : 4096;
		int32_t *d = realloc(g->fill_day, (size_t)cap * sizeof *d);
		if (d)
			g->fill_day = d;
		int16_t *s = realloc(g->fill_sym, (size_t)cap * sizeof *s);
		if (s)
			g->fill_sym = s;
		if (!d || !s) {
			fprintf(stderr, "reckon-bench: out of memory\n");
			return -1;
		}
		g->fills_cap = cap;
	}
	g->fill_day[m->fills] = (int32_t)((g->now_ms - START_MS) / 86400000);
	g->fill_sym[m->fills] = (int16_t)o->sym;
	m->fills++;
	/* every draw happens with or without output, so a run without output
	 * (the meta of a prefix) follows the same path */
	char ts[80], sym[32], id[40], qb[32], pb[32], fb[32];
	if (is_spot(o->sym))
		fmt_uuid(id, sizeof id, &g->rng);
	else
		snprintf(id, sizeof id, "%" PRId64, INT64_C(900000000) + g->fill_seq * 3);
	g->fill_seq++;
	uint64_t fee_kind = rnd(&g->rng) % 3;
	if (!out)
		return 0;
	fmt_ts(ts, sizeof ts, g->now_ms);
	sym_name(sym, sizeof sym, o->sym);
	fprintf(out,
		"{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"%s\",\"symbol\":\"%s\","
		"\"fill_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\","
		"\"price\":\"%s\"",
		ts, venue_of(o->sym), sym, id, o->id, o->buy ? "buy" : "sell",
		fmt_scaled(qb, sizeof qb, q, 3), fmt_scaled(pb, sizeof pb, price, 4));
	switch (fee_kind) {
	case 0: /* no fee */
		break;
	case 1: { /* 0.1% of the notional in the quote currency, to 1e-4 */
		int64_t fee = q * price / 10000000; /* milli * 1e-4 = 1e-7; 0.1% -> 1e-4 */
		fprintf(out, ",\"fee\":\"%s\",\"fee_currency\":\"%s\"",
			fmt_scaled(fb, sizeof fb, fee, 4), is_spot(o->sym) ? "USD" : "USDT");
		break;
	}
	default:
		fprintf(out, ",\"fee\":\"0.0002\",\"fee_currency\":\"%s\"",
			is_spot(o->sym) ? "USD" : "BNB");
	}
	fprintf(out, ",\"liquidity\":\"%s\"}\n",
		o->type == OT_LIMIT ? "maker" : "taker");
	return 0;
}

int gen_ingest(FILE *out, int64_t lines, uint64_t seed, struct ingest_meta *m)
{
	struct igen *g = calloc(1, sizeof *g);
	if (!g) {
		fprintf(stderr, "reckon-bench: out of memory\n");
		return -1;
	}
	memset(m, 0, sizeof *m);
	g->rng = seed;
	g->now_ms = START_MS;
	for (int s = 0; s < ISYM; s++)
		g->price[s] = rnd_range(&g->rng, 1000, 1000000);
	fmt_day(m->first_day, g->now_ms);
	int rc = 0;
	while (m->lines < lines) {
		g->now_ms += rnd_range(&g->rng, 1, 2000);
		if (g->pool_n < POOL && (g->pool_n < 8 || rnd(&g->rng) % 3 == 0)) {
			struct gorder *o = &g->pool[g->pool_n++];
			new_order(g, o);
			emit_report(g, out, o, "open", 0);
			m->orders++;
			m->reports++;
		} else {
			int k = (int)(rnd(&g->rng) % (uint64_t)g->pool_n);
			struct gorder *o = &g->pool[k];
			if (o->fills_left > 0) {
				if ((rc = emit_fill(g, out, o, m)))
					break;
			} else {
				emit_report(g, out, o, o->filled == o->qty ? "filled" : "cancelled",
					    o->filled);
				m->reports++;
				if (is_spot(o->sym) && !o->buy)
					g->avail[o->sym] += o->qty - o->filled;
				g->pool[k] = g->pool[--g->pool_n];
			}
		}
		m->lines++;
	}
	fmt_day(m->last_day, g->now_ms);
	for (int k = 0; k < g->pool_n; k++)
		if (g->pool[k].filled < g->pool[k].qty)
			m->open_orders++;
	if (rc == 0 && m->fills > 0) {
		/* the symbol of an order still open (so the filtered open_orders
		 * has rows to count), else of the middle fill; the day of that
		 * symbol's middle fill */
		int sym = g->fill_sym[m->fills / 2];
		for (int k = 0; k < g->pool_n; k++)
			if (g->pool[k].filled < g->pool[k].qty) {
				sym = g->pool[k].sym;
				break;
			}
		int64_t nsym = 0, seen = 0;
		for (int64_t k = 0; k < m->fills; k++)
			nsym += g->fill_sym[k] == sym;
		int32_t day = g->fill_day[m->fills / 2];
		for (int64_t k = 0; k < m->fills; k++)
			if (g->fill_sym[k] == sym && seen++ == nsym / 2) {
				day = g->fill_day[k];
				break;
			}
		fmt_day(m->check_day, START_MS + (int64_t)day * 86400000);
		snprintf(m->check_venue, sizeof m->check_venue, "%s", venue_of(sym));
		sym_name(m->check_symbol, sizeof m->check_symbol, sym);
		for (int64_t k = 0; k < m->fills; k++)
			if (g->fill_day[k] == day && g->fill_sym[k] == sym)
				m->check_day_fills++;
		for (int k = 0; k < g->pool_n; k++)
			if (g->pool[k].sym == sym && g->pool[k].filled < g->pool[k].qty)
				m->check_open_orders++;
	}
	if (rc == 0 && out && (fflush(out) || ferror(out))) {
		fprintf(stderr, "reckon-bench: writing the ingest lines failed\n");
		rc = -1;
	}
	free(g->fill_day);
	free(g->fill_sym);
	free(g);
	return rc;
}

/* ---- reconciliation scenarios ---------------------------------------------- */

#define RECON_NOW_MS INT64_C(1748736000000) /* 2025-06-01T00:00:00Z */

struct rpos {
	int64_t qty;   /* milli, > 0 */
	int64_t entry; /* 1e-4 */
	int64_t stop;  /* 1e-4 */
	int64_t last;  /* 1e-4 */
	bool long_;
};

enum dirt { DIRT_NONE, DIRT_MISSING_STOP, DIRT_ORPHAN };

static enum dirt dirt_of(int64_t i)
{
	if (i % 100 != 37)
		return DIRT_NONE;
	return (i / 100) % 2 == 0 ? DIRT_MISSING_STOP : DIRT_ORPHAN;
}

static void rpos_make(uint64_t seed, int64_t i, struct rpos *p)
{
	uint64_t st = seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull);
	p->long_ = i % 2 == 0;
	p->qty = rnd_range(&st, 10000, 1000000);
	p->entry = rnd_range(&st, 10000, 1000000);
	/* 5% from the entry, rounded away from the market to the 1e-4 tick */
	p->stop = p->long_ ? p->entry * 95 / 100 : (p->entry * 105 + 99) / 100;
	/* the market within 2% of the entry: far from the stop */
	p->last = p->entry + (p->long_ ? 1 : -1) * p->entry * rnd_range(&st, -200, 200) / 10000;
}

static void rsym(char *buf, size_t cap, int64_t i) { snprintf(buf, cap, "P%06" PRId64 "USDT", i); }

static int64_t entry_ms(int64_t i) { return RECON_NOW_MS - 3600000 - (i + 1) * 2000; }

/* One section of the scenario, for every position: the venue's lists. */
static void scen_write(FILE *f, int64_t n, uint64_t seed, bool dirty)
{
	char sym[32], q[32], a[32], b[32], ts[80], now[80];
	struct rpos p;
	fmt_ts(now, sizeof now, RECON_NOW_MS);
	fprintf(f, "{\n\"description\": \"reckon-bench: %" PRId64 " futures positions, each with its "
		   "stop%s\",\n\"now\": \"%s\",\n\"venues\": {\"binance-usdm\": {\n"
		   "\"market\": \"futures\",\n\"account\": \"default\",\n\"page_size\": 1000,\n",
		n, dirty ? ", 1% broken" : "", now);
	fprintf(f, "\"instruments\": [\n");
	for (int64_t i = 0; i < n; i++) {
		rsym(sym, sizeof sym, i);
		fprintf(f, "%s{\"symbol\":\"%s\",\"tick_size\":\"0.0001\",\"step_size\":\"0.001\","
			   "\"min_qty\":\"0.001\",\"min_notional\":\"5\"}",
			i ? ",\n" : "", sym);
	}
	fprintf(f, "],\n\"positions\": [\n");
	for (int64_t i = 0; i < n; i++) {
		rpos_make(seed, i, &p);
		rsym(sym, sizeof sym, i);
		fprintf(f, "%s{\"symbol\":\"%s\",\"qty\":\"%s\",\"entry_price\":\"%s\"}", i ? ",\n" : "",
			sym, fmt_scaled(q, sizeof q, p.long_ ? p.qty : -p.qty, 3),
			fmt_scaled(a, sizeof a, p.entry, 4));
	}
	fprintf(f, "],\n\"open_orders\": [\n");
	bool first = true;
	for (int64_t i = 0; i < n; i++) {
		rpos_make(seed, i, &p);
		rsym(sym, sizeof sym, i);
		enum dirt d = dirty ? dirt_of(i) : DIRT_NONE;
		if (d != DIRT_MISSING_STOP) {
			fprintf(f, "%s{\"order_id\":\"%" PRId64 "\",\"client_order_id\":\"bot-sl-%" PRId64
				   "\",\"symbol\":\"%s\",\"side\":\"%s\",\"order_type\":\"stop_market\","
				   "\"qty\":\"%s\",\"stop_price\":\"%s\",\"reduce_only\":true,\"ts\":\"%s\"}",
				first ? "" : ",\n", INT64_C(7000000000) + i * 2 + 1, i, sym,
				p.long_ ? "sell" : "buy", fmt_scaled(q, sizeof q, p.qty, 3),
				fmt_scaled(a, sizeof a, p.stop, 4),
				fmt_ts(ts, sizeof ts, entry_ms(i) + 1000));
			first = false;
		}
		if (d == DIRT_ORPHAN) { /* a take profit placed by hand: 1.5x / 0.5x the entry */
			fprintf(f, ",\n{\"order_id\":\"%" PRId64 "\",\"client_order_id\":\"manual-tp-%" PRId64
				   "\",\"symbol\":\"%s\",\"side\":\"%s\",\"order_type\":\"limit\","
				   "\"qty\":\"%s\",\"price\":\"%s\",\"reduce_only\":true,\"ts\":\"%s\"}",
				INT64_C(8000000000) + i, i, sym, p.long_ ? "sell" : "buy",
				fmt_scaled(q, sizeof q, p.qty / 2, 3),
				fmt_scaled(a, sizeof a, p.long_ ? p.entry * 3 / 2 : p.entry / 2, 4),
				fmt_ts(ts, sizeof ts, entry_ms(i) + 1500));
		}
	}
	fprintf(f, "],\n\"fills\": [\n");
	for (int64_t i = 0; i < n; i++) {
		rpos_make(seed, i, &p);
		rsym(sym, sizeof sym, i);
		fprintf(f, "%s{\"fill_id\":\"%" PRId64 "\",\"order_id\":\"%" PRId64 "\",\"symbol\":\"%s\","
			   "\"side\":\"%s\",\"qty\":\"%s\",\"price\":\"%s\",\"fee\":\"0\","
			   "\"liquidity\":\"taker\",\"ts\":\"%s\"}",
			i ? ",\n" : "", INT64_C(5000000000) + i, INT64_C(7000000000) + i * 2, sym,
			p.long_ ? "buy" : "sell", fmt_scaled(q, sizeof q, p.qty, 3),
			fmt_scaled(a, sizeof a, p.entry, 4), fmt_ts(ts, sizeof ts, entry_ms(i)));
	}
	fprintf(f, "],\n\"prices\": {\n");
	for (int64_t i = 0; i < n; i++) {
		rpos_make(seed, i, &p);
		rsym(sym, sizeof sym, i);
		fprintf(f, "%s\"%s\": [\"%s\"]", i ? ",\n" : "", sym, fmt_scaled(b, sizeof b, p.last, 4));
	}
	fprintf(f, "}\n}}}\n");
}

int gen_recon(FILE *journal, FILE *clean, FILE *dirty, int64_t n, uint64_t seed,
	      struct recon_meta *m)
{
	char sym[32], q[32], a[32], ts[80];
	struct rpos p;
	memset(m, 0, sizeof *m);
	m->positions = n;
	for (int64_t i = 0; i < n; i++) {
		rpos_make(seed, i, &p);
		rsym(sym, sizeof sym, i);
		const char *side = p.long_ ? "buy" : "sell", *close = p.long_ ? "sell" : "buy";
		fmt_scaled(q, sizeof q, p.qty, 3);
		fmt_ts(ts, sizeof ts, entry_ms(i));
		fprintf(journal,
			"{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"binance-usdm\",\"symbol\":\"%s\","
			"\"order_id\":\"%" PRId64 "\",\"client_order_id\":\"bot-entry-%" PRId64 "\","
			"\"side\":\"%s\",\"order_type\":\"market\",\"status\":\"open\",\"purpose\":\"entry\","
			"\"qty\":\"%s\",\"filled_qty\":\"0\"}\n",
			ts, sym, INT64_C(7000000000) + i * 2, i, side, q);
		fprintf(journal,
			"{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"binance-usdm\",\"symbol\":\"%s\","
			"\"fill_id\":\"%" PRId64 "\",\"order_id\":\"%" PRId64 "\",\"side\":\"%s\","
			"\"qty\":\"%s\",\"price\":\"%s\",\"fee\":\"0\",\"liquidity\":\"taker\"}\n",
			ts, sym, INT64_C(5000000000) + i, INT64_C(7000000000) + i * 2, side, q,
			fmt_scaled(a, sizeof a, p.entry, 4));
		fmt_ts(ts, sizeof ts, entry_ms(i) + 1000);
		fprintf(journal,
			"{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"binance-usdm\",\"symbol\":\"%s\","
			"\"order_id\":\"%" PRId64 "\",\"client_order_id\":\"bot-sl-%" PRId64 "\","
			"\"side\":\"%s\",\"order_type\":\"stop_market\",\"status\":\"open\","
			"\"purpose\":\"stop_loss\",\"reduce_only\":true,\"qty\":\"%s\",\"stop_price\":\"%s\","
			"\"filled_qty\":\"0\"}\n",
			ts, sym, INT64_C(7000000000) + i * 2 + 1, i, close, q,
			fmt_scaled(a, sizeof a, p.stop, 4));
		m->journal_lines += 3;
		enum dirt d = dirt_of(i);
		m->dirty_missing_stop += d == DIRT_MISSING_STOP;
		m->dirty_orphans += d == DIRT_ORPHAN;
	}
	if (clean)
		scen_write(clean, n, seed, false);
	if (dirty)
		scen_write(dirty, n, seed, true);
	if (fflush(journal) || ferror(journal) || (clean && (fflush(clean) || ferror(clean))) ||
	    (dirty && (fflush(dirty) || ferror(dirty)))) {
		fprintf(stderr, "reckon-bench: writing the scenario failed\n");
		return -1;
	}
	return 0;
}
