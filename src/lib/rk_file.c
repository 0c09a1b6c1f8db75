/* rk_file.c — see rk_file.h */
#include "rk_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rk_buf.h"

enum rk_rc rk_file_read_stream(FILE *f, const char *name, size_t max, char **out, size_t *len,
			       struct rk_err *err)
{
	struct rk_buf b = {0};
	char chunk[8192];
	enum rk_rc rc = RK_OK;
	size_t k;

	*out = NULL;
	do {
		errno = 0;
		k = fread(chunk, 1, sizeof chunk, f);
		if (k > max - b.len) {
			rc = rk_err_set(err, RK_EINVAL, "%s: larger than %zu bytes", name, max);
			goto out;
		}
		rk_buf_addn(&b, chunk, k);
	} while (k == sizeof chunk);
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		/* fopen opens a directory; only reading it fails */
		rc = rk_err_set(err, e == EISDIR ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", name,
				strerror(e));
		goto out;
	}
	if ((rc = rk_buf_status(&b, err)))
		goto out;
	if (len)
		*len = b.len;
	*out = rk_buf_take(&b);
	if (!*out)
		rc = rk_err_set(err, RK_ENOMEM, "%s: out of memory", name);
out:
	rk_buf_free(&b);
	return rc;
}

enum rk_rc rk_file_read(const char *path, size_t max, char **out, size_t *len, struct rk_err *err)
{
	FILE *f;
	enum rk_rc rc;

	*out = NULL;
	errno = 0;
	if (!(f = fopen(path, "rb"))) {
		int e = errno;
		bool unreadable = e == ENOENT || e == ENOTDIR || e == EISDIR || e == EACCES;
		return rk_err_set(err, unreadable ? RK_ENOTFOUND : RK_EIO, "cannot read %s: %s", path,
				  strerror(e));
	}
	errno = 0;
	rc = rk_file_read_stream(f, path, max, out, len, err);
	fclose(f);
	return rc;
}
