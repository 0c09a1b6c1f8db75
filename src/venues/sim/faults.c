/*
 * faults.c — the simulated venue's request log and scripted faults: which
 * operation each fault kind counts, when a fault fires, and the FAULT object
 * of the scenario format (sim.h).
 */
#include "sim_internal.h"

#include <string.h>

#include "jsonin.h"

static const char *const FAULT_NAMES[FAULT_KIND_COUNT] = {
	"snapshot_fails", "page_missing", "cancel_fails", "cancel_unknown",
	"place_would_trigger", "place_no_order_id", "place_unknown", "get_order_unknown",
	"order_fills_fails", "place_fails", "last_price_fails"};

/* The operation whose calls a fault's at_call counts. */
static const enum sim_call_kind FAULT_CALL[FAULT_KIND_COUNT] = {
	SIM_CALL_SNAPSHOT, SIM_CALL_SNAPSHOT, SIM_CALL_CANCEL, SIM_CALL_CANCEL,
	SIM_CALL_PLACE, SIM_CALL_PLACE, SIM_CALL_PLACE, SIM_CALL_GET_ORDER,
	SIM_CALL_ORDER_FILLS, SIM_CALL_PLACE, SIM_CALL_LAST_PRICE};

/* ---- the request log and faults ------------------------------------------ */

enum rk_rc sim_log_call(struct sim *s, enum sim_call_kind kind, const char *symbol,
			const char *order_id, const char *cid, struct rk_err *err)
{
	struct sim_call *c = rk_array_push(&s->log);
	if (!c)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(c, 0, sizeof *c);
	c->kind = kind;
	sim_copy_str(c->symbol, sizeof c->symbol, symbol);
	sim_copy_str(c->order_id, sizeof c->order_id, order_id);
	sim_copy_str(c->client_order_id, sizeof c->client_order_id, cid);
	s->calls[kind]++;
	return RK_OK;
}

static bool sel_matches(const char *want, const char *have)
{
	return !want[0] || (have && strcmp(want, have) == 0);
}

/* Does fault `f` (of `kind`) fire at this call? If so it is consumed (its
 * count decremented). A fault fires at most once per call. */
bool sim_fault_fires(struct sim *s, struct fault *f, enum fault_kind kind, const char *symbol,
		     const char *order_id, const char *cid)
{
	if (f->kind != kind || f->count == 0)
		return false;
	if (f->at_call > 0 && s->calls[FAULT_CALL[kind]] < f->at_call)
		return false;
	if (!sel_matches(f->symbol, symbol) || !sel_matches(f->order_id, order_id) ||
	    !sel_matches(f->client_order_id, cid))
		return false;
	if (f->count > 0)
		f->count--;
	return true;
}

/* The first fault of `kind` that fires at this call, or NULL. */
struct fault *sim_fault_take(struct sim *s, enum fault_kind kind, const char *symbol,
			     const char *order_id, const char *cid)
{
	for (size_t i = 0; i < s->faults.n; i++)
		if (sim_fault_fires(s, &s->faults.v[i], kind, symbol, order_id, cid))
			return &s->faults.v[i];
	return NULL;
}

const char *sim_part_name(int part)
{
	switch (part) {
	case PART_ORDERS: return "orders";
	case PART_POSITIONS: return "positions";
	case PART_FILLS: return "fills";
	case PART_PRICES: return "prices";
	default: return "instruments";
	}
}

/* ---- the FAULT object of a scenario -------------------------------------- */

enum rk_rc sim_fault_parse(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"kind", "count", "at_call", "symbol", "order_id",
					   "client_order_id", "part", "page", "reason", "reject",
					   "code", "placed", "cancelled", "note", NULL};
	const struct jsonin_at *at = SIM_AT(j, path);
	struct fault f;
	char kind[40], part[32], reject[40];
	int64_t code = 0;
	enum rk_rc rc;
	memset(&f, 0, sizeof f);
	if ((rc = jsonin_check_keys(at, KEYS, err)) ||
	    (rc = jsonin_get_str(at, "kind", true, kind, sizeof kind, err)) ||
	    (rc = jsonin_get_int(at, "count", false, 1, -1, SIM_INT_MAX, NULL, &f.count, err)) ||
	    (rc = jsonin_get_int(at, "at_call", false, 0, 0, SIM_INT_MAX, NULL, &f.at_call, err)) ||
	    (rc = jsonin_get_str(at, "symbol", false, f.symbol, sizeof f.symbol, err)) ||
	    (rc = jsonin_get_str(at, "order_id", false, f.order_id, sizeof f.order_id, err)) ||
	    (rc = jsonin_get_str(at, "client_order_id", false, f.client_order_id,
				 sizeof f.client_order_id, err)) ||
	    (rc = jsonin_get_str(at, "part", false, part, sizeof part, err)) ||
	    (rc = jsonin_get_int(at, "page", false, 1, 0, SIM_INT_MAX, NULL, &f.page, err)) ||
	    (rc = jsonin_get_str(at, "reason", false, f.reason, sizeof f.reason, err)) ||
	    (rc = jsonin_get_str(at, "reject", false, reject, sizeof reject, err)) ||
	    (rc = jsonin_get_int(at, "code", false, 0, -100000, SIM_INT_MAX, NULL, &code, err)))
		return rc;
	f.kind = FAULT_KIND_COUNT;
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		if (strcmp(kind, FAULT_NAMES[k]) == 0)
			f.kind = (enum fault_kind)k;
	if (f.kind == FAULT_KIND_COUNT)
		return rk_err_set(err, RK_EINVAL, "%s.kind: unknown fault '%s'", path, kind);
	if (f.count == 0)
		return rk_err_set(err, RK_EINVAL, "%s.count: 0 would never fire (use -1 for always)",
				  path);
	f.code = (int)code;
	bool placed = true, cancelled = true;
	if ((rc = jsonin_get_bool(at, "placed", true, &placed, err)) ||
	    (rc = jsonin_get_bool(at, "cancelled", true, &cancelled, err)))
		return rc;
	f.happened = f.kind == FAULT_PLACE_UNKNOWN ? placed : cancelled;
	if (f.kind == FAULT_SNAPSHOT_FAILS) {
		static const int PARTS[] = {PART_ORDERS, PART_POSITIONS, PART_FILLS, PART_PRICES,
					    PART_INSTRUMENTS};
		for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++)
			if (strcmp(part, sim_part_name(PARTS[i])) == 0)
				f.part = PARTS[i];
		if (!f.part)
			return rk_err_set(err, RK_EINVAL,
					  "%s.part: want orders, positions, fills, prices or instruments",
					  path);
	}
	f.reject = VREJ_OTHER;
	if (reject[0]) {
		static const enum venue_reject REJ[] = {
			VREJ_OTHER, VREJ_WOULD_TRIGGER, VREJ_INSUFFICIENT_FUNDS, VREJ_UNKNOWN_ORDER,
			VREJ_ALREADY_DONE, VREJ_INVALID};
		f.reject = VREJ_NONE;
		for (size_t i = 0; i < sizeof REJ / sizeof REJ[0]; i++)
			if (strcmp(reject, venue_reject_name(REJ[i])) == 0)
				f.reject = REJ[i];
		if (f.reject == VREJ_NONE)
			return rk_err_set(err, RK_EINVAL, "%s.reject: unknown reject '%s'", path, reject);
	}
	struct fault *dst = rk_array_push(&s->faults);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = f;
	return RK_OK;
}
