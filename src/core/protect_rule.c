/* protect_rule.c — the protection rule (see protect_rule.h). */
#include "protect_rule.h"

struct dec protect_judged_qty(const struct protect_pos *p, bool *has_orderable,
			      struct dec *orderable)
{
	*has_orderable = p->has_ex && p->last_fill_seq <= p->ex_run;
	*orderable = p->ex_orderable;
	return *has_orderable ? p->ex_qty : p->qty;
}

void protect_cover_init(struct protect_cover *c, struct dec qty)
{
	c->size = dec_abs(qty);
	c->sum = dec_zero();
	c->reducing = dec_sign(qty) < 0 ? SIDE_BUY : SIDE_SELL;
	c->any = false;
	c->overflow = false;
}

void protect_cover_add(struct protect_cover *c, enum side side, bool sized, struct dec qty,
		       struct dec filled)
{
	struct dec rem;
	if (side != c->reducing)
		return;
	c->any = true;
	if (!sized || dec_is_zero(qty))
		rem = c->size;
	else if (dec_sub(qty, filled, &rem) != DEC_OK || dec_sign(rem) < 0)
		rem = dec_zero();
	if (!c->overflow && dec_add(c->sum, rem, &c->sum) != DEC_OK)
		c->overflow = true;
}

enum protect_state protect_judge(const struct protect_pos *p, const struct protect_cover *c)
{
	bool has_orderable;
	struct dec orderable, qty = protect_judged_qty(p, &has_orderable, &orderable);
	if (dec_is_zero(qty))
		return PROTECT_FLAT;
	if (c->any && (c->overflow || dec_cmp(c->sum, c->size) >= 0 ||
		       (has_orderable && dec_cmp(c->sum, orderable) >= 0)))
		return PROTECT_PROTECTED;
	return p->dust ? PROTECT_DUST : PROTECT_BARE;
}

const char *protect_order_start_cause(bool is_stop, enum order_status s)
{
	if (!is_stop)
		return "order_changed";
	switch (s) {
	case OSTATUS_CANCELLED: return "stop_cancelled";
	case OSTATUS_FILLED:
	case OSTATUS_PARTIALLY_FILLED: return "stop_triggered";
	case OSTATUS_EXPIRED: return "stop_expired";
	case OSTATUS_REJECTED: return "stop_rejected";
	default: return "stop_changed";
	}
}

const char *protect_end_cause(enum protect_state s, const char *protected_cause)
{
	return s == PROTECT_FLAT ? "position_closed" : s == PROTECT_DUST ? "dust" : protected_cause;
}
