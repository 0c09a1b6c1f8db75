/*
 * ops.c — the simulated venue's read and cancel operations (snapshot,
 * cancel, get_order, order_fills, last_price), its destructor and its
 * venue_ops table (contract in sim.h).
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cancel, get_order, order_fills ------------------------------------- */

/* Is `o` the order the caller means, given an optional symbol? */
static bool symbol_ok(const struct sim_order *o, const char *symbol)
{
	return !symbol || !symbol[0] || strcmp(o->rec.symbol, symbol) == 0;
}

static void cancel_one(struct sim *s, const char *symbol, const char *id,
		       struct venue_cancel_result *r)
{
	struct sim_order *o = sim_find_order(s, id);
	struct fault *f;

	sim_copy_str(r->order_id, sizeof r->order_id, id);
	r->reject = VREJ_NONE;
	r->venue_code = 0;
	r->reason[0] = '\0';
	if ((f = sim_fault_take(s, FAULT_CANCEL_UNKNOWN, symbol, id, o ? o->rec.client_order_id : ""))) {
		if (f->happened && o && order_status_is_open(o->rec.status))
			o->rec.status = OSTATUS_CANCELLED;
		r->outcome = VOUT_UNKNOWN;
		sim_copy_str(r->reason, sizeof r->reason, f->reason[0] ? f->reason : "timeout (scripted)");
		return;
	}
	if ((f = sim_fault_take(s, FAULT_CANCEL_FAILS, symbol, id, o ? o->rec.client_order_id : ""))) {
		r->outcome = VOUT_REJECTED;
		r->reject = f->reject;
		r->venue_code = f->code;
		sim_copy_str(r->reason, sizeof r->reason,
			     f->reason[0] ? f->reason : "UNKNOWN_CANCEL_FAILURE_REASON");
		return;
	}
	if (!o || !symbol_ok(o, symbol)) {
		r->outcome = VOUT_NOT_FOUND;
		r->reject = VREJ_UNKNOWN_ORDER;
		r->venue_code = sim_is_binance(s) ? -2011 : 0;
		sim_copy_str(r->reason, sizeof r->reason,
			     sim_is_binance(s) ? "Unknown order sent." : "UNKNOWN_CANCEL_ORDER");
		return;
	}
	if (!order_status_is_open(o->rec.status)) {
		r->outcome = VOUT_REJECTED;
		r->reject = VREJ_ALREADY_DONE;
		snprintf(r->reason, sizeof r->reason, "order is already %s",
			 order_status_name(o->rec.status));
		return;
	}
	o->rec.status = OSTATUS_CANCELLED;
	r->outcome = VOUT_OK;
}

static enum rk_rc sim_cancel(struct venue *v, const char *symbol, const char *const *order_ids,
			     size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	struct sim *s = sim_of(v);
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	for (size_t i = 0; i < n; i++) {
		const char *id = order_ids[i] ? order_ids[i] : "";
		enum rk_rc rc = sim_log_call(s, SIM_CALL_CANCEL, symbol, id, NULL, err);
		if (rc)
			return rc;
		cancel_one(s, symbol, id, &out[i]);
	}
	return RK_OK;
}

static enum rk_rc sim_get_order(struct venue *v, const char *symbol, const char *order_id,
				const char *client_order_id, struct venue_order_result *out,
				struct rk_err *err)
{
	struct sim *s = sim_of(v);
	struct sim_order *o;
	enum rk_rc rc;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	bool by_id = order_id && order_id[0];
	if (!by_id && !(client_order_id && client_order_id[0]))
		return rk_err_set(err, RK_EINVAL, "sim: get_order needs an order id or client order id");
	if ((rc = sim_log_call(s, SIM_CALL_GET_ORDER, symbol, order_id, client_order_id, err)))
		return rc;
	o = by_id ? sim_find_order(s, order_id) : sim_find_order_by_client(s, client_order_id);
	if (sim_fault_take(s, FAULT_GET_ORDER_UNKNOWN, symbol,
			   by_id ? order_id : (o ? o->rec.order_id : ""),
			   by_id ? (o ? o->rec.client_order_id : "") : client_order_id)) {
		out->outcome = VOUT_UNKNOWN;
		sim_copy_str(out->reason, sizeof out->reason, "timeout (scripted)");
		return RK_OK;
	}
	if (!o || !symbol_ok(o, symbol)) {
		out->outcome = VOUT_NOT_FOUND;
		sim_copy_str(out->reason, sizeof out->reason,
			     sim_is_binance(s) ? "Order does not exist." : "order not found");
		return RK_OK;
	}
	out->outcome = VOUT_OK;
	out->order = o->rec;
	return RK_OK;
}

static enum rk_rc sim_order_fills(struct venue *v, const char *symbol, const char *order_id,
				  struct fill_rec **fills, size_t *n, struct rk_err *err)
{
	struct sim *s = sim_of(v);
	enum rk_rc rc;
	size_t count = 0, k = 0;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = sim_log_call(s, SIM_CALL_ORDER_FILLS, symbol, order_id, NULL, err)))
		return rc;
	if (sim_fault_take(s, FAULT_ORDER_FILLS_FAILS, symbol, order_id, NULL))
		return rk_err_set(err, RK_EUNKNOWN, "sim: order fills request timed out (scripted)");
	for (size_t i = 0; i < s->fills.n; i++)
		if (strcmp(s->fills.v[i].rec.order_id, order_id) == 0)
			count++;
	if (count == 0)
		return RK_OK;
	*fills = calloc(count, sizeof **fills);
	if (!*fills)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	for (size_t i = 0; i < s->fills.n; i++)
		if (strcmp(s->fills.v[i].rec.order_id, order_id) == 0)
			(*fills)[k++] = s->fills.v[i].rec;
	*n = count;
	return RK_OK;
}

static enum rk_rc sim_last_price(struct venue *v, const char *symbol, struct dec *price,
				 struct rk_err *err)
{
	struct sim *s = sim_of(v);
	enum rk_rc rc;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = sim_log_call(s, SIM_CALL_LAST_PRICE, symbol, NULL, NULL, err)))
		return rc;
	if (sim_fault_take(s, FAULT_LAST_PRICE_FAILS, symbol, NULL, NULL))
		return rk_err_set(err, RK_EUNKNOWN, "sim: price request timed out (scripted)");
	if (!sim_current_price(s, symbol, price))
		return rk_err_set(err, RK_EUNKNOWN, "sim: %s has no price", symbol);
	return RK_OK;
}

/* ---- snapshot ------------------------------------------------------------ */

/* Allocates `n` elements (at least one, so a zero-length part is still a
 * valid pointer to free). */
static void *alloc_n(size_t n, size_t elem)
{
	return calloc(n ? n : 1, elem);
}

/* The instrument a spot asset is held under: the first with that base. */
static const struct instrument *instrument_of_base(const struct sim *s, const char *asset)
{
	for (size_t i = 0; i < s->instruments.n; i++) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (symbol_split(s->instruments.v[i].symbol, base, quote) &&
		    strcmp(base, asset) == 0)
			return &s->instruments.v[i];
	}
	return NULL;
}

static enum rk_rc parse_cursor(const char *text, uint64_t *out, struct rk_err *err)
{
	*out = 0;
	if (!text || !text[0])
		return RK_OK;
	char *end = NULL;
	unsigned long long v = strtoull(text, &end, 10);
	if (!end || *end || text[0] == '-')
		return rk_err_set(err, RK_EINVAL, "sim: bad fills cursor '%s'", text);
	*out = (uint64_t)v;
	return RK_OK;
}

static enum rk_rc snap_orders(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	size_t nopen = sim_venue_open_order_count(&s->base);
	size_t pages = (nopen + s->page_size - 1) / s->page_size;
	size_t lost = SIZE_MAX;
	struct fault *f = sim_fault_take(s, FAULT_PAGE_MISSING, NULL, NULL, NULL);
	if (f) {
		lost = (size_t)f->page;
		if (pages == 0)
			lost = 0;
		else if (lost >= pages)
			lost = pages - 1;
		if (f->reason[0])
			venue_snapshot_mark_incomplete(out, "%s", f->reason);
		else
			venue_snapshot_mark_incomplete(out, "open orders: page %zu of %zu missing",
						       lost + 1, pages ? pages : (size_t)1);
	}
	out->orders = alloc_n(nopen, sizeof *out->orders);
	if (!out->orders)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0, idx = 0;
	for (size_t i = 0; i < s->orders.n; i++) {
		if (!order_status_is_open(s->orders.v[i].rec.status))
			continue;
		if (idx++ / s->page_size != lost)
			out->orders[k++] = s->orders.v[i].rec;
	}
	out->norders = k;
	return RK_OK;
}

static enum rk_rc snap_positions(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	size_t n = s->market == MARKET_SPOT ? s->balances.n : s->positions.n;
	out->positions = alloc_n(n, sizeof *out->positions);
	if (!out->positions)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0;
	if (s->market == MARKET_FUTURES) {
		for (size_t i = 0; i < s->positions.n; i++) {
			struct venue_position *p = &out->positions[k++];
			sim_copy_str(p->symbol, sizeof p->symbol, s->positions.v[i].symbol);
			p->qty = s->positions.v[i].qty;
			p->has_entry = !dec_is_zero(p->qty);
			p->entry_price = p->has_entry ? s->positions.v[i].entry : dec_zero();
		}
	} else {
		for (size_t i = 0; i < s->balances.n; i++) {
			const struct instrument *ins = instrument_of_base(s, s->balances.v[i].asset);
			if (!ins)
				continue; /* a quote currency, not a holding */
			struct venue_position *p = &out->positions[k++];
			sim_copy_str(p->symbol, sizeof p->symbol, ins->symbol);
			p->qty = s->balances.v[i].qty;
		}
	}
	out->npositions = k;
	return RK_OK;
}

static enum rk_rc snap_fills(struct sim *s, uint64_t since, struct venue_snapshot *out,
			     struct rk_err *err)
{
	size_t n = 0, k = 0;
	uint64_t last = since;
	for (size_t i = 0; i < s->fills.n; i++)
		if (s->fills.v[i].seq > since)
			n++;
	out->fills = alloc_n(n, sizeof *out->fills);
	if (!out->fills)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	for (size_t i = 0; i < s->fills.n; i++) {
		if (s->fills.v[i].seq <= since)
			continue;
		out->fills[k++] = s->fills.v[i].rec;
		if (s->fills.v[i].seq > last)
			last = s->fills.v[i].seq;
	}
	out->nfills = k;
	snprintf(out->fills_cursor, sizeof out->fills_cursor, "%" PRIu64, last);
	return RK_OK;
}

static enum rk_rc snap_prices(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	out->prices = alloc_n(s->paths.n, sizeof *out->prices);
	if (!out->prices)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0;
	for (size_t i = 0; i < s->paths.n; i++) {
		struct dec last;
		if (!sim_current_price(s, s->paths.v[i].symbol, &last))
			continue;
		sim_copy_str(out->prices[k].symbol, sizeof out->prices[k].symbol, s->paths.v[i].symbol);
		out->prices[k++].last = last;
	}
	out->nprices = k;
	return RK_OK;
}

static enum rk_rc sim_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			       struct venue_snapshot *out, struct rk_err *err)
{
	struct sim *s = sim_of(v);
	enum rk_rc rc;
	uint64_t since = 0;
	int failed = 0;
	char reason[VENUE_REASON_MAX] = "";
	(void)account; /* one account per sim venue */

	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = parse_cursor(fills_cursor, &since, err)))
		return rc;
	if ((rc = sim_log_call(s, SIM_CALL_SNAPSHOT, NULL, NULL, NULL, err)))
		return rc;
	memset(out, 0, sizeof *out);
	out->complete = true;
	out->taken_at_us = sim_now_us(s);

	/* Every snapshot_fails fault due now fires (several parts may fail). */
	for (size_t i = 0; i < s->faults.n; i++) {
		struct fault *f = &s->faults.v[i];
		if (!sim_fault_fires(s, f, FAULT_SNAPSHOT_FAILS, NULL, NULL, NULL))
			continue;
		if (!reason[0]) {
			if (f->reason[0])
				sim_copy_str(reason, sizeof reason, f->reason);
			else
				snprintf(reason, sizeof reason, "%s request failed (scripted fault)",
					 sim_part_name(f->part));
		}
		failed |= f->part;
	}
	if (failed)
		venue_snapshot_mark_incomplete(out, "%s", reason);

	if (!(failed & PART_ORDERS) && (rc = snap_orders(s, out, err)))
		goto out;
	if (!(failed & PART_POSITIONS) && (rc = snap_positions(s, out, err)))
		goto out;
	if (failed & PART_FILLS)
		snprintf(out->fills_cursor, sizeof out->fills_cursor, "%s",
			 fills_cursor ? fills_cursor : "");
	else if ((rc = snap_fills(s, since, out, err)))
		goto out;
	if (!(failed & PART_PRICES) && (rc = snap_prices(s, out, err)))
		goto out;
	if (!(failed & PART_INSTRUMENTS)) {
		out->instruments = alloc_n(s->instruments.n, sizeof *out->instruments);
		if (!out->instruments) {
			rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
			goto out;
		}
		if (s->instruments.n)
			memcpy(out->instruments, s->instruments.v,
			       s->instruments.n * sizeof *out->instruments);
		out->ninstruments = s->instruments.n;
	}
out:
	if (rc)
		venue_snapshot_free(out);
	return rc;
}

void sim_destroy(struct venue *v)
{
	struct sim *s = sim_of(v);
	if (!s)
		return;
	for (size_t i = 0; i < s->paths.n; i++)
		free(s->paths.v[i].steps);
	free(s->instruments.v);
	free(s->balances.v);
	free(s->positions.v);
	free(s->orders.v);
	free(s->fills.v);
	free(s->paths.v);
	free(s->faults.v);
	free(s->log.v);
	sim_index_free(s);
	free(s);
}

const struct venue_ops SIM_OPS = {
	.snapshot = sim_snapshot,
	.place = sim_place,
	.cancel = sim_cancel,
	.get_order = sim_get_order,
	.order_fills = sim_order_fills,
	.destroy = sim_destroy,
	.last_price = sim_last_price,
};
