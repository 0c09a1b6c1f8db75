/*
 * tu_core.h — test helpers that need only the pure core (no journal, no
 * SQLite): decimals from literals, decimal assertions and fixture files.
 * Every helper fails the current test (cmocka assert) on error.
 */
#ifndef RECKON_TU_CORE_H
#define RECKON_TU_CORE_H

#include <stddef.h>

#include "dec.h"

/* A decimal from a test literal; a bad literal fails the test. */
struct dec tu_dec(const char *s);

/* Asserts that `d` equals the decimal written `want` (compared as canonical
 * text, so "0.10" and "0.1" are equal). Use through assert_dec. */
void tu_check_dec(struct dec d, const char *want, const char *file, int line);
#define assert_dec(d, want) tu_check_dec((d), (want), __FILE__, __LINE__)

/* Reads a whole fixture file (at most 64 MiB); *len (OUT, may be NULL) gets
 * its size. Caller frees. A missing file fails the test. */
char *tu_read_file(const char *path, size_t *len);

/* True when RECKON_TEST_SCALE=small: tools/valgrind-tests.sh asks property
 * tests with large randomized loops to run fewer of them (valgrind looks for
 * memory errors on the same paths, about 30x slower). */
int tu_small_scale(void);

#endif
