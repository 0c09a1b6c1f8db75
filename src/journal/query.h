/*
 * query.h — the named reports: the SQL files in queries/, compiled into the
 * binary (embedded.h), listed with their descriptions, and run with bound
 * parameters, their rows handed to a caller's sink (report/ renders them).
 *
 * The query file convention, queries/NAME.sql:
 *   - line 1 is "-- NAME: one-line description", NAME being the file name
 *     without ".sql" (lower case letters, digits and '_');
 *   - the rest of the leading comment block says what the report answers,
 *     documents every parameter on a line of its own as "--   :name  meaning",
 *     and gives an example for `reckon query` and for the sqlite3 shell;
 *   - then one read-only SQL statement, or several that return the same
 *     columns: query_run runs them in order and hands on the rows of all of
 *     them under the first one's column names. Several statements are for
 *     queries whose best index depends on which parameters are given (an
 *     optional filter written `col = COALESCE(:p, col)` can use no index):
 *     one statement per shape of the parameters, each guarded by a test of
 *     the parameters alone (`:symbol IS NOT NULL AND symbol = :symbol ...`
 *     in one, `:symbol IS NULL AND ...` in the other) so that exactly one
 *     of them returns rows. SQLite decides such a guard once, before it
 *     reads anything, and the sqlite3 shell's .read runs the file the same
 *     way. At most QUERY_STATEMENTS_MAX statements.
 *
 * Parameters are SQLite named parameters, ":name". They are not declared
 * anywhere else: query_parse finds them by scanning the statement outside
 * comments, string literals and quoted identifiers, so the SQL is the only
 * source of truth (the tests check the scan against SQLite's own list and
 * that each one is documented in the header). Other parameter forms (?, ?NNN,
 * @name, $name) are refused: they could not be set by name.
 *
 * Binding: every --param value is bound as TEXT, so a query that needs a
 * number CASTs it (LIMIT CAST(COALESCE(:limit, 10) AS INTEGER)), which also
 * works for the sqlite3 shell's `.parameter set :limit 10`. A parameter that
 * is not given is bound NULL, and the queries read NULL as "all"
 * (symbol = COALESCE(:symbol, symbol)).
 *
 * Running: query_run prepares the statement, binds the arguments and feeds
 * the rows to a caller's struct rk_row_sink (rk_result.h) one at a time, so
 * memory stays flat however long the result; it neither formats nor writes
 * anything. report/ renders a stream (render.h: table, CSV, JSON, HTML),
 * and the CLI joins the two. Cells carry SQLite's own text for each value:
 * TEXT (every amount), INTEGER digits (exact for 64 bits), REAL as SQLite
 * prints it, BLOB as lower-case hex, NULL as RK_CELL_NULL.
 */
#ifndef RECKON_QUERY_H
#define RECKON_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "rk_result.h"

struct journal;

#define QUERY_NAME_MAX 64         /* "pnl_by_day" + NUL */
#define QUERY_DESC_MAX 160        /* the one-line description + NUL */
#define QUERY_PARAMS_MAX 16       /* distinct :parameters in one query */
#define QUERY_STATEMENTS_MAX 8    /* statements in one query file */
#define QUERY_PARAM_NAME_MAX 32   /* parameter name without ':' + NUL */

/* One named query, parsed from its file text. */
struct query_def {
	char name[QUERY_NAME_MAX];        /* "pnl_by_day" */
	char description[QUERY_DESC_MAX]; /* text after "-- NAME: " on line 1 */
	const char *sql;                  /* the whole file text; borrowed */
	size_t nparams;                   /* entries used in params */
	char params[QUERY_PARAMS_MAX][QUERY_PARAM_NAME_MAX]; /* names without ':',
							      * in order of first use */
};

/* One --param key=value. */
struct query_arg {
	char name[QUERY_PARAM_NAME_MAX]; /* without a leading ':' */
	const char *value;               /* borrowed from the caller's string */
};

/*
 * Parses query text: checks line 1 against `name`, takes the description,
 * and scans the parameters. `text` must outlive *out (out->sql points into
 * it). RK_EINVAL naming the problem when the header is missing or wrong, a
 * parameter has an unsupported form or there are too many.
 */
enum rk_rc query_parse(const char *name, const char *text, struct query_def *out /* OUT */,
		       struct rk_err *err);

/* Number of embedded queries (files in queries/). */
size_t query_count(void);

/* Parses the i-th embedded query (i < query_count(), in file name order). */
enum rk_rc query_at(size_t i, struct query_def *out /* OUT */, struct rk_err *err);

/* Finds an embedded query by name ("pnl_by_day"; a trailing ".sql" is
 * accepted). RK_ENOTFOUND with "unknown query 'x'; try 'reckon query --list'". */
enum rk_rc query_find(const char *name, struct query_def *out /* OUT */, struct rk_err *err);

/* Writes one line per embedded query: name, description and its parameters.
 * RK_EINVAL if an embedded file breaks the convention; RK_EIO if writing fails. */
enum rk_rc query_list(FILE *out, struct rk_err *err);

/* Does q use parameter `name` (without ':')? */
bool query_has_param(const struct query_def *q, const char *name);

/* Splits "key=value" (or ":key=value") into *out; out->value points into
 * `kv`. RK_EINVAL when there is no '=' or the key is empty or too long. */
enum rk_rc query_arg_parse(const char *kv, struct query_arg *out /* OUT */, struct rk_err *err);

/* Checks args against q: an unknown name is RK_EINVAL with a message that
 * lists q's parameters; a name given twice is RK_EINVAL too. */
enum rk_rc query_check_args(const struct query_def *q, const struct query_arg *args, size_t nargs,
			    struct rk_err *err);

/*
 * Runs q on journal `j` (borrowed; only read) with `args` bound (checked by
 * query_check_args; the others NULL) and feeds the result to `sink`: its
 * column names once, then each row (cells valid during the call only).
 * *rows (OUT, may be NULL) is the number of rows fed. The statements are
 * all prepared before anything is fed, then stepped in
 * order and finalized here; a statement that would write is refused
 * (RK_EINVAL), as are no statement, more than QUERY_STATEMENTS_MAX and
 * statements whose columns differ (count or names). SQLite errors
 * are RK_EDB naming the query ("query 'x': no such table: y"), except a SQL
 * function refusing a value while stepping (a decimal over
 * SQLDEC_DIGITS_MAX digits), which is bad data, RK_EINVAL. A status a sink
 * callback returns stops the run and is returned with its message as it is.
 * Nothing is fed before the statements are ready, so on those errors the sink
 * saw nothing; after a stepping error it has seen the rows before it.
 * Nothing is left allocated.
 */
enum rk_rc query_run(struct journal *j, const struct query_def *q, const struct query_arg *args,
		     size_t nargs, const struct rk_row_sink *sink, long *rows /* OUT */,
		     struct rk_err *err);

#endif
