/*
 * test_follow_up.c — the decision after a placement did not protect
 * (src/follow_up.c), as a pure function: plain actions and a policy rule in,
 * the next action out. Each test is one rule (or one branch of a rule) of
 * follow_up.h.
 *
 * The position of every test: long 2 ETH, entry 3000, policy stop 5% below
 * entry = 2850, tick 0.01. Its stop sells 2 at 2850.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "follow_up.h"
#include "tu_core.h"

#define ROOT "rk-0123456789abcdef01234567"
#define JOURNAL_ID "5c2b9a1f00112233445566778899aabbccddeeff00112233445566778899aabb"
#define KEY "missing_stop:sim:default:ETH-USD"

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

/* "{"defaults": {EXTRA}}" with the built-in defaults for the rest. */
static struct policy_rule rule_with(const char *extra)
{
	char json[512];
	snprintf(json, sizeof json, "{\"defaults\": {%s}}", extra);
	return rule_of(json);
}

/* A long's stop: sell 2 ETH at 2850 (stop_limit: limit 2821.5), as the
 * planner places it for a position with entry 3000 and no stop (attempt 0). */
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
	a.has_entry = true;
	a.entry = tu_dec("3000");
	return a;
}

static struct follow_up_in input(const struct action *a, enum follow_up_cause cause,
				 const char *price)
{
	struct follow_up_in in = {.failed = a, .cause = cause, .reason = "",
				  .tick_size = tu_dec("0.01"), .root_client_order_id = ROOT,
				  .journal_id = JOURNAL_ID, .finding_key = KEY};
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

/* ---- rule 2: a would-trigger refusal, decided at the fresh price ---------- */

/* The venue refused the 2850 stop, but the fresh price (2990) is above it:
 * the same policy stop is sent again, as a new placement under a new id —
 * not a market sell (the default would_trigger=emergency_close governs a
 * working stop the price is through, not this). */
static void test_valid_policy_stop_is_sent_again(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2990");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_PLACE_AGAIN);
	assert_int_equal(out.next.kind, ACT_PLACE_STOP);
	assert_int_equal(out.next.status, ASTAT_PLANNED);
	assert_int_equal(out.next.depends_on, -1);
	assert_dec(out.next.req.stop_price, "2850");
	assert_int_equal(out.next.req.type, OTYPE_STOP_MARKET);
	assert_int_equal(out.next.req.side, SIDE_SELL);
	assert_dec(out.next.req.qty, "2");
	assert_string_equal(out.next.req.client_order_id, ROOT "-r1");
	assert_non_null(strstr(out.next.note, "fresh price 2990"));
	assert_non_null(strstr(out.next.note, "stop 5% below entry 3000"));
	assert_non_null(strstr(out.next.note, "attempt 1 of 2"));
}

/* would_trigger=reprice does not tighten it either: still 2850, not 1% under
 * the fresh price (2960.1), which rule 5 would keep for good. */
static void test_reprice_policy_never_tightens_a_valid_policy_stop(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"would_trigger\": \"reprice\"");
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2990");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_PLACE_AGAIN);
	assert_dec(out.next.req.stop_price, "2850");
}

/* The fresh price (2800) is through the policy level: past_stop decides.
 * stop_from_last (the default): 5% below the fresh price, on the tick; a
 * stop-limit keeps its limit reprice_buffer_pct below the new trigger. */
static void test_level_through_the_fresh_price_follows_past_stop(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_LIMIT);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.stop_cancelled = true;
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_PLACE_AGAIN);
	assert_int_equal(out.next.kind, ACT_PLACE_STOP);
	assert_dec(out.next.req.stop_price, "2660");
	assert_dec(out.next.req.price, "2633.4");
	assert_non_null(strstr(out.next.note, "past_stop=stop_from_last"));
}

/* past_stop=exit_now: a market exit of the refused stop's size, and only
 * because the fresh price confirms the level is passed. */
static void test_exit_now_closes_once_the_fresh_price_confirms(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"past_stop\": \"exit_now\"");
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
	assert_non_null(strstr(out.next.note, "past_stop=exit_now"));
	assert_non_null(strstr(out.next.note, "fresh price 2800"));
	/* The same refusal with the price still above the level: the stop again. */
	in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2990");
	assert_int_equal(decide(&in, &r).kind, FOLLOW_PLACE_AGAIN);
}

/* hard_stop_pct at the fresh price: exit, as the planner would. */
static void test_hard_stop_at_the_fresh_price_exits(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"hard_stop_pct\": \"10\"");
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2650");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_non_null(strstr(out.next.note, "hard_stop_pct"));
}

/* stop_from=last, or no entry known: stop_pct below the fresh price. */
static void test_stop_from_last_is_priced_from_the_fresh_price(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"stop_from\": \"last\"");
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2990");
	assert_dec(decide(&in, &r).next.req.stop_price, "2840.5");
	struct policy_rule d = rule_of(NULL);
	a.has_entry = false;
	assert_dec(decide(&in, &d).next.req.stop_price, "2840.5");
}

/* Replacing a working stop the price is through: would_trigger=reprice
 * re-prices reprice_buffer_pct beyond the fresh price (this is what the
 * policy key governs). */
static void test_through_stop_is_repriced_beyond_the_fresh_price(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"would_trigger\": \"reprice\", \"reprice_buffer_pct\": \"1\"");
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_MARKET);
	a.through_stop = true;
	a.req.stop_price = tu_dec("2970");
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_PLACE_AGAIN);
	assert_dec(out.next.req.stop_price, "2772");
	assert_non_null(strstr(out.next.note, "would_trigger=reprice"));
}

/* Rounded to the tick away from the market: down for a sell, up for a buy
 * (a short's stop, mirrored). */
static void test_stops_round_to_the_tick_away_from_the_market(void **state)
{
	(void)state;
	struct policy_rule r = rule_with("\"would_trigger\": \"reprice\", \"reprice_buffer_pct\": \"1\"");
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_MARKET);
	a.through_stop = true;
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "3.333");
	assert_dec(decide(&in, &r).next.req.stop_price, "3.29"); /* 3.29967 */
	a.req.side = SIDE_BUY;                                   /* a short's stop */
	assert_dec(decide(&in, &r).next.req.stop_price, "3.37"); /* 3.36633 */
	/* A short's policy stop: 5% above entry 3000 = 3150; a fresh 3010 is below it. */
	struct policy_rule d = rule_of(NULL);
	a.through_stop = false;
	a.req.stop_price = tu_dec("3150");
	in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "3010");
	assert_dec(decide(&in, &d).next.req.stop_price, "3150");
	in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "3200"); /* through: 5% above 3200 */
	assert_dec(decide(&in, &d).next.req.stop_price, "3360");
}

static void test_bracket_keeps_its_take_profit(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_BRACKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.next.req.type, OTYPE_BRACKET);
	assert_dec(out.next.req.stop_price, "2660");
	assert_dec(out.next.req.price, "3300");
}

/* Without a fresh price nothing confirms a move: no market order, whatever
 * the policy, never the snapshot's price. A position that had no stop, or is
 * bare, is reported UNPROTECTED; one whose old stop still works keeps it. */
static void test_no_fresh_price_sends_nothing_at_market(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, NULL);
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_ALERT);
	assert_non_null(strstr(out.why, "no fresh price"));
	assert_non_null(strstr(out.why, "UNPROTECTED"));
	in.stop_cancelled = true;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_ALERT);
	struct action b = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_MARKET);
	in = input(&b, FOLLOW_CAUSE_WOULD_TRIGGER, NULL);
	in.is_futures = true;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
}

/* A fresh price that gives no stop (it rounds to nothing at this tick) is
 * treated as no price. */
static void test_fresh_price_without_a_valid_stop_sends_nothing_at_market(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "0.5");
	in.tick_size = tu_dec("1");
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_ALERT);
	assert_non_null(strstr(out.why, "gives no stop"));
}

/* The nth re-placed stop gets the nth id; after reprice_max_attempts the
 * reason says so (with the fresh price), and: a bare position follows
 * on_protect_failure, one that had no stop is reported UNPROTECTED. */
static void test_attempts_are_bounded_then_the_policy_decides(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_PLACE_STOP, OTYPE_STOP_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.replaced = 1;
	struct follow_up out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_PLACE_AGAIN);
	assert_string_equal(out.next.req.client_order_id, ROOT "-r2");
	in.replaced = 2;
	out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_ALERT);
	assert_non_null(strstr(out.why, "after 2 re-placed stops (reprice_max_attempts=2), fresh price 2800"));
	assert_null(strstr(out.why, "no fresh price"));
	in.stop_cancelled = true;
	out = decide(&in, &r);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_non_null(strstr(out.next.note, "on_protect_failure=emergency_close"));
	struct policy_rule alert = rule_with("\"on_protect_failure\": \"alert\"");
	out = decide(&in, &alert);
	assert_int_equal(out.kind, FOLLOW_ALERT);
	assert_non_null(strstr(out.why, "UNPROTECTED"));
	/* A working stop through the price is bare too. */
	a.through_stop = true;
	in.stop_cancelled = false;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_EMERGENCY_CLOSE);
	struct policy_rule none = rule_with("\"reprice_max_attempts\": 0");
	in.replaced = 0;
	out = decide(&in, &none);
	assert_int_equal(out.kind, FOLLOW_EMERGENCY_CLOSE);
	assert_non_null(strstr(out.why, "after 0 re-placed stops"));
}

/* ---- rule 3: answered with an order that is not the one requested -------- */

/* The venue answered the id with an old cancelled stop (a restored backup
 * reuses the ids its original used): the same request at once under the
 * next attempt's id; after protect_retries re-sends, rule 4. */
static void test_answer_that_is_not_protection_is_sent_again_under_a_fresh_id(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_LIMIT);
	a.attempt = 3;
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_NOT_PROTECTION, "2990");
	struct follow_up out = decide(&in, &r);
	char want[MODEL_ID_MAX];
	reconcile_client_order_id(JOURNAL_ID, KEY, 4, want);
	assert_int_equal(out.kind, FOLLOW_RESEND);
	assert_string_equal(out.next.req.client_order_id, want);
	assert_int_equal(out.next.attempt, 4);
	assert_int_equal(out.next.kind, ACT_REPLACE_STOP);
	assert_int_equal(out.next.status, ASTAT_PLANNED);
	assert_int_equal(out.next.depends_on, -1);
	assert_dec(out.next.req.stop_price, "2850");
	assert_dec(out.next.req.price, "2821.5");
	assert_dec(out.next.req.qty, "2");
	assert_non_null(strstr(out.next.note, "re-send 1 of 2"));
	in.resent = 2;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
	in.stop_cancelled = true;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_EMERGENCY_CLOSE);
	in.resent = 0;
	in.finding_key = "";
	struct rk_err err = {0};
	assert_int_equal(follow_up_decide(&in, &r, &out, &err), RK_EINVAL);
}

/* ---- rule 4 ---------------------------------------------------------------- */

/* Spot replacement: the old stop was cancelled first, the new one failed
 * for good: the policy for a failed protection decides. */
static void test_failure_after_the_stop_was_cancelled_follows_on_protect_failure(void **state)
{
	(void)state;
	struct action a = stop_action(ACT_REPLACE_STOP, OTYPE_STOP_LIMIT);
	const enum follow_up_cause causes[] = {FOLLOW_CAUSE_REFUSED, FOLLOW_CAUSE_NO_ANSWER};
	struct policy_rule close = rule_of(NULL);
	struct policy_rule alert = rule_with("\"on_protect_failure\": \"alert\"");
	for (size_t i = 0; i < 2; i++) {
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
	in.cause = FOLLOW_CAUSE_NO_ANSWER;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
}

/* ---- rule 1, ids, bad input ---------------------------------------------- */

static void test_failed_emergency_close_has_no_follow_up(void **state)
{
	(void)state;
	struct policy_rule r = rule_of(NULL);
	struct action a = stop_action(ACT_EMERGENCY_CLOSE, OTYPE_MARKET);
	struct follow_up_in in = input(&a, FOLLOW_CAUSE_WOULD_TRIGGER, "2800");
	in.stop_cancelled = true;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
	in.cause = FOLLOW_CAUSE_NOT_PROTECTION;
	assert_int_equal(decide(&in, &r).kind, FOLLOW_NONE);
}

static void test_follow_up_client_ids_derive_from_the_root(void **state)
{
	(void)state;
	char id[MODEL_ID_MAX], root[MODEL_ID_MAX];
	struct rk_err err = {0};
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_PLACE_AGAIN, 3, id, &err), RK_OK);
	assert_string_equal(id, ROOT "-r3");
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_EMERGENCY_CLOSE, 0, id, &err), RK_OK);
	assert_string_equal(id, ROOT "-e");
	/* Binance allows 36 characters: the planner's ids leave room. */
	assert_true(strlen(ROOT "-r10") <= 36);
	memset(root, 'x', sizeof root - 1);
	root[sizeof root - 3] = '\0';
	assert_int_equal(follow_up_client_order_id(root, FOLLOW_PLACE_AGAIN, 1, id, &err), RK_EINVAL);
	assert_string_equal(id, "");
	assert_int_equal(follow_up_client_order_id("", FOLLOW_EMERGENCY_CLOSE, 0, id, &err), RK_EINVAL);
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_ALERT, 1, id, &err), RK_EINVAL);
	assert_int_equal(follow_up_client_order_id(ROOT, FOLLOW_RESEND, 1, id, &err), RK_EINVAL);
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
		cmocka_unit_test(test_valid_policy_stop_is_sent_again),
		cmocka_unit_test(test_reprice_policy_never_tightens_a_valid_policy_stop),
		cmocka_unit_test(test_level_through_the_fresh_price_follows_past_stop),
		cmocka_unit_test(test_exit_now_closes_once_the_fresh_price_confirms),
		cmocka_unit_test(test_hard_stop_at_the_fresh_price_exits),
		cmocka_unit_test(test_stop_from_last_is_priced_from_the_fresh_price),
		cmocka_unit_test(test_through_stop_is_repriced_beyond_the_fresh_price),
		cmocka_unit_test(test_stops_round_to_the_tick_away_from_the_market),
		cmocka_unit_test(test_bracket_keeps_its_take_profit),
		cmocka_unit_test(test_no_fresh_price_sends_nothing_at_market),
		cmocka_unit_test(test_fresh_price_without_a_valid_stop_sends_nothing_at_market),
		cmocka_unit_test(test_attempts_are_bounded_then_the_policy_decides),
		cmocka_unit_test(test_answer_that_is_not_protection_is_sent_again_under_a_fresh_id),
		cmocka_unit_test(test_failure_after_the_stop_was_cancelled_follows_on_protect_failure),
		cmocka_unit_test(test_failure_without_a_cancelled_stop_sends_nothing_now),
		cmocka_unit_test(test_failed_emergency_close_has_no_follow_up),
		cmocka_unit_test(test_follow_up_client_ids_derive_from_the_root),
		cmocka_unit_test(test_only_placements_have_follow_ups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
