/* query.c — the named reports: the catalogue, parsing and running (see
 * query.h); report/ renders what they return. */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "embedded.h"
#include "journal.h"
#include "rk_buf.h"
#include "sqlx.h"

/* --- scanning SQL text ---------------------------------------------------- */

static bool is_id_char(unsigned char c)
{
	/* SQLite's IdChar: letters, digits, '_', '$' and every non-ASCII byte. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static bool is_param_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* If p starts a comment, a string literal or a quoted identifier, returns
 * the first byte after it (or the terminating NUL); otherwise NULL. */
static const char *skip_quoted_or_comment(const char *p)
{
	if (p[0] == '-' && p[1] == '-') {
		const char *nl = strchr(p, '\n');
		return nl ? nl + 1 : p + strlen(p);
	}
	if (p[0] == '/' && p[1] == '*') {
		const char *end = strstr(p + 2, "*/");
		return end ? end + 2 : p + strlen(p);
	}
	if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
		char close = *p == '[' ? ']' : *p;
		for (p++; *p; p++) {
			if (*p != close)
				continue;
			if (close != ']' && p[1] == close) { /* doubled quote: literal */
				p++;
				continue;
			}
			return p + 1;
		}
		return p;
	}
	return NULL;
}

/* Skips whitespace, comments and empty statements (';'). */
static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';')
			p++;
		if (!((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')))
			return p;
		p = skip_quoted_or_comment(p);
	}
}

static enum rk_rc add_param(struct query_def *q, const char *name, size_t len, struct rk_err *err)
{
	for (size_t i = 0; i < q->nparams; i++)
		if (strlen(q->params[i]) == len && memcmp(q->params[i], name, len) == 0)
			return RK_OK;
	if (len >= QUERY_PARAM_NAME_MAX)
		return rk_err_set(err, RK_EINVAL, "query '%s': parameter ':%.*s' is longer than %d characters",
				  q->name, (int)len, name, QUERY_PARAM_NAME_MAX - 1);
	if (q->nparams == QUERY_PARAMS_MAX)
		return rk_err_set(err, RK_EINVAL, "query '%s': more than %d parameters", q->name,
				  QUERY_PARAMS_MAX);
	memcpy(q->params[q->nparams], name, len);
	q->params[q->nparams][len] = '\0';
	q->nparams++;
	return RK_OK;
}

/* Collects the :name parameters of q->sql outside comments and quotes. */
static enum rk_rc scan_params(struct query_def *q, struct rk_err *err)
{
	const char *p = q->sql;
	enum rk_rc rc;
	while (*p) {
		const char *next = skip_quoted_or_comment(p);
		if (next) {
			p = next;
		} else if (is_id_char((unsigned char)*p) && *p != '$') {
			/* A whole word (keyword, identifier, number): '$' inside one is not a
			 * parameter, '$' starting one is. */
			while (*p && is_id_char((unsigned char)*p))
				p++;
		} else if (*p == ':') {
			const char *name = ++p;
			while (*p && is_id_char((unsigned char)*p))
				p++;
			size_t len = (size_t)(p - name);
			for (size_t i = 0; i < len; i++)
				if (!is_param_char((unsigned char)name[i]))
					len = 0;
			if (len == 0)
				return rk_err_set(err, RK_EINVAL,
						  "query '%s': ':' must be followed by a parameter name "
						  "of letters, digits and '_'", q->name);
			if ((rc = add_param(q, name, len, err)))
				return rc;
		} else if (*p == '?' || *p == '@' || *p == '$') {
			return rk_err_set(err, RK_EINVAL,
					  "query '%s': parameter form '%c' is not supported; use :name",
					  q->name, *p);
		} else {
			p++;
		}
	}
	return RK_OK;
}

/* --- the query file convention ------------------------------------------- */

static bool valid_name(const char *name, size_t len)
{
	if (len == 0 || len >= QUERY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

enum rk_rc query_parse(const char *name, const char *text, struct query_def *out,
		       struct rk_err *err)
{
	size_t nlen = strlen(name);
	memset(out, 0, sizeof *out);
	if (!valid_name(name, nlen))
		return rk_err_set(err, RK_EINVAL,
				  "query name '%s': want lower case letters, digits and '_' "
				  "(at most %d)", name, QUERY_NAME_MAX - 1);
	memcpy(out->name, name, nlen + 1);
	out->sql = text;

	/* Line 1: "-- NAME: description" */
	if (strncmp(text, "-- ", 3) != 0 || strncmp(text + 3, name, nlen) != 0 ||
	    strncmp(text + 3 + nlen, ": ", 2) != 0)
		return rk_err_set(err, RK_EINVAL, "query '%s': line 1 must be '-- %s: description'",
				  name, name);
	const char *d = text + 3 + nlen + 2;
	size_t dlen = strcspn(d, "\n");
	while (dlen > 0 && (d[dlen - 1] == ' ' || d[dlen - 1] == '\r' || d[dlen - 1] == '\t'))
		dlen--;
	if (dlen == 0)
		return rk_err_set(err, RK_EINVAL, "query '%s': the description on line 1 is empty",
				  name);
	if (dlen >= QUERY_DESC_MAX)
		return rk_err_set(err, RK_EINVAL,
				  "query '%s': the description on line 1 is longer than %d characters",
				  name, QUERY_DESC_MAX - 1);
	memcpy(out->description, d, dlen);
	out->description[dlen] = '\0';
	return scan_params(out, err);
}

size_t query_count(void)
{
	return EMBEDDED_QUERIES_COUNT;
}

/* "pnl_by_day.sql" -> length of "pnl_by_day" (whole length without ".sql"). */
static size_t stem_len(const char *file)
{
	size_t n = strlen(file);
	return n > 4 && strcmp(file + n - 4, ".sql") == 0 ? n - 4 : n;
}

enum rk_rc query_at(size_t i, struct query_def *out, struct rk_err *err)
{
	char name[QUERY_NAME_MAX];
	if (i >= EMBEDDED_QUERIES_COUNT)
		return rk_err_set(err, RK_ENOTFOUND, "no query number %zu", i);
	const struct embedded_file *f = &EMBEDDED_QUERIES[i];
	size_t n = stem_len(f->name);
	if (n >= sizeof name)
		return rk_err_set(err, RK_EINVAL, "query file name '%s' is too long", f->name);
	memcpy(name, f->name, n);
	name[n] = '\0';
	return query_parse(name, f->text, out, err);
}

enum rk_rc query_find(const char *name, struct query_def *out, struct rk_err *err)
{
	size_t n = stem_len(name);
	for (size_t i = 0; i < EMBEDDED_QUERIES_COUNT; i++) {
		const char *file = EMBEDDED_QUERIES[i].name;
		if (file && stem_len(file) == n && strncmp(file, name, n) == 0)
			return query_at(i, out, err);
	}
	return rk_err_set(err, RK_ENOTFOUND, "unknown query '%s'; try 'reckon query --list'", name);
}

enum rk_rc query_list(FILE *out, struct rk_err *err)
{
	struct query_def q;
	enum rk_rc rc;
	int width = 0;
	for (size_t i = 0; i < query_count(); i++) {
		if ((rc = query_at(i, &q, err)))
			return rc;
		if ((int)strlen(q.name) > width)
			width = (int)strlen(q.name);
	}
	for (size_t i = 0; i < query_count(); i++) {
		if ((rc = query_at(i, &q, err)))
			return rc;
		fprintf(out, "%-*s  %s", width, q.name, q.description);
		for (size_t k = 0; k < q.nparams; k++)
			fprintf(out, "%s:%s", k ? " " : "  [", q.params[k]);
		fputs(q.nparams ? "]\n" : "\n", out);
	}
	if (ferror(out))
		return rk_err_set(err, RK_EIO, "writing the query list failed");
	return RK_OK;
}

bool query_has_param(const struct query_def *q, const char *name)
{
	for (size_t i = 0; i < q->nparams; i++)
		if (strcmp(q->params[i], name) == 0)
			return true;
	return false;
}

/* --- parameters ------------------------------------------------------------ */

enum rk_rc query_arg_parse(const char *kv, struct query_arg *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	const char *eq = strchr(kv, '=');
	if (!eq)
		return rk_err_set(err, RK_EINVAL, "--param '%s': want key=value", kv);
	const char *key = kv[0] == ':' ? kv + 1 : kv;
	size_t len = eq > key ? (size_t)(eq - key) : 0;
	if (len == 0)
		return rk_err_set(err, RK_EINVAL, "--param '%s': the key before '=' is empty", kv);
	if (len >= sizeof out->name)
		return rk_err_set(err, RK_EINVAL, "--param '%s': the key is longer than %zu characters",
				  kv, sizeof out->name - 1);
	memcpy(out->name, key, len);
	out->name[len] = '\0';
	out->value = eq + 1;
	return RK_OK;
}

/* Writes ":a, :b" (or "none") into buf, for error messages. */
static const char *param_names(const struct query_def *q, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	if (q->nparams == 0)
		return "it takes none";
	for (size_t i = 0; i < q->nparams && used < cap; i++) {
		int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "its parameters: ",
				 q->params[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

enum rk_rc query_check_args(const struct query_def *q, const struct query_arg *args, size_t nargs,
			    struct rk_err *err)
{
	char names[QUERY_PARAMS_MAX * (QUERY_PARAM_NAME_MAX + 2) + 32];
	for (size_t i = 0; i < nargs; i++) {
		if (!query_has_param(q, args[i].name))
			return rk_err_set(err, RK_EINVAL, "query '%s' has no parameter '%s'; %s",
					  q->name, args[i].name,
					  param_names(q, names, sizeof names));
		for (size_t k = 0; k < i; k++)
			if (strcmp(args[k].name, args[i].name) == 0)
				return rk_err_set(err, RK_EINVAL, "parameter '%s' given twice",
						  args[i].name);
	}
	return RK_OK;
}

/* --- running ---------------------------------------------------------------- */

/* A statement that prepared but failed while it ran: a plain SQLITE_ERROR
 * is a function refusing a value of the journal (a decimal beyond
 * SQLDEC_DIGITS_MAX digits), bad data (65); anything else (I/O, a lock, no
 * memory) is the database's failure (74). */
static enum rk_rc step_error(sqlite3 *db, const struct query_def *q, struct rk_err *err)
{
	enum rk_rc rc = sqlite3_extended_errcode(db) == SQLITE_ERROR ? RK_EINVAL : RK_EDB;
	return rk_err_set(err, rc, "query '%s': %s", q->name, sqlite3_errmsg(db));
}

/* Steps the query's statement through sqlx_step_row (row / done /
 * error), an error classified by step_error (the reset that ends a failed
 * step keeps the database's error code and message). */
static enum rk_rc query_step(sqlite3 *db, const struct query_def *q, sqlite3_stmt *st,
			     bool *row, struct rk_err *err)
{
	if (sqlx_step_row(st, row, q->name, err) == RK_OK)
		return RK_OK;
	return step_error(db, q, err);
}

/* Prepares the statement of q's text that starts at `sql` (*tail: what
 * follows it), which must be read-only, and binds those of args that it
 * uses (known[i] set for each; the rest stay NULL). *st is NULL when only
 * blanks and comments are left. */
static enum rk_rc prepare(sqlite3 *db, const struct query_def *q, const char *sql,
			  const char **tail, const struct query_arg *args, size_t nargs,
			  bool *known, sqlite3_stmt **st, struct rk_err *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, tail) != SQLITE_OK)
		return rk_err_set(err, RK_EDB, "query '%s': %s", q->name, sqlite3_errmsg(db));
	if (!*st)
		return RK_OK;
	if (!sqlite3_stmt_readonly(*st))
		return rk_err_set(err, RK_EINVAL, "query '%s' would modify the database; refused",
				  q->name);
	for (size_t i = 0; i < nargs; i++) {
		char key[QUERY_PARAM_NAME_MAX + 1];
		rk_fmt(key, sizeof key, ":%s", args[i].name);
		int idx = sqlite3_bind_parameter_index(*st, key);
		if (idx == 0)
			continue;
		known[i] = true;
		if (sqlite3_bind_text(*st, idx, args[i].value, -1, SQLITE_STATIC) != SQLITE_OK)
			return step_error(db, q, err);
	}
	return RK_OK;
}

/* The current row as cells. Texts point into the statement (valid until the
 * next step) or, for a BLOB's hex, into hex[c] (reused row after row). */
static enum rk_rc read_row(sqlite3_stmt *st, size_t ncols, struct rk_cell *cells,
			   struct rk_buf *hex, struct rk_err *err)
{
	static const char DIGITS[] = "0123456789abcdef";
	enum rk_rc rc;
	for (size_t c = 0; c < ncols; c++) {
		int i = (int)c, type = sqlite3_column_type(st, i); /* before any conversion */
		const char *text;
		if (type == SQLITE_NULL) {
			cells[c] = (struct rk_cell){RK_CELL_NULL, NULL};
			continue;
		}
		if (type == SQLITE_BLOB) {
			const unsigned char *v = sqlite3_column_blob(st, i);
			size_t n = (size_t)sqlite3_column_bytes(st, i);
			rk_buf_reset(&hex[c]);
			for (size_t k = 0; k < n; k++) {
				char pair[2] = {DIGITS[v[k] >> 4], DIGITS[v[k] & 15]};
				rk_buf_addn(&hex[c], pair, 2);
			}
			if ((rc = rk_buf_status(&hex[c], err)))
				return rc;
			cells[c] = (struct rk_cell){RK_CELL_BLOB, rk_buf_str(&hex[c])};
			continue;
		}
		text = (const char *)sqlite3_column_text(st, i);
		cells[c] = (struct rk_cell){type == SQLITE_INTEGER ? RK_CELL_INT
					    : type == SQLITE_FLOAT ? RK_CELL_REAL
								   : RK_CELL_TEXT,
					    text ? text : ""};
	}
	return RK_OK;
}

/* The columns and reusable row buffers of a query's result. */
struct result {
	size_t ncols;
	const char **names; /* of the first statement; borrowed from it */
	struct rk_cell *cells;
	struct rk_buf *hex;
};

static void result_free(struct result *r)
{
	for (size_t c = 0; r->hex && c < r->ncols; c++)
		rk_buf_free(&r->hex[c]);
	free(r->hex);
	free(r->cells);
	free(r->names);
}

/* Takes the first statement's columns. */
static enum rk_rc result_open(struct result *r, sqlite3_stmt *st, struct rk_err *err)
{
	size_t nc;
	r->ncols = (size_t)sqlite3_column_count(st);
	nc = r->ncols ? r->ncols : 1;
	r->names = calloc(nc, sizeof *r->names);
	r->cells = calloc(nc, sizeof *r->cells);
	r->hex = calloc(nc, sizeof *r->hex);
	if (!r->names || !r->cells || !r->hex)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t c = 0; c < r->ncols; c++) {
		const char *name = sqlite3_column_name(st, (int)c);
		r->names[c] = name ? name : "";
	}
	return RK_OK;
}

/* A later statement must return the first one's columns. */
static enum rk_rc result_same(const struct result *r, const struct query_def *q,
			      sqlite3_stmt *st, struct rk_err *err)
{
	bool same = (size_t)sqlite3_column_count(st) == r->ncols;
	for (size_t c = 0; same && c < r->ncols; c++) {
		const char *name = sqlite3_column_name(st, (int)c);
		same = name && strcmp(name, r->names[c]) == 0;
	}
	return same ? RK_OK
		    : rk_err_set(err, RK_EINVAL, "query '%s' holds more than one SQL statement,"
						 " and they return different columns", q->name);
}

/* Feeds the prepared statement's rows to the sink. */
static enum rk_rc feed(sqlite3 *db, const struct query_def *q, sqlite3_stmt *st,
		       struct result *r, const struct rk_row_sink *sink, long *rows,
		       struct rk_err *err)
{
	enum rk_rc rc;
	bool row;
	while (!(rc = query_step(db, q, st, &row, err)) && row) {
		if ((rc = read_row(st, r->ncols, r->cells, r->hex, err)) ||
		    (rc = sink->row(sink->ctx, r->cells, err)))
			return rc;
		(*rows)++;
	}
	return rc;
}

/* The statements of q's text, in order: each prepared (all of them before
 * the first row, so a broken one feeds nothing), bound and run; the first
 * names the columns. */
enum rk_rc query_run(struct journal *j, const struct query_def *q, const struct query_arg *args,
		     size_t nargs, const struct rk_row_sink *sink, long *rows, struct rk_err *err)
{
	sqlite3 *db = journal_db(j);
	sqlite3_stmt *st[QUERY_STATEMENTS_MAX] = {NULL};
	bool known[QUERY_PARAMS_MAX] = {false};
	struct result r = {0};
	const char *sql = q->sql;
	size_t n = 0;
	long fed = 0;
	enum rk_rc rc;

	if ((rc = query_check_args(q, args, nargs, err)))
		goto out;
	while (*(sql = skip_blank(sql))) {
		if (n == QUERY_STATEMENTS_MAX) {
			rc = rk_err_set(err, RK_EINVAL, "query '%s' holds more than %d SQL statements",
					q->name, QUERY_STATEMENTS_MAX);
			goto out;
		}
		rc = prepare(db, q, sql, &sql, args, nargs, known, &st[n], err);
		if (st[n])
			n++;
		if (rc)
			goto out;
	}
	if (n == 0) {
		rc = rk_err_set(err, RK_EINVAL, "query '%s' holds no SQL statement", q->name);
		goto out;
	}
	for (size_t i = 0; i < nargs; i++)
		if (!known[i]) {
			rc = rk_err_set(err, RK_EINVAL, "query '%s': SQLite does not know parameter :%s",
					q->name, args[i].name);
			goto out;
		}
	if ((rc = result_open(&r, st[0], err)))
		goto out;
	for (size_t i = 1; i < n && !rc; i++)
		rc = result_same(&r, q, st[i], err);
	if (rc || (rc = sink->columns(sink->ctx, r.ncols, r.names, err)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++)
		rc = feed(db, q, st[i], &r, sink, &fed, err);
out:
	for (size_t i = 0; i < n; i++)
		sqlite3_finalize(st[i]);
	result_free(&r);
	if (rows)
		*rows = fed;
	return rc;
}
