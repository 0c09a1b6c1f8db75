/*
 * test_follow_up.c — the decision after a placement did not protect
 * (src/follow_up.c), as a pure function: plain actions and a policy rule in,
 * the next action out. Each test is one rule of follow_up.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "follow_up.h"
#include "testutil.h"

#define ROOT "rk-0123456789abcdef01234567"

static struct policy_rule rule_of(const char *json)
{
	struct policy *p = NULL;
	struct rk_err err = {0};
	if ((json ? policy_parse(json, &p, &err) : policy_default(&p, &err)) != RK_OK)
		fail_msg("policy: %s", err.msg);
	struct policy_rule r = *policy_for(p, VENUE_SIM, "ETH-USD");
	policy_free(p);
	return r;
}

/* A long's stop: sell 2 ETH, stop_market at 2850, as the planner places it. */
static struct action stop_action(enum action_kind kind, enum order_type type)
{
	struct action a = {.kind = kind, .status = ASTAT_FAILED, .depends_on = -1};
	snprintf(a.symbol, sizeof a.symbol, "ETH-USD");
	snprintf(a.req.symbol, sizeof a.req.symbol, "ETH-USD");
	snprintf(a.req.client_order_id, sizeof a.req.client_order_id, ROOT);
	a.req.side = SIDE_SELL;
	a.req.type = type;
	a.req.purpose = PURPOSE_STOP_LOSS;
	a.req.qty = tu_dec("2");
	a.req.has_stop_price = true;
	a.req.stop_price = tu_dec("2850");
	if (type == OTYPE_STOP_LIMIT || type == OTYPE_BRACKET) {
		a.req.has_price = true;
		a.req.price = tu_dec(type == OTYPE_BRACKET ? "3300" : "2821.5");
	}
	return a;
}

static struct follow_up_in input(const struct action *a, enum follow_up_cause cause,
				 const char *price)
{
	struct follow_up_in in = {.failed = a, .cause = cause, .reason = "",
				  .tick_size = tu_dec("0.01"), .root_client_order_id = ROOT};
	if (price) {
		in.has_price = true;
		in.price = tu_dec(price);
	}
	return in;
}

static struct follow_up decide(const struct follow_up_in *in, const struct policy_rule *r)
{
	struct follow_up out;
	struct rk_err err = {0};
	if (follow_up_decide(in, r, &out, &err) != RK_OK)
		fail_msg("follow_up_decide: %s", err.msg);
	return out;
}

static struct policy_rule reprice_rule(const char *extra)
{
	char json[512];
	snprintf(json, sizeof json,
		 "{\"defaults\": {\"would_trigger\": \"reprice\", \"reprice_buffer_pct\": \"1\"%s}}",
		 extra ? extra : "");
	return rule_of(json);
}

/* ---- rule 2: re-priced from the fresh price ------------------------------ */

/* The snapshot said 3000; the venue refused the 2850 stop because the price
 * is now 2800: the new stop is 1% below 2800, not below 3000. */
static void test_would_trigger_reprices_from_the_fresh_price(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_REPRICE);
	assert_int_equal(out.next.kind, ACT_PLACE_STOP);
	assert_int_equal(out.next.status, ASTAT_PLANNED);
	assert_int_equal(out.next.depends_on, -1);
	assert_dec(out.next.req.stop_price, "2772");
	assert_int_equal(out.next.req.type, OTYPE_STOP_MARKET);
	assert_int_equal(out.next.req.side, SIDE_SELL);
	assert_dec(out.next.req.qty, "2");
	assert_string_equal(out.next.req.client_order_id, ROOT "-r1");
	assert_non_null(strstr(out.next.note, "fresh price 2800"));
	assert_non_null(strstr(out.next.note, "attempt 1 of 2"));
}

/* Rounded to the tick away from the market: down for a sell, up for a buy. */
static void test_reprice_rounds_to_the_tick_away_from_the_market(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "3.333");
	assert_dec(decide(&in, &r).next.req.stop_price, "3.29"); /* 3.29967 */
	a.req.side = SIDE_BUY;                                   /* a short's stop */
	assert_dec(decide(&in, &r).next.req.stop_price, "3.37"); /* 3.36633 */
}

static void test_stop_limit_keeps_its_limit_beyond_the_new_trigger(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_LIMIT);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_REPRICE);
	assert_dec(out.next.req.stop_price, "2772");
	assert_dec(out.next.req.price, "2744.28"); /* 2772 x 0.99 */
}

static void test_bracket_keeps_its_take_profit(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_BRACKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.next.req.type, OTYPE_BRACKET);
	assert_dec(out.next.req.stop_price, "2772");
	assert_dec(out.next.req.price, "3300");
}

/* The nth re-priced stop gets the nth id; after reprice_max_attempts the
 * policy for a failed protection decides. */
static void test_reprice_attempts_are_bounded_then_the_policy_decides(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.reprices = 1;
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_REPRICE);
	assert_string_equal(out.next.req.client_order_id, ROOT "-r2");
	in.reprices = 2;
	out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_non_null(strstr(out.why, "after every re-priced attempt"));
	struct policy_rule alert = reprice_rule(", \"on_protect_failure\": \"alert\"");
	out = decide(&in, &alert);
	assert_int_equal(out.kind, FOLLOW_ALERT);
	assert_non_null(strstr(out.why, "UNPROTECTED"));
	struct policy_rule none = reprice_rule(", \"reprice_max_attempts\": 0");
	in.reprices = 0;
	assert_int_equal(decide(&in, &none).kind, FOLLOW_EMERGENCY_CLOSE);
}

/* Without a fresh price there is nothing to re-price from: never the
 * snapshot's price (the refusal says it is stale). */
static void test_no_fresh_price_never_reprices(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, NULL);
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_non_null(strstr(out.why, "no fresh price"));
}

/* A price so low that the buffered stop rounds to nothing gives no stop. */
static void test_fresh_price_without_a_valid_stop_falls_to_the_policy(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "0.5");
	in.tick_size = tu_dec("1");
	assert_int_equal(decide(&in, &r).kind, FOLLOW_EMERGENCY_CLOSE);
}

/* ---- rule 3 and 4 -------------------------------------------------------- */

static void test_would_trigger_with_emergency_close_policy_closes(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.is_futures = true;
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_int_equal(out.next.kind, ACT_EMERGENCY_CLOSE);
	assert_int_equal(out.next.req.type, OTYPE_MARKET);
	assert_int_equal(out.next.req.purpose, PURPOSE_EXIT);
	assert_int_equal(out.next.req.side, SIDE_SELL);
	assert_dec(out.next.req.qty, "2");
	assert_false(out.next.req.has_stop_price);
	assert_false(out.next.req.has_price);
	assert_true(out.next.req.reduce_only);
	assert_string_equal(out.next.req.client_order_id, ROOT "-e");
	assert_non_null(strstr(out.next.note, "would_trigger=emergency_close"));
}

/* Spot replacement: the old stop was cancelled first, the new one failed
 * for good: the policy for a failed protection decides. */
static void test_failure_after_the_stop_was_cancelled_follows_on_protect_failure(void **state)
{
	(void)state;
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_LIMIT);
	const enum follow_up_cause causes[] = {FOLLOW_CAUSE_REFUSED, FOLLOW_CAUSE_NO_ANSWER,
					       FOLLOW_CAUSE_NOT_PROTECTION};
	struct policy_rule close = rule_of(NULL);
	struct policy_rule alert = rule_of("{\"defaults\": {\"on_protect_failure\": \"alert\"}}");
	for (size_t i = 0; i < 3; i++) {
		struct follow_up_in in = input(&a, causes[i], "3000");
		in.reason = "HTTP 500";
		in.stop_cancelled = true;
		struct follow_up out = decide(&in, &close);
		assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
		assert_int_equal(out.next.req.type, OTYPE_MARKET);
		assert_false(out.next.req.reduce_only); /* spot */
		assert_non_null(strstr(out.next.note, "on_protect_failure=emergency_close"));
		assert_non_null(strstr(out.next.note, "HTTP 500"));
		out = decide(&in, &alert);
		assert_int_equal(out.kind, FOLLOW_ALERT);
		assert_non_null(strstr(out.why, "on_protect_failure=alert"));
	}
}

/* Futures place-first (the old stop still works), or a position that had no
 * stop: nothing is sent now, whatever on_protect_failure says. */
static void test_failure_without_a_cancelled_stop_sends_nothing_now(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_REFUSED, "3000");
	in.is_futures = true;
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_NONE);
	assert_non_null(strstr(out.why, "next pass"));
	a.kind = ACT_PLACE_STOP;
	in.cause = FOLLOW_CAUSE_NOT_PROTECTION;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
}

/* ---- rule 1, ids, bad input ---------------------------------------------- */

static void test_failed_emergency_close_has_no_follow_up(void **state)
{
	(void)state;
	struct policy_rule r = reprice_rule(NULL);
	struct action a = stop_action(ACT_EMERGENCY_CLOSE, OTYPE_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.stop_cancelled = true;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
}

static void test_follow_up_client_ids_derive_from_the_root(void **state)
{
	(void)state;
	char id[MODEL_ID_MAX], root[MODEL_ID_MAX];
	struct rk_err err = {0};
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_REPRICE, 3, id, &err), RK_OK);
	assert_string_equal(id, ROOT "-r3");
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_EMERGENCY_CLOSE, 0, id, &err), RK_OK);
	assert_string_equal(id, ROOT "-e");
	/* Binance allows 36 characters: the planner's ids leave room. */
	assert_true(strlen(ROOT "-r10") <= 36);
	memset(root, 'x', sizeof root - 1);
	root[sizeof root - 3] = '\0';
	assert_int_equal(follow_up_client_order_id(root, FOLLOW_REPRICE, 1, id, &err), RK_EINVAL);
	assert_string_equal(id, "");
	assert_int_equal(follow_up_client_order_id("", FOLLOW_EMERGENCY_CLOSE, 0, id, &err), RK_EINVAL);
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_ALERT, 1, id, &err), RK_EINVAL);
}

static void test_only_placements_have_follow_ups(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_CANCEL_ORDER, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_REFUSED, NULL);
	struct follow_up out;
	struct rk_err err = {0};
	assert_int_equal(follow_up_decide(&in, &r, &out, &err), RK_EINVAL);
	assert_int_equal(follow_up_decide(NULL, &r, &out, &err), RK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_would_trigger_reprices_from_the_fresh_price),
		cmocka_unit_test(test_reprice_rounds_to_the_tick_away_from_the_market),
		cmocka_unit_test(test_stop_limit_keeps_its_limit_beyond_the_new_trigger),
		cmocka_unit_test(test_bracket_keeps_its_take_profit),
		cmocka_unit_test(test_reprice_attempts_are_bounded_then_the_policy_decides),
		cmocka_unit_test(test_no_fresh_price_never_reprices),
		cmocka_unit_test(test_fresh_price_without_a_valid_stop_falls_to_the_policy),
		cmocka_unit_test(test_would_trigger_with_emergency_close_policy_closes),
		cmocka_unit_test(test_failure_after_the_stop_was_cancelled_follows_on_protect_failure),
		cmocka_unit_test(test_failure_without_a_cancelled_stop_sends_nothing_now),
		cmocka_unit_test(test_failed_emergency_close_has_no_follow_up),
		cmocka_unit_test(test_follow_up_client_ids_derive_from_the_root),
		cmocka_unit_test(test_only_placements_have_follow_ups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
