/*
 * rk_result.h — a result as plain data: column names and rows of typed
 * cells, handed over a row at a time (struct rk_row_sink) or held whole
 * (struct rk_result).
 *
 * It is the contract between a layer that produces rows and one that shows
 * them, neither of which sees the other: journal/ runs a named query and
 * feeds its rows to a sink without knowing the output format; report/
 * renders rows without knowing SQLite. A stream keeps memory flat however
 * many rows there are; a whole result suits small tables built by hand.
 *
 * Cells carry text, never a double: an INTEGER is its decimal digits, a
 * decimal amount is TEXT ("0.1"), so nothing on the way is rounded.
 * No allocation here; not thread-safe (a sink is used by one thread).
 */
#ifndef RECKON_RK_RESULT_H
#define RECKON_RK_RESULT_H

#include <stddef.h>

#include "err.h"

enum rk_cell_kind {
	RK_CELL_NULL = 0, /* no value (SQL NULL); `text` is ignored */
	RK_CELL_INT,      /* an integer: `text` is its decimal digits, "-12" */
	RK_CELL_REAL,     /* a floating-point value as its source printed it
			     ("1.5", "Inf"); reckon's amounts are never REAL */
	RK_CELL_TEXT,     /* UTF-8 text; decimal amounts travel as TEXT */
	RK_CELL_BLOB,     /* bytes, given in `text` as lower-case hex */
};

/* One value. `text` is NUL-terminated and borrowed (see the sink and the
 * result for how long it lives); NULL only for RK_CELL_NULL. */
struct rk_cell {
	enum rk_cell_kind kind;
	const char *text;
};

/*
 * A consumer of rows. The producer calls `columns` once, before any row,
 * then `row` once per row, in order, with exactly ncols cells. Names and
 * cells are borrowed for the duration of the call only: a sink that needs
 * them later copies them. A callback that returns non-RK_OK (with err set)
 * stops the producer, which returns that status and message unchanged.
 * Neither callback is called again after a failure; the producer never
 * "ends" the sink: its caller does, knowing whether the stream completed.
 */
struct rk_row_sink {
	enum rk_rc (*columns)(void *ctx, size_t ncols, const char *const *names,
			      struct rk_err *err);
	enum rk_rc (*row)(void *ctx, const struct rk_cell *cells, struct rk_err *err);
	void *ctx; /* passed to both, owned by whoever set up the sink */
};

/* A whole result, borrowed: the caller owns the arrays and the texts, e.g.
 * static tables in a test or an RK_ARRAY of cells built for a report. */
struct rk_result {
	size_t ncols;                /* entries in names, cells per row */
	const char *const *names;    /* ncols column names */
	size_t nrows;                /* rows in cells */
	const struct rk_cell *cells; /* nrows * ncols, row after row */
};

/* Feeds r to `sink`: columns, then each row. Returns the first status a
 * callback returns (err set by it), or RK_OK. */
enum rk_rc rk_result_feed(const struct rk_result *r, const struct rk_row_sink *sink,
			  struct rk_err *err);

#endif
