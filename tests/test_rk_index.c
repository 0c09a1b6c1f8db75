/*
 * test_rk_index.c — the hash index over array items (src/lib/rk_index.h):
 * the first item with a key is the first added, every item of a key comes
 * back in the order it was added, two-part keys, an array that moves, and
 * many keys through table growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_array.h"
#include "rk_index.h"

struct item {
	char id[16];
	char symbol[16];
};

typedef RK_ARRAY(struct item) items;

static const char *key_of(const void *ctx, size_t i, unsigned part)
{
	const items *a = ctx;
	return part == 0 ? a->v[i].id : a->v[i].symbol;
}

static const char *symbol_of(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const items *)ctx)->v[i].symbol;
}

static void push(items *a, const char *id, const char *symbol)
{
	struct item *it = rk_array_push(a);
	if (!it) { /* cmocka's asserts are not noreturn: -O3 would warn below */
		fail_msg("out of memory");
		return;
	}
	snprintf(it->id, sizeof it->id, "%s", id);
	snprintf(it->symbol, sizeof it->symbol, "%s", symbol);
}

static void test_empty_index_finds_nothing(void **state)
{
	(void)state;
	items a = {0};
	struct rk_index ix;
	rk_index_init(&ix, 1, symbol_of, &a);
	assert_true(rk_index_first(&ix, "BTC", NULL) == RK_INDEX_NONE);
	assert_true(rk_index_first(&ix, "", NULL) == RK_INDEX_NONE);
	assert_true(rk_index_next(&ix, 0) == RK_INDEX_NONE);
	rk_index_free(&ix);
	rk_index_free(&ix); /* twice: harmless */
}

static void test_items_of_a_key_come_back_in_the_order_added(void **state)
{
	(void)state;
	items a = {0};
	struct rk_index ix;
	const char *syms[] = {"ETH", "BTC", "ETH", "", "BTC", "ETH", ""};
	for (size_t i = 0; i < 7; i++)
		push(&a, "x", syms[i]);
	rk_index_init(&ix, 1, symbol_of, &a);
	for (size_t i = 0; i < a.n; i++)
		assert_true(rk_index_add(&ix, i));
	size_t want_eth[] = {0, 2, 5}, k = 0;
	for (size_t i = rk_index_first(&ix, "ETH", NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&ix, i))
		assert_int_equal(i, want_eth[k++]);
	assert_int_equal(k, 3);
	assert_int_equal(rk_index_first(&ix, "BTC", NULL), 1);
	assert_int_equal(rk_index_next(&ix, 1), 4);
	assert_int_equal(rk_index_first(&ix, "", NULL), 3); /* "" is a key like any other */
	assert_true(rk_index_first(&ix, "ET", NULL) == RK_INDEX_NONE);
	assert_true(rk_index_first(&ix, "ETHX", NULL) == RK_INDEX_NONE);
	rk_index_clear(&ix);
	assert_true(rk_index_first(&ix, "ETH", NULL) == RK_INDEX_NONE);
	assert_true(rk_index_add(&ix, 5));
	assert_int_equal(rk_index_first(&ix, "ETH", NULL), 5);
	assert_true(rk_index_next(&ix, 5) == RK_INDEX_NONE);
	rk_index_free(&ix);
	free(a.v);
}

static void test_two_part_keys_match_both_parts(void **state)
{
	(void)state;
	items a = {0};
	struct rk_index ix;
	push(&a, "1", "BTC");
	push(&a, "1", "ETH");
	push(&a, "2", "BTC");
	push(&a, "1", "BTC");
	rk_index_init(&ix, 2, key_of, &a);
	for (size_t i = 0; i < a.n; i++)
		assert_true(rk_index_add(&ix, i));
	assert_int_equal(rk_index_first(&ix, "1", "BTC"), 0);
	assert_int_equal(rk_index_next(&ix, 0), 3);
	assert_int_equal(rk_index_first(&ix, "1", "ETH"), 1);
	assert_int_equal(rk_index_first(&ix, "2", "BTC"), 2);
	assert_true(rk_index_first(&ix, "2", "ETH") == RK_INDEX_NONE);
	/* The parts are kept apart: "1B" + "TC" is not "1" + "BTC". */
	assert_true(rk_index_first(&ix, "1B", "TC") == RK_INDEX_NONE);
	rk_index_free(&ix);
	free(a.v);
}

/* Keys are read through the array, so it may move while indexed; many keys
 * grow the table many times, and each still finds its one item. */
static void test_growing_array_and_many_keys(void **state)
{
	(void)state;
	items a = {0};
	struct rk_index ix;
	char id[16];
	rk_index_init(&ix, 1, key_of, &a);
	for (size_t i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "ord-%zu", i);
		push(&a, id, "SYM");
		assert_true(rk_index_add(&ix, i));
	}
	for (size_t i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "ord-%zu", i);
		size_t k = rk_index_first(&ix, id, NULL);
		assert_int_equal(k, i);
		assert_true(rk_index_next(&ix, k) == RK_INDEX_NONE);
	}
	assert_true(rk_index_first(&ix, "ord-20000", NULL) == RK_INDEX_NONE);
	rk_index_free(&ix);
	free(a.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_index_finds_nothing),
		cmocka_unit_test(test_items_of_a_key_come_back_in_the_order_added),
		cmocka_unit_test(test_two_part_keys_match_both_parts),
		cmocka_unit_test(test_growing_array_and_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
