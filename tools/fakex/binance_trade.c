/*
 * binance_trade.c — Binance orders: /fapi/v1/order and /fapi/v1/algoOrder.
 *
 * POST /fapi/v1/order     symbol, side, type LIMIT|MARKET, quantity, price +
 *                         timeInForce (LIMIT), reduceOnly, newClientOrderId.
 *                         Conditional types answer -4120 (they moved to the
 *                         Algo Order API on 2025-12-09).
 * POST /fapi/v1/algoOrder algoType=CONDITIONAL, symbol, side, type
 *                         STOP_MARKET|STOP|TAKE_PROFIT_MARKET, triggerPrice,
 *                         price (STOP), quantity or closePosition=true,
 *                         reduceOnly, clientAlgoId. TAKE_PROFIT (limit) and
 *                         TRAILING_STOP_MARKET are not simulated: -1116.
 * GET / DELETE            orderId | origClientOrderId, algoId | clientAlgoId;
 *                         an order outside the endpoint's view (binance_render.c)
 *                         is unknown there: -2013 on GET, -2011 on DELETE.
 *
 * Refusals are HTTP 400 {"code","msg"} with the sim's Binance code (-2021,
 * -2022, -4164, ...); a client id still in use is -4116; an outcome the sim
 * reports unknown is HTTP 503 -1007.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MANDATORY(p) "Mandatory parameter '" p "' was not sent, was empty/null, or malformed."

/* ---- parameters ----------------------------------------------------------- */

/* A parameter that must be present; false with -1102 in resp. */
static bool need(const struct fx_req *req, const char *key, const char **out,
		 struct fx_resp *resp)
{
	char msg[160];
	*out = fx_param(req, key);
	if (*out && (*out)[0])
		return true;
	snprintf(msg, sizeof msg, "Mandatory parameter '%s' was not sent, was empty/null, or "
				  "malformed.", key);
	fx_binance_error(resp, 400, -1102, msg);
	return false;
}

/* A decimal parameter (present); false with -1100 in resp. */
static bool need_dec(const struct fx_req *req, const char *key, struct dec *out,
		     struct fx_resp *resp)
{
	const char *s;
	char msg[200];
	if (!need(req, key, &s, resp))
		return false;
	if (fx_parse_dec(s, out) && dec_sign(*out) > 0)
		return true;
	snprintf(msg, sizeof msg, "Illegal characters found in parameter '%s'; legal range is "
				  "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.", key);
	fx_binance_error(resp, 400, -1100, msg);
	return false;
}

/* "true" / "false" / absent (= false); false with -1130 in resp. */
static bool opt_bool(const struct fx_req *req, const char *key, bool *out, struct fx_resp *resp)
{
	const char *s = fx_param(req, key);
	char msg[120];
	*out = s && strcmp(s, "true") == 0;
	if (!s || strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return true;
	snprintf(msg, sizeof msg, "Data sent for parameter '%s' is not valid.", key);
	fx_binance_error(resp, 400, -1130, msg);
	return false;
}

/* symbol and side, the start of every placement. */
static bool read_common(const struct fx_req *req, struct venue_order_req *o,
			struct fx_resp *resp)
{
	const char *symbol, *side;
	memset(o, 0, sizeof *o);
	if (!need(req, "symbol", &symbol, resp) || !need(req, "side", &side, resp))
		return false;
	if (strcmp(side, "BUY") != 0 && strcmp(side, "SELL") != 0) {
		fx_binance_error(resp, 400, -1117, "Invalid side.");
		return false;
	}
	snprintf(o->symbol, sizeof o->symbol, "%s", symbol);
	o->side = strcmp(side, "BUY") == 0 ? SIDE_BUY : SIDE_SELL;
	return opt_bool(req, "reduceOnly", &o->reduce_only, resp);
}

/* The client id: the request's, or one made up as Binance does. */
static bool client_id(struct fakex *fx, const struct fx_req *req, const char *key,
		      struct venue_order_req *o, struct fx_resp *resp)
{
	const char *cid = fx_param(req, key);
	if (cid && strlen(cid) >= sizeof o->client_order_id) {
		fx_binance_error(resp, 400, -1100, "Illegal characters found in a parameter.");
		return false;
	}
	if (cid && cid[0])
		snprintf(o->client_order_id, sizeof o->client_order_id, "%s", cid);
	else
		snprintf(o->client_order_id, sizeof o->client_order_id, "fakex-%lu",
			 ++fx->auto_client_id);
	if (sim_venue_find_order_by_client(fx->books[FX_BINANCE].venue, o->client_order_id, NULL)) {
		fx_binance_error(resp, 400, -4116, "ClientOrderId is duplicated.");
		return false;
	}
	return true;
}

static bool read_plain(struct fakex *fx, const struct fx_req *req, struct venue_order_req *o,
		       struct fx_resp *resp)
{
	const char *type, *tif;
	if (!read_common(req, o, resp) || !need(req, "type", &type, resp))
		return false;
	if (strcmp(type, "LIMIT") == 0) {
		o->type = OTYPE_LIMIT;
		if (!need(req, "timeInForce", &tif, resp) || !need_dec(req, "price", &o->price, resp))
			return false;
		o->has_price = true;
	} else if (strcmp(type, "MARKET") == 0) {
		o->type = OTYPE_MARKET;
	} else if (strstr(type, "STOP") || strstr(type, "TAKE_PROFIT")) {
		fx_binance_error(resp, 400, -4120, "Order type not supported for this endpoint. Please "
						   "use the Algo Order API endpoints instead.");
		return false;
	} else {
		fx_binance_error(resp, 400, -1116, "Invalid orderType.");
		return false;
	}
	return need_dec(req, "quantity", &o->qty, resp) &&
	       client_id(fx, req, "newClientOrderId", o, resp);
}

static bool read_algo_type(const char *type, struct venue_order_req *o, struct fx_resp *resp)
{
	if (strcmp(type, "STOP_MARKET") == 0)
		o->type = OTYPE_STOP_MARKET;
	else if (strcmp(type, "STOP") == 0)
		o->type = OTYPE_STOP_LIMIT;
	else if (strcmp(type, "TAKE_PROFIT_MARKET") == 0)
		o->type = OTYPE_TAKE_PROFIT;
	else {
		fx_binance_error(resp, 400, -1116, "Invalid orderType.");
		return false;
	}
	return true;
}

static bool read_algo(struct fakex *fx, const struct fx_req *req, struct venue_order_req *o,
		      struct fx_resp *resp)
{
	const char *algo_type, *type;
	if (!need(req, "algoType", &algo_type, resp))
		return false;
	if (strcmp(algo_type, "CONDITIONAL") != 0) {
		fx_binance_error(resp, 400, -1130, "Data sent for parameter 'algoType' is not valid.");
		return false;
	}
	if (!read_common(req, o, resp) || !need(req, "type", &type, resp) ||
	    !read_algo_type(type, o, resp) || !opt_bool(req, "closePosition", &o->close_position, resp) ||
	    !need_dec(req, "triggerPrice", &o->stop_price, resp))
		return false;
	o->has_stop_price = true;
	if (o->type == OTYPE_STOP_LIMIT) {
		if (!need_dec(req, "price", &o->price, resp))
			return false;
		o->has_price = true;
	}
	if (o->close_position && fx_param(req, "quantity")) {
		fx_binance_error(resp, 400, -1106, "Parameter 'quantity' sent when not required.");
		return false;
	}
	if (!o->close_position && !need_dec(req, "quantity", &o->qty, resp))
		return false;
	return client_id(fx, req, "clientAlgoId", o, resp);
}

/* ---- placing -------------------------------------------------------------- */

/* The sim's answer to a placement, as Binance answers. */
static void placed(struct fakex *fx, const struct venue_order_req *o,
		   const struct venue_place_result *r, bool algo, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_BINANCE];
	struct order_rec rec;
	struct fx_dump d;
	cJSON *j;

	if (r->outcome == VOUT_REJECTED)
		return fx_binance_error(resp, 400, r->venue_code ? r->venue_code : -1000, r->reason);
	if (r->outcome != VOUT_OK)
		return fx_venue_unknown(resp, FX_BINANCE, r->reason);
	/* The sim's place_no_order_id: placed, but the answer carries no id. */
	if (!sim_venue_find_order_by_client(b->venue, o->client_order_id, &rec))
		return fx_venue_unknown(resp, FX_BINANCE, "placed order not found");
	if (o->close_position)
		fx_idset_add(&b->close_position, rec.order_id);
	if (fx_dump_load(b, &d, NULL) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, NULL);
	j = algo ? fx_bn_algo_json(fx, &rec, true) : fx_bn_order_json(fx, &rec, &d, true);
	fx_dump_free(&d);
	if (j && !r->order_id[0])
		cJSON_DeleteItemFromObject(j, algo ? "algoId" : "orderId");
	fx_resp_json(resp, 200, j);
}

static void place(struct fakex *fx, const struct fx_req *req, bool algo, struct fx_resp *resp)
{
	struct venue_order_req o;
	struct venue_place_result r;
	struct fx_fault f;
	struct rk_err err;

	if (!(algo ? read_algo(fx, req, &o, resp) : read_plain(fx, req, &o, resp)))
		return;
	if (fx_faults_take(&fx->faults, FXF_WOULD_TRIGGER, req, NULL, &f)) {
		snprintf(resp->fault, sizeof resp->fault, "would_trigger");
		return fx_binance_error(resp, 400, f.code ? f.code : -2021,
					f.msg[0] ? f.msg : "Order would immediately trigger.");
	}
	if (fx_book_place(&fx->books[FX_BINANCE], &o, &r, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, err.msg);
	placed(fx, &o, &r, algo, resp);
}

/* ---- finding, querying, cancelling ---------------------------------------- */

/* Finds the order a GET / DELETE names (id or client id) in the endpoint's
 * view. False with resp filled (-1102, or `unknown_code`) otherwise. */
static bool find(struct fakex *fx, const struct fx_req *req, bool algo, int unknown_code,
		 struct order_rec *out, struct fx_resp *resp)
{
	const struct fx_book *b = &fx->books[FX_BINANCE];
	const char *id = fx_param(req, algo ? "algoId" : "orderId");
	const char *cid = fx_param(req, algo ? "clientAlgoId" : "origClientOrderId");
	const char *symbol;
	char sim_id[MODEL_ID_MAX];
	bool found;

	if (!algo && !need(req, "symbol", &symbol, resp))
		return false;
	if ((!id || !id[0]) && (!cid || !cid[0])) {
		fx_binance_error(resp, 400, -1102, algo ? MANDATORY("algoId")
						       : "Either orderId or origClientOrderId must be "
							 "sent.");
		return false;
	}
	if (id && id[0]) {
		fx_ids_sim(&fx->binance_ids, strtoll(id, NULL, 10), sim_id, sizeof sim_id);
		found = sim_venue_find_order(b->venue, sim_id, out);
	} else {
		found = sim_venue_find_order_by_client(b->venue, cid, out);
	}
	symbol = fx_param(req, "symbol");
	if (found && (!symbol || strcmp(symbol, out->symbol) == 0) &&
	    (algo ? fx_bn_is_conditional(out->type) : fx_bn_is_plain_view(b, out)))
		return true;
	fx_binance_error(resp, 400, unknown_code,
			 unknown_code == -2013 ? "Order does not exist." : "Unknown order sent.");
	return false;
}

static void query(struct fakex *fx, const struct fx_req *req, bool algo, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_BINANCE];
	struct venue_order_result r;
	struct order_rec rec;
	struct fx_fault f;
	struct fx_dump d;
	struct rk_err err;

	if (!find(fx, req, algo, -2013, &rec, resp))
		return;
	if (fx_faults_take(&fx->faults, FXF_UNKNOWN_ORDER, req, rec.order_id, &f)) {
		snprintf(resp->fault, sizeof resp->fault, "unknown_order");
		return fx_binance_error(resp, 400, -2013, "Order does not exist.");
	}
	memset(&r, 0, sizeof r);
	if (venue_get_order(b->venue, rec.symbol, rec.order_id, NULL, &r, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, err.msg);
	if (r.outcome == VOUT_NOT_FOUND)
		return fx_binance_error(resp, 400, -2013, "Order does not exist.");
	if (r.outcome != VOUT_OK)
		return fx_venue_unknown(resp, FX_BINANCE, r.reason);
	if (fx_dump_load(b, &d, NULL) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, NULL);
	fx_resp_json(resp, 200, algo ? fx_bn_algo_json(fx, &r.order, false)
				     : fx_bn_order_json(fx, &r.order, &d, false));
	fx_dump_free(&d);
}

/* {"algoId","clientAlgoId","code":"200","msg":"success"} */
static cJSON *algo_cancelled_json(struct fakex *fx, const struct order_rec *o)
{
	cJSON *j = cJSON_CreateObject();
	if (j && fx_add_int(j, "algoId", fx_ids_num(&fx->binance_ids, o->order_id)) &&
	    fx_add_str(j, "clientAlgoId", o->client_order_id) && fx_add_str(j, "code", "200") &&
	    fx_add_str(j, "msg", "success"))
		return j;
	cJSON_Delete(j);
	return NULL;
}

/* The cancelled order, as DELETE answers it. */
static void cancelled(struct fakex *fx, const struct order_rec *before, bool algo,
		      struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_BINANCE];
	struct order_rec rec = *before;
	struct fx_dump d;
	if (algo)
		return fx_resp_json(resp, 200, algo_cancelled_json(fx, before));
	sim_venue_find_order(b->venue, before->order_id, &rec);
	if (fx_dump_load(b, &d, NULL) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, NULL);
	fx_resp_json(resp, 200, fx_bn_order_json(fx, &rec, &d, true));
	fx_dump_free(&d);
}

static void cancel(struct fakex *fx, const struct fx_req *req, bool algo, struct fx_resp *resp)
{
	struct venue_cancel_result r;
	struct order_rec rec;
	struct fx_fault f;
	struct rk_err err;

	if (!find(fx, req, algo, -2011, &rec, resp))
		return;
	if (algo && fx_book_triggered(&fx->books[FX_BINANCE], &rec))
		return fx_binance_error(resp, 400, -2011, "Unknown order sent.");
	if (fx_faults_take(&fx->faults, FXF_CANCEL_FAILS, req, rec.order_id, &f) ||
	    fx_faults_take(&fx->faults, FXF_UNKNOWN_ORDER, req, rec.order_id, &f)) {
		snprintf(resp->fault, sizeof resp->fault, "%s", fx_fault_kind_name(f.kind));
		return fx_binance_error(resp, 400, f.code ? f.code : -2011,
					f.msg[0] ? f.msg : "Unknown order sent.");
	}
	if (fx_book_cancel(&fx->books[FX_BINANCE], rec.symbol, rec.order_id, &r, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, err.msg);
	switch (r.outcome) {
	case VOUT_OK:
		return cancelled(fx, &rec, algo, resp);
	case VOUT_UNKNOWN:
		return fx_venue_unknown(resp, FX_BINANCE, r.reason);
	case VOUT_NOT_FOUND:
		return fx_binance_error(resp, 400, -2011, "Unknown order sent.");
	default:
		if (r.reject == VREJ_ALREADY_DONE || !r.venue_code)
			return fx_binance_error(resp, 400, -2011, "Unknown order sent.");
		return fx_binance_error(resp, 400, r.venue_code, r.reason);
	}
}

/* ---- endpoints ------------------------------------------------------------ */

static void order_endpoint(struct fakex *fx, const struct fx_req *req, bool algo,
			   struct fx_resp *resp)
{
	if (strcmp(req->method, "POST") == 0)
		place(fx, req, algo, resp);
	else if (strcmp(req->method, "GET") == 0)
		query(fx, req, algo, resp);
	else if (strcmp(req->method, "DELETE") == 0)
		cancel(fx, req, algo, resp);
	else
		fx_binance_error(resp, 405, -1000, "Method not allowed.");
}

void fx_bn_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	order_endpoint(fx, req, false, resp);
}

void fx_bn_algo_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	order_endpoint(fx, req, true, resp);
}
