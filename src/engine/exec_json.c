/* exec_json.c — the JSON the executor journals with its actions: a
 * placement's request, an inferred fill's record with its basis, and a
 * venue's answer (see exec_int.h). */
#include "exec_int.h"

#include <cjson/cJSON.h>

#include "jsonout.h"

/* All or nothing: the text of `o` when every member was added (ok), else
 * NULL, so an allocation failure never journals a request or an answer
 * with a member missing. Frees o. */
static char *finish(cJSON *o, bool ok)
{
	char *s = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return s;
}

/* Request JSON for a placement. Caller frees. */
char *exec_req_json(const struct venue_order_req *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	bool ok = jsonout_add_str(o, "client_order_id", r->client_order_id) &&
		  jsonout_add_str(o, "symbol", r->symbol) &&
		  jsonout_add_str(o, "side", side_name(r->side)) &&
		  jsonout_add_str(o, "order_type", order_type_name(r->type)) &&
		  jsonout_add_str(o, "purpose", purpose_name(r->purpose)) &&
		  jsonout_add_dec(o, "qty", r->qty) &&
		  (!r->has_price || jsonout_add_dec(o, "price", r->price)) &&
		  (!r->has_stop_price || jsonout_add_dec(o, "stop_price", r->stop_price)) &&
		  (!r->reduce_only || cJSON_AddTrueToObject(o, "reduce_only")) &&
		  (!r->close_position || cJSON_AddTrueToObject(o, "close_position"));
	return finish(o, ok);
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
	bool ok = jsonout_add_str(o, "fill_id", f->fill_id) &&
		  jsonout_add_str(o, "order_id", f->order_id) &&
		  jsonout_add_str(o, "side", side_name(f->side)) &&
		  jsonout_add_dec(o, "qty", f->qty) && jsonout_add_dec(o, "price", f->price) &&
		  cJSON_AddTrueToObject(o, "inferred") &&
		  jsonout_add_str(o, "basis", cJSON_IsString(basis) ? basis->valuestring
					      : a->note[0] ? a->note : "reported by the venue");
	cJSON_Delete(detail);
	return finish(o, ok);
}

/* Caller frees. */
char *exec_resp_json(const struct resp *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	bool ok = jsonout_add_str(o, "outcome", venue_outcome_name(r->outcome)) &&
		  (r->reject == VREJ_NONE ||
		   jsonout_add_str(o, "reject", venue_reject_name(r->reject))) &&
		  (!r->code || jsonout_add_int(o, "code", r->code)) &&
		  (!r->reason || !r->reason[0] || jsonout_add_str(o, "reason", r->reason)) &&
		  (!r->order_id || !r->order_id[0] || jsonout_add_str(o, "order_id", r->order_id)) &&
		  (!r->status || !r->status[0] || jsonout_add_str(o, "status", r->status)) &&
		  (!r->unprotected || jsonout_add_int(o, "unprotected_ms", r->unprotected_ms)) &&
		  (r->sends <= 1 || jsonout_add_int(o, "sends", r->sends));
	return finish(o, ok);
}
