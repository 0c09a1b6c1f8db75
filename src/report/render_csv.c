/* render_csv.c — RFC 4180 CSV (render.h), streamed a row at a time. */
#include "render_format.h"

#include <string.h>

/* One field: as it is, or quoted with '"' doubled when it holds a comma, a
 * quote, CR or LF, or is empty (so that "" differs from NULL's nothing). */
static void csv_field(struct render *r, const char *s)
{
	if (*s && !strpbrk(s, ",\"\r\n")) {
		render_puts(r, s);
		return;
	}
	render_putc(r, '"');
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		render_put(r, s, (size_t)(q - s) + 1); /* up to and with the quote */
		render_putc(r, '"');                   /* and once more */
	}
	render_puts(r, s);
	render_putc(r, '"');
}

static enum rk_rc csv_begin(struct render *r, struct rk_err *err)
{
	(void)err;
	for (size_t c = 0; c < r->ncols; c++) {
		if (c > 0)
			render_putc(r, ',');
		csv_field(r, r->names[c]);
	}
	render_puts(r, "\r\n");
	return RK_OK;
}

static enum rk_rc csv_row(struct render *r, const struct rk_cell *cells, struct rk_err *err)
{
	(void)err;
	for (size_t c = 0; c < r->ncols; c++) {
		if (c > 0)
			render_putc(r, ',');
		if (cells[c].kind != RK_CELL_NULL)
			csv_field(r, cells[c].text ? cells[c].text : "");
	}
	render_puts(r, "\r\n");
	return RK_OK;
}

static enum rk_rc csv_end(struct render *r, struct rk_err *err)
{
	(void)r;
	(void)err;
	return RK_OK;
}

const struct render_ops RENDER_CSV_OPS = {csv_begin, csv_row, csv_end, NULL};
