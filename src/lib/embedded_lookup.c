/* embedded_lookup.c — lookup over the generated embedded file tables. */
#include "embedded.h"

#include <string.h>

const struct embedded_file *embedded_find(const struct embedded_file *group,
					  size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (group[i].name && strcmp(group[i].name, name) == 0)
			return &group[i];
	return NULL;
}
