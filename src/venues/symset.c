/* symset.c — a set of distinct symbols (see symset.h). */
#include "symset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_array.h"

bool symset_add(struct symset *s, const char *sym)
{
	if (symset_has(s, sym))
		return true;
	symset_symbol *slot = rk_array_push(s);
	if (!slot)
		return false;
	snprintf(*slot, sizeof *slot, "%s", sym);
	return true;
}

bool symset_has(const struct symset *s, const char *sym)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], sym) == 0)
			return true;
	return false;
}

void symset_free(struct symset *s)
{
	if (!s)
		return;
	free(s->v);
	memset(s, 0, sizeof *s);
}
