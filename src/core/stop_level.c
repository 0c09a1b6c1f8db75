/* stop_level.c — where a protective stop goes (see stop_level.h). */
#include "stop_level.h"

#include <stdio.h>
#include <string.h>

#include "rk_buf.h"

bool stop_level_through(bool is_long, struct dec level, struct dec price)
{
	int k = dec_cmp(level, price);
	return is_long ? k >= 0 : k <= 0;
}

bool stop_level_loss_pct(bool is_long, struct dec entry, struct dec price, struct dec *out)
{
	struct dec diff;
	if (dec_sign(entry) <= 0 ||
	    (is_long ? dec_sub(entry, price, &diff) : dec_sub(price, entry, &diff)) != DEC_OK)
		return false;
	return dec_muldiv(diff, dec_from_int(100), entry, DEC_ROUND_HALF_EVEN, out) == DEC_OK;
}

char *stop_level_pct_text(struct dec pct, char buf[DEC_STR_MAX])
{
	struct dec hundredth, q;
	if (dec_parse_cstr("0.01", &hundredth) == DEC_OK &&
	    dec_quantize(pct, hundredth, DEC_ROUND_HALF_EVEN, &q) == DEC_OK)
		pct = q;
	return dec_format(pct, buf);
}

/* base x (1 + dir x pct/100), dir = -1 or +1. */
static bool pct_move(struct dec base, struct dec pct, int dir, struct dec *out)
{
	struct dec factor, hundred = dec_from_int(100);
	if ((dir < 0 ? dec_sub(hundred, pct, &factor) : dec_add(hundred, pct, &factor)) != DEC_OK)
		return false;
	return dec_muldiv(base, factor, hundred, DEC_ROUND_HALF_EVEN, out) == DEC_OK;
}

/* Rounds away from triggering: a long's (sell) stop down, a short's up. */
static bool tick_round(const struct stop_level_in *in, struct dec x, struct dec *out)
{
	if (dec_sign(in->tick_size) <= 0) {
		*out = x;
		return true;
	}
	return dec_quantize(x, in->tick_size, in->is_long ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL, out) ==
	       DEC_OK;
}

static enum rk_rc out_of_range(struct rk_err *err, const char *what)
{
	return rk_err_set(err, RK_EOVERFLOW, "stop level: arithmetic out of range (%s)", what);
}

/* Rule 2: a working stop the price is through. */
static enum rk_rc through_level(const struct policy_rule *r, const struct stop_level_in *in,
				const char *px, struct stop_level *out, struct dec *level,
				struct rk_err *err)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	if (r->on_trigger == TRIGGER_EMERGENCY_CLOSE) {
		out->exit = true;
		rk_fmt(out->why, sizeof out->why,
		       "the stop is through the %s %s: emergency close, per policy "
		       "would_trigger=emergency_close",
		       px, dec_format(in->price, a));
		return RK_OK;
	}
	if (!pct_move(in->price, r->reprice_buffer_pct, in->is_long ? -1 : 1, level))
		return out_of_range(err, "reprice");
	rk_fmt(out->why, sizeof out->why,
	       "the stop is through the %s %s: re-priced %s%% %s it, per policy "
	       "would_trigger=reprice",
	       px, dec_format(in->price, a), dec_format(r->reprice_buffer_pct, b),
	       in->is_long ? "below" : "above");
	return RK_OK;
}

/* Rule 3: the policy's level, from the entry or from the price. */
static enum rk_rc policy_level(const struct policy_rule *r, const struct stop_level_in *in,
			       const char *px, struct stop_level *out, struct dec *level,
			       struct rk_err *err)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX], e[DEC_STR_MAX];
	const char *below = in->is_long ? "below" : "above";
	int away = in->is_long ? -1 : 1;
	bool from_entry = r->stop_ref == STOP_REF_ENTRY && in->has_entry;
	if (from_entry && !pct_move(in->entry, r->stop_pct, away, level))
		return out_of_range(err, "stop from entry");
	if (from_entry && !stop_level_through(in->is_long, *level, in->price)) {
		rk_fmt(out->why, sizeof out->why, "stop %s%% %s entry %s",
		       dec_format(r->stop_pct, b), below, dec_format(in->entry, e));
		return RK_OK;
	}
	if (from_entry && r->far == FAR_EXIT_NOW) {
		out->exit = true;
		rk_fmt(out->why, sizeof out->why,
		       "price already %s%% %s entry %s, past the %s%% stop: market exit, per "
		       "policy "
		       "past_stop=exit_now",
		       stop_level_pct_text(dec_abs(out->loss_pct), a), below,
		       dec_format(in->entry, e), dec_format(r->stop_pct, b));
		return RK_OK;
	}
	if (!pct_move(in->price, r->stop_pct, away, level))
		return out_of_range(err, "stop from last");
	if (from_entry)
		rk_fmt(out->why, sizeof out->why,
		       "price already %s%% %s entry: stop placed %s%% %s %s, per policy "
		       "past_stop=stop_from_last",
		       stop_level_pct_text(dec_abs(out->loss_pct), a), below,
		       dec_format(r->stop_pct, b), below, px);
	else
		rk_fmt(out->why, sizeof out->why, "stop %s%% %s %s%s", dec_format(r->stop_pct, b),
		       below, px,
		       in->has_entry ? ", per policy stop_from=last" : " (entry price unknown)");
	return RK_OK;
}

enum rk_rc stop_level_decide(const struct policy_rule *r, const struct stop_level_in *in,
			     struct stop_level *out, struct rk_err *err)
{
	const char *px = in && in->price_name ? in->price_name : "last price";
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	struct dec level;
	enum rk_rc rc;
	memset(out, 0, sizeof *out);
	if (!r || !in || dec_sign(in->price) <= 0)
		return rk_err_set(err, RK_EINVAL, "stop level: no positive price to decide from");
	if (in->has_entry && dec_sign(in->entry) > 0)
		out->has_loss = stop_level_loss_pct(in->is_long, in->entry, in->price, &out->loss_pct);
	if (in->has_entry && dec_sign(in->entry) > 0 && !out->has_loss)
		return out_of_range(err, "loss from entry");
	if (r->has_hard_stop && out->has_loss && dec_cmp(out->loss_pct, r->hard_stop_pct) >= 0) {
		out->exit = true;
		rk_fmt(out->why, sizeof out->why,
		       "loss %s%% from entry is past hard_stop_pct %s: market exit",
		       stop_level_pct_text(out->loss_pct, a), dec_format(r->hard_stop_pct, b));
		return RK_OK;
	}
	rc = in->through_stop ? through_level(r, in, px, out, &level, err)
			      : policy_level(r, in, px, out, &level, err);
	if (rc || out->exit)
		return rc;
	if (!tick_round(in, level, &out->stop))
		return out_of_range(err, "stop tick");
	if (dec_sign(out->stop) <= 0) {
		out->stop = dec_zero();
		rk_fmt(out->why, sizeof out->why,
		       "the stop level rounds to zero at this tick size: nothing placed");
		return RK_OK;
	}
	if (in->with_limit && (!pct_move(out->stop, r->reprice_buffer_pct, in->is_long ? -1 : 1,
					 &level) ||
			       !tick_round(in, level, &out->limit)))
		return out_of_range(err, "stop limit price");
	return RK_OK;
}
