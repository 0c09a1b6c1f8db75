/* render_table.c — the aligned table for people (render.h). The widths need
 * every row, so rows are kept, as display text, until the end. */
#include "render_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rk_array.h"

#define NO_VALUE SIZE_MAX /* the offset of a NULL cell */

struct table {
	struct rk_buf text;  /* display text of the names, then of each cell,
				each NUL-terminated */
	RK_ARRAY(size_t) at; /* offset in `text` of each name, then of each cell
				row after row; NO_VALUE for NULL */
	size_t *width;       /* widest display width per column */
	bool *numeric;       /* every non-NULL value so far is a number */
	bool *seen;          /* some value is non-NULL */
};

static enum rk_rc nomem(struct rk_err *err)
{
	return rk_err_set(err, RK_ENOMEM, "out of memory");
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* Appends the display form of s, NUL-terminated: \n, \r and \t as
 * backslash escapes, other control characters as '?'. Returns its offset. */
static size_t add_display(struct rk_buf *b, const char *s)
{
	size_t at = b->len;
	for (;;) {
		size_t n = 0;
		while (s[n] && !is_control(s[n]))
			n++;
		rk_buf_addn(b, s, n);
		s += n;
		if (!*s)
			break;
		rk_buf_add(b, *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : *s == '\t' ? "\\t" : "?");
		s++;
	}
	rk_buf_addn(b, "", 1);
	return at;
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

/* Stores one value's display text; NULL when memory ran out. */
static const char *keep(struct table *t, const char *s)
{
	size_t at = add_display(&t->text, s);
	t->at.v[t->at.n++] = at;
	return t->text.failed ? NULL : rk_buf_str(&t->text) + at;
}

static enum rk_rc table_begin(struct render *r, struct rk_err *err)
{
	size_t nc = r->ncols ? r->ncols : 1;
	struct table *t = calloc(1, sizeof *t);
	if (!(r->state = t))
		return nomem(err);
	t->width = calloc(nc, sizeof *t->width);
	t->numeric = calloc(nc, sizeof *t->numeric);
	t->seen = calloc(nc, sizeof *t->seen);
	if (!t->width || !t->numeric || !t->seen || !rk_array_grow(&t->at, r->ncols))
		return nomem(err);
	for (size_t c = 0; c < r->ncols; c++) {
		const char *shown = keep(t, r->names[c]);
		if (!shown)
			return nomem(err);
		t->width[c] = display_width(shown);
		t->numeric[c] = true;
	}
	return RK_OK;
}

static enum rk_rc table_row(struct render *r, const struct rk_cell *cells, struct rk_err *err)
{
	struct table *t = r->state;
	if (!rk_array_grow(&t->at, r->ncols))
		return nomem(err);
	for (size_t c = 0; c < r->ncols; c++) {
		enum rk_cell_kind kind = cells[c].kind;
		if (kind == RK_CELL_NULL) {
			t->at.v[t->at.n++] = NO_VALUE;
			continue;
		}
		const char *shown = keep(t, cells[c].text ? cells[c].text : "");
		if (!shown)
			return nomem(err);
		t->seen[c] = true;
		if (kind == RK_CELL_TEXT ? !render_is_number(shown, false) : kind == RK_CELL_BLOB)
			t->numeric[c] = false;
		size_t w = display_width(shown);
		if (w > t->width[c])
			t->width[c] = w;
	}
	return RK_OK;
}

static void add_repeated(struct rk_buf *line, char c, size_t n)
{
	char run[32];
	memset(run, c, sizeof run);
	for (; n > sizeof run; n -= sizeof run)
		rk_buf_addn(line, run, sizeof run);
	rk_buf_addn(line, run, n);
}

/* Appends cell i (a name or a value) of column c, padded; the last column
 * is not padded on the right. */
static void add_cell(struct rk_buf *line, const struct render *r, size_t c, size_t i)
{
	const struct table *t = r->state;
	const char *s = t->at.v[i] == NO_VALUE ? "" : rk_buf_str(&t->text) + t->at.v[i];
	bool right = t->numeric[c] && t->seen[c];
	size_t pad = t->width[c] - display_width(s);
	if (c > 0)
		rk_buf_add(line, "  ");
	if (right)
		add_repeated(line, ' ', pad);
	rk_buf_add(line, s);
	if (!right && c + 1 < r->ncols)
		add_repeated(line, ' ', pad);
}

/* Writes the line without its trailing spaces, then empties it. */
static enum rk_rc put_line(struct render *r, struct rk_buf *line, struct rk_err *err)
{
	enum rk_rc rc = rk_buf_status(line, err);
	if (rc)
		return rc;
	const char *p = rk_buf_str(line);
	size_t n = line->len;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	render_put(r, p, n);
	render_putc(r, '\n');
	rk_buf_reset(line);
	return RK_OK;
}

static enum rk_rc table_end(struct render *r, struct rk_err *err)
{
	const struct table *t = r->state;
	struct rk_buf line = {0};
	enum rk_rc rc;

	for (size_t c = 0; c < r->ncols; c++) /* header */
		add_cell(&line, r, c, c);
	if ((rc = put_line(r, &line, err)))
		goto out;
	for (size_t c = 0; c < r->ncols; c++) { /* separator */
		if (c > 0)
			rk_buf_add(&line, "  ");
		add_repeated(&line, '-', t->width[c]);
	}
	if ((rc = put_line(r, &line, err)))
		goto out;
	for (size_t row = 1; row <= (size_t)r->rows; row++) { /* names are row 0 */
		for (size_t c = 0; c < r->ncols; c++)
			add_cell(&line, r, c, row * r->ncols + c);
		if ((rc = put_line(r, &line, err)))
			goto out;
	}
	rk_buf_addf(&line, "(%ld row%s)", r->rows, r->rows == 1 ? "" : "s");
	rc = put_line(r, &line, err);
out:
	rk_buf_free(&line);
	return rc;
}

static void table_free(struct render *r)
{
	struct table *t = r->state;
	if (!t)
		return;
	rk_buf_free(&t->text);
	free(t->at.v);
	free(t->width);
	free(t->numeric);
	free(t->seen);
	free(t);
}

const struct render_ops RENDER_TABLE_OPS = {table_begin, table_row, table_end, table_free};
