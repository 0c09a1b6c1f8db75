/* record.c — ingest-contract validation and canonical JSON (see record.h). */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "rtime.h"

enum rk_rc record_type_of(const struct jsonin *in, enum record_type *out, struct rk_err *err)
{
	char type[32];
	enum rk_rc rc = jsonin_str(in, "type", true, type, sizeof type, err);
	if (rc)
		return rc;
	if (strcmp(type, "order") == 0)
		*out = RECORD_ORDER;
	else if (strcmp(type, "fill") == 0)
		*out = RECORD_FILL;
	else
		return rk_err_set(err, RK_EINVAL, "field 'type': unknown event type '%s' (want order or fill)",
				  type);
	return RK_OK;
}

/* Reads a required enum-valued string through a parse function. */
#define READ_ENUM(field, parse, none, dst, required, allowed)                                   \
	do {                                                                                    \
		char tmp_[40];                                                                  \
		rc = jsonin_str(in, field, required, tmp_, sizeof tmp_, err);                   \
		if (rc)                                                                         \
			return rc;                                                              \
		dst = parse(tmp_);                                                              \
		if (tmp_[0] && dst == none)                                                     \
			return rk_err_set(err, RK_EINVAL, "field '%s': '%s' is not one of %s", field, \
					  tmp_, allowed);                                       \
	} while (0)

static enum rk_rc read_common(const struct jsonin *in, char *ts, enum venue_kind *venue,
			      char *account, char *symbol, struct rk_err *err)
{
	enum rk_rc rc;
	char raw_ts[64];
	int64_t us;
	rc = jsonin_str(in, "ts", true, raw_ts, sizeof raw_ts, err);
	if (rc)
		return rc;
	if ((rc = rtime_parse_exact(raw_ts, &us, err)))
		return rk_err_prefix(err, "field 'ts'");
	rtime_format(us, ts);
	READ_ENUM("venue", venue_parse, VENUE_UNKNOWN, *venue, true, "coinbase, binance-usdm, sim");
	rc = jsonin_str(in, "account", false, account, MODEL_NAME_MAX, err);
	if (rc)
		return rc;
	if (!account[0])
		strcpy(account, "default");
	return jsonin_str(in, "symbol", true, symbol, MODEL_SYM_MAX, err);
}

/* An amount that must be > 0 (or >= 0 with allow_zero) and <= max. */
static enum rk_rc check_amount(const char *field, struct dec v, bool allow_zero, const char *max,
			       struct rk_err *err)
{
	struct dec lim;
	dec_parse_cstr(max, &lim);
	if (dec_sign(v) < 0)
		return rk_err_set(err, RK_EINVAL, "field '%s': must not be negative", field);
	if (!allow_zero && dec_is_zero(v))
		return rk_err_set(err, RK_EINVAL, "field '%s': must be greater than zero", field);
	if (dec_cmp(v, lim) > 0)
		return rk_err_set(err, RK_EINVAL, "field '%s': absurdly large (over %s)", field, max);
	return RK_OK;
}

static enum rk_rc read_amount(const struct jsonin *in, const char *field, bool required,
			      bool allow_zero, const char *max, bool *present, struct dec *out,
			      struct rk_err *err)
{
	bool have = false;
	enum rk_rc rc = jsonin_dec(in, field, required, &have, out, err);
	if (rc)
		return rc;
	if (present)
		*present = have;
	if (!have) {
		*out = dec_zero();
		return RK_OK;
	}
	return check_amount(field, *out, allow_zero, max, err);
}

enum rk_rc record_order_read(const struct jsonin *in, struct order_rec *o, struct rk_err *err)
{
	enum rk_rc rc;
	memset(o, 0, sizeof *o);
	if ((rc = read_common(in, o->ts, &o->venue, o->account, o->symbol, err)))
		return rc;
	if ((rc = jsonin_str(in, "order_id", true, o->order_id, sizeof o->order_id, err)))
		return rc;
	if ((rc = jsonin_str(in, "client_order_id", false, o->client_order_id,
			     sizeof o->client_order_id, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, o->side, true, "buy, sell");
	READ_ENUM("order_type", order_type_parse, OTYPE_NONE, o->type, true,
		  "market, limit, stop_market, stop_limit, take_profit, bracket, trailing_stop");
	READ_ENUM("status", order_status_parse, OSTATUS_NONE, o->status, true,
		  "open, partially_filled, filled, cancelled, rejected, expired");
	READ_ENUM("purpose", purpose_parse, PURPOSE_NONE, o->purpose, false,
		  "entry, exit, stop_loss, take_profit");
	if ((rc = jsonin_bool(in, "reduce_only", false, &o->reduce_only, err)))
		return rc;
	if ((rc = read_amount(in, "qty", true, false, RECORD_MAX_QTY, NULL, &o->qty, err)))
		return rc;
	if ((rc = read_amount(in, "price", false, false, RECORD_MAX_PRICE, &o->has_price, &o->price,
			      err)))
		return rc;
	if ((rc = read_amount(in, "stop_price", false, false, RECORD_MAX_PRICE, &o->has_stop_price,
			      &o->stop_price, err)))
		return rc;
	if ((rc = read_amount(in, "filled_qty", false, true, RECORD_MAX_QTY, &o->has_filled_qty,
			      &o->filled_qty, err)))
		return rc;
	if (o->type == OTYPE_LIMIT && !o->has_price)
		return rk_err_set(err, RK_EINVAL, "field 'price': missing (a limit order needs one)");
	if ((o->type == OTYPE_STOP_MARKET || o->type == OTYPE_STOP_LIMIT || o->type == OTYPE_BRACKET) &&
	    !o->has_stop_price)
		return rk_err_set(err, RK_EINVAL, "field 'stop_price': missing (a %s order needs one)",
				  order_type_name(o->type));
	if (o->has_filled_qty && dec_cmp(o->filled_qty, o->qty) > 0)
		return rk_err_set(err, RK_EINVAL, "field 'filled_qty': exceeds qty");
	if (o->status == OSTATUS_FILLED && o->has_filled_qty && !dec_eq(o->filled_qty, o->qty))
		return rk_err_set(err, RK_EINVAL,
				  "field 'filled_qty': less than qty, but the status says filled");
	return RK_OK;
}

/* `journaled`: the text is a journal payload, which may hold reckon's own
 * "inferred" flag; a bot's line may not. */
static enum rk_rc fill_read(const struct jsonin *in, bool journaled, struct fill_rec *f,
			    struct rk_err *err)
{
	enum rk_rc rc;
	memset(f, 0, sizeof *f);
	if ((rc = read_common(in, f->ts, &f->venue, f->account, f->symbol, err)))
		return rc;
	if ((rc = jsonin_str(in, "fill_id", true, f->fill_id, sizeof f->fill_id, err)))
		return rc;
	if ((rc = jsonin_str(in, "order_id", true, f->order_id, sizeof f->order_id, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, f->side, true, "buy, sell");
	if ((rc = read_amount(in, "qty", true, false, RECORD_MAX_QTY, NULL, &f->qty, err)))
		return rc;
	if ((rc = read_amount(in, "price", true, false, RECORD_MAX_PRICE, NULL, &f->price, err)))
		return rc;
	if ((rc = read_amount(in, "fee", false, true, RECORD_MAX_PRICE, NULL, &f->fee, err)))
		return rc;
	if ((rc = jsonin_str(in, "fee_currency", false, f->fee_currency, sizeof f->fee_currency, err)))
		return rc;
	if (!dec_is_zero(f->fee) && !f->fee_currency[0])
		return rk_err_set(err, RK_EINVAL, "field 'fee_currency': missing (fee is not zero)");
	READ_ENUM("liquidity", liquidity_parse, LIQ_NONE, f->liquidity, false, "maker, taker");
	if (!journaled && cJSON_GetObjectItemCaseSensitive(in->root, "inferred"))
		return rk_err_set(err, RK_EINVAL,
				  "field 'inferred': only reckon marks a fill inferred (a fill it "
				  "reconstructs); a report may not carry it");
	return jsonin_bool(in, "inferred", false, &f->inferred, err);
}

enum rk_rc record_fill_read(const struct jsonin *in, struct fill_rec *f, struct rk_err *err)
{
	return fill_read(in, false, f, err);
}

/* --- canonical JSON ------------------------------------------------------ */

static cJSON *common_json(const char *type, const char *ts, enum venue_kind venue,
			  const char *account, const char *symbol)
{
	cJSON *o = cJSON_CreateObject();
	if (o && jsonout_add_str(o, "type", type) && jsonout_add_str(o, "ts", ts) &&
	    jsonout_add_str(o, "venue", venue_name(venue)) && jsonout_add_str(o, "account", account) &&
	    jsonout_add_str(o, "symbol", symbol))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static char *finish(cJSON *o, bool ok)
{
	char *s = ok && o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return s;
}

char *record_order_json(const struct order_rec *r)
{
	cJSON *o = common_json("order", r->ts, r->venue, r->account, r->symbol);
	bool ok = o && jsonout_add_str(o, "order_id", r->order_id) &&
		  (!r->client_order_id[0] || jsonout_add_str(o, "client_order_id", r->client_order_id)) &&
		  jsonout_add_str(o, "side", side_name(r->side)) &&
		  jsonout_add_str(o, "order_type", order_type_name(r->type)) &&
		  jsonout_add_str(o, "status", order_status_name(r->status)) &&
		  (r->purpose == PURPOSE_NONE || jsonout_add_str(o, "purpose", purpose_name(r->purpose))) &&
		  (!r->reduce_only || cJSON_AddTrueToObject(o, "reduce_only")) &&
		  jsonout_add_dec(o, "qty", r->qty) && (!r->has_price || jsonout_add_dec(o, "price", r->price)) &&
		  (!r->has_stop_price || jsonout_add_dec(o, "stop_price", r->stop_price)) &&
		  (!r->has_filled_qty || jsonout_add_dec(o, "filled_qty", r->filled_qty));
	return finish(o, ok);
}

char *record_fill_json(const struct fill_rec *r)
{
	cJSON *o = common_json("fill", r->ts, r->venue, r->account, r->symbol);
	bool ok = o && jsonout_add_str(o, "fill_id", r->fill_id) && jsonout_add_str(o, "order_id", r->order_id) &&
		  jsonout_add_str(o, "side", side_name(r->side)) && jsonout_add_dec(o, "qty", r->qty) &&
		  jsonout_add_dec(o, "price", r->price) && jsonout_add_dec(o, "fee", r->fee) &&
		  (!r->fee_currency[0] || jsonout_add_str(o, "fee_currency", r->fee_currency)) &&
		  (r->liquidity == LIQ_NONE || jsonout_add_str(o, "liquidity", liquidity_name(r->liquidity))) &&
		  (!r->inferred || cJSON_AddTrueToObject(o, "inferred"));
	return finish(o, ok);
}

enum rk_rc record_order_from_text(const char *json, struct order_rec *out, struct rk_err *err)
{
	struct jsonin in;
	enum rk_rc rc = jsonin_parse(json, strlen(json), &in, err);
	if (rc)
		return rc;
	rc = record_order_read(&in, out, err);
	jsonin_close(&in);
	return rc;
}

enum rk_rc record_fill_from_text(const char *json, struct fill_rec *out, struct rk_err *err)
{
	struct jsonin in;
	enum rk_rc rc = jsonin_parse(json, strlen(json), &in, err);
	if (rc)
		return rc;
	rc = fill_read(&in, true, out, err);
	jsonin_close(&in);
	return rc;
}
