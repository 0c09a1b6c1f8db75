/*
 * faults.c — HTTP-level fault injection.
 *
 * The scenario's sim faults (sim.h) act inside the matching engine; these
 * act on the wire: rate limits, 5xx, slow and malformed answers, lost pages,
 * and venue refusals with exact codes. Each fault is
 *
 *   {"kind": K, "venue": "coinbase"|"binance"|"binance-usdm" (absent or "any" = either),
 *    "method": "GET" (absent = any), "path": "/fapi/v1/openOrders" (a prefix;
 *    absent = any), "count": 1 (firings; -1 = always), "skip": 0 (matching
 *    requests let through first), "order_id": selector for cancel_fails /
 *    unknown_order, and per kind: "status", "retry_after", "delay_ms",
 *    "code", "msg" (Binance), "error", "reason" (Coinbase), "note"}
 *
 * Kinds: rate_limit (429 + Retry-After), server_error (500 or "status"),
 * error (any status and body), slow (served, answered after delay_ms),
 * malformed (served, body cut in half), missing_page (a request carrying a
 * cursor answers 500 or "status" 404), cancel_fails, would_trigger,
 * unknown_order (these three are consumed by the handlers, per order).
 * Faults fire in the order they were added; a spent fault is dropped.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const KIND_NAMES[FXF_KIND_COUNT] = {
	"rate_limit", "server_error", "error", "slow", "malformed", "missing_page",
	"cancel_fails", "would_trigger", "unknown_order"};

const char *fx_fault_kind_name(enum fx_fault_kind k)
{
	return (unsigned)k < FXF_KIND_COUNT ? KIND_NAMES[k] : "?";
}

static bool kind_parse(const char *s, enum fx_fault_kind *out)
{
	if (s && strcmp(s, "429") == 0)
		s = "rate_limit";
	else if (s && strcmp(s, "500") == 0)
		s = "server_error";
	for (int k = 0; s && k < FXF_KIND_COUNT; k++)
		if (strcmp(s, KIND_NAMES[k]) == 0) {
			*out = (enum fx_fault_kind)k;
			return true;
		}
	return false;
}

/* Handler-level kinds are decided per order by the handlers. */
static bool handler_level(enum fx_fault_kind k)
{
	return k == FXF_CANCEL_FAILS || k == FXF_WOULD_TRIGGER || k == FXF_UNKNOWN_ORDER;
}

/* ---- parsing -------------------------------------------------------------- */

static enum rk_rc copy_string(const cJSON *o, const char *key, char *dst, size_t cap,
			      struct rk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return RK_OK;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
		return rk_err_set(err, RK_EINVAL, "fault: '%s' must be a string shorter than %zu",
				  key, cap);
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return RK_OK;
}

static enum rk_rc copy_long(const cJSON *o, const char *key, long min, long *dst,
			    struct rk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return RK_OK;
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min || v->valuedouble > 1e9 ||
	    v->valuedouble != (double)(long)v->valuedouble)
		return rk_err_set(err, RK_EINVAL, "fault: '%s' must be an integer >= %ld", key, min);
	*dst = (long)v->valuedouble;
	return RK_OK;
}

static enum rk_rc check_keys(const cJSON *o, struct rk_err *err)
{
	static const char *const KEYS[] = {"kind", "venue", "method", "path", "order_id",
					   "count", "skip", "status", "retry_after", "delay_ms",
					   "code", "msg", "reason", "error", "note", NULL};
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		size_t i = 0;
		while (KEYS[i] && strcmp(KEYS[i], it->string) != 0)
			i++;
		if (!KEYS[i])
			return rk_err_set(err, RK_EINVAL, "fault: unknown key '%s'", it->string);
	}
	return RK_OK;
}

static enum rk_rc parse_one(const cJSON *o, struct fx_fault *f, struct rk_err *err)
{
	enum rk_rc rc;
	char venue[32] = "", note[FX_NOTE_MAX];
	long status = 0, retry = 1, code = 0;

	memset(f, 0, sizeof *f);
	f->count = 1;
	f->delay_ms = 5000;
	if (!cJSON_IsObject(o))
		return rk_err_set(err, RK_EINVAL, "fault: not an object");
	if ((rc = check_keys(o, err)))
		return rc;
	if (!kind_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "kind")),
			&f->kind))
		return rk_err_set(err, RK_EINVAL, "fault: missing or unknown 'kind'");
	if ((rc = copy_string(o, "venue", venue, sizeof venue, err)) ||
	    (rc = copy_string(o, "method", f->method, sizeof f->method, err)) ||
	    (rc = copy_string(o, "path", f->path, sizeof f->path, err)) ||
	    (rc = copy_string(o, "order_id", f->order_id, sizeof f->order_id, err)) ||
	    (rc = copy_string(o, "msg", f->msg, sizeof f->msg, err)) ||
	    (rc = copy_string(o, "reason", f->reason, sizeof f->reason, err)) ||
	    (rc = copy_string(o, "error", f->error, sizeof f->error, err)) ||
	    (rc = copy_string(o, "note", note, sizeof note, err)) ||
	    (rc = copy_long(o, "count", -1, &f->count, err)) ||
	    (rc = copy_long(o, "skip", 0, &f->skip, err)) ||
	    (rc = copy_long(o, "status", 0, &status, err)) ||
	    (rc = copy_long(o, "retry_after", 0, &retry, err)) ||
	    (rc = copy_long(o, "delay_ms", 0, &f->delay_ms, err)) ||
	    (rc = copy_long(o, "code", -100000, &code, err)))
		return rc;
	bool either = !venue[0] || strcmp(venue, "any") == 0;
	f->venue = either ? FX_NVENUES : fx_venue_parse(venue);
	if (!either && f->venue == FX_NVENUES)
		return rk_err_set(err, RK_EINVAL, "fault: unknown venue '%s'", venue);
	if (status != 0 && (status < 100 || status > 599))
		return rk_err_set(err, RK_EINVAL, "fault: 'status' must be an HTTP status");
	if (f->count == 0)
		return rk_err_set(err, RK_EINVAL, "fault: 'count' must be positive or -1");
	f->status = (unsigned)status;
	f->retry_after = (int)retry;
	f->code = (int)code;
	return RK_OK;
}

static enum rk_rc push(struct fx_faults *fs, const struct fx_fault *f, struct rk_err *err)
{
	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? fs->cap * 2 : 8;
		void *p = realloc(fs->v, ncap * sizeof *fs->v);
		if (!p)
			return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
		fs->v = p;
		fs->cap = ncap;
	}
	fs->v[fs->n++] = *f;
	return RK_OK;
}

enum rk_rc fx_faults_add_json(struct fx_faults *fs, const char *json, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	cJSON *root = cJSON_Parse(json ? json : "");
	const cJSON *it;
	struct fx_fault f;
	size_t before = fs->n;

	if (!root)
		return rk_err_set(err, RK_EINVAL, "fault: not valid JSON");
	if (cJSON_IsArray(root)) {
		cJSON_ArrayForEach(it, root)
			if ((rc = parse_one(it, &f, err)) || (rc = push(fs, &f, err)))
				break;
	} else if ((rc = parse_one(root, &f, err)) == RK_OK) {
		rc = push(fs, &f, err);
	}
	if (rc)
		fs->n = before; /* all or nothing */
	cJSON_Delete(root);
	return rc;
}

void fx_faults_clear(struct fx_faults *fs)
{
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}

/* ---- matching ------------------------------------------------------------- */

static bool matches(const struct fx_fault *f, const struct fx_req *req)
{
	if (f->count == 0)
		return false;
	if (f->venue != FX_NVENUES && f->venue != req->venue)
		return false;
	if (f->method[0] && strcasecmp(f->method, req->method) != 0)
		return false;
	if (f->path[0] && strncmp(req->path, f->path, strlen(f->path)) != 0)
		return false;
	if (f->kind == FXF_MISSING_PAGE) {
		const char *cursor = fx_param(req, "cursor");
		return cursor && cursor[0];
	}
	return true;
}

/* Lets `skip` requests through, then consumes one firing. */
static bool fires(struct fx_fault *f)
{
	if (f->skip > 0) {
		f->skip--;
		return false;
	}
	if (f->count > 0)
		f->count--;
	return true;
}

static void drop_spent(struct fx_faults *fs)
{
	size_t k = 0;
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].count != 0)
			fs->v[k++] = fs->v[i];
	fs->n = k;
}

/* Fills `resp` with a short-circuiting fault's answer. */
static void respond(const struct fx_fault *f, enum fx_venue v, struct fx_resp *resp)
{
	switch (f->kind) {
	case FXF_RATE_LIMIT:
		if (v == FX_BINANCE)
			fx_binance_error(resp, f->status ? f->status : 429, f->code ? f->code : -1003,
					 f->msg[0] ? f->msg
						   : "Too many requests; current limit of IP(127.0.0.1) "
						     "is 2400 requests per minute. Please use the "
						     "websocket for live updates to avoid polling the API.");
		else
			fx_coinbase_error(resp, f->status ? f->status : 429,
					  f->error[0] ? f->error : "RESOURCE_EXHAUSTED",
					  f->reason[0] ? f->reason : "Too many requests");
		resp->retry_after = f->retry_after;
		break;
	case FXF_ERROR:
		if (v == FX_BINANCE)
			fx_binance_error(resp, f->status ? f->status : 400, f->code ? f->code : -1000,
					 f->msg[0] ? f->msg
						   : "An unknown error occurred while processing the "
						     "request.");
		else
			fx_coinbase_error(resp, f->status ? f->status : 400,
					  f->error[0] ? f->error : "UNKNOWN_FAILURE_REASON",
					  f->reason[0] ? f->reason : "scripted error");
		break;
	case FXF_MISSING_PAGE:
		if (f->status == 404 && v == FX_COINBASE) {
			fx_coinbase_error(resp, 404, "NOT_FOUND", "page not found");
			break;
		}
		fx_venue_internal_error(resp, v, f->status ? f->status : 500, "page unavailable");
		break;
	default: /* FXF_SERVER_ERROR */
		fx_venue_internal_error(resp, v, f->status ? f->status : 500, "internal error");
		break;
	}
	snprintf(resp->fault, sizeof resp->fault, "%s", fx_fault_kind_name(f->kind));
}

bool fx_faults_before(struct fx_faults *fs, const struct fx_req *req, struct fx_resp *resp,
		      bool *malformed)
{
	bool answered = false;
	*malformed = false;
	for (size_t i = 0; i < fs->n && !answered; i++) {
		struct fx_fault *f = &fs->v[i];
		if (handler_level(f->kind) || !matches(f, req) || !fires(f))
			continue;
		if (f->kind == FXF_SLOW) {
			resp->delay_ms = f->delay_ms;
			snprintf(resp->fault, sizeof resp->fault, "slow");
		} else if (f->kind == FXF_MALFORMED) {
			*malformed = true;
			snprintf(resp->fault, sizeof resp->fault, "malformed");
		} else {
			respond(f, req->venue, resp);
			answered = true;
		}
	}
	drop_spent(fs);
	return answered;
}

bool fx_faults_take(struct fx_faults *fs, enum fx_fault_kind kind, const struct fx_req *req,
		    const char *order_id, struct fx_fault *out)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct fx_fault *f = &fs->v[i];
		if (f->kind != kind || !matches(f, req))
			continue;
		if (f->order_id[0] && (!order_id || strcmp(f->order_id, order_id) != 0))
			continue;
		if (!fires(f))
			continue;
		*out = *f; /* a copy: dropping the spent fault moves the array */
		drop_spent(fs);
		return true;
	}
	return false;
}

void fx_faults_mangle(struct fx_resp *resp)
{
	size_t n = resp->body ? strlen(resp->body) : 0;
	if (n >= 2)
		resp->body[n / 2] = '\0';
	else
		fx_resp_text(resp, resp->status, "application/json", "{");
}

char *fx_faults_json(const struct fx_faults *fs)
{
	cJSON *arr = cJSON_CreateArray();
	char *text;
	for (size_t i = 0; arr && i < fs->n; i++) {
		const struct fx_fault *f = &fs->v[i];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !fx_add_str(o, "kind", fx_fault_kind_name(f->kind)) ||
		    !fx_add_str(o, "venue", fx_venue_name(f->venue)) ||
		    !fx_add_str(o, "method", f->method) || !fx_add_str(o, "path", f->path) ||
		    !fx_add_int(o, "count", f->count) || !fx_add_int(o, "skip", f->skip)) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	text = arr ? cJSON_PrintUnformatted(arr) : NULL;
	cJSON_Delete(arr);
	return text;
}
