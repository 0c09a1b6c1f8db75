/* policy_file.c — the policy file, read and parsed (see policy_file.h). */
#include "policy_file.h"

#include <stdlib.h>
#include <string.h>

#include "rk_file.h"

enum rk_rc policy_file_load(const char *path, struct policy **out, struct rk_err *err)
{
	char *text = NULL;
	size_t len = 0;
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (!path)
		return policy_default(out, err);
	rc = rk_file_read(path, POLICY_FILE_MAX, &text, &len, err);
	if (rc == RK_EINVAL) {
		rc = rk_err_set(err, RK_ECONFIG, "policy %s: larger than %d bytes", path,
				POLICY_FILE_MAX);
		goto out;
	}
	if (rc) {
		/* Missing, unreadable or a directory: all an I/O error, as ever. */
		err->rc = rc = rc == RK_ENOMEM ? rc : RK_EIO;
		rk_err_prefix(err, "policy");
		goto out;
	}
	if (strlen(text) != len) {
		rc = rk_err_set(err, RK_ECONFIG, "policy %s: contains a NUL byte", path);
		goto out;
	}
	if ((rc = policy_parse(text, out, err)))
		rk_err_prefix(err, "%s", path);
out:
	free(text);
	return rc;
}
