/*
 * rk_index.c — the hash index of rk_index.h: open addressing with linear
 * probing over FNV-1a hashes of the key (finished by MurmurHash3's mix), at most half full; each slot holds
 * one distinct key (its hash and the first and last item added with it), and
 * the items of a key are chained through next[].
 */
#include "rk_index.h"

#include <stdlib.h>
#include <string.h>

struct rk_index_slot {
	uint64_t hash;
	size_t first, last; /* RK_INDEX_NONE: an empty slot */
};

void rk_index_init(struct rk_index *ix, unsigned nparts, rk_index_key_fn key, const void *ctx)
{
	memset(ix, 0, sizeof *ix);
	ix->key = key;
	ix->ctx = ctx;
	ix->nparts = nparts == 2 ? 2 : 1;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (h ^ 0xffu) * 1099511628211u; /* the terminator separates the parts */
}

static uint64_t hash_key(const struct rk_index *ix, const char *k0, const char *k1)
{
	uint64_t h = hash_str(14695981039346656037u, k0);
	if (ix->nparts == 2)
		h = hash_str(h, k1 ? k1 : "");
	/* FNV's low bits mix poorly, and the slot is the low bits: finish as
	 * MurmurHash3 does, so every bit depends on every input bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 33);
}

static bool key_is(const struct rk_index *ix, size_t item, const char *k0, const char *k1)
{
	if (strcmp(ix->key(ix->ctx, item, 0), k0) != 0)
		return false;
	return ix->nparts == 1 || strcmp(ix->key(ix->ctx, item, 1), k1 ? k1 : "") == 0;
}

/* The slot of key (k0, k1): the one holding it, else the empty one it would take. */
static size_t probe(const struct rk_index *ix, uint64_t h, const char *k0, const char *k1)
{
	size_t mask = ix->nslots - 1, i = (size_t)h & mask;
	for (;; i = (i + 1) & mask) {
		const struct rk_index_slot *s = &ix->slots[i];
		if (s->first == RK_INDEX_NONE || (s->hash == h && key_is(ix, s->first, k0, k1)))
			return i;
	}
}

static bool grow_slots(struct rk_index *ix)
{
	size_t n = ix->nslots ? ix->nslots * 2 : 16;
	if (n > SIZE_MAX / 2 / sizeof(struct rk_index_slot))
		return false;
	struct rk_index_slot *s = malloc(n * sizeof *s);
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		s[i].first = RK_INDEX_NONE;
	for (size_t i = 0; i < ix->nslots; i++) {
		const struct rk_index_slot *o = &ix->slots[i];
		if (o->first == RK_INDEX_NONE)
			continue;
		size_t k = (size_t)o->hash & (n - 1);
		while (s[k].first != RK_INDEX_NONE)
			k = (k + 1) & (n - 1);
		s[k] = *o;
	}
	free(ix->slots);
	ix->slots = s;
	ix->nslots = n;
	return true;
}

static bool grow_next(struct rk_index *ix, size_t item)
{
	if (item < ix->nnext)
		return true;
	size_t n = ix->nnext ? ix->nnext : 16;
	while (n <= item) {
		if (n > SIZE_MAX / 2 / sizeof(size_t))
			return false;
		n *= 2;
	}
	size_t *next = realloc(ix->next, n * sizeof *next);
	if (!next)
		return false;
	for (size_t i = ix->nnext; i < n; i++)
		next[i] = RK_INDEX_NONE;
	ix->next = next;
	ix->nnext = n;
	return true;
}

bool rk_index_add(struct rk_index *ix, size_t item)
{
	if (item == RK_INDEX_NONE || !grow_next(ix, item))
		return false;
	if ((ix->nkeys + 1) * 2 > ix->nslots && !grow_slots(ix))
		return false;
	const char *k0 = ix->key(ix->ctx, item, 0);
	const char *k1 = ix->nparts == 2 ? ix->key(ix->ctx, item, 1) : NULL;
	uint64_t h = hash_key(ix, k0, k1);
	struct rk_index_slot *s = &ix->slots[probe(ix, h, k0, k1)];
	ix->next[item] = RK_INDEX_NONE;
	if (s->first == RK_INDEX_NONE) {
		*s = (struct rk_index_slot){.hash = h, .first = item, .last = item};
		ix->nkeys++;
	} else {
		ix->next[s->last] = item;
		s->last = item;
	}
	return true;
}

size_t rk_index_first(const struct rk_index *ix, const char *k0, const char *k1)
{
	if (!ix->nkeys || !k0)
		return RK_INDEX_NONE;
	return ix->slots[probe(ix, hash_key(ix, k0, k1), k0, k1)].first;
}

size_t rk_index_next(const struct rk_index *ix, size_t item)
{
	return item < ix->nnext ? ix->next[item] : RK_INDEX_NONE;
}

void rk_index_clear(struct rk_index *ix)
{
	for (size_t i = 0; i < ix->nslots; i++)
		ix->slots[i].first = RK_INDEX_NONE;
	for (size_t i = 0; i < ix->nnext; i++)
		ix->next[i] = RK_INDEX_NONE;
	ix->nkeys = 0;
}

void rk_index_free(struct rk_index *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	free(ix->next);
	ix->slots = NULL;
	ix->next = NULL;
	ix->nslots = ix->nkeys = ix->nnext = 0;
}
