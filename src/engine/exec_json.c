/* exec_json.c — the JSON the executor journals with its actions: a
 * placement's request, an inferred fill's record with its basis, and a
 * venue's answer (see exec_int.h). */
#include "exec_int.h"

#include <cjson/cJSON.h>

static void json_dec(cJSON *o, const char *k, struct dec v)
{
	char b[DEC_STR_MAX];
	cJSON_AddStringToObject(o, k, dec_format(v, b));
}

/* Request JSON for a placement. Caller frees. */
char *exec_req_json(const struct venue_order_req *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "client_order_id", r->client_order_id);
	cJSON_AddStringToObject(o, "symbol", r->symbol);
	cJSON_AddStringToObject(o, "side", side_name(r->side));
	cJSON_AddStringToObject(o, "order_type", order_type_name(r->type));
	cJSON_AddStringToObject(o, "purpose", purpose_name(r->purpose));
	json_dec(o, "qty", r->qty);
	if (r->has_price)
		json_dec(o, "price", r->price);
	if (r->has_stop_price)
		json_dec(o, "stop_price", r->stop_price);
	if (r->reduce_only)
		cJSON_AddTrueToObject(o, "reduce_only");
	if (r->close_position)
		cJSON_AddTrueToObject(o, "close_position");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Request JSON of a record_inferred_fill: the fill reckon will journal as
 * inferred, and its basis (why reckon believes it happened): the finding's
 * "basis" when it gives one, else the action's note. Caller frees. */
char *exec_record_json(const struct action *a, const struct finding *fd)
{
	const struct fill_rec *f = &a->fill;
	cJSON *detail = fd ? cJSON_Parse(fd->detail) : NULL;
	const cJSON *basis = cJSON_GetObjectItemCaseSensitive(detail, "basis");
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(detail);
		return NULL;
	}
	cJSON_AddStringToObject(o, "fill_id", f->fill_id);
	cJSON_AddStringToObject(o, "order_id", f->order_id);
	cJSON_AddStringToObject(o, "side", side_name(f->side));
	json_dec(o, "qty", f->qty);
	json_dec(o, "price", f->price);
	cJSON_AddTrueToObject(o, "inferred");
	cJSON_AddStringToObject(o, "basis", cJSON_IsString(basis) ? basis->valuestring
					    : a->note[0] ? a->note : "reported by the venue");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(detail);
	return s;
}

/* Caller frees. */
char *exec_resp_json(const struct resp *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "outcome", venue_outcome_name(r->outcome));
	if (r->reject != VREJ_NONE)
		cJSON_AddStringToObject(o, "reject", venue_reject_name(r->reject));
	if (r->code)
		cJSON_AddNumberToObject(o, "code", r->code);
	if (r->reason && r->reason[0])
		cJSON_AddStringToObject(o, "reason", r->reason);
	if (r->order_id && r->order_id[0])
		cJSON_AddStringToObject(o, "order_id", r->order_id);
	if (r->status && r->status[0])
		cJSON_AddStringToObject(o, "status", r->status);
	if (r->unprotected)
		cJSON_AddNumberToObject(o, "unprotected_ms", (double)r->unprotected_ms);
	if (r->sends > 1)
		cJSON_AddNumberToObject(o, "sends", r->sends);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
