/* render.c — one rendering: output, column names, row count and the order
 * of calls; the formats themselves are in render_*.c (see render.h). */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "render_format.h"
#include "rk_array.h"

bool render_format_parse(const char *s, enum render_format *out)
{
	static const char *const NAMES[] = {"table", "csv", "json", "html"};
	for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
		if (strcmp(s, NAMES[i]) == 0) {
			*out = (enum render_format)i;
			return true;
		}
	return false;
}

static const struct render_ops *ops_of(enum render_format fmt)
{
	switch (fmt) {
	case RENDER_TABLE: return &RENDER_TABLE_OPS;
	case RENDER_CSV: return &RENDER_CSV_OPS;
	case RENDER_JSON: return &RENDER_JSON_OPS;
	case RENDER_HTML: return &RENDER_HTML_OPS;
	}
	return NULL;
}

static enum rk_rc open_to(enum render_format fmt, FILE *file, struct rk_buf *buf,
			  struct render **r, struct rk_err *err)
{
	const struct render_ops *ops = ops_of(fmt);
	*r = NULL;
	if (!ops)
		return rk_err_set(err, RK_EINVAL, "unknown output format %d", (int)fmt);
	if (!(*r = calloc(1, sizeof **r)))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	(*r)->ops = ops;
	(*r)->file = file;
	(*r)->buf = buf;
	return RK_OK;
}

enum rk_rc render_open_file(enum render_format fmt, FILE *out, struct render **r,
			    struct rk_err *err)
{
	return open_to(fmt, out, NULL, r, err);
}

enum rk_rc render_open_buf(enum render_format fmt, struct rk_buf *buf, struct render **r,
			   struct rk_err *err)
{
	return open_to(fmt, NULL, buf, r, err);
}

void render_free(struct render *r)
{
	if (!r)
		return;
	if (r->ops->free)
		r->ops->free(r);
	free(r->names);
	rk_buf_free(&r->namebuf);
	free(r);
}

/* --- writing ------------------------------------------------------------ */

void render_put(struct render *r, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (r->file)
		fwrite(s, 1, n, r->file);
	else
		rk_buf_addn(r->buf, s, n);
}

void render_puts(struct render *r, const char *s)
{
	render_put(r, s, strlen(s));
}

void render_putc(struct render *r, char c)
{
	render_put(r, &c, 1);
}

/* --- the sink ------------------------------------------------------------ */

/* Keeps copies of the names: a producer's live only during its call. */
static enum rk_rc copy_names(struct render *r, size_t ncols, const char *const *names,
			     struct rk_err *err)
{
	RK_ARRAY(size_t) at = {0};
	enum rk_rc rc = RK_OK;

	r->names = calloc(ncols ? ncols : 1, sizeof *r->names);
	if (!r->names || !rk_array_grow(&at, ncols ? ncols : 1)) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		at.v[c] = r->namebuf.len;
		rk_buf_add(&r->namebuf, names[c] ? names[c] : "");
		rk_buf_addn(&r->namebuf, "", 1); /* each name ends in its own NUL */
	}
	if ((rc = rk_buf_status(&r->namebuf, err)))
		goto out;
	for (size_t c = 0; c < ncols; c++)
		r->names[c] = rk_buf_str(&r->namebuf) + at.v[c];
	r->ncols = ncols;
out:
	free(at.v);
	return rc;
}

static enum rk_rc sink_columns(void *ctx, size_t ncols, const char *const *names,
			       struct rk_err *err)
{
	struct render *r = ctx;
	enum rk_rc rc;
	if (r->begun || r->names)
		return rk_err_set(err, RK_EINVAL, "render: the columns were given twice");
	if ((rc = copy_names(r, ncols, names, err)) || (rc = r->ops->begin(r, err)))
		return rc;
	r->begun = true;
	return RK_OK;
}

static enum rk_rc sink_row(void *ctx, const struct rk_cell *cells, struct rk_err *err)
{
	struct render *r = ctx;
	enum rk_rc rc;
	if (!r->begun)
		return rk_err_set(err, RK_EINVAL, "render: a row before the columns");
	if ((rc = r->ops->row(r, cells, err)))
		return rc;
	r->rows++;
	return RK_OK;
}

struct rk_row_sink render_sink(struct render *r)
{
	return (struct rk_row_sink){.columns = sink_columns, .row = sink_row, .ctx = r};
}

enum rk_rc render_finish(struct render *r, long *rows, struct rk_err *err)
{
	enum rk_rc rc;
	if (rows)
		*rows = r->rows;
	if (!r->begun)
		return rk_err_set(err, RK_EINVAL, "render: finished before the columns were given");
	if ((rc = r->ops->end(r, err)))
		return rc;
	if (r->file && (fflush(r->file) != 0 || ferror(r->file)))
		return rk_err_set(err, RK_EIO, "writing the result failed");
	return r->buf ? rk_buf_status(r->buf, err) : RK_OK;
}

/* --- a whole result -------------------------------------------------------- */

static enum rk_rc render_result(struct render *r, enum rk_rc rc, const struct rk_result *res,
				struct rk_err *err)
{
	struct rk_row_sink sink;
	if (rc == RK_OK) {
		sink = render_sink(r);
		if ((rc = rk_result_feed(res, &sink, err)) == RK_OK)
			rc = render_finish(r, NULL, err);
	}
	render_free(r);
	return rc;
}

enum rk_rc render_result_file(enum render_format fmt, const struct rk_result *res, FILE *out,
			      struct rk_err *err)
{
	struct render *r;
	enum rk_rc rc = render_open_file(fmt, out, &r, err);
	return render_result(r, rc, res, err);
}

enum rk_rc render_result_buf(enum render_format fmt, const struct rk_result *res,
			     struct rk_buf *buf, struct rk_err *err)
{
	struct render *r;
	enum rk_rc rc = render_open_buf(fmt, buf, &r, err);
	return render_result(r, rc, res, err);
}

static const char *digits(const char *s)
{
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

bool render_is_number(const char *s, bool json)
{
	const char *d;

	if (*s == '-')
		s++;
	d = digits(s);
	if (d == s || (json && *s == '0' && d != s + 1)) /* JSON: no leading zeros */
		return false;
	s = d;
	if (*s == '.') {
		if ((d = digits(s + 1)) == s + 1)
			return false;
		s = d;
	}
	if (json && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if ((d = digits(s)) == s)
			return false;
		s = d;
	}
	return *s == '\0';
}
