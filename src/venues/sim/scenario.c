/*
 * scenario.c — the scenario parser: builds a simulated venue from scenario
 * JSON (format in sim.h), and reads the scenario's journal lines.
 *
 * Every member is read through jsonin's field readers, which name the JSON
 * path in their errors ("scenario.venues.coinbase.balances[0].qty: ...").
 * Unknown keys are errors, so a typo cannot silently change a test.
 */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "jsonin.h"
#include "rtime.h"

static enum rk_rc parse_instrument(struct sim *s, const cJSON *j, const char *path,
				   struct rk_err *err)
{
	static const char *const KEYS[] = {"symbol", "tick_size", "step_size", "min_qty",
					   "min_notional", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	struct instrument ins;
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	enum rk_rc rc;
	memset(&ins, 0, sizeof ins);
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "symbol", true, ins.symbol, sizeof ins.symbol, err)) ||
	    (rc = jsonin_get_dec(at, "tick_size", false, NULL, &ins.tick_size, err)) ||
	    (rc = jsonin_get_dec(at, "step_size", false, NULL, &ins.step_size, err)) ||
	    (rc = jsonin_get_dec(at, "min_qty", false, NULL, &ins.min_qty, err)) ||
	    (rc = jsonin_get_dec(at, "min_notional", false, NULL, &ins.min_notional, err)))
		return rc;
	if (!symbol_split(ins.symbol, base, quote))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: cannot tell base from quote in '%s'",
				  path, ins.symbol);
	if (dec_sign(ins.tick_size) < 0 || dec_sign(ins.step_size) < 0 ||
	    dec_sign(ins.min_qty) < 0 || dec_sign(ins.min_notional) < 0)
		return rk_err_set(err, RK_EINVAL, "%s: rules must not be negative", path);
	if (sim_find_instrument(s, ins.symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' listed twice", path, ins.symbol);
	struct instrument *dst = rk_array_push(&s->instruments);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = ins;
	return sim_indexed(s, &s->instruments, err);
}

static enum rk_rc parse_balance(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"asset", "symbol", "qty", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	char asset[MODEL_SYM_MAX], symbol[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	struct dec qty;
	enum rk_rc rc;
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "asset", false, asset, sizeof asset, err)) ||
	    (rc = jsonin_get_str(at, "symbol", false, symbol, sizeof symbol, err)) ||
	    (rc = jsonin_get_dec(at, "qty", true, NULL, &qty, err)))
		return rc;
	if (!asset[0] == !symbol[0])
		return rk_err_set(err, RK_EINVAL, "%s: give exactly one of 'asset' or 'symbol'", path);
	if (symbol[0] && !symbol_split(symbol, asset, quote))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: cannot split '%s'", path, symbol);
	if (dec_sign(qty) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.qty: a spot balance cannot be negative", path);
	if (sim_find_balance(s, asset, false))
		return rk_err_set(err, RK_EINVAL, "%s: asset '%s' listed twice", path, asset);
	struct balance *b = sim_find_balance(s, asset, true);
	if (!b)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	b->qty = qty;
	return RK_OK;
}

static enum rk_rc parse_position(struct sim *s, const cJSON *j, const char *path,
				 struct rk_err *err)
{
	static const char *const KEYS[] = {"symbol", "qty", "entry_price", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	char symbol[MODEL_SYM_MAX];
	struct dec qty, entry;
	bool has_entry;
	enum rk_rc rc;
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "symbol", true, symbol, sizeof symbol, err)) ||
	    (rc = jsonin_get_dec(at, "qty", true, NULL, &qty, err)) ||
	    (rc = jsonin_get_dec(at, "entry_price", false, &has_entry, &entry, err)))
		return rc;
	if (!sim_find_instrument(s, symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' is not an instrument", path, symbol);
	if (!dec_is_zero(qty) && (!has_entry || dec_sign(entry) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.entry_price: required (> 0) for an open position",
				  path);
	if (sim_find_position(s, symbol, false))
		return rk_err_set(err, RK_EINVAL, "%s: '%s' listed twice", path, symbol);
	struct position *p = sim_find_position(s, symbol, true);
	if (!p)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	p->qty = qty;
	p->entry = dec_is_zero(qty) ? dec_zero() : entry;
	return RK_OK;
}

/* Reads an enum-valued string through a model parse function. */
#define READ_ENUM(key, parse, none, dst, required)                                           \
	do {                                                                                 \
		char tmp_[40];                                                               \
		if ((rc = jsonin_get_str(at, key, required, tmp_, sizeof tmp_, err)))          \
			return rc;                                                           \
		dst = parse(tmp_);                                                           \
		if (tmp_[0] && dst == none)                                                  \
			return rk_err_set(err, RK_EINVAL, "%s.%s: unknown value '%s'", path, \
					  key, tmp_);                                        \
	} while (0)

static enum rk_rc parse_order(struct sim *s, const cJSON *j, bool history, const char *path,
			      struct rk_err *err)
{
	static const char *const KEYS[] = {
		"order_id", "client_order_id", "symbol", "side", "order_type", "qty", "price",
		"stop_price", "reduce_only", "close_position", "filled_qty", "status", "ts",
		"triggered", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	struct sim_order o;
	struct order_rec *r = &o.rec;
	int64_t ts_us = 0;
	bool has_ts = false;
	enum rk_rc rc;

	memset(&o, 0, sizeof o);
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "order_id", true, r->order_id, sizeof r->order_id, err)) ||
	    (rc = jsonin_get_str(at, "client_order_id", false, r->client_order_id,
				 sizeof r->client_order_id, err)) ||
	    (rc = jsonin_get_str(at, "symbol", true, r->symbol, sizeof r->symbol, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, r->side, true);
	READ_ENUM("order_type", order_type_parse, OTYPE_NONE, r->type, true);
	READ_ENUM("status", order_status_parse, OSTATUS_NONE, r->status, history);
	if ((rc = jsonin_get_dec(at, "price", false, &r->has_price, &r->price, err)) ||
	    (rc = jsonin_get_dec(at, "stop_price", false, &r->has_stop_price, &r->stop_price, err)) ||
	    (rc = jsonin_get_dec(at, "filled_qty", false, NULL, &r->filled_qty, err)) ||
	    (rc = jsonin_get_bool(at, "reduce_only", false, &r->reduce_only, err)) ||
	    (rc = jsonin_get_bool(at, "close_position", false, &o.close_position, err)) ||
	    (rc = jsonin_get_bool(at, "triggered", false, &o.triggered, err)) ||
	    (rc = jsonin_get_time(at, "ts", false, &has_ts, &ts_us, err)) ||
	    (rc = jsonin_get_amount(at, "qty", true, 1, NULL, &r->qty, err)))
		return rc;
	if (!sim_find_instrument(s, r->symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' is not an instrument", path,
				  r->symbol);
	if ((r->type == OTYPE_LIMIT || r->type == OTYPE_STOP_LIMIT || r->type == OTYPE_BRACKET) &&
	    (!r->has_price || dec_sign(r->price) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.price: required for a %s order", path,
				  order_type_name(r->type));
	if (order_type_is_stop(r->type) && r->type != OTYPE_TRAILING_STOP &&
	    (!r->has_stop_price || dec_sign(r->stop_price) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.stop_price: required for a %s order", path,
				  order_type_name(r->type));
	if (r->type == OTYPE_TAKE_PROFIT && !r->has_stop_price)
		return rk_err_set(err, RK_EINVAL, "%s.stop_price: required for a take_profit order",
				  path);
	if (dec_sign(r->filled_qty) < 0 || dec_cmp(r->filled_qty, r->qty) > 0)
		return rk_err_set(err, RK_EINVAL, "%s.filled_qty: must be between 0 and qty", path);
	if (history) {
		if (!order_status_is_terminal(r->status))
			return rk_err_set(err, RK_EINVAL,
					  "%s.status: order_history holds terminal orders only", path);
	} else {
		if (r->status == OSTATUS_NONE)
			r->status = dec_is_zero(r->filled_qty) ? OSTATUS_OPEN
							       : OSTATUS_PARTIALLY_FILLED;
		if (!order_status_is_open(r->status))
			return rk_err_set(err, RK_EINVAL,
					  "%s.status: open_orders holds open orders only", path);
	}
	rtime_format(has_ts ? ts_us : s->now0_us, r->ts);
	if (sim_find_order(s, r->order_id))
		return rk_err_set(err, RK_EINVAL, "%s.order_id: '%s' listed twice", path, r->order_id);
	if (sim_find_order_by_client(s, r->client_order_id))
		return rk_err_set(err, RK_EINVAL, "%s.client_order_id: '%s' listed twice", path,
				  r->client_order_id);
	if (s->market == MARKET_SPOT && (r->reduce_only || o.close_position))
		return rk_err_set(err, RK_EINVAL, "%s: reduce_only/close_position are futures-only",
				  path);
	r->venue = s->base.kind;
	sim_copy_str(r->account, sizeof r->account, s->account);
	r->has_filled_qty = true;
	if (o.close_position)
		r->reduce_only = true;
	struct sim_order *dst = rk_array_push(&s->orders);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = o;
	return sim_indexed(s, &s->orders, err);
}

static enum rk_rc parse_fill(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"fill_id", "order_id", "symbol", "side", "qty", "price",
					   "fee", "fee_currency", "liquidity", "ts", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	struct sim_fill f;
	struct fill_rec *r = &f.rec;
	int64_t ts_us = 0;
	bool has_ts = false;
	enum rk_rc rc;
	memset(&f, 0, sizeof f);
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "fill_id", true, r->fill_id, sizeof r->fill_id, err)) ||
	    (rc = jsonin_get_str(at, "order_id", true, r->order_id, sizeof r->order_id, err)) ||
	    (rc = jsonin_get_str(at, "symbol", true, r->symbol, sizeof r->symbol, err)) ||
	    (rc = jsonin_get_str(at, "fee_currency", false, r->fee_currency, sizeof r->fee_currency,
				 err)) ||
	    (rc = jsonin_get_time(at, "ts", false, &has_ts, &ts_us, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, r->side, true);
	READ_ENUM("liquidity", liquidity_parse, LIQ_NONE, r->liquidity, false);
	if ((rc = jsonin_get_amount(at, "qty", true, 1, NULL, &r->qty, err)) ||
	    (rc = jsonin_get_amount(at, "price", true, 1, NULL, &r->price, err)) ||
	    (rc = jsonin_get_dec(at, "fee", false, NULL, &r->fee, err)))
		return rc;
	if (dec_sign(r->fee) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.fee: must not be negative", path);
	rtime_format(has_ts ? ts_us : s->now0_us, r->ts);
	if (rk_index_first(&s->ix_fill, r->fill_id, NULL) != RK_INDEX_NONE)
		return rk_err_set(err, RK_EINVAL, "%s.fill_id: '%s' listed twice", path, r->fill_id);
	r->venue = s->base.kind;
	sim_copy_str(r->account, sizeof r->account, s->account);
	f.seq = ++s->fill_seq;
	struct sim_fill *dst = rk_array_push(&s->fills);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = f;
	return sim_indexed(s, &s->fills, err);
}

static enum rk_rc parse_prices(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	if (!cJSON_IsObject(j))
		return rk_err_set(err, RK_EINVAL, "%s: must be an object of symbol -> [prices]", path);
	for (const cJSON *it = j->child; it; it = it->next) {
		char p[SIM_PATH_MAX + MODEL_SYM_MAX];
		snprintf(p, sizeof p, "%s.%s", path, it->string);
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 1)
			return rk_err_set(err, RK_EINVAL, "%s: must be a non-empty array of prices", p);
		if (strlen(it->string) >= MODEL_SYM_MAX || sim_find_path(s, it->string))
			return rk_err_set(err, RK_EINVAL, "%s: bad or repeated symbol", p);
		struct path *dst = rk_array_push(&s->paths);
		if (!dst)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		memset(dst, 0, sizeof *dst);
		sim_copy_str(dst->symbol, sizeof dst->symbol, it->string);
		enum rk_rc rc = sim_indexed(s, &s->paths, err);
		if (rc)
			return rc;
		size_t n = (size_t)cJSON_GetArraySize(it);
		dst->steps = calloc(n, sizeof *dst->steps);
		if (!dst->steps)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		for (const cJSON *px = it->child; px; px = px->next) {
			struct dec d;
			if (!cJSON_IsString(px) || dec_parse_cstr(px->valuestring, &d) != DEC_OK ||
			    dec_sign(d) <= 0)
				return rk_err_set(err, RK_EINVAL,
						  "%s[%zu]: must be a positive decimal string", p,
						  dst->n);
			dst->steps[dst->n++] = d;
		}
	}
	return RK_OK;
}

/* Runs `fn` over every element of an optional array member. */
typedef enum rk_rc (*elem_fn)(struct sim *, const cJSON *, const char *, struct rk_err *);

static enum rk_rc each(struct sim *s, const cJSON *obj, const char *key, const char *path,
		       elem_fn fn, struct rk_err *err)
{
	const cJSON *arr;
	enum rk_rc rc = jsonin_get_array(SIM_AT(obj, path), key, false, &arr, err);
	size_t i = 0;
	if (rc || !arr)
		return rc;
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		char p[SIM_PATH_MAX + 64];
		snprintf(p, sizeof p, "%s.%s[%zu]", path, key, i);
		if ((rc = fn(s, it, p, err)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc parse_open_order(struct sim *s, const cJSON *j, const char *path,
				   struct rk_err *err)
{
	return parse_order(s, j, false, path, err);
}

static enum rk_rc parse_history_order(struct sim *s, const cJSON *j, const char *path,
				      struct rk_err *err)
{
	return parse_order(s, j, true, path, err);
}

/* Spot: open sells must not hold more than the balance (a scenario typo). */
static enum rk_rc check_holds(struct sim *s, const char *path, struct rk_err *err)
{
	for (size_t i = 0; i < s->balances.n; i++) {
		struct dec h = sim_held(s, s->balances.v[i].asset);
		if (dec_cmp(h, s->balances.v[i].qty) > 0) {
			char a[DEC_STR_MAX], b[DEC_STR_MAX];
			return rk_err_set(err, RK_EINVAL,
					  "%s: open orders hold %s %s but the balance is %s", path,
					  dec_format(h, a), s->balances.v[i].asset,
					  dec_format(s->balances.v[i].qty, b));
		}
	}
	return RK_OK;
}

static enum rk_rc parse_venue(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {
		"description", "market", "account", "page_size", "fee_rate", "instruments",
		"balances", "positions", "open_orders", "order_history", "fills", "prices",
		"faults", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	char market[16];
	int64_t page_size;
	enum rk_rc rc;

	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "market", false, market, sizeof market, err)) ||
	    (rc = jsonin_get_str(at, "account", false, s->account, sizeof s->account, err)) ||
	    (rc = jsonin_get_int(at, "page_size", false, SIM_DEFAULT_PAGE_SIZE, 1, SIM_INT_MAX,
				 NULL, &page_size, err)) ||
	    (rc = jsonin_get_dec(at, "fee_rate", false, NULL, &s->fee_rate, err)))
		return rc;
	if (!s->account[0])
		sim_copy_str(s->account, sizeof s->account, "default");
	s->page_size = (size_t)page_size;
	if (dec_sign(s->fee_rate) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.fee_rate: must not be negative", path);
	if (!market[0])
		s->market = s->base.kind == VENUE_BINANCE_USDM ? MARKET_FUTURES : MARKET_SPOT;
	else if (strcmp(market, "spot") == 0)
		s->market = MARKET_SPOT;
	else if (strcmp(market, "futures") == 0)
		s->market = MARKET_FUTURES;
	else
		return rk_err_set(err, RK_EINVAL, "%s.market: want spot or futures", path);

	const cJSON *bal = cJSON_GetObjectItemCaseSensitive(j, "balances");
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(j, "positions");
	if (s->market == MARKET_SPOT && pos)
		return rk_err_set(err, RK_EINVAL, "%s.positions: a spot venue holds balances", path);
	if (s->market == MARKET_FUTURES && bal)
		return rk_err_set(err, RK_EINVAL, "%s.balances: a futures venue holds positions", path);

	if ((rc = each(s, j, "instruments", path, parse_instrument, err)) ||
	    (rc = each(s, j, "balances", path, parse_balance, err)) ||
	    (rc = each(s, j, "positions", path, parse_position, err)) ||
	    (rc = each(s, j, "open_orders", path, parse_open_order, err)) ||
	    (rc = each(s, j, "order_history", path, parse_history_order, err)) ||
	    (rc = each(s, j, "fills", path, parse_fill, err)) ||
	    (rc = each(s, j, "faults", path, sim_fault_parse, err)))
		return rc;
	const cJSON *prices = cJSON_GetObjectItemCaseSensitive(j, "prices");
	if (prices) {
		char p[SIM_PATH_MAX];
		snprintf(p, sizeof p, "%s.prices", path);
		if ((rc = parse_prices(s, prices, p, err)))
			return rc;
	}
	if (s->market == MARKET_SPOT)
		return check_holds(s, path, err);
	return RK_OK;
}

enum rk_rc sim_venue_create(const char *scenario_json, const char *venue_name,
			    struct venue **out, struct rk_err *err)
{
	static const char *const KEYS[] = {"description", "now", "step_seconds", "journal",
					   "venues", NULL};
	cJSON *root = NULL;
	struct sim *s = NULL;
	enum rk_rc rc = RK_OK;
	char now_text[64], path[SIM_PATH_MAX];
	int64_t step_seconds;

	*out = NULL;
	enum venue_kind kind = venue_parse(venue_name);
	if (kind == VENUE_UNKNOWN)
		return rk_err_set(err, RK_EINVAL, "sim: unknown venue '%s' (want coinbase, "
				  "binance-usdm or sim)", venue_name ? venue_name : "(null)");
	if (!scenario_json)
		return rk_err_set(err, RK_EINVAL, "sim: no scenario text");
	root = cJSON_Parse(scenario_json);
	if (!root) {
		rc = rk_err_set(err, RK_EINVAL, "scenario: not valid JSON");
		goto out;
	}
	const struct jsonin_at *at = SIM_AT(root, "scenario");
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "now", false, now_text, sizeof now_text, err)) ||
	    (rc = jsonin_get_int(at, "step_seconds", false, 60, 0, SIM_INT_MAX, NULL, &step_seconds,
				 err)))
		goto out;
	const cJSON *venues = cJSON_GetObjectItemCaseSensitive(root, "venues");
	if (!cJSON_IsObject(venues)) {
		rc = rk_err_set(err, RK_EINVAL, "scenario.venues: missing or not an object");
		goto out;
	}
	const cJSON *vj = cJSON_GetObjectItemCaseSensitive(venues, venue_name);
	if (!vj) {
		rc = rk_err_set(err, RK_ENOTFOUND, "scenario.venues: no venue '%s'", venue_name);
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		goto out;
	}
	s->base.ops = &SIM_OPS;
	s->base.kind = kind;
	s->base.impl = s;
	sim_index_init(s);
	sim_copy_str(s->name, sizeof s->name, venue_name);
	s->step_us = (int64_t)step_seconds * 1000000;
	if ((rc = rtime_parse(now_text[0] ? now_text : SIM_DEFAULT_NOW, &s->now0_us, err))) {
		rk_err_prefix(err, "scenario.now");
		goto out;
	}
	snprintf(path, sizeof path, "scenario.venues.%s", venue_name);
	if ((rc = parse_venue(s, vj, path, err)))
		goto out;
	s->base.caps.is_futures = s->market == MARKET_FUTURES;
	s->base.caps.orders_hold_balance = s->market == MARKET_SPOT;
	s->base.caps.has_bracket = s->market == MARKET_SPOT;
	*out = &s->base;
	s = NULL;
out:
	if (s)
		sim_destroy(&s->base);
	cJSON_Delete(root);
	return rc;
}

const char *sim_scenario_text(const char *name)
{
	const struct embedded_file *f =
		name ? embedded_find(EMBEDDED_SCENARIOS, EMBEDDED_SCENARIOS_COUNT, name) : NULL;
	return f ? f->text : NULL;
}

void sim_lines_free(char **lines, size_t n)
{
	if (!lines)
		return;
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

enum rk_rc sim_scenario_journal(const char *scenario_json, char ***lines, size_t *n,
				struct rk_err *err)
{
	cJSON *root = NULL;
	char **out = NULL;
	size_t k = 0, count = 0;
	enum rk_rc rc = RK_OK;

	*lines = NULL;
	*n = 0;
	root = scenario_json ? cJSON_Parse(scenario_json) : NULL;
	if (!root) {
		rc = rk_err_set(err, RK_EINVAL, "scenario: not valid JSON");
		goto out;
	}
	const cJSON *journal;
	if ((rc = jsonin_get_array(SIM_AT(root, "scenario"), "journal", false, &journal, err)) ||
	    !journal)
		goto out;
	count = (size_t)cJSON_GetArraySize(journal);
	if (count == 0)
		goto out;
	out = calloc(count, sizeof *out);
	if (!out) {
		rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		goto out;
	}
	for (const cJSON *it = journal->child; it; it = it->next, k++) {
		if (cJSON_IsString(it))
			out[k] = strdup(it->valuestring);
		else if (cJSON_IsObject(it))
			out[k] = cJSON_PrintUnformatted(it);
		else {
			rc = rk_err_set(err, RK_EINVAL,
					"scenario.journal[%zu]: must be an object or a string", k);
			goto out;
		}
		if (!out[k]) {
			rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
			goto out;
		}
	}
	*lines = out;
	*n = count;
	out = NULL;
out:
	sim_lines_free(out, count);
	cJSON_Delete(root);
	return rc;
}
