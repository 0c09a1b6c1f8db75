/* venue.c — venue-independent helpers of the venue interface (see venue.h). */
#include "venue.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_buf.h"

const char *venue_outcome_name(enum venue_outcome o)
{
	switch (o) {
	case VOUT_OK: return "ok";
	case VOUT_REJECTED: return "rejected";
	case VOUT_NOT_FOUND: return "not_found";
	case VOUT_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *venue_reject_name(enum venue_reject r)
{
	switch (r) {
	case VREJ_NONE: return "";
	case VREJ_OTHER: return "other";
	case VREJ_WOULD_TRIGGER: return "would_trigger";
	case VREJ_INSUFFICIENT_FUNDS: return "insufficient_funds";
	case VREJ_UNKNOWN_ORDER: return "unknown_order";
	case VREJ_ALREADY_DONE: return "already_done";
	case VREJ_INVALID: return "invalid";
	}
	return "other";
}

void venue_snapshot_free(struct venue_snapshot *s)
{
	if (!s)
		return;
	free(s->orders);
	free(s->positions);
	free(s->fills);
	free(s->prices);
	free(s->instruments);
	memset(s, 0, sizeof *s);
}

void venue_snapshot_mark_incomplete(struct venue_snapshot *s, const char *fmt, ...)
{
	if (!s->complete && s->incomplete_reason[0])
		return;
	s->complete = false;
	va_list ap;
	va_start(ap, fmt);
	rk_vfmt(s->incomplete_reason, sizeof s->incomplete_reason, fmt, ap);
	va_end(ap);
}

#define FIND(arr, n, sym)                                  \
	for (size_t i_ = 0; i_ < (n); i_++)                \
		if (strcmp((arr)[i_].symbol, (sym)) == 0)  \
			return &(arr)[i_];                 \
	return NULL

const struct venue_price *venue_snapshot_price(const struct venue_snapshot *s, const char *symbol)
{
	FIND(s->prices, s->nprices, symbol);
}

const struct instrument *venue_snapshot_instrument(const struct venue_snapshot *s,
						   const char *symbol)
{
	FIND(s->instruments, s->ninstruments, symbol);
}

const struct venue_position *venue_snapshot_position(const struct venue_snapshot *s,
						     const char *symbol)
{
	FIND(s->positions, s->npositions, symbol);
}

enum rk_rc venue_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			  struct venue_snapshot *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	return v->ops->snapshot(v, account, fills_cursor ? fills_cursor : "", out, err);
}

enum rk_rc venue_place(struct venue *v, const struct venue_order_req *req,
		       struct venue_place_result *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	enum rk_rc rc = v->ops->place(v, req, out, err);
	/* The rule from the incident: "validated" without an order id is a failure. */
	if (rc == RK_OK && out->outcome == VOUT_OK && !out->order_id[0]) {
		out->outcome = VOUT_UNKNOWN;
		snprintf(out->reason, sizeof out->reason,
			 "venue acknowledged the placement without an order id");
	}
	return rc;
}

enum rk_rc venue_cancel_orders(struct venue *v, const char *symbol, const char *const *order_ids,
			       size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	memset(out, 0, n * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		snprintf(out[i].order_id, sizeof out[i].order_id, "%s", order_ids[i]);
		out[i].outcome = VOUT_UNKNOWN; /* until the venue says otherwise */
	}
	return v->ops->cancel(v, symbol, order_ids, n, out, err);
}

enum rk_rc venue_get_order(struct venue *v, const char *symbol, const char *order_id,
			   const char *client_order_id, struct venue_order_result *out,
			   struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->outcome = VOUT_UNKNOWN;
	return v->ops->get_order(v, symbol, order_id, client_order_id, out, err);
}

enum rk_rc venue_order_fills(struct venue *v, const char *symbol, const char *order_id,
			     struct fill_rec **fills, size_t *n, struct rk_err *err)
{
	*fills = NULL;
	*n = 0;
	return v->ops->order_fills(v, symbol, order_id, fills, n, err);
}

enum rk_rc venue_last_price(struct venue *v, const char *symbol, struct dec *price,
			    struct rk_err *err)
{
	*price = dec_zero();
	if (!v->ops->last_price)
		return rk_err_set(err, RK_EUNKNOWN, "this venue cannot fetch a price");
	enum rk_rc rc = v->ops->last_price(v, symbol, price, err);
	if (rc == RK_OK && dec_sign(*price) <= 0) {
		*price = dec_zero();
		return rk_err_set(err, RK_EUNKNOWN, "%s: the venue answered no usable price", symbol);
	}
	return rc;
}

void venue_destroy(struct venue *v)
{
	if (v && v->ops && v->ops->destroy)
		v->ops->destroy(v);
}
