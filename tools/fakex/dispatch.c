/*
 * dispatch.c — one request, end to end, under the global lock:
 *
 *   /__fakex/...  -> control endpoints (not logged, no auth, no faults)
 *   otherwise     -> HTTP faults due now (a 429 answers before the venue
 *                    looks at the request, as a gateway would), then the
 *                    venue's routes (which authenticate), then "malformed",
 *                    then the request log.
 */
#include "fakex.h"

#include <string.h>

#include "rk_clock.h"

#define FX_CONTROL_PREFIX "/__fakex/"

static void not_found(const struct fx_req *req, struct fx_resp *resp)
{
	if (req->venue == FX_BINANCE)
		fx_binance_error(resp, 404, -1000, "Unknown endpoint.");
	else
		fx_coinbase_error(resp, 404, "NOT_FOUND", "Not Found");
}

/* Binance reports the request weight used in the current minute. */
static void count_weight(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	int64_t minute = req->now_ms / 60000;
	if (req->venue != FX_BINANCE)
		return;
	if (minute != fx->weight_minute) {
		fx->weight_minute = minute;
		fx->weight = 0;
	}
	resp->used_weight = ++fx->weight;
}

void fx_dispatch(struct fakex *fx, struct fx_req *req, struct fx_resp *resp)
{
	bool malformed = false, served;

	pthread_mutex_lock(&fx->lock);
	req->now_ms = rk_clock_now(fx->clock) / 1000 + fx->clock_offset_ms;
	if (strncmp(req->path, FX_CONTROL_PREFIX, strlen(FX_CONTROL_PREFIX)) == 0) {
		fx_control(fx, req, resp);
		goto out;
	}
	count_weight(fx, req, resp);
	if (!fx_faults_before(&fx->faults, req, resp, &malformed)) {
		served = req->venue == FX_COINBASE ? fx_coinbase_route(fx, req, resp)
						   : fx_binance_route(fx, req, resp);
		if (!served)
			not_found(req, resp);
		if (malformed)
			fx_faults_mangle(resp);
	}
	fx_reqlog_add(&fx->log, req, resp);
out:
	pthread_mutex_unlock(&fx->lock);
}
