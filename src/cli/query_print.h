/*
 * query_print.h — a named query run and rendered: the one place where the
 * journal's rows (query.h) meet report/'s renderers (render.h), for
 * `reckon query`, `reckon halt list` and the demo's closing reports.
 */
#ifndef RECKON_QUERY_PRINT_H
#define RECKON_QUERY_PRINT_H

#include <stdio.h>

#include "err.h"
#include "query.h"
#include "render.h"

/*
 * Runs q on j with args (query_run) and writes its rows to `out` in `fmt`
 * (render.h), streamed when the format streams. *rows (OUT, may be NULL) is
 * the number of rows. Errors are query_run's and the renderer's; a failed
 * write to `out` is RK_EIO "query 'NAME': writing the result failed". After
 * an error the output holds what was written before it (for a table,
 * nothing). `out` stays the caller's (flushed, not closed).
 */
enum rk_rc query_print(struct journal *j, const struct query_def *q, const struct query_arg *args,
		       size_t nargs, enum render_format fmt, FILE *out, long *rows /* OUT */,
		       struct rk_err *err);

#endif
