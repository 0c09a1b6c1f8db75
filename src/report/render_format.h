/*
 * render_format.h — inside report/: what each output format implements
 * (render_table.c, render_csv.c, render_json.c, render_html.c) and the
 * writing helpers render.c gives them. Not for use outside report/.
 *
 * render.c owns the struct render: the output, the column names (copied),
 * the row count, and the order of calls; a format sees one `begin` after
 * the columns are known, one `row` per row (r->rows rows before it), and
 * one `end` when the stream completed. A format keeps its own state in
 * r->state and frees it in `free` (called whether or not `end` ran).
 */
#ifndef RECKON_RENDER_FORMAT_H
#define RECKON_RENDER_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "rk_buf.h"
#include "rk_result.h"

/* (render.h is not included: render.c includes both, so no cycle.) */
struct render;

struct render_ops {
	enum rk_rc (*begin)(struct render *r, struct rk_err *err);
	enum rk_rc (*row)(struct render *r, const struct rk_cell *cells, struct rk_err *err);
	enum rk_rc (*end)(struct render *r, struct rk_err *err);
	void (*free)(struct render *r); /* may be NULL: no state */
};

struct render {
	const struct render_ops *ops;
	FILE *file;          /* the output, or NULL when it is `buf` */
	struct rk_buf *buf;  /* the output, or NULL when it is `file` */
	bool begun;          /* the columns arrived and `begin` succeeded */
	size_t ncols;        /* columns */
	const char **names;  /* ncols names, pointing into `namebuf` */
	struct rk_buf namebuf; /* copies of the names, each NUL-terminated */
	long rows;           /* rows rendered so far */
	void *state;         /* the format's own, freed by ops->free */
};

extern const struct render_ops RENDER_TABLE_OPS;
extern const struct render_ops RENDER_CSV_OPS;
extern const struct render_ops RENDER_JSON_OPS;
extern const struct render_ops RENDER_HTML_OPS;

/* Write to the output. A FILE*'s errors are found at render_finish
 * (ferror); an rk_buf's are sticky, found there too. */
void render_put(struct render *r, const char *s, size_t n);
void render_puts(struct render *r, const char *s);
void render_putc(struct render *r, char c);

/* Whether `s` is a number written as text. json: JSON's grammar (no leading
 * zeros, an optional exponent), for writing an INT or REAL cell bare;
 * otherwise a plain decimal ("-12", "0.5", "007": digits, optionally a
 * point and more digits), for right-aligning a table column. */
bool render_is_number(const char *s, bool json);

#endif
