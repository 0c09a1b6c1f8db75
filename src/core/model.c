/* model.c — enum spellings and order lifecycle rules (see model.h). */
#include "model.h"

#include <string.h>

struct name_map {
	int value;
	const char *name;
};

static const char *map_name(const struct name_map *m, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].value == v)
			return m[i].name;
	return "";
}

static int map_parse(const struct name_map *m, size_t n, const char *s)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, s) == 0)
			return m[i].value;
	return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAP_FUNCS(prefix, type, table)                                        \
	const char *prefix##_name(enum type v) { return map_name(table, COUNT(table), (int)v); } \
	enum type prefix##_parse(const char *s) { return (enum type)map_parse(table, COUNT(table), s); }

static const struct name_map VENUES[] = {
	{VENUE_COINBASE, "coinbase"}, {VENUE_BINANCE_USDM, "binance-usdm"}, {VENUE_SIM, "sim"}};
static const struct name_map SIDES[] = {{SIDE_BUY, "buy"}, {SIDE_SELL, "sell"}};
static const struct name_map OTYPES[] = {
	{OTYPE_MARKET, "market"}, {OTYPE_LIMIT, "limit"}, {OTYPE_STOP_MARKET, "stop_market"},
	{OTYPE_STOP_LIMIT, "stop_limit"}, {OTYPE_TAKE_PROFIT, "take_profit"},
	{OTYPE_BRACKET, "bracket"}, {OTYPE_TRAILING_STOP, "trailing_stop"}};
static const struct name_map OSTATUSES[] = {
	{OSTATUS_OPEN, "open"}, {OSTATUS_PARTIALLY_FILLED, "partially_filled"},
	{OSTATUS_FILLED, "filled"}, {OSTATUS_CANCELLED, "cancelled"},
	{OSTATUS_REJECTED, "rejected"}, {OSTATUS_EXPIRED, "expired"}};
static const struct name_map PURPOSES[] = {
	{PURPOSE_ENTRY, "entry"}, {PURPOSE_EXIT, "exit"}, {PURPOSE_STOP_LOSS, "stop_loss"},
	{PURPOSE_TAKE_PROFIT, "take_profit"}};
static const struct name_map LIQS[] = {{LIQ_MAKER, "maker"}, {LIQ_TAKER, "taker"}};

MAP_FUNCS(venue, venue_kind, VENUES)
MAP_FUNCS(side, side, SIDES)
MAP_FUNCS(order_type, order_type, OTYPES)
MAP_FUNCS(order_status, order_status, OSTATUSES)
MAP_FUNCS(purpose, purpose, PURPOSES)
MAP_FUNCS(liquidity, liquidity, LIQS)

bool order_status_is_terminal(enum order_status s)
{
	return s == OSTATUS_FILLED || s == OSTATUS_CANCELLED || s == OSTATUS_REJECTED ||
	       s == OSTATUS_EXPIRED;
}

bool order_status_is_open(enum order_status s)
{
	return s == OSTATUS_OPEN || s == OSTATUS_PARTIALLY_FILLED;
}

bool order_status_transition_ok(enum order_status from, enum order_status to)
{
	if (from == to)
		return true;
	if (order_status_is_terminal(from))
		return false;
	if (from == OSTATUS_PARTIALLY_FILLED && to == OSTATUS_OPEN)
		return false;
	return to != OSTATUS_NONE;
}

bool order_type_is_stop(enum order_type t)
{
	return t == OTYPE_STOP_MARKET || t == OTYPE_STOP_LIMIT || t == OTYPE_BRACKET ||
	       t == OTYPE_TRAILING_STOP;
}

static bool copy_sym(char *dst, const char *src, size_t n)
{
	if (n == 0 || n >= MODEL_SYM_MAX)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

bool symbol_split(const char *symbol, char *base, char *quote)
{
	static const char *const QUOTES[] = {"FDUSD", "USDT", "USDC", "BUSD", "BTC", "ETH", "BNB"};
	size_t len = strlen(symbol);
	const char *dash = strchr(symbol, '-');
	if (dash)
		return copy_sym(base, symbol, (size_t)(dash - symbol)) &&
		       copy_sym(quote, dash + 1, strlen(dash + 1));
	for (size_t i = 0; i < COUNT(QUOTES); i++) {
		size_t ql = strlen(QUOTES[i]);
		if (len > ql && strcmp(symbol + len - ql, QUOTES[i]) == 0)
			return copy_sym(base, symbol, len - ql) && copy_sym(quote, QUOTES[i], ql);
	}
	return false;
}

bool fill_position_delta(const struct fill_rec *f, struct dec *delta)
{
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	struct dec d = f->qty;
	if (f->side != SIDE_BUY && f->side != SIDE_SELL)
		return false;
	if (f->fee_currency[0] && symbol_split(f->symbol, base, quote) &&
	    strcmp(f->fee_currency, base) == 0 &&
	    (f->side == SIDE_BUY ? dec_sub(d, f->fee, &d) : dec_add(d, f->fee, &d)) != DEC_OK)
		return false;
	if (f->side == SIDE_BUY && dec_sign(d) <= 0)
		return false;
	*delta = f->side == SIDE_BUY ? d : dec_neg(d);
	return true;
}

bool position_apply_fill(struct position_state *pos, const struct fill_rec *f)
{
	struct position_state n = *pos;
	struct dec delta;
	if (!fill_position_delta(f, &delta) || dec_add(pos->qty, delta, &n.qty) != DEC_OK)
		return false;
	if (dec_is_zero(n.qty)) {
		n.has_avg = false;
		n.avg = dec_zero();
	} else if (dec_is_zero(pos->qty) || dec_sign(pos->qty) != dec_sign(n.qty)) {
		n.has_avg = true;
		n.avg = f->price;
	} else if (dec_sign(delta) == dec_sign(pos->qty)) {
		struct dec cost_old, cost_new, total;
		if (dec_mul(dec_abs(pos->qty), pos->avg, DEC_ROUND_HALF_EVEN, &cost_old) ||
		    dec_mul(dec_abs(delta), f->price, DEC_ROUND_HALF_EVEN, &cost_new) ||
		    dec_add(cost_old, cost_new, &total) ||
		    dec_div(total, dec_abs(n.qty), DEC_ROUND_HALF_EVEN, &n.avg))
			return false;
		n.has_avg = true;
	}
	*pos = n;
	return true;
}

bool position_apply_superseding(struct position_state *pos, const struct fill_rec *f,
				struct dec absorbed)
{
	struct dec delta, rest;
	if (dec_is_zero(absorbed))
		return position_apply_fill(pos, f);
	if (!fill_position_delta(f, &delta) ||
	    dec_sub(delta, f->side == SIDE_BUY ? absorbed : dec_neg(absorbed), &rest) != DEC_OK)
		return false;
	if (dec_is_zero(rest))
		return true;
	struct fill_rec r = *f;
	r.side = dec_sign(rest) > 0 ? SIDE_BUY : SIDE_SELL;
	r.qty = dec_abs(rest);
	r.fee = dec_zero();
	r.fee_currency[0] = '\0';
	return position_apply_fill(pos, &r);
}

_Static_assert(sizeof MODEL_INFERRED_PREFIX - 1 == 9, "MODEL_INFERRED_PREFIX_LEN");

bool fill_stands_in(const struct fill_rec *f)
{
	return f->inferred && strncmp(f->fill_id, MODEL_INFERRED_PREFIX,
				      sizeof MODEL_INFERRED_PREFIX - 1) == 0;
}
