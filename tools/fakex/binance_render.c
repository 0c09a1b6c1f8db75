/*
 * binance_render.c — sim records in Binance USDⓈ-M's JSON shapes (see
 * /work/shared/fixtures/binance-usdm/): amounts as strings, ids and times
 * as numbers, one-way mode (positionSide BOTH).
 *
 * Since 2025-12-09 conditional orders live in the Algo Order API. The sim
 * has one list of orders, so the fake shows each order in one of two views:
 *  - algo view: stop_market (STOP_MARKET), stop_limit (STOP), take_profit
 *    (TAKE_PROFIT_MARKET), trailing_stop; algoId is the order's number;
 *  - plain view (openOrders, /fapi/v1/order): market and limit orders, and a
 *    conditional order once triggered — its "actual order", whose orderId is
 *    the same number as its algoId (actualOrderId), type LIMIT or MARKET
 *    and origType the algo's type.
 */
#include "fakex.h"

#include <string.h>

static const struct fx_book *binance_book(const struct fakex *fx)
{
	return &fx->books[FX_BINANCE];
}

bool fx_bn_is_conditional(enum order_type t)
{
	return t == OTYPE_STOP_MARKET || t == OTYPE_STOP_LIMIT || t == OTYPE_TAKE_PROFIT ||
	       t == OTYPE_TRAILING_STOP || t == OTYPE_BRACKET;
}

bool fx_bn_is_plain_view(const struct fx_book *b, const struct order_rec *o)
{
	return !fx_bn_is_conditional(o->type) || fx_book_triggered(b, o);
}

static const char *bn_side(enum side s)
{
	return s == SIDE_BUY ? "BUY" : "SELL";
}

static const char *bn_status(enum order_status s)
{
	switch (s) {
	case OSTATUS_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
	case OSTATUS_FILLED: return "FILLED";
	case OSTATUS_CANCELLED: return "CANCELED";
	case OSTATUS_REJECTED: return "REJECTED";
	case OSTATUS_EXPIRED: return "EXPIRED";
	default: return "NEW";
	}
}

/* The type as placed: Binance's name for the sim's order type. */
static const char *bn_orig_type(enum order_type t)
{
	switch (t) {
	case OTYPE_MARKET: return "MARKET";
	case OTYPE_LIMIT: return "LIMIT";
	case OTYPE_STOP_LIMIT: return "STOP";
	case OTYPE_STOP_MARKET: return "STOP_MARKET";
	case OTYPE_TAKE_PROFIT: return "TAKE_PROFIT_MARKET";
	case OTYPE_TRAILING_STOP: return "TRAILING_STOP_MARKET";
	default: return "STOP";
	}
}

/* The type as working now: a triggered conditional is a LIMIT or MARKET. */
static const char *bn_type(enum order_type t)
{
	if (t == OTYPE_LIMIT || t == OTYPE_STOP_LIMIT || t == OTYPE_BRACKET)
		return "LIMIT";
	return "MARKET";
}

static bool add_price_or_zero(cJSON *j, const char *key, bool has, struct dec v)
{
	return has ? fx_add_dec(j, key, v) : fx_add_str(j, key, "0");
}

cJSON *fx_bn_order_json(struct fakex *fx, const struct order_rec *o, const struct fx_dump *d,
			bool ack)
{
	const struct fx_book *b = binance_book(fx);
	struct fx_fill_sum sum;
	struct dec filled;
	int64_t ms = fx_ts_ms(o->ts);
	cJSON *j = cJSON_CreateObject();

	fx_fill_sum(d, o->order_id, &sum);
	filled = o->has_filled_qty ? o->filled_qty : sum.qty;
	bool ok = j && fx_add_int(j, "orderId", fx_ids_num(&fx->binance_ids, o->order_id)) &&
		  fx_add_str(j, "symbol", o->symbol) && fx_add_str(j, "status", bn_status(o->status)) &&
		  fx_add_str(j, "clientOrderId", o->client_order_id) &&
		  add_price_or_zero(j, "price", o->has_price, o->price) &&
		  fx_add_dec(j, "avgPrice", sum.avg_price) && fx_add_dec(j, "origQty", o->qty) &&
		  fx_add_dec(j, "executedQty", filled) &&
		  (!ack || fx_add_dec(j, "cumQty", filled)) && fx_add_dec(j, "cumQuote", sum.value) &&
		  fx_add_str(j, "timeInForce", "GTC") && fx_add_str(j, "type", bn_type(o->type)) &&
		  fx_add_bool(j, "reduceOnly", o->reduce_only) &&
		  fx_add_bool(j, "closePosition", fx_idset_has(&b->close_position, o->order_id)) &&
		  fx_add_str(j, "side", bn_side(o->side)) && fx_add_str(j, "positionSide", "BOTH") &&
		  add_price_or_zero(j, "stopPrice", o->has_stop_price, o->stop_price) &&
		  fx_add_str(j, "workingType", "CONTRACT_PRICE") &&
		  fx_add_bool(j, "priceProtect", false) &&
		  fx_add_str(j, "origType", bn_orig_type(o->type)) &&
		  fx_add_str(j, "priceMatch", "NONE") &&
		  fx_add_str(j, "selfTradePreventionMode", "NONE") && fx_add_int(j, "goodTillDate", 0) &&
		  (ack || fx_add_int(j, "time", ms)) && fx_add_int(j, "updateTime", ms);
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static const char *algo_status(const struct fx_book *b, const struct order_rec *o)
{
	bool triggered = fx_book_triggered(b, o);
	switch (o->status) {
	case OSTATUS_OPEN:
	case OSTATUS_PARTIALLY_FILLED:
		return triggered ? "TRIGGERED" : "NEW";
	case OSTATUS_FILLED:
		return "FINISHED";
	case OSTATUS_CANCELLED:
		return triggered ? "FINISHED" : "CANCELED";
	case OSTATUS_REJECTED:
		return "REJECTED";
	default:
		return "EXPIRED";
	}
}

/* Fields only the query answers carry: the actual order and tp/sl legs. */
static bool add_algo_state(cJSON *j, struct fakex *fx, const struct order_rec *o)
{
	const struct fx_book *b = binance_book(fx);
	char actual[32] = "";
	if (fx_book_triggered(b, o))
		snprintf(actual, sizeof actual, "%lld",
			 (long long)fx_ids_num(&fx->binance_ids, o->order_id));
	return fx_add_str(j, "actualOrderId", actual) &&
	       add_price_or_zero(j, "actualPrice", o->has_price && actual[0], o->price) &&
	       fx_add_str(j, "tpTriggerPrice", "0") && fx_add_str(j, "tpPrice", "0") &&
	       fx_add_str(j, "slTriggerPrice", "0") && fx_add_str(j, "slPrice", "0") &&
	       fx_add_str(j, "tpOrderType", "");
}

cJSON *fx_bn_algo_json(struct fakex *fx, const struct order_rec *o, bool ack)
{
	const struct fx_book *b = binance_book(fx);
	int64_t ms = fx_ts_ms(o->ts);
	cJSON *j = cJSON_CreateObject();
	bool ok = j && fx_add_int(j, "algoId", fx_ids_num(&fx->binance_ids, o->order_id)) &&
		  fx_add_str(j, "clientAlgoId", o->client_order_id) &&
		  fx_add_str(j, "algoType", "CONDITIONAL") &&
		  fx_add_str(j, "orderType", bn_orig_type(o->type)) &&
		  fx_add_str(j, "symbol", o->symbol) && fx_add_str(j, "side", bn_side(o->side)) &&
		  fx_add_str(j, "positionSide", "BOTH") && fx_add_str(j, "timeInForce", "GTC") &&
		  fx_add_dec(j, "quantity", o->qty) &&
		  fx_add_str(j, "algoStatus", algo_status(b, o)) &&
		  (ack || add_algo_state(j, fx, o)) &&
		  add_price_or_zero(j, "triggerPrice", o->has_stop_price, o->stop_price) &&
		  add_price_or_zero(j, "price", o->has_price, o->price) &&
		  cJSON_AddNullToObject(j, "icebergQuantity") &&
		  fx_add_str(j, "selfTradePreventionMode", "EXPIRE_MAKER") &&
		  fx_add_str(j, "workingType", "CONTRACT_PRICE") &&
		  fx_add_str(j, "priceMatch", "NONE") &&
		  fx_add_bool(j, "closePosition", fx_idset_has(&b->close_position, o->order_id)) &&
		  fx_add_bool(j, "priceProtect", false) &&
		  fx_add_bool(j, "reduceOnly", o->reduce_only) &&
		  (!ack || (fx_add_str(j, "activatePrice", "") && fx_add_str(j, "callbackRate", ""))) &&
		  fx_add_int(j, "createTime", ms) && fx_add_int(j, "updateTime", ms) &&
		  fx_add_int(j, "triggerTime", 0) && fx_add_int(j, "goodTillDate", 0);
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *fx_bn_trade_json(struct fakex *fx, const struct fill_rec *f)
{
	struct dec quote = dec_zero();
	cJSON *j = cJSON_CreateObject();
	dec_mul(f->qty, f->price, DEC_ROUND_HALF_EVEN, &quote);
	bool ok = j && fx_add_bool(j, "buyer", f->side == SIDE_BUY) &&
		  fx_add_dec(j, "commission", f->fee) &&
		  fx_add_str(j, "commissionAsset", f->fee_currency[0] ? f->fee_currency : "USDT") &&
		  fx_add_int(j, "id", fx_ids_num(&fx->binance_ids, f->fill_id)) &&
		  fx_add_bool(j, "maker", f->liquidity == LIQ_MAKER) &&
		  fx_add_int(j, "orderId", fx_ids_num(&fx->binance_ids, f->order_id)) &&
		  fx_add_dec(j, "price", f->price) && fx_add_dec(j, "qty", f->qty) &&
		  fx_add_dec(j, "quoteQty", quote) && fx_add_str(j, "realizedPnl", "0") &&
		  fx_add_str(j, "side", bn_side(f->side)) && fx_add_str(j, "positionSide", "BOTH") &&
		  fx_add_str(j, "symbol", f->symbol) && fx_add_int(j, "time", fx_ts_ms(f->ts));
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* |v| * 5% (20x leverage), to 8 decimals. */
static struct dec initial_margin(struct dec notional)
{
	struct dec m = dec_zero(), rate, unit;
	dec_parse_cstr("0.05", &rate);
	dec_parse_cstr("0.00000001", &unit);
	if (dec_mul(dec_abs(notional), rate, DEC_ROUND_HALF_EVEN, &m) == DEC_OK)
		dec_quantize(m, unit, DEC_ROUND_HALF_EVEN, &m);
	return m;
}

cJSON *fx_bn_position_json(const struct venue_position *p, bool has_mark, struct dec mark,
			   int64_t update_ms)
{
	char base[MODEL_SYM_MAX] = "", quote[MODEL_SYM_MAX] = "USDT";
	struct dec entry = p->has_entry ? p->entry_price : dec_zero();
	struct dec notional = dec_zero(), pnl = dec_zero(), diff;
	cJSON *j = cJSON_CreateObject();

	symbol_split(p->symbol, base, quote);
	if (!has_mark)
		mark = entry;
	dec_mul(p->qty, mark, DEC_ROUND_HALF_EVEN, &notional);
	if (dec_sub(mark, entry, &diff) == DEC_OK)
		dec_mul(diff, p->qty, DEC_ROUND_HALF_EVEN, &pnl);
	bool ok = j && fx_add_str(j, "symbol", p->symbol) && fx_add_str(j, "positionSide", "BOTH") &&
		  fx_add_dec(j, "positionAmt", p->qty) && fx_add_dec(j, "entryPrice", entry) &&
		  fx_add_dec(j, "breakEvenPrice", entry) && fx_add_dec(j, "markPrice", mark) &&
		  fx_add_dec(j, "unRealizedProfit", pnl) && fx_add_str(j, "liquidationPrice", "0") &&
		  fx_add_str(j, "isolatedMargin", "0") && fx_add_dec(j, "notional", notional) &&
		  fx_add_str(j, "marginAsset", quote) && fx_add_str(j, "isolatedWallet", "0") &&
		  fx_add_dec(j, "initialMargin", initial_margin(notional)) &&
		  fx_add_str(j, "maintMargin", "0") &&
		  fx_add_dec(j, "positionInitialMargin", initial_margin(notional)) &&
		  fx_add_str(j, "openOrderInitialMargin", "0") && fx_add_int(j, "adl", 0) &&
		  fx_add_str(j, "bidNotional", "0") && fx_add_str(j, "askNotional", "0") &&
		  fx_add_int(j, "updateTime", update_ms);
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Digits after the point in a rule such as "0.001" (pricePrecision). */
static int64_t precision(struct dec v)
{
	char buf[DEC_STR_MAX];
	const char *dot = strchr(dec_format(v, buf), '.');
	return dot ? (int64_t)strlen(dot + 1) : 0;
}

/* {"filterType": type, ...} appended to `filters`; returns it or NULL. */
static cJSON *add_filter(cJSON *filters, const char *type)
{
	cJSON *f = cJSON_CreateObject();
	if (f && fx_add_str(f, "filterType", type) && cJSON_AddItemToArray(filters, f))
		return f;
	cJSON_Delete(f);
	return NULL;
}

static bool add_filters(cJSON *j, const struct instrument *ins)
{
	cJSON *fs = cJSON_AddArrayToObject(j, "filters"), *f;
	return fs && (f = add_filter(fs, "PRICE_FILTER")) && fx_add_str(f, "maxPrice", "1000000") &&
	       fx_add_dec(f, "minPrice", ins->tick_size) && fx_add_dec(f, "tickSize", ins->tick_size) &&
	       (f = add_filter(fs, "LOT_SIZE")) && fx_add_str(f, "maxQty", "10000000") &&
	       fx_add_dec(f, "minQty", ins->min_qty) && fx_add_dec(f, "stepSize", ins->step_size) &&
	       (f = add_filter(fs, "MARKET_LOT_SIZE")) && fx_add_str(f, "maxQty", "1000000") &&
	       fx_add_dec(f, "minQty", ins->min_qty) && fx_add_dec(f, "stepSize", ins->step_size) &&
	       (f = add_filter(fs, "MAX_NUM_ORDERS")) && fx_add_int(f, "limit", 200) &&
	       (f = add_filter(fs, "MAX_NUM_ALGO_ORDERS")) && fx_add_int(f, "limit", 10) &&
	       (f = add_filter(fs, "MIN_NOTIONAL")) && fx_add_dec(f, "notional", ins->min_notional) &&
	       (f = add_filter(fs, "PERCENT_PRICE")) && fx_add_str(f, "multiplierUp", "1.1500") &&
	       fx_add_str(f, "multiplierDown", "0.8500") && fx_add_str(f, "multiplierDecimal", "4");
}

static bool add_strings(cJSON *j, const char *key, const char *const *v, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(j, key);
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *s = cJSON_CreateString(v[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return arr != NULL;
}

cJSON *fx_bn_symbol_json(const struct instrument *ins)
{
	static const char *const ORDER_TYPES[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET",
						  "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
						  "TRAILING_STOP_MARKET"};
	static const char *const TIFS[] = {"GTC", "IOC", "FOK", "GTX"};
	char base[MODEL_SYM_MAX] = "", quote[MODEL_SYM_MAX] = "";
	cJSON *j = cJSON_CreateObject();

	symbol_split(ins->symbol, base, quote);
	bool ok = j && fx_add_str(j, "symbol", ins->symbol) && fx_add_str(j, "pair", ins->symbol) &&
		  fx_add_str(j, "contractType", "PERPETUAL") &&
		  fx_add_int(j, "deliveryDate", 4133404800000LL) &&
		  fx_add_int(j, "onboardDate", 1569398400000LL) && fx_add_str(j, "status", "TRADING") &&
		  fx_add_str(j, "maintMarginPercent", "2.5000") &&
		  fx_add_str(j, "requiredMarginPercent", "5.0000") && fx_add_str(j, "baseAsset", base) &&
		  fx_add_str(j, "quoteAsset", quote) && fx_add_str(j, "marginAsset", quote) &&
		  fx_add_int(j, "pricePrecision", precision(ins->tick_size)) &&
		  fx_add_int(j, "quantityPrecision", precision(ins->step_size)) &&
		  fx_add_int(j, "baseAssetPrecision", 8) && fx_add_int(j, "quotePrecision", 8) &&
		  fx_add_str(j, "underlyingType", "COIN") && cJSON_AddArrayToObject(j, "underlyingSubType") &&
		  fx_add_int(j, "settlePlan", 0) && fx_add_str(j, "triggerProtect", "0.0500") &&
		  add_filters(j, ins) && add_strings(j, "orderTypes", ORDER_TYPES, 7) &&
		  add_strings(j, "timeInForce", TIFS, 4) && fx_add_str(j, "liquidationFee", "0.012500") &&
		  fx_add_str(j, "marketTakeBound", "0.05");
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}
