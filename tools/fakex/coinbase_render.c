/*
 * coinbase_render.c — sim records in Coinbase Advanced Trade's JSON shapes
 * (see /work/shared/fixtures/coinbase/): every amount a string, RFC 3339
 * times, BUY/SELL, OPEN/FILLED/CANCELLED, order_configuration by kind.
 *
 * The sim's order types map to configurations: market -> market_market_ioc,
 * limit -> limit_limit_gtc, stop_limit -> stop_limit_stop_limit_gtc,
 * bracket -> trigger_bracket_gtc. Coinbase has no stop-market or take-profit
 * order; a scenario's stop_market / take_profit is shown as a stop-limit
 * whose limit is its trigger.
 */
#include "fakex.h"

#include <string.h>

#define CB_USER_ID "11111111-1111-4111-8111-111111111111"
#define CB_PORTFOLIO_ID "22222222-2222-4222-8222-222222222222"
#define CB_ACCOUNT_TIME "2024-01-01T00:00:00Z"

static const char *cb_side(enum side s)
{
	return s == SIDE_BUY ? "BUY" : "SELL";
}

const char *fx_cb_status_name(enum order_status s)
{
	switch (s) {
	case OSTATUS_FILLED: return "FILLED";
	case OSTATUS_CANCELLED: return "CANCELLED";
	case OSTATUS_EXPIRED: return "EXPIRED";
	case OSTATUS_REJECTED: return "FAILED";
	default: return "OPEN";
	}
}

static const char *cb_order_type(enum order_type t)
{
	switch (t) {
	case OTYPE_MARKET: return "MARKET";
	case OTYPE_LIMIT: return "LIMIT";
	case OTYPE_BRACKET: return "BRACKET";
	default: return "STOP_LIMIT";
	}
}

/* {"<configuration>": {...}} for the order's type. */
static cJSON *configuration_json(const struct order_rec *o)
{
	cJSON *root = cJSON_CreateObject(), *c;
	bool ok = root != NULL;
	struct dec limit = o->has_price ? o->price : o->stop_price;

	switch (o->type) {
	case OTYPE_MARKET:
		ok = ok && (c = cJSON_AddObjectToObject(root, "market_market_ioc")) &&
		     fx_add_dec(c, "base_size", o->qty);
		break;
	case OTYPE_LIMIT:
		ok = ok && (c = cJSON_AddObjectToObject(root, "limit_limit_gtc")) &&
		     fx_add_dec(c, "base_size", o->qty) && fx_add_dec(c, "limit_price", o->price) &&
		     fx_add_bool(c, "post_only", false);
		break;
	case OTYPE_BRACKET:
		ok = ok && (c = cJSON_AddObjectToObject(root, "trigger_bracket_gtc")) &&
		     fx_add_dec(c, "base_size", o->qty) && fx_add_dec(c, "limit_price", o->price) &&
		     fx_add_dec(c, "stop_trigger_price", o->stop_price);
		break;
	default: {
		/* A take profit triggers on a rise for a sell; a stop on a fall. */
		bool down = (o->side == SIDE_SELL) != (o->type == OTYPE_TAKE_PROFIT);
		ok = ok && (c = cJSON_AddObjectToObject(root, "stop_limit_stop_limit_gtc")) &&
		     fx_add_dec(c, "base_size", o->qty) && fx_add_dec(c, "limit_price", limit) &&
		     fx_add_dec(c, "stop_price", o->stop_price) &&
		     fx_add_str(c, "stop_direction",
				down ? "STOP_DIRECTION_STOP_DOWN" : "STOP_DIRECTION_STOP_UP");
		break;
	}
	}
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static const char *trigger_status(const struct fx_book *b, const struct order_rec *o)
{
	if (o->type == OTYPE_MARKET || o->type == OTYPE_LIMIT)
		return "INVALID_ORDER_TYPE";
	if (!order_status_is_open(o->status))
		return "STOP_TRIGGERED";
	return fx_book_triggered(b, o) ? "STOP_TRIGGERED" : "STOP_PENDING";
}

/* The filled share of the order, in percent with two decimals. */
static struct dec completion(struct dec filled, struct dec qty)
{
	struct dec pct = dec_zero();
	if (dec_sign(qty) > 0 &&
	    dec_muldiv(filled, dec_from_int(100), qty, DEC_ROUND_DOWN, &pct) == DEC_OK) {
		struct dec cent;
		dec_parse_cstr("0.01", &cent);
		dec_quantize(pct, cent, DEC_ROUND_DOWN, &pct);
	}
	return pct;
}

/* What an open order still holds: base for a sell, quote for a buy. */
static struct dec outstanding_hold(const struct order_rec *o, struct dec filled)
{
	struct dec left = dec_zero(), held = dec_zero();
	if (!order_status_is_open(o->status) || dec_sub(o->qty, filled, &left) != DEC_OK)
		return dec_zero();
	if (o->side == SIDE_SELL)
		return left;
	dec_mul(left, o->has_price ? o->price : o->stop_price, DEC_ROUND_CEIL, &held);
	return held;
}

static bool add_amounts(cJSON *j, const struct order_rec *o, const struct fx_fill_sum *sum)
{
	struct dec filled = o->has_filled_qty ? o->filled_qty : sum->qty, after = sum->value;
	char count[32];
	snprintf(count, sizeof count, "%zu", sum->count);
	if (o->side == SIDE_SELL)
		dec_sub(sum->value, sum->fees, &after);
	else
		dec_add(sum->value, sum->fees, &after);
	return fx_add_dec(j, "completion_percentage", completion(filled, o->qty)) &&
	       fx_add_dec(j, "filled_size", filled) &&
	       fx_add_dec(j, "average_filled_price", sum->avg_price) && fx_add_str(j, "fee", "") &&
	       fx_add_str(j, "number_of_fills", count) &&
	       fx_add_dec(j, "filled_value", sum->value) && fx_add_bool(j, "pending_cancel", false) &&
	       fx_add_bool(j, "size_in_quote", false) && fx_add_dec(j, "total_fees", sum->fees) &&
	       fx_add_bool(j, "size_inclusive_of_fees", false) &&
	       fx_add_dec(j, "total_value_after_fees", after) &&
	       fx_add_dec(j, "outstanding_hold_amount", outstanding_hold(o, filled));
}

cJSON *fx_cb_order_json(const struct fx_book *b, const struct order_rec *o,
			const struct fx_dump *d)
{
	struct fx_fill_sum sum;
	cJSON *j = cJSON_CreateObject(), *conf = configuration_json(o);

	fx_fill_sum(d, o->order_id, &sum);
	bool ok = j && conf && fx_add_str(j, "order_id", o->order_id) &&
		  fx_add_str(j, "product_id", o->symbol) && fx_add_str(j, "user_id", CB_USER_ID);
	if (ok && cJSON_AddItemToObject(j, "order_configuration", conf))
		conf = NULL; /* now owned by j */
	else
		ok = false;
	ok = ok && fx_add_str(j, "side", cb_side(o->side)) &&
		  fx_add_str(j, "client_order_id", o->client_order_id) &&
		  fx_add_str(j, "status", fx_cb_status_name(o->status)) &&
		  fx_add_str(j, "time_in_force",
			     o->type == OTYPE_MARKET ? "IMMEDIATE_OR_CANCEL" : "GOOD_UNTIL_CANCELLED") &&
		  fx_add_str(j, "created_time", o->ts) && add_amounts(j, o, &sum) &&
		  fx_add_str(j, "trigger_status", trigger_status(b, o)) &&
		  fx_add_str(j, "order_type", cb_order_type(o->type)) &&
		  fx_add_str(j, "reject_reason", "REJECT_REASON_UNSPECIFIED") &&
		  fx_add_bool(j, "settled", order_status_is_terminal(o->status)) &&
		  fx_add_str(j, "product_type", "SPOT") && fx_add_str(j, "reject_message", "") &&
		  fx_add_str(j, "cancel_message", "") &&
		  fx_add_str(j, "order_placement_source", "RETAIL_ADVANCED") &&
		  fx_add_bool(j, "is_liquidation", false) && fx_add_str(j, "leverage", "") &&
		  fx_add_str(j, "margin_type", "UNKNOWN_MARGIN_TYPE");
	if (!ok) {
		cJSON_Delete(conf);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static const char *cb_liquidity(enum liquidity l)
{
	return l == LIQ_MAKER ? "MAKER" : l == LIQ_TAKER ? "TAKER" : "UNKNOWN_LIQUIDITY_INDICATOR";
}

cJSON *fx_cb_fill_json(const struct fill_rec *f)
{
	cJSON *j = cJSON_CreateObject();
	bool ok = j && fx_add_str(j, "entry_id", f->fill_id) && fx_add_str(j, "trade_id", f->fill_id) &&
		  fx_add_str(j, "order_id", f->order_id) && fx_add_str(j, "trade_time", f->ts) &&
		  fx_add_str(j, "trade_type", "FILL") && fx_add_dec(j, "price", f->price) &&
		  fx_add_dec(j, "size", f->qty) && fx_add_dec(j, "commission", f->fee) &&
		  fx_add_str(j, "product_id", f->symbol) &&
		  fx_add_str(j, "sequence_timestamp", f->ts) &&
		  fx_add_str(j, "liquidity_indicator", cb_liquidity(f->liquidity)) &&
		  fx_add_bool(j, "size_in_quote", false) && fx_add_str(j, "user_id", CB_USER_ID) &&
		  fx_add_str(j, "side", cb_side(f->side)) &&
		  fx_add_str(j, "retail_portfolio_id", CB_PORTFOLIO_ID);
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* {"value": "...", "currency": "..."} */
static bool add_money(cJSON *o, const char *key, struct dec v, const char *currency)
{
	cJSON *m = cJSON_AddObjectToObject(o, key);
	return m && fx_add_dec(m, "value", v) && fx_add_str(m, "currency", currency);
}

/* A stable uuid-shaped id per asset (FNV-1a of the name). */
static void account_uuid(const char *asset, char out[40])
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = asset; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(out, 40, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h >> 32),
		 (unsigned)(h >> 16) & 0xffffu, (unsigned)h & 0xfffu, (unsigned)(h >> 52) & 0xfffu,
		 (unsigned long long)(h & 0xffffffffffffULL));
}

static bool is_fiat(const char *asset)
{
	return strcmp(asset, "USD") == 0 || strcmp(asset, "EUR") == 0 || strcmp(asset, "GBP") == 0;
}

cJSON *fx_cb_account_json(const char *asset, struct dec total, struct dec hold)
{
	char uuid[40], name[MODEL_SYM_MAX + 16];
	struct dec avail = dec_zero();
	cJSON *j = cJSON_CreateObject();

	account_uuid(asset, uuid);
	snprintf(name, sizeof name, "%s Wallet", asset);
	dec_sub(total, hold, &avail);
	bool ok = j && fx_add_str(j, "uuid", uuid) && fx_add_str(j, "name", name) &&
		  fx_add_str(j, "currency", asset) &&
		  add_money(j, "available_balance", avail, asset) && fx_add_bool(j, "default", false) &&
		  fx_add_bool(j, "active", true) && fx_add_str(j, "created_at", CB_ACCOUNT_TIME) &&
		  fx_add_str(j, "updated_at", CB_ACCOUNT_TIME) && cJSON_AddNullToObject(j, "deleted_at") &&
		  fx_add_str(j, "type", is_fiat(asset) ? "ACCOUNT_TYPE_FIAT" : "ACCOUNT_TYPE_CRYPTO") &&
		  fx_add_bool(j, "ready", true) && add_money(j, "hold", hold, asset) &&
		  fx_add_str(j, "retail_portfolio_id", CB_PORTFOLIO_ID) &&
		  fx_add_str(j, "platform", "ACCOUNT_PLATFORM_CONSUMER");
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *fx_cb_product_json(const struct instrument *ins, bool has_price, struct dec price)
{
	char base[MODEL_SYM_MAX] = "", quote[MODEL_SYM_MAX] = "", pbuf[DEC_STR_MAX];
	const char *px = has_price ? dec_format(price, pbuf) : "";
	cJSON *j = cJSON_CreateObject();

	symbol_split(ins->symbol, base, quote);
	bool ok = j && fx_add_str(j, "product_id", ins->symbol) && fx_add_str(j, "price", px) &&
		  fx_add_str(j, "price_percentage_change_24h", "0") &&
		  fx_add_str(j, "volume_24h", "0") && fx_add_str(j, "volume_percentage_change_24h", "0") &&
		  fx_add_dec(j, "base_increment", ins->step_size) &&
		  fx_add_dec(j, "quote_increment", ins->tick_size) &&
		  fx_add_dec(j, "quote_min_size", ins->min_notional) &&
		  fx_add_str(j, "quote_max_size", "10000000") &&
		  fx_add_dec(j, "base_min_size", ins->min_qty) &&
		  fx_add_str(j, "base_max_size", "1000000000") && fx_add_str(j, "base_name", base) &&
		  fx_add_str(j, "quote_name", quote) && fx_add_bool(j, "watched", false) &&
		  fx_add_bool(j, "is_disabled", false) && fx_add_bool(j, "new", false) &&
		  fx_add_str(j, "status", "online") && fx_add_bool(j, "cancel_only", false) &&
		  fx_add_bool(j, "limit_only", false) && fx_add_bool(j, "post_only", false) &&
		  fx_add_bool(j, "trading_disabled", false) && fx_add_bool(j, "auction_mode", false) &&
		  fx_add_str(j, "product_type", "SPOT") && fx_add_str(j, "quote_currency_id", quote) &&
		  fx_add_str(j, "base_currency_id", base) &&
		  fx_add_str(j, "mid_market_price", px) &&
		  fx_add_str(j, "base_display_symbol", base) &&
		  fx_add_str(j, "quote_display_symbol", quote) && fx_add_bool(j, "view_only", false) &&
		  fx_add_dec(j, "price_increment", ins->tick_size) &&
		  fx_add_str(j, "display_name", ins->symbol) && fx_add_str(j, "product_venue", "CBE");
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* [{"price": p, "size": "1000"}] under `key`. */
static bool add_level(cJSON *o, const char *key, struct dec price)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key), *lvl = cJSON_CreateObject();
	if (!arr || !lvl || !cJSON_AddItemToArray(arr, lvl)) {
		cJSON_Delete(lvl);
		return false;
	}
	return fx_add_dec(lvl, "price", price) && fx_add_str(lvl, "size", "1000");
}

cJSON *fx_cb_pricebook_json(const char *symbol, struct dec price, const char *time)
{
	/* Bid and ask both at the last price: the sim matches on the last price. */
	cJSON *j = cJSON_CreateObject();
	bool ok = j && fx_add_str(j, "product_id", symbol) && add_level(j, "bids", price) &&
		  add_level(j, "asks", price) && fx_add_str(j, "time", time);
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}
