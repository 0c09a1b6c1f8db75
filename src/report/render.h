/*
 * render.h — a result shown as text: an aligned table for people, CSV and
 * JSON for machines, an HTML table for mail.
 *
 * A rendering takes rows as they come (render_sink gives the struct
 * rk_row_sink a producer such as query_run feeds) and writes them to a
 * caller's FILE* or rk_buf; render_result does the same for a whole result
 * held in memory. No SQLite here: cells are plain text (rk_result.h), so
 * the same renderers serve named queries, the daily report and post-mortems.
 *
 * Formats:
 *   table — header, a separator line of dashes, one line per row, columns
 *           separated by two spaces and padded to the widest value (counted in
 *           UTF-8 code points); columns whose values are all numbers (INT and
 *           REAL cells, TEXT like "-12" or "0.5") are right-aligned; NULL is
 *           blank; \n, \r and \t inside a value are shown as backslash
 *           escapes, other control characters as '?'; trailing spaces are
 *           cut; then "(N rows)". Holds every row until render_finish (the
 *           widths need them all); written only then.
 *   csv   — RFC 4180: a header record, CRLF line ends, a field quoted when it
 *           holds a comma, a double quote (doubled), CR or LF. NULL is an
 *           empty unquoted field; an empty string is "" so the two differ.
 *           Streamed a row at a time.
 *   json  — "[", then one object per row on its own line, keys the column
 *           names in order: TEXT and BLOB as JSON strings, INT and REAL as
 *           numbers with their own text (so 64-bit integers stay exact; one
 *           that is not a JSON number, "Inf", as a string), NULL as null;
 *           then "]". Strings escape '"', '\\', \b \f \n \r \t and other
 *           control characters as \u00XX; other bytes (UTF-8) pass as they
 *           are. Streamed a row at a time.
 *   html  — <table> with a <thead> row of <th> names and a <tbody> row of
 *           <td> cells per row; & < > " ' escaped as entities; NULL is an
 *           empty cell. Streamed a row at a time.
 *
 * Errors: RK_ENOMEM when memory runs out, RK_EIO ("writing the result
 * failed") when the FILE* reports an error at render_finish, RK_ENOMEM when
 * the rk_buf failed. On any error part of the output may already be written.
 *
 * Ownership: a struct render is the caller's from render_open_* to
 * render_free; the FILE* and rk_buf stay the caller's (flushed, never closed
 * or freed). Not thread-safe: one rendering per thread.
 */
#ifndef RECKON_RENDER_H
#define RECKON_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "rk_buf.h"
#include "rk_result.h"

enum render_format { RENDER_TABLE = 0, RENDER_CSV, RENDER_JSON, RENDER_HTML };

/* "table", "csv", "json" or "html" -> *out; false for anything else. */
bool render_format_parse(const char *s, enum render_format *out /* OUT */);

/* One rendering in progress. */
struct render;

/* Start a rendering in `fmt` to `out` / appended to `buf`. *r is NULL on
 * error (RK_ENOMEM; RK_EINVAL for an unknown format). */
enum rk_rc render_open_file(enum render_format fmt, FILE *out, struct render **r /* OUT */,
			    struct rk_err *err);
enum rk_rc render_open_buf(enum render_format fmt, struct rk_buf *buf, struct render **r /* OUT */,
			   struct rk_err *err);

/* The sink a producer feeds: columns once, then rows (rk_result.h). It
 * copies what it keeps. Valid while r is. */
struct rk_row_sink render_sink(struct render *r);

/* Ends a stream that completed (call it once): writes what follows the last row (the
 * whole table; JSON's "]"; HTML's closing tags) and flushes a FILE*.
 * *rows (OUT, may be NULL) is the number of rows rendered. RK_EINVAL when
 * the sink never got its columns. After a producer's failure, skip this
 * and just render_free: the output then ends where the stream stopped. */
enum rk_rc render_finish(struct render *r, long *rows /* OUT */, struct rk_err *err);

/* Frees r; NULL is a no-op. */
void render_free(struct render *r);

/* Renders a whole result (open, feed, finish, free). */
enum rk_rc render_result_file(enum render_format fmt, const struct rk_result *res, FILE *out,
			      struct rk_err *err);
enum rk_rc render_result_buf(enum render_format fmt, const struct rk_result *res,
			     struct rk_buf *buf, struct rk_err *err);

#endif
