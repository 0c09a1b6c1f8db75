/*
 * query.h — the named reports: the SQL files in queries/, compiled into the
 * binary (embedded.h), listed with their descriptions, run with bound
 * parameters, and rendered for people (an aligned table) or for machines
 * (CSV, JSON).
 *
 * The query file convention, queries/NAME.sql:
 *   - line 1 is "-- NAME: one-line description", NAME being the file name
 *     without ".sql" (lower case letters, digits and '_');
 *   - the rest of the leading comment block says what the report answers,
 *     documents every parameter on a line of its own as "--   :name  meaning",
 *     and gives an example for `reckon query` and for the sqlite3 shell;
 *   - then exactly one read-only SQL statement.
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
 * Output formats (written to a caller's FILE*):
 *   table — header, a separator line of dashes, one line per row, columns
 *           separated by two spaces and padded to the widest value (counted in
 *           UTF-8 code points); columns whose values are all numbers are
 *           right-aligned; NULL is blank; \n, \r and \t inside a value are
 *           shown as backslash escapes; then "(N rows)". Buffers the result.
 *   csv   — RFC 4180: a header record, CRLF line ends, a field quoted when it
 *           holds a comma, a double quote (doubled), CR or LF. NULL is an
 *           empty unquoted field; an empty string is "" so the two differ.
 *   json  — an array of objects, one per row, keys the column names in
 *           order: TEXT as JSON strings, INTEGER and REAL as numbers with
 *           SQLite's own text for them (so 64-bit integers stay exact), NULL
 *           as null, BLOB as a hex string. Streamed a row at a time.
 */
#ifndef RECKON_QUERY_H
#define RECKON_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "err.h"

#define QUERY_NAME_MAX 64         /* "pnl_by_day" + NUL */
#define QUERY_DESC_MAX 160        /* the one-line description + NUL */
#define QUERY_PARAMS_MAX 16       /* distinct :parameters in one query */
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

enum query_format { QUERY_FORMAT_TABLE = 0, QUERY_FORMAT_CSV, QUERY_FORMAT_JSON };

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

/* "table", "csv" or "json" -> *out; false for anything else. */
bool query_format_parse(const char *s, enum query_format *out /* OUT */);

/*
 * Runs q on `db` (borrowed; only read) with `args` bound (query_check_args
 * first; the rest NULL) and writes the result to `out` in `fmt`. *rows (OUT,
 * may be NULL) is the number of rows written. The statement is prepared,
 * used and finalized here; a statement that would write is refused
 * (RK_EINVAL). SQLite errors (e.g. a view that does not exist) are RK_EDB
 * naming the query; a failed write to `out` is RK_EIO. On error part of the
 * output may already be written. `out` stays the caller's (flushed, not
 * closed); nothing is left allocated.
 */
enum rk_rc query_run(sqlite3 *db, const struct query_def *q, const struct query_arg *args,
		     size_t nargs, enum query_format fmt, FILE *out, long *rows /* OUT */,
		     struct rk_err *err);

#endif
