/*
 * pending_contracts.c — TEMPORARY, branch report13 only: link-time stand-ins
 * for two contracts whose implementations other branches deliver
 * (core/config.c from ops11, journal/audit_gaps.c from audit12). Each
 * stand-in compiles only while its real file is absent, so merging the real
 * one removes it without a duplicate symbol; delete this file after both
 * merges. A stand-in never pretends: it fails with a message saying so.
 */
#include <stdlib.h>

#include "audit_gaps.h"
#include "config.h"

#if !__has_include("../core/config.c")
enum rk_rc config_parse(const char *json, const char *base_dir, struct rk_config **out,
			struct rk_err *err);
enum rk_rc config_parse(const char *json, const char *base_dir, struct rk_config **out,
			struct rk_err *err)
{
	(void)json, (void)base_dir;
	*out = NULL;
	return rk_err_set(err, RK_ECONFIG, "config files are not implemented in this build "
					   "(core/config.c: branch ops11)");
}

void config_free(struct rk_config *c)
{
	free(c);
}
#endif

#if !__has_include("../journal/audit_gaps.c")
enum rk_rc audit_gaps(struct journal *j, const struct audit_gap_filter *f, struct audit_gap **out,
		      size_t *n, struct rk_err *err)
{
	(void)j, (void)f;
	*out = NULL;
	*n = 0;
	return rk_err_set(err, RK_EINVAL, "protection gaps are not implemented in this build "
					  "(journal/audit_gaps.c: branch audit12)");
}
#endif
