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
#include "audit_timeline.h"
#include "journal.h"
#include "render.h"

/* Gaps: the overall total first, then per position, then each interval.
 * An interval still open is counted until `until_us` (the --to, or the
 * journal's last event). */
bool audit_print_gaps(FILE *out, const struct audit_gap *g, size_t n, int64_t until_us, bool json);

/* "2d 03:04:05.250000" (days only when there are some). */
char *audit_format_duration(int64_t us, char buf[48]);

/* The timeline's printer: an audit_tl_fn whose ctx is a struct
 * audit_tl_printer. Text: "TS  WHO  #SEQ  WHAT (<- #CITED)", indented by the
 * chain's depth; JSON: an array, one object per entry (call
 * audit_print_timeline_end after the walk). */
struct audit_tl_printer {
	FILE *out;
	bool json;
	size_t n; /* entries printed */
};
enum rk_rc audit_print_timeline_entry(void *ctx, const struct audit_tl_entry *e,
				      struct rk_err *err);
enum rk_rc audit_print_timeline_end(struct audit_tl_printer *p, struct rk_err *err);

/* Runs the named query `name` on `j` (no parameters) and renders the rows
 * whose `symbol` column equals `symbol` (every row when NULL) in `fmt`:
 * `audit state` shows its scratch journal through protection and
 * open_orders. *rows (OUT, may be NULL): rows rendered. Errors as
 * query_print. */
enum rk_rc audit_print_query(struct journal *j, const char *name, const char *symbol,
			     enum render_format fmt, FILE *out, long *rows /* OUT */,
			     struct rk_err *err);

#endif
