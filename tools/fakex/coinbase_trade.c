/*
 * coinbase_trade.c — Coinbase placement and cancellation.
 *
 * POST /api/v3/brokerage/orders
 *   {"client_order_id", "product_id", "side": "BUY"|"SELL",
 *    "order_configuration": {market_market_ioc {base_size} |
 *      limit_limit_gtc {base_size, limit_price} |
 *      stop_limit_stop_limit_gtc {base_size, limit_price, stop_price} |
 *      trigger_bracket_gtc {base_size, limit_price, stop_trigger_price}}}
 *   A malformed request is HTTP 400 INVALID_ARGUMENT. Otherwise the venue
 *   answers 200: {"success":true, "success_response":{order_id, ...}} or
 *   {"success":false, "error_response":{error, message, error_details,
 *   preview_failure_reason, new_order_failure_reason}} — the sim's refusal.
 *   A client order id already used returns that order (the sim is
 *   idempotent, as Coinbase is). A sim place_unknown is a 503.
 *
 * POST /api/v3/brokerage/orders/batch_cancel {"order_ids": [...]}
 *   {"results": [{success, failure_reason, order_id}]}, one per id, in
 *   order: UNKNOWN_CANCEL_ORDER, ORDER_IS_FULLY_FILLED,
 *   DUPLICATE_CANCEL_REQUEST (already cancelled), or the fault's reason.
 *   When any order's outcome is unknown (sim cancel_unknown) the whole
 *   request answers 503, after the others were processed.
 */
#include "fakex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CB_CANCEL_MAX 100

/* ---- placement ------------------------------------------------------------ */

struct config_kind {
	const char *name;
	enum order_type type;
	const char *price_key; /* limit_price, or NULL */
	const char *stop_key;  /* stop_price / stop_trigger_price, or NULL */
};

static const struct config_kind CONFIGS[] = {
	{"market_market_ioc", OTYPE_MARKET, NULL, NULL},
	{"limit_limit_gtc", OTYPE_LIMIT, "limit_price", NULL},
	{"stop_limit_stop_limit_gtc", OTYPE_STOP_LIMIT, "limit_price", "stop_price"},
	{"trigger_bracket_gtc", OTYPE_BRACKET, "limit_price", "stop_trigger_price"},
};

static bool dec_member(const cJSON *o, const char *key, struct dec *out)
{
	return fx_parse_dec(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key)), out);
}

/*
 * Reads the request body into *req. Returns NULL when it is usable, or the
 * problem: "!" prefixed problems are refusals (success:false,
 * UNSUPPORTED_ORDER_CONFIGURATION), others are 400s.
 */
static const char *read_order(const cJSON *body, struct venue_order_req *req)
{
	const char *cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "client_order_id"));
	const char *product = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "product_id"));
	const char *side = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "side"));
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(body, "order_configuration");
	const cJSON *c = conf ? conf->child : NULL;

	memset(req, 0, sizeof *req);
	if (!cid || !cid[0] || strlen(cid) >= sizeof req->client_order_id)
		return "client_order_id is required";
	if (!product || !product[0] || strlen(product) >= sizeof req->symbol)
		return "product_id is required";
	if (!side || (strcmp(side, "BUY") != 0 && strcmp(side, "SELL") != 0))
		return "side must be BUY or SELL";
	if (!cJSON_IsObject(conf) || !c || c->next)
		return "order_configuration must hold exactly one configuration";
	snprintf(req->client_order_id, sizeof req->client_order_id, "%s", cid);
	snprintf(req->symbol, sizeof req->symbol, "%s", product);
	req->side = strcmp(side, "BUY") == 0 ? SIDE_BUY : SIDE_SELL;
	for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++) {
		const struct config_kind *k = &CONFIGS[i];
		if (strcmp(c->string, k->name) != 0)
			continue;
		req->type = k->type;
		if (!dec_member(c, "base_size", &req->qty))
			return "!base_size is required (quote_size is not supported)";
		if (k->price_key && !(req->has_price = dec_member(c, k->price_key, &req->price)))
			return "limit_price is required";
		if (k->stop_key && !(req->has_stop_price = dec_member(c, k->stop_key, &req->stop_price)))
			return "stop price is required";
		return NULL;
	}
	return "!unsupported order configuration";
}

/* The configuration echoed back, as Coinbase does. */
static bool add_echo(cJSON *root, const cJSON *body)
{
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(body, "order_configuration");
	cJSON *dup = conf ? cJSON_Duplicate(conf, true) : cJSON_CreateNull();
	if (dup && cJSON_AddItemToObject(root, "order_configuration", dup))
		return true;
	cJSON_Delete(dup);
	return false;
}

static void send_success(const struct venue_order_req *req, const char *order_id,
			 const cJSON *body, struct fx_resp *resp)
{
	cJSON *root = cJSON_CreateObject(), *ok;
	bool good = root && fx_add_bool(root, "success", true) &&
		    fx_add_str(root, "failure_reason", "UNKNOWN_FAILURE_REASON") &&
		    fx_add_str(root, "order_id", order_id) &&
		    (ok = cJSON_AddObjectToObject(root, "success_response")) &&
		    fx_add_str(ok, "order_id", order_id) && fx_add_str(ok, "product_id", req->symbol) &&
		    fx_add_str(ok, "side", req->side == SIDE_BUY ? "BUY" : "SELL") &&
		    fx_add_str(ok, "client_order_id", req->client_order_id) && add_echo(root, body);
	if (!good) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}

static void send_failure(const char *error, const char *message, const char *preview,
			 const cJSON *body, struct fx_resp *resp)
{
	cJSON *root = cJSON_CreateObject(), *er;
	bool good = root && fx_add_bool(root, "success", false) &&
		    fx_add_str(root, "failure_reason", "UNKNOWN_FAILURE_REASON") &&
		    fx_add_str(root, "order_id", "") &&
		    (er = cJSON_AddObjectToObject(root, "error_response")) &&
		    fx_add_str(er, "error", error) && fx_add_str(er, "message", message) &&
		    fx_add_str(er, "error_details", message) &&
		    fx_add_str(er, "preview_failure_reason", preview) &&
		    fx_add_str(er, "new_order_failure_reason", error) && add_echo(root, body);
	if (!good) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}

/* A stop already through the price, in Coinbase's preview words. */
static void send_would_trigger(const struct venue_order_req *req, const cJSON *body,
			       struct fx_resp *resp)
{
	const char *why = req->side == SIDE_SELL ? "PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE"
						 : "PREVIEW_STOP_PRICE_BELOW_LAST_TRADE_PRICE";
	send_failure(why, "Order would immediately trigger.", why, body, resp);
}

/* Is `s` an UPPER_SNAKE enum value (a Coinbase reason) rather than prose? */
static bool is_enum_word(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && *s != '_' && !isdigit((unsigned char)*s))
			return false;
	return true;
}

static void send_refusal(const struct venue_order_req *req, const struct venue_place_result *r,
			 const cJSON *body, struct fx_resp *resp)
{
	if (r->reject == VREJ_WOULD_TRIGGER)
		return send_would_trigger(req, body, resp);
	if (r->reject == VREJ_INSUFFICIENT_FUNDS)
		return send_failure("INSUFFICIENT_FUND", "Insufficient balance in source account",
				    "PREVIEW_INSUFFICIENT_FUND", body, resp);
	send_failure(is_enum_word(r->reason) ? r->reason : "UNKNOWN_FAILURE_REASON", r->reason,
		     "UNKNOWN_PREVIEW_FAILURE_REASON", body, resp);
}

void fx_cb_place(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	cJSON *body = cJSON_Parse(req->body);
	struct venue_order_req order;
	struct venue_place_result res;
	struct fx_fault fault;
	struct rk_err err;
	const char *problem;

	memset(&res, 0, sizeof res);
	if (!cJSON_IsObject(body)) {
		fx_coinbase_error(resp, 400, "INVALID_ARGUMENT", "the body is not a JSON object");
		goto out;
	}
	if ((problem = read_order(body, &order))) {
		if (problem[0] == '!')
			send_failure("UNSUPPORTED_ORDER_CONFIGURATION", problem + 1,
				     "UNKNOWN_PREVIEW_FAILURE_REASON", body, resp);
		else
			fx_coinbase_error(resp, 400, "INVALID_ARGUMENT", problem);
		goto out;
	}
	if (fx_faults_take(&fx->faults, FXF_WOULD_TRIGGER, req, NULL, &fault)) {
		snprintf(resp->fault, sizeof resp->fault, "would_trigger");
		send_would_trigger(&order, body, resp);
		goto out;
	}
	if (fx_book_place(b, &order, &res, &err) != RK_OK)
		fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
	else if (res.outcome == VOUT_REJECTED)
		send_refusal(&order, &res, body, resp);
	else if (res.outcome == VOUT_OK) /* order_id "" for the sim's place_no_order_id */
		send_success(&order, res.order_id, body, resp);
	else
		fx_venue_unknown(resp, FX_COINBASE, res.reason);
out:
	cJSON_Delete(body);
}

/* ---- cancellation ---------------------------------------------------------- */

/* Coinbase's failure_reason for a sim cancel result. */
static const char *cancel_reason(const struct fx_book *b, const struct venue_cancel_result *r)
{
	struct order_rec o;
	switch (r->outcome) {
	case VOUT_OK:
		return "UNKNOWN_CANCEL_FAILURE_REASON";
	case VOUT_NOT_FOUND:
		return "UNKNOWN_CANCEL_ORDER";
	default:
		break;
	}
	if (r->reject == VREJ_ALREADY_DONE && sim_venue_find_order(b->venue, r->order_id, &o))
		return o.status == OSTATUS_FILLED ? "ORDER_IS_FULLY_FILLED" : "DUPLICATE_CANCEL_REQUEST";
	if (r->reject == VREJ_UNKNOWN_ORDER)
		return "UNKNOWN_CANCEL_ORDER";
	return is_enum_word(r->reason) ? r->reason : "COMMANDER_REJECTED_CANCEL_ORDER";
}

/* Cancels one order, HTTP faults first. *unknown is set when the sim's
 * answer is VOUT_UNKNOWN. */
static bool cancel_one(struct fakex *fx, const struct fx_req *req, const char *id,
		       cJSON *results, bool *unknown, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	struct venue_cancel_result r;
	struct fx_fault f;
	struct rk_err err;
	const char *reason;
	bool success = false;

	if (fx_faults_take(&fx->faults, FXF_CANCEL_FAILS, req, id, &f)) {
		reason = f.reason[0] ? f.reason : "COMMANDER_REJECTED_CANCEL_ORDER";
		snprintf(resp->fault, sizeof resp->fault, "cancel_fails");
	} else if (fx_faults_take(&fx->faults, FXF_UNKNOWN_ORDER, req, id, &f)) {
		reason = "UNKNOWN_CANCEL_ORDER";
		snprintf(resp->fault, sizeof resp->fault, "unknown_order");
	} else if (fx_book_cancel(b, NULL, id, &r, &err) != RK_OK) {
		fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
		return false;
	} else {
		*unknown |= r.outcome == VOUT_UNKNOWN;
		success = r.outcome == VOUT_OK;
		reason = cancel_reason(b, &r);
	}
	cJSON *o = cJSON_CreateObject();
	if (!o || !fx_add_bool(o, "success", success) || !fx_add_str(o, "failure_reason", reason) ||
	    !fx_add_str(o, "order_id", id) || !cJSON_AddItemToArray(results, o)) {
		cJSON_Delete(o);
		fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
		return false;
	}
	return true;
}

void fx_cb_batch_cancel(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	cJSON *body = cJSON_Parse(req->body), *root = NULL, *results;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "order_ids"), *it;
	bool unknown = false, ok = true;

	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0 ||
	    cJSON_GetArraySize(ids) > CB_CANCEL_MAX) {
		fx_coinbase_error(resp, 400, "INVALID_ARGUMENT",
				  "order_ids must be an array of 1 to 100 order ids");
		goto out;
	}
	cJSON_ArrayForEach(it, ids)
		if (!cJSON_IsString(it) || strlen(it->valuestring) >= MODEL_ID_MAX) {
			fx_coinbase_error(resp, 400, "INVALID_ARGUMENT", "order_ids must be strings");
			goto out;
		}
	if (!(root = cJSON_CreateObject()) || !(results = cJSON_AddArrayToObject(root, "results"))) {
		fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
		goto out;
	}
	cJSON_ArrayForEach(it, ids)
		if (!(ok = cancel_one(fx, req, it->valuestring, results, &unknown, resp)))
			break;
	if (ok && unknown)
		fx_venue_unknown(resp, FX_COINBASE, "cancel outcome unknown (scripted timeout)");
	else if (ok) {
		fx_resp_json(resp, 200, root);
		root = NULL;
	}
out:
	cJSON_Delete(root);
	cJSON_Delete(body);
}
