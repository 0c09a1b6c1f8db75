/*
 * embedded.h — text files compiled into the binary by cmake/embed.cmake, so
 * reckon works from any directory: migrations/NNNN_*.sql (applied in name order),
 * queries/NAME.sql (the named reports) and scenarios/NAME.json (sim venue, demo).
 * Each group is sorted by file name. The data is static; never free it.
 */
#ifndef RECKON_EMBEDDED_H
#define RECKON_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* file name without directory, e.g. "0001_init.sql" */
	const char *text; /* whole file, NUL-terminated */
};

extern const struct embedded_file EMBEDDED_MIGRATIONS[];
extern const size_t EMBEDDED_MIGRATIONS_COUNT;
extern const struct embedded_file EMBEDDED_QUERIES[];
extern const size_t EMBEDDED_QUERIES_COUNT;
extern const struct embedded_file EMBEDDED_SCENARIOS[];
extern const size_t EMBEDDED_SCENARIOS_COUNT;

/* Looks a file up by exact name in one group; NULL when absent. */
const struct embedded_file *embedded_find(const struct embedded_file *group,
					  size_t count, const char *name);

#endif
