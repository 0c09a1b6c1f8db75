/*
 * rk_index.h — a hash index over the items of an array, keyed by one or two
 * strings each item carries (a symbol; an order id and a symbol). It answers
 * "the first item with this key" and walks every item with that key, in the
 * order they were added, in O(1) per step: the lookups that join a journal's
 * view with a venue's (reconcile) and the simulated venues' state use it
 * instead of scanning whole arrays.
 *
 * The index holds item numbers, never pointers: it reads an item's key
 * through `key(ctx, item, part)` whenever it must compare, so the indexed
 * array may move (rk_array growth) without the index noticing. An item's key
 * must not change while it is indexed.
 *
 * Usage:
 *     struct rk_index ix;
 *     rk_index_init(&ix, 1, order_symbol, snap);
 *     for (size_t i = 0; i < n; i++)
 *             if (!rk_index_add(&ix, i)) ...ENOMEM...
 *     for (size_t i = rk_index_first(&ix, "BTCUSDT", NULL); i != RK_INDEX_NONE;
 *          i = rk_index_next(&ix, i)) ...
 *     rk_index_free(&ix);
 *
 * Ownership: the index owns its tables (rk_index_free); it borrows ctx.
 * Errors: rk_index_add returns false when memory runs out, leaving the index
 * as it was. Not thread-safe; no locking.
 */
#ifndef RECKON_RK_INDEX_H
#define RECKON_RK_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RK_INDEX_NONE SIZE_MAX

/* The key part `part` (0, or 1 for two-part keys) of item `item`; never NULL. */
typedef const char *(*rk_index_key_fn)(const void *ctx, size_t item, unsigned part);

struct rk_index_slot;

struct rk_index {
	rk_index_key_fn key;
	const void *ctx;
	unsigned nparts;              /* 1 or 2 */
	struct rk_index_slot *slots;  /* open addressing, a power of two */
	size_t nslots, nkeys;
	size_t *next;                 /* per item: the next item with its key */
	size_t nnext;
};

/* An empty index of keys in `nparts` parts (1 or 2). Allocates nothing. */
void rk_index_init(struct rk_index *ix, unsigned nparts, rk_index_key_fn key, const void *ctx);

/* Adds item `item` under its key (read now), after the items already there
 * with the same key. Each item is added at most once. false on ENOMEM. */
bool rk_index_add(struct rk_index *ix, size_t item);

/* The first item added with key (k0, k1) — k1 is ignored for a one-part
 * index — or RK_INDEX_NONE. */
size_t rk_index_first(const struct rk_index *ix, const char *k0, const char *k1);

/* The item added after `item` with the same key, or RK_INDEX_NONE. */
size_t rk_index_next(const struct rk_index *ix, size_t item);

/* Forgets every item and key; the index stays usable. */
void rk_index_clear(struct rk_index *ix);

void rk_index_free(struct rk_index *ix); /* NULL-safe; the index is empty after */

#endif
