/* query_print.c — a named query run and rendered (see query_print.h). */
#include "query_print.h"

enum rk_rc query_print(struct journal *j, const struct query_def *q, const struct query_arg *args,
		       size_t nargs, enum render_format fmt, FILE *out, long *rows,
		       struct rk_err *err)
{
	struct render *r = NULL;
	struct rk_row_sink sink;
	enum rk_rc rc;

	if (rows)
		*rows = 0;
	if ((rc = render_open_file(fmt, out, &r, err)))
		return rc;
	sink = render_sink(r);
	if ((rc = query_run(j, q, args, nargs, &sink, NULL, err)))
		goto out;
	if ((rc = render_finish(r, rows, err)))
		rk_err_prefix(err, "query '%s'", q->name);
out:
	render_free(r);
	return rc;
}
