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
