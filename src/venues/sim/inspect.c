/*
 * inspect.c — the sim_venue_* views of a simulated venue's state that tests
 * and the demo read, and its JSON dump (contract in sim.h).
 */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "record.h"
#include "rtime.h"

bool sim_venue_price(const struct venue *v, const char *symbol, struct dec *out)
{
	const struct sim *s = sim_of(v);
	return s && symbol && sim_current_price(s, symbol, out);
}

size_t sim_venue_step(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	return s ? s->step : 0;
}

int64_t sim_venue_now_us(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	return s ? sim_now_us(s) : 0;
}

size_t sim_venue_open_order_count(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	size_t n = 0;
	for (size_t i = 0; s && i < s->orders.n; i++)
		if (order_status_is_open(s->orders.v[i].rec.status))
			n++;
	return n;
}

bool sim_venue_find_order(const struct venue *v, const char *order_id, struct order_rec *out)
{
	const struct sim *s = sim_of(v);
	const struct sim_order *o = s && order_id ? sim_find_order(s, order_id) : NULL;
	if (o && out)
		*out = o->rec;
	return o != NULL;
}

bool sim_venue_find_order_by_client(const struct venue *v, const char *client_order_id,
				    struct order_rec *out)
{
	const struct sim *s = sim_of(v);
	const struct sim_order *o = s ? sim_find_order_by_client(s, client_order_id) : NULL;
	if (o && out)
		*out = o->rec;
	return o != NULL;
}

bool sim_venue_position(const struct venue *v, const char *symbol, struct dec *qty)
{
	struct sim *s = sim_of(v);
	if (!s || !symbol)
		return false;
	*qty = dec_zero();
	if (s->market == MARKET_FUTURES) {
		struct position *p = sim_find_position(s, symbol, false);
		if (p)
			*qty = p->qty;
		return p || sim_find_instrument(s, symbol);
	}
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	if (!sim_find_instrument(s, symbol) || !symbol_split(symbol, base, quote))
		return false;
	struct balance *b = sim_find_balance(s, base, false);
	if (b)
		*qty = b->qty;
	return true;
}

bool sim_venue_balance(const struct venue *v, const char *asset, struct dec *qty)
{
	struct sim *s = sim_of(v);
	if (!s || !asset || s->market != MARKET_SPOT)
		return false;
	struct balance *b = sim_find_balance(s, asset, false);
	*qty = b ? b->qty : dec_zero();
	return true;
}

size_t sim_venue_fill_count(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	return s ? s->fills.n : 0;
}

long sim_venue_calls(const struct venue *v, enum sim_call_kind kind)
{
	const struct sim *s = sim_of(v);
	if (!s || (int)kind < 0 || kind >= SIM_CALL_KIND_COUNT)
		return 0;
	return s->calls[kind];
}

size_t sim_venue_log_count(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	return s ? s->log.n : 0;
}

bool sim_venue_log_entry(const struct venue *v, size_t i, struct sim_call *out)
{
	const struct sim *s = sim_of(v);
	if (!s || i >= s->log.n)
		return false;
	*out = s->log.v[i];
	return true;
}

bool sim_venue_cancel_requested(const struct venue *v, const char *order_id)
{
	const struct sim *s = sim_of(v);
	for (size_t i = 0; s && order_id && i < s->log.n; i++)
		if (s->log.v[i].kind == SIM_CALL_CANCEL &&
		    strcmp(s->log.v[i].order_id, order_id) == 0)
			return true;
	return false;
}

/* Adds a record's canonical JSON (from record.c, freed here) to an array,
 * which then owns the parsed item. */
static bool add_record(cJSON *arr, char *json)
{
	cJSON *item = json ? cJSON_Parse(json) : NULL;
	free(json);
	if (item && cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

char *sim_venue_dump(const struct venue *v)
{
	const struct sim *s = sim_of(v);
	cJSON *root = NULL, *arr, *o;
	char *text = NULL, ts[RTIME_STR_MAX];
	bool ok;
	if (!s)
		return NULL;
	root = cJSON_CreateObject();
	ok = root && cJSON_AddStringToObject(root, "venue", s->name) &&
	     jsonout_add_int(root, "step", (int64_t)s->step) &&
	     cJSON_AddStringToObject(root, "now", rtime_format(sim_now_us(s), ts));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "orders")) != NULL))
		for (size_t i = 0; ok && i < s->orders.n; i++)
			ok = add_record(arr, record_order_json(&s->orders.v[i].rec));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "fills")) != NULL))
		for (size_t i = 0; ok && i < s->fills.n; i++)
			ok = add_record(arr, record_fill_json(&s->fills.v[i].rec));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "positions")) != NULL))
		for (size_t i = 0; ok && i < s->positions.n; i++) {
			ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(arr, o) &&
			     cJSON_AddStringToObject(o, "symbol", s->positions.v[i].symbol) &&
			     jsonout_add_dec(o, "qty", s->positions.v[i].qty) &&
			     jsonout_add_dec(o, "entry_price", s->positions.v[i].entry);
		}
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "balances")) != NULL))
		for (size_t i = 0; ok && i < s->balances.n; i++) {
			ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(arr, o) &&
			     cJSON_AddStringToObject(o, "asset", s->balances.v[i].asset) &&
			     jsonout_add_dec(o, "qty", s->balances.v[i].qty);
		}
	if (ok)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}
