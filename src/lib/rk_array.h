/*
 * rk_array.h — the one growable array. Every list reckon builds at run time
 * (plans, snapshots, lots, parsed scenarios) grows through here, so the
 * overflow check and the doubling live in one place.
 *
 * Usage:
 *     RK_ARRAY(struct fill) fills = {0};
 *     struct fill *f = rk_array_push(&fills);   // zeroed slot, or NULL on ENOMEM
 *     ...
 *     free(fills.v);
 *
 * Ownership: the array owns `v`; the caller frees it (free(a.v)), and frees
 * what the elements own first. Growth may move `v`: pointers into the array
 * are invalid after a push. Not thread-safe; no locking.
 * Errors: a failed push or reserve leaves the array as it was (same `v`,
 * `n`, `cap`) and returns NULL / false; the caller reports RK_ENOMEM.
 */
#ifndef RECKON_RK_ARRAY_H
#define RECKON_RK_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* An anonymous struct type: declare variables or members with it, and name
 * it through a typedef or struct member where it must cross functions. */
#define RK_ARRAY(T) struct { T *v; size_t n, cap; }

/* Makes *pv (a T**, passed as void*) hold at least `need` elements of
 * `elem` bytes, doubling capacity (first allocation: 8). false on overflow or
 * allocation failure, with *pv and *cap unchanged. */
bool rk_array_reserve(void *pv, size_t *cap, size_t need, size_t elem);

/* Reserves room for one more element of array `a` (a pointer to an
 * RK_ARRAY), zeroes it, counts it, and yields its address; NULL when memory
 * runs out (the array unchanged). */
#define rk_array_push(a)                                                       \
	(rk_array_reserve(&(a)->v, &(a)->cap, (a)->n + 1, sizeof *(a)->v)      \
		 ? memset(&(a)->v[(a)->n++], 0, sizeof *(a)->v)                \
		 : NULL)

/* Appends `k` elements of `elem` bytes copied from `src` to the array *pv
 * (a T**, passed as void*) of *n elements and capacity *cap; false on
 * overflow or allocation failure, with the array unchanged. `src` may be
 * NULL when k is 0. For arrays owned elsewhere as (pointer, count) with
 * exactly *n allocated, pass a cap equal to *n. */
bool rk_array_append_n(void *pv, size_t *n, size_t *cap, const void *src, size_t k, size_t elem);

/* Appends `k` elements copied from `src` to `a`; false when memory runs out. */
#define rk_array_append(a, src, k)                                                            \
	rk_array_append_n(&(a)->v, &(a)->n, &(a)->cap, (src), (k), sizeof *(a)->v)

/* Reserves room for `k` more elements of `a`; false when memory runs out. */
#define rk_array_grow(a, k)                                                    \
	rk_array_reserve(&(a)->v, &(a)->cap, (a)->n + (k), sizeof *(a)->v)

#endif
