/*
 * jsonout.h — writing reckon's values into cJSON documents: the one place an
 * amount becomes JSON text, always as a string of its canonical digits
 * ("0.0336"), never a JSON number, so the reader gets back exactly what was
 * written (jsonin.h reads it).
 *
 * Ownership: the member added belongs to `obj`. Thread-safe.
 */
#ifndef RECKON_JSONOUT_H
#define RECKON_JSONOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "dec.h"

/* Adds `key`: "<canonical decimal text>" to obj; false on allocation failure. */
bool jsonout_add_dec(cJSON *obj, const char *key, struct dec v);

/* Adds `key`: v as a JSON number (ids, counts, milliseconds: never an
 * amount). cJSON holds numbers as doubles, which carry every integer up to
 * 2^53 exactly; false for a value beyond that (it would be rounded) or on
 * allocation failure. */
bool jsonout_add_int(cJSON *obj, const char *key, int64_t v);

/* Adds `key`: "value" to obj; false on allocation failure. */
bool jsonout_add_str(cJSON *obj, const char *key, const char *value);

#endif
