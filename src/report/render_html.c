/* render_html.c — an HTML <table> (render.h), streamed a row at a time: for
 * mail and pages, which style it themselves. */
#include "render_format.h"

/* Text with & < > " ' as entities, safe in an element and an attribute. */
static void html_text(struct render *r, const char *s)
{
	for (;;) {
		size_t n = 0;
		while (s[n] && s[n] != '&' && s[n] != '<' && s[n] != '>' && s[n] != '"' &&
		       s[n] != '\'')
			n++;
		render_put(r, s, n);
		s += n;
		if (!*s)
			break;
		switch (*s) {
		case '&': render_puts(r, "&amp;"); break;
		case '<': render_puts(r, "&lt;"); break;
		case '>': render_puts(r, "&gt;"); break;
		case '"': render_puts(r, "&quot;"); break;
		default: render_puts(r, "&#39;"); break;
		}
		s++;
	}
}

static enum rk_rc html_begin(struct render *r, struct rk_err *err)
{
	(void)err;
	render_puts(r, "<table>\n<thead><tr>");
	for (size_t c = 0; c < r->ncols; c++) {
		render_puts(r, "<th>");
		html_text(r, r->names[c]);
		render_puts(r, "</th>");
	}
	render_puts(r, "</tr></thead>\n<tbody>\n");
	return RK_OK;
}

static enum rk_rc html_row(struct render *r, const struct rk_cell *cells, struct rk_err *err)
{
	(void)err;
	render_puts(r, "<tr>");
	for (size_t c = 0; c < r->ncols; c++) {
		render_puts(r, "<td>");
		if (cells[c].kind != RK_CELL_NULL && cells[c].text)
			html_text(r, cells[c].text);
		render_puts(r, "</td>");
	}
	render_puts(r, "</tr>\n");
	return RK_OK;
}

static enum rk_rc html_end(struct render *r, struct rk_err *err)
{
	(void)err;
	render_puts(r, "</tbody>\n</table>\n");
	return RK_OK;
}

const struct render_ops RENDER_HTML_OPS = {html_begin, html_row, html_end, NULL};
