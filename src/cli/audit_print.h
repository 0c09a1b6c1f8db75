/*
 * audit_print.h — the post-mortem commands' output (`reckon audit gaps`,
 * `state`, `timeline`): plain text for people, or one JSON document, printed
 * from the journal modules' own structs. Writes to `out`; returns false when
 * writing or building the JSON failed (the caller exits 74 / 70).
 */
#ifndef RECKON_AUDIT_PRINT_H
#define RECKON_AUDIT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit_gaps.h"

/* Gaps: the overall total first, then per position, then each interval.
 * An interval still open is counted until `until_us` (the --to, or the
 * journal's last event). */
bool audit_print_gaps(FILE *out, const struct audit_gap *g, size_t n, int64_t until_us, bool json);

/* "2d 03:04:05.250000" (days only when there are some). */
char *audit_format_duration(int64_t us, char buf[48]);

#endif
