/* rk_result.c — see rk_result.h */
#include "rk_result.h"

enum rk_rc rk_result_feed(const struct rk_result *r, const struct rk_row_sink *sink,
			  struct rk_err *err)
{
	enum rk_rc rc = sink->columns(sink->ctx, r->ncols, r->names, err);
	for (size_t i = 0; i < r->nrows && rc == RK_OK; i++)
		rc = sink->row(sink->ctx, r->cells + i * r->ncols, err);
	return rc;
}
