/* query.c — the named reports: parsing, running and rendering (see query.h). */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "embedded.h"
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

bool query_format_parse(const char *s, enum query_format *out)
{
	static const char *const NAMES[] = {"table", "csv", "json"};
	for (int i = 0; i < 3; i++)
		if (strcmp(s, NAMES[i]) == 0) {
			*out = (enum query_format)i;
			return true;
		}
	return false;
}

/* --- rendering -------------------------------------------------------------- */

/* A growable byte buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static bool sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return false;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool sbuf_pad(struct sbuf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sbuf_add(b, " ", 1))
			return false;
	return true;
}

/* A BLOB as lower-case hex, malloc'd. */
static char *blob_hex(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", v[i]);
	s[2 * n] = '\0';
	return s;
}

/* Column text as SQLite renders it (type read before the conversion). */
static const char *col_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? s : "";
}

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

/* -- table -- */

/* Display form of a value for the table: control characters escaped. */
static char *display_text(const char *s)
{
	struct sbuf b = {0};
	if (!sbuf_add(&b, "", 0))
		return NULL;
	for (; *s; s++) {
		const char *esc = NULL;
		char one = *s;
		if (*s == '\n')
			esc = "\\n";
		else if (*s == '\r')
			esc = "\\r";
		else if (*s == '\t')
			esc = "\\t";
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			one = '?';
		if (!(esc ? sbuf_add(&b, esc, 2) : sbuf_add(&b, &one, 1))) {
			free(b.p);
			return NULL;
		}
	}
	return b.p;
}

/* Width in UTF-8 code points. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* "-12", "0.5": a decimal number written as text. */
static bool looks_numeric(const char *s)
{
	if (*s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

struct table {
	int ncols;
	char **cells;        /* nrows * ncols display strings; NULL for SQL NULL */
	size_t nrows, cap;   /* rows stored, rows allocated */
	char **heads;        /* ncols display strings of the column names */
	size_t *width;       /* widest display width per column */
	bool *numeric;       /* every non-NULL value so far is a number */
	bool *seen;          /* some value is non-NULL */
};

static void table_free(struct table *t)
{
	if (t->cells)
		for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
			free(t->cells[i]);
	if (t->heads)
		for (int c = 0; c < t->ncols; c++)
			free(t->heads[c]);
	free(t->cells);
	free(t->heads);
	free(t->width);
	free(t->numeric);
	free(t->seen);
}

static enum rk_rc table_add_row(struct table *t, sqlite3_stmt *st, struct rk_err *err)
{
	size_t nc = (size_t)t->ncols;
	if (nc == 0) { /* nothing to store; the footer still counts the row */
		t->nrows++;
		return RK_OK;
	}
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **np = realloc(t->cells, cap * nc * sizeof *np);
		if (!np)
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		t->cells = np;
		t->cap = cap;
	}
	char **row = t->cells + t->nrows * nc;
	for (size_t c = 0; c < nc; c++)
		row[c] = NULL;
	t->nrows++; /* counted now so table_free frees a partly filled row */
	for (int c = 0; c < t->ncols; c++) {
		int type = sqlite3_column_type(st, c);
		if (type == SQLITE_NULL)
			continue;
		if (type == SQLITE_BLOB) {
			char *hex = blob_hex(st, c);
			row[c] = hex ? display_text(hex) : NULL;
			free(hex);
		} else {
			row[c] = display_text(col_text(st, c));
		}
		if (!row[c])
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		t->seen[c] = true;
		if (type == SQLITE_TEXT ? !looks_numeric(row[c]) : type == SQLITE_BLOB)
			t->numeric[c] = false;
		size_t w = display_width(row[c]);
		if (w > t->width[c])
			t->width[c] = w;
	}
	return RK_OK;
}

/* Appends one cell, padded; the last column is not padded on the right. */
static bool table_cell(struct sbuf *line, const struct table *t, int c, const char *s,
		       bool right)
{
	size_t pad = t->width[c] - display_width(s);
	if (c > 0 && !sbuf_add(line, "  ", 2))
		return false;
	if (right && !sbuf_pad(line, pad))
		return false;
	if (!sbuf_add(line, s, strlen(s)))
		return false;
	if (!right && c + 1 < t->ncols && !sbuf_pad(line, pad))
		return false;
	return true;
}

/* Writes a line with trailing spaces removed. */
static void put_line(FILE *out, struct sbuf *line)
{
	while (line->len > 0 && line->p[line->len - 1] == ' ')
		line->len--;
	fwrite(line->p, 1, line->len, out);
	fputc('\n', out);
	line->len = 0;
}

static enum rk_rc render_table(sqlite3 *db, const struct query_def *q, sqlite3_stmt *st,
			       FILE *out, long *rows, struct rk_err *err)
{
	struct table t = {0};
	struct sbuf line = {0};
	enum rk_rc rc = RK_OK;
	bool row;

	t.ncols = sqlite3_column_count(st);
	size_t nc = t.ncols > 0 ? (size_t)t.ncols : 1;
	t.heads = calloc(nc, sizeof *t.heads);
	t.width = calloc(nc, sizeof *t.width);
	t.numeric = calloc(nc, sizeof *t.numeric);
	t.seen = calloc(nc, sizeof *t.seen);
	if (!t.heads || !t.width || !t.numeric || !t.seen) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	for (int c = 0; c < t.ncols; c++) {
		const char *name = sqlite3_column_name(st, c);
		t.heads[c] = display_text(name ? name : "");
		if (!t.heads[c]) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			goto out;
		}
		t.width[c] = display_width(t.heads[c]);
		t.numeric[c] = true;
	}
	while (!(rc = query_step(db, q, st, &row, err)) && row)
		if ((rc = table_add_row(&t, st, err)))
			goto out;
	if (rc)
		goto out;

	for (int c = 0; c < t.ncols; c++) /* header */
		if (!table_cell(&line, &t, c, t.heads[c], t.numeric[c] && t.seen[c]))
			goto nomem;
	put_line(out, &line);
	for (int c = 0; c < t.ncols; c++) { /* separator */
		if (c > 0 && !sbuf_add(&line, "  ", 2))
			goto nomem;
		for (size_t k = 0; k < t.width[c]; k++)
			if (!sbuf_add(&line, "-", 1))
				goto nomem;
	}
	put_line(out, &line);
	for (size_t r = 0; r < t.nrows; r++) {
		for (int c = 0; c < t.ncols; c++) {
			const char *v = t.cells[r * nc + (size_t)c];
			if (!table_cell(&line, &t, c, v ? v : "", t.numeric[c] && t.seen[c]))
				goto nomem;
		}
		put_line(out, &line);
	}
	fprintf(out, "(%zu row%s)\n", t.nrows, t.nrows == 1 ? "" : "s");
	*rows = (long)t.nrows;
	goto out;
nomem:
	rc = rk_err_set(err, RK_ENOMEM, "out of memory");
out:
	free(line.p);
	table_free(&t);
	return rc;
}

/* -- csv -- */

static void csv_field(FILE *out, const char *s, bool is_null)
{
	if (is_null)
		return;
	if (*s && !strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static enum rk_rc render_csv(sqlite3 *db, const struct query_def *q, sqlite3_stmt *st, FILE *out,
			     long *rows, struct rk_err *err)
{
	int ncols = sqlite3_column_count(st);
	for (int c = 0; c < ncols; c++) {
		const char *name = sqlite3_column_name(st, c);
		if (c > 0)
			fputc(',', out);
		csv_field(out, name ? name : "", false);
	}
	fputs("\r\n", out);
	bool row;
	enum rk_rc rc;
	while (!(rc = query_step(db, q, st, &row, err)) && row) {
		for (int c = 0; c < ncols; c++) {
			int type = sqlite3_column_type(st, c);
			if (c > 0)
				fputc(',', out);
			if (type == SQLITE_BLOB) {
				char *hex = blob_hex(st, c);
				if (!hex)
					return rk_err_set(err, RK_ENOMEM, "out of memory");
				csv_field(out, hex, false);
				free(hex);
			} else {
				csv_field(out, col_text(st, c), type == SQLITE_NULL);
			}
		}
		fputs("\r\n", out);
		(*rows)++;
	}
	return rc;
}

/* -- json -- */

/* Is s a JSON number (RFC 8259)? SQLite renders infinities as "Inf". */
static bool is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static cJSON *json_value(sqlite3_stmt *st, int c)
{
	int type = sqlite3_column_type(st, c);
	if (type == SQLITE_NULL)
		return cJSON_CreateNull();
	if (type == SQLITE_BLOB) {
		char *hex = blob_hex(st, c);
		cJSON *v = hex ? cJSON_CreateString(hex) : NULL;
		free(hex);
		return v;
	}
	const char *text = col_text(st, c);
	if (type != SQLITE_TEXT && is_json_number(text))
		return cJSON_CreateRaw(text); /* SQLite's own digits: exact for int64 */
	return cJSON_CreateString(text);
}

static enum rk_rc render_json(sqlite3 *db, const struct query_def *q, sqlite3_stmt *st,
			      FILE *out, long *rows, struct rk_err *err)
{
	int ncols = sqlite3_column_count(st);
	cJSON *obj = NULL;
	char *text = NULL;
	enum rk_rc rc = RK_OK;

	bool row;
	fputc('[', out);
	while (!(rc = query_step(db, q, st, &row, err)) && row) {
		obj = cJSON_CreateObject();
		if (!obj)
			goto nomem;
		for (int c = 0; c < ncols; c++) {
			const char *name = sqlite3_column_name(st, c);
			cJSON *v = json_value(st, c);
			if (!v || !cJSON_AddItemToObject(obj, name ? name : "", v)) {
				cJSON_Delete(v);
				goto nomem;
			}
		}
		text = cJSON_PrintUnformatted(obj);
		if (!text)
			goto nomem;
		fputs(*rows ? ",\n" : "\n", out);
		fputs(text, out);
		free(text);
		text = NULL;
		cJSON_Delete(obj);
		obj = NULL;
		(*rows)++;
	}
	if (rc)
		goto out;
	fputs(*rows ? "\n]\n" : "]\n", out);
	goto out;
nomem:
	rc = rk_err_set(err, RK_ENOMEM, "out of memory");
out:
	free(text);
	cJSON_Delete(obj);
	return rc;
}

/* --- running ---------------------------------------------------------------- */

enum rk_rc query_run(sqlite3 *db, const struct query_def *q, const struct query_arg *args,
		     size_t nargs, enum query_format fmt, FILE *out, long *rows,
		     struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	long n = 0;
	enum rk_rc rc;

	if (rows)
		*rows = 0;
	if ((rc = query_check_args(q, args, nargs, err)))
		return rc;
	if (sqlite3_prepare_v2(db, q->sql, -1, &st, &tail) != SQLITE_OK) {
		rc = rk_err_set(err, RK_EDB, "query '%s': %s", q->name, sqlite3_errmsg(db));
		goto out;
	}
	if (!st) {
		rc = rk_err_set(err, RK_EINVAL, "query '%s' holds no SQL statement", q->name);
		goto out;
	}
	if (tail && *skip_blank(tail)) {
		rc = rk_err_set(err, RK_EINVAL, "query '%s' holds more than one SQL statement",
				q->name);
		goto out;
	}
	if (!sqlite3_stmt_readonly(st)) {
		rc = rk_err_set(err, RK_EINVAL, "query '%s' would modify the database; refused",
				q->name);
		goto out;
	}
	for (size_t i = 0; i < nargs; i++) {
		char key[QUERY_PARAM_NAME_MAX + 1];
		snprintf(key, sizeof key, ":%s", args[i].name);
		int idx = sqlite3_bind_parameter_index(st, key);
		if (idx == 0) {
			rc = rk_err_set(err, RK_EINVAL, "query '%s': SQLite does not know parameter %s",
					q->name, key);
			goto out;
		}
		if (sqlite3_bind_text(st, idx, args[i].value, -1, SQLITE_STATIC) != SQLITE_OK) {
			rc = step_error(db, q, err);
			goto out;
		}
	}
	switch (fmt) {
	case QUERY_FORMAT_TABLE: rc = render_table(db, q, st, out, &n, err); break;
	case QUERY_FORMAT_CSV: rc = render_csv(db, q, st, out, &n, err); break;
	case QUERY_FORMAT_JSON: rc = render_json(db, q, st, out, &n, err); break;
	default: rc = rk_err_set(err, RK_EINVAL, "unknown output format %d", (int)fmt); break;
	}
	if (rc == RK_OK && (fflush(out) != 0 || ferror(out)))
		rc = rk_err_set(err, RK_EIO, "query '%s': writing the result failed", q->name);
	if (rows)
		*rows = n;
out:
	sqlite3_finalize(st);
	return rc;
}
