/* render_json.c — an array of one JSON object per row (render.h), streamed
 * a row at a time and written directly (no tree per row). */
#include "render_format.h"

#include <stdio.h>

/* A JSON string: '"' and '\\' escaped, the control characters JSON names
 * (\b \f \n \r \t) by name and the others as \u00XX; every other byte,
 * UTF-8 included, as it is. */
static void json_string(struct render *r, const char *s)
{
	render_putc(r, '"');
	for (;;) {
		size_t n = 0;
		while ((unsigned char)s[n] >= 0x20 && s[n] != '"' && s[n] != '\\')
			n++;
		render_put(r, s, n);
		s += n;
		if (!*s)
			break;
		char esc[8];
		switch (*s) {
		case '"': render_puts(r, "\\\""); break;
		case '\\': render_puts(r, "\\\\"); break;
		case '\b': render_puts(r, "\\b"); break;
		case '\f': render_puts(r, "\\f"); break;
		case '\n': render_puts(r, "\\n"); break;
		case '\r': render_puts(r, "\\r"); break;
		case '\t': render_puts(r, "\\t"); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)(unsigned char)*s);
			render_puts(r, esc);
		}
		s++;
	}
	render_putc(r, '"');
}

/* Is s a JSON number (RFC 8259)? SQLite renders infinities as "Inf". */
static void json_value(struct render *r, const struct rk_cell *cell)
{
	const char *text = cell->text ? cell->text : "";
	if (cell->kind == RK_CELL_NULL)
		render_puts(r, "null");
	else if ((cell->kind == RK_CELL_INT || cell->kind == RK_CELL_REAL) && render_is_number(text, true))
		render_puts(r, text); /* the source's own digits: exact for int64 */
	else
		json_string(r, text);
}

static enum rk_rc json_begin(struct render *r, struct rk_err *err)
{
	(void)err;
	render_putc(r, '[');
	return RK_OK;
}

static enum rk_rc json_row(struct render *r, const struct rk_cell *cells, struct rk_err *err)
{
	(void)err;
	render_puts(r, r->rows ? ",\n{" : "\n{");
	for (size_t c = 0; c < r->ncols; c++) {
		if (c > 0)
			render_putc(r, ',');
		json_string(r, r->names[c]);
		render_putc(r, ':');
		json_value(r, &cells[c]);
	}
	render_putc(r, '}');
	return RK_OK;
}

static enum rk_rc json_end(struct render *r, struct rk_err *err)
{
	(void)err;
	render_puts(r, r->rows ? "\n]\n" : "]\n");
	return RK_OK;
}

const struct render_ops RENDER_JSON_OPS = {json_begin, json_row, json_end, NULL};
