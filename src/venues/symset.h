/*
 * symset.h — a set of distinct symbols in the order they were first added:
 * the products and symbols a venue client tracks and asks about.
 *
 * Ownership: the set owns `v`; symset_free releases it. A zeroed struct is
 * an empty set. Not thread-safe.
 */
#ifndef RECKON_VENUES_SYMSET_H
#define RECKON_VENUES_SYMSET_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

typedef char symset_symbol[MODEL_SYM_MAX];

struct symset {
	symset_symbol *v; /* the symbols, NUL-terminated, first added first */
	size_t n, cap;    /* an rk_array */
};

/* Adds `sym` (truncated to MODEL_SYM_MAX - 1) unless it is there already;
 * false when memory runs out (the set unchanged). */
bool symset_add(struct symset *s, const char *sym);

/* Is `sym` in the set? */
bool symset_has(const struct symset *s, const char *sym);

/* Frees the symbols and leaves an empty set. NULL-safe. */
void symset_free(struct symset *s);

#endif
