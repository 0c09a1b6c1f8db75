/* config_file.c — reading and parsing the configuration file (config_file.h). */
#include "config_file.h"

#include <stdlib.h>
#include <string.h>

#include "rk_buf.h"
#include "rk_file.h"

/* The folder of `path` ("." for a bare file name, "/" for a file in /). */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct rk_buf b = {0};
	if (!slash)
		rk_buf_add(&b, ".");
	else if (slash == path)
		rk_buf_add(&b, "/");
	else
		rk_buf_addn(&b, path, (size_t)(slash - path));
	return rk_buf_take(&b);
}

enum rk_rc config_load(const char *path, struct rk_config **out, struct rk_err *err)
{
	char *text = NULL, *dir = NULL;
	size_t len = 0;
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (!path || !path[0])
		return rk_err_set(err, RK_ECONFIG, "no configuration file given");
	if ((rc = rk_file_read(path, CONFIG_FILE_MAX, &text, &len, err))) {
		if (rc == RK_EINVAL)
			rc = rk_err_set(err, RK_ECONFIG, "%s: larger than %d bytes", path,
					CONFIG_FILE_MAX);
		goto out;
	}
	if (strlen(text) != len) {
		rc = rk_err_set(err, RK_ECONFIG, "%s: holds a NUL byte", path);
		goto out;
	}
	if (!(dir = folder_of(path))) {
		rc = rk_err_set(err, RK_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if ((rc = config_parse(text, dir, out, err)))
		rk_err_prefix(err, "%s", path);
out:
	free(dir);
	free(text);
	return rc;
}
