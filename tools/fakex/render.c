/*
 * render.c — small pieces every fake venue shares: response bodies, the
 * venues' error shapes, JSON helpers, id sets and venue names.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "rtime.h"

static const char JSON_TYPE[] = "application/json";

const char *fx_venue_name(enum fx_venue v)
{
	return v == FX_COINBASE ? "coinbase" : v == FX_BINANCE ? "binance-usdm" : "any";
}

enum fx_venue fx_venue_parse(const char *s)
{
	if (!s)
		return FX_NVENUES;
	if (strcmp(s, "coinbase") == 0)
		return FX_COINBASE;
	if (strcmp(s, "binance") == 0 || strcmp(s, "binance-usdm") == 0)
		return FX_BINANCE;
	return FX_NVENUES;
}

/* ---- responses ----------------------------------------------------------- */

void fx_resp_text(struct fx_resp *resp, unsigned status, const char *content_type,
		  const char *text)
{
	free(resp->body);
	resp->body = strdup(text ? text : "");
	resp->status = resp->body ? status : 500;
	resp->content_type = content_type;
}

void fx_resp_json(struct fx_resp *resp, unsigned status, cJSON *root)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	free(resp->body);
	resp->body = text;
	resp->content_type = JSON_TYPE;
	resp->status = status;
	if (!text)
		fx_resp_text(resp, 500, JSON_TYPE, "{\"error\":\"fakex: out of memory\"}");
}

void fx_binance_error(struct fx_resp *resp, unsigned status, int code, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	if (o && (!fx_add_int(o, "code", code) || !fx_add_str(o, "msg", msg))) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, status, o);
}

void fx_coinbase_error(struct fx_resp *resp, unsigned status, const char *error,
		       const char *details)
{
	cJSON *o = cJSON_CreateObject();
	if (o && (!fx_add_str(o, "error", error) || !fx_add_str(o, "error_details", details) ||
		  !fx_add_str(o, "message", details))) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, status, o);
}

void fx_venue_internal_error(struct fx_resp *resp, enum fx_venue v, unsigned status,
			     const char *details)
{
	if (v == FX_BINANCE)
		fx_binance_error(resp, status, -1001,
				 "Internal error; unable to process your request. Please try again.");
	else
		fx_coinbase_error(resp, status, "INTERNAL", details ? details : "internal error");
}

void fx_venue_unknown(struct fx_resp *resp, enum fx_venue v, const char *details)
{
	if (v == FX_BINANCE)
		fx_binance_error(resp, 503, -1007,
				 "Timeout waiting for response from backend server. Send status "
				 "unknown; execution status unknown.");
	else
		fx_coinbase_error(resp, 503, "UNAVAILABLE", details ? details : "timeout");
}

void fx_resp_free(struct fx_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
}

/* ---- JSON helpers -------------------------------------------------------- */

bool fx_add_dec(cJSON *o, const char *key, struct dec d)
{
	char buf[DEC_STR_MAX];
	return cJSON_AddStringToObject(o, key, dec_format(d, buf)) != NULL;
}

bool fx_add_str(cJSON *o, const char *key, const char *val)
{
	return cJSON_AddStringToObject(o, key, val ? val : "") != NULL;
}

bool fx_add_int(cJSON *o, const char *key, int64_t v)
{
	return cJSON_AddNumberToObject(o, key, (double)v) != NULL;
}

bool fx_add_bool(cJSON *o, const char *key, bool v)
{
	return cJSON_AddBoolToObject(o, key, v) != NULL;
}

int64_t fx_ts_ms(const char *ts)
{
	int64_t us = 0;
	if (!ts || !ts[0] || rtime_parse(ts, &us, NULL) != RK_OK)
		return 0;
	return us / 1000;
}

bool fx_parse_dec(const char *s, struct dec *out)
{
	return s && s[0] && dec_parse_cstr(s, out) == DEC_OK;
}

/* ---- id sets ------------------------------------------------------------- */

bool fx_idset_has(const struct fx_idset *s, const char *id)
{
	for (size_t i = 0; id && i < s->n; i++)
		if (strcmp(s->v[i], id) == 0)
			return true;
	return false;
}

bool fx_idset_add(struct fx_idset *s, const char *id)
{
	if (!id || !id[0] || fx_idset_has(s, id))
		return true;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->v, ncap * sizeof *s->v);
		if (!p)
			return false;
		s->v = p;
		s->cap = ncap;
	}
	snprintf(s->v[s->n++], MODEL_ID_MAX, "%s", id);
	return true;
}

void fx_idset_free(struct fx_idset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}
