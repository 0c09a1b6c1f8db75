/*
 * control.c — the test-facing control API, on either port under /__fakex/
 * (loopback only, no authentication, not in the request log):
 *
 *   POST /__fakex/fault            body: one fault object or an array (faults.c)
 *   GET  /__fakex/faults           the faults still armed
 *   POST /__fakex/faults/clear     disarms every HTTP fault
 *   POST /__fakex/advance?steps=N[&venue=V]   moves the price paths N steps
 *   POST /__fakex/price?venue=V&symbol=S&price=P   sets one price now
 *   POST /__fakex/clock?offset_ms=N   shifts the server clock (Binance
 *                                     serverTime and the auth time checks)
 *   GET  /__fakex/requests         the request log, JSON lines
 *   POST /__fakex/reset-log        empties the in-memory log (not the file)
 *   GET  /__fakex/state[?venue=V]  sim_venue_dump of each venue
 *
 * Answers are JSON: {"ok":true,...} or HTTP 400 {"error":"..."}.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void control_error(struct fx_resp *resp, unsigned status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	if (o && !fx_add_str(o, "error", msg)) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, status, o);
}

/* {"ok":true,"step":{"coinbase":n,"binance-usdm":n}} */
static void control_ok(struct fakex *fx, struct fx_resp *resp)
{
	cJSON *o = cJSON_CreateObject(), *steps = cJSON_AddObjectToObject(o, "step");
	bool ok = o && steps && fx_add_bool(o, "ok", true);
	for (int v = 0; ok && v < FX_NVENUES; v++)
		ok = fx_add_int(steps, fx_venue_name((enum fx_venue)v),
				(int64_t)sim_venue_step(fx->books[v].venue));
	if (!ok) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, 200, o);
}

/* The venues a request names (?venue=), as a [from, to) range. */
static bool venue_range(const struct fx_req *req, int *from, int *to)
{
	const char *name = fx_param(req, "venue");
	*from = 0;
	*to = FX_NVENUES;
	if (!name || !name[0])
		return true;
	enum fx_venue v = fx_venue_parse(name);
	if (v == FX_NVENUES)
		return false;
	*from = (int)v;
	*to = (int)v + 1;
	return true;
}

static void do_advance(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const char *s = fx_param(req, "steps");
	char *end = NULL;
	long steps = s ? strtol(s, &end, 10) : 1;
	int from, to;
	struct rk_err err;

	if ((s && (!end || *end)) || steps < 0 || steps > 100000)
		return control_error(resp, 400, "steps must be an integer from 0 to 100000");
	if (!venue_range(req, &from, &to))
		return control_error(resp, 400, "unknown venue");
	for (int v = from; v < to; v++)
		if (fx->books[v].venue && fx_book_advance(&fx->books[v], (int)steps, &err) != RK_OK)
			return control_error(resp, 500, err.msg);
	control_ok(fx, resp);
}

static void do_price(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	enum fx_venue v = fx_venue_parse(fx_param(req, "venue"));
	const char *symbol = fx_param(req, "symbol");
	struct dec price;
	struct rk_err err;

	if (v == FX_NVENUES || !symbol || !symbol[0] || !fx_parse_dec(fx_param(req, "price"), &price))
		return control_error(resp, 400, "need venue, symbol and a decimal price");
	if (fx_book_set_price(&fx->books[v], symbol, price, &err) != RK_OK)
		return control_error(resp, 400, err.msg);
	control_ok(fx, resp);
}

static void do_fault(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct rk_err err;
	if (fx_faults_add_json(&fx->faults, req->body, &err) != RK_OK)
		return control_error(resp, 400, err.msg);
	cJSON *o = cJSON_CreateObject();
	if (o && (!fx_add_bool(o, "ok", true) || !fx_add_int(o, "armed", (int64_t)fx->faults.n))) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, 200, o);
}

static void do_clock(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const char *s = fx_param(req, "offset_ms");
	char *end = NULL;
	long long off = s ? strtoll(s, &end, 10) : 0;
	if (!s || !end || *end)
		return control_error(resp, 400, "offset_ms must be an integer");
	fx->clock_offset_ms = off;
	control_ok(fx, resp);
}

static void do_state(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	int from, to;
	cJSON *root = cJSON_CreateObject();
	if (!venue_range(req, &from, &to)) {
		cJSON_Delete(root);
		return control_error(resp, 400, "unknown venue");
	}
	for (int v = from; root && v < to; v++) {
		if (!fx->books[v].venue)
			continue; /* not in the scenario */
		char *text = sim_venue_dump(fx->books[v].venue);
		cJSON *dump = text ? cJSON_Parse(text) : NULL;
		free(text);
		if (!dump || !cJSON_AddItemToObject(root, fx_venue_name((enum fx_venue)v), dump)) {
			cJSON_Delete(dump);
			cJSON_Delete(root);
			root = NULL;
		}
	}
	fx_resp_json(resp, 200, root);
}

static void do_requests(struct fakex *fx, struct fx_resp *resp)
{
	char *text = fx_reqlog_text(&fx->log);
	if (!text)
		return control_error(resp, 500, "out of memory");
	fx_resp_text(resp, 200, "application/x-ndjson", text);
	free(text);
}

static void do_faults_list(struct fakex *fx, struct fx_resp *resp)
{
	char *text = fx_faults_json(&fx->faults);
	if (!text)
		return control_error(resp, 500, "out of memory");
	fx_resp_text(resp, 200, "application/json", text);
	free(text);
}

static void do_clear_faults(struct fakex *fx, struct fx_resp *resp)
{
	fx_faults_clear(&fx->faults);
	control_ok(fx, resp);
}

static void do_reset_log(struct fakex *fx, struct fx_resp *resp)
{
	fx_reqlog_reset(&fx->log);
	control_ok(fx, resp);
}

void fx_control(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const char *what = req->path + strlen("/__fakex/");
	bool post = strcmp(req->method, "POST") == 0, get = strcmp(req->method, "GET") == 0;

	if (post && strcmp(what, "fault") == 0)
		do_fault(fx, req, resp);
	else if (get && strcmp(what, "faults") == 0)
		do_faults_list(fx, resp);
	else if (post && strcmp(what, "faults/clear") == 0)
		do_clear_faults(fx, resp);
	else if (post && strcmp(what, "advance") == 0)
		do_advance(fx, req, resp);
	else if (post && strcmp(what, "price") == 0)
		do_price(fx, req, resp);
	else if (post && strcmp(what, "clock") == 0)
		do_clock(fx, req, resp);
	else if (get && strcmp(what, "requests") == 0)
		do_requests(fx, resp);
	else if (post && strcmp(what, "reset-log") == 0)
		do_reset_log(fx, resp);
	else if (get && strcmp(what, "state") == 0)
		do_state(fx, req, resp);
	else
		control_error(resp, 404, "unknown control endpoint (see tools/fakex/control.c)");
}
