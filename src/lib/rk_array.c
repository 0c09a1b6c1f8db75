/* rk_array.c — see rk_array.h */
#include "rk_array.h"

#include <stdint.h>
#include <stdlib.h>

bool rk_array_reserve(void *pv, size_t *cap, size_t need, size_t elem)
{
	void *v, *nv;
	size_t ncap;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return false;
	memcpy(&v, pv, sizeof v);
	if (!(nv = realloc(v, ncap * elem)))
		return false;
	memcpy(pv, &nv, sizeof nv);
	*cap = ncap;
	return true;
}

bool rk_array_append_n(void *pv, size_t *n, size_t *cap, const void *src, size_t k, size_t elem)
{
	char *v;

	if (k == 0)
		return true;
	if (k > SIZE_MAX - *n || !rk_array_reserve(pv, cap, *n + k, elem))
		return false;
	memcpy(&v, pv, sizeof v);
	memcpy(v + *n * elem, src, k * elem);
	*n += k;
	return true;
}
