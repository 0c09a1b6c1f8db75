/*
 * secret.c — loading credentials from NAME or NAME_FILE (see secret.h).
 *
 * Every buffer that held secret bytes is wiped with OPENSSL_cleanse before it
 * is freed, including on error paths. Messages never include file content.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Longest accepted variable name; leaves room for the "_FILE" suffix. */
#define SECRET_NAME_MAX 200

/* Drops trailing '\n' and '\r' (an editor's final newline, CRLF files);
 * returns the new length. */
static size_t strip_trailing_newlines(char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	return len;
}

/* Reads the secret file `path` named by variable `var` into *out. */
static enum rk_rc read_secret_file(const char *var, const char *path, char **out,
				   struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	int fd = -1;
	char *buf = NULL;
	size_t cap = 0;
	size_t len = 0;
	struct stat st;

	/* O_NONBLOCK: a FIFO must be refused below, not hang the open. The
	 * checks use fstat on the opened descriptor so the file checked is the
	 * file read. Symlinks are followed (Kubernetes secret mounts use them);
	 * the target is what must be private. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		enum rk_rc code = RK_EIO;
		if (e == ENOENT || e == ENOTDIR)
			code = RK_ENOTFOUND;
		else if (e == EACCES || e == EPERM)
			code = RK_EPERM;
		rc = rk_err_set(err, code, "%s: cannot open secret file %s: %s", var, path,
				strerror(e));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = rk_err_set(err, RK_EIO, "%s: cannot stat secret file %s: %s", var, path,
				strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = rk_err_set(err, RK_EPERM, "%s: secret file %s is not a regular file", var,
				path);
		goto out;
	}
	unsigned perm = (unsigned)(st.st_mode & 07777);
	if (perm != 0600 && perm != 0400) {
		rc = rk_err_set(err, RK_EPERM,
				"%s: secret file %s has mode %04o; it must be 0600 or 0400 "
				"(readable by its owner only): chmod 600 %s",
				var, path, perm, path);
		goto out;
	}
	if (st.st_size > SECRET_FILE_MAX) {
		rc = rk_err_set(err, RK_EINVAL, "%s: secret file %s is %lld bytes; the limit is %d",
				var, path, (long long)st.st_size, SECRET_FILE_MAX);
		goto out;
	}

	/* Sized once from fstat so no realloc leaves copies of the secret in
	 * freed memory; the spare byte detects a file that grew meanwhile. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		rc = rk_err_set(err, RK_ENOMEM, "%s: out of memory reading secret file %s", var,
				path);
		goto out;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = rk_err_set(err, RK_EIO, "%s: cannot read secret file %s: %s", var, path,
					strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap) {
		rc = rk_err_set(err, RK_EIO, "%s: secret file %s changed while being read", var,
				path);
		goto out;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		rc = rk_err_set(err, RK_EINVAL, "%s: secret file %s contains a NUL byte", var,
				path);
		goto out;
	}
	if (strip_trailing_newlines(buf, len) == 0) {
		rc = rk_err_set(err, RK_ECONFIG, "%s: secret file %s is empty", var, path);
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	if (buf) {
		OPENSSL_cleanse(buf, cap + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

enum rk_rc secret_load(const char *name, char **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char file_var[SECRET_NAME_MAX + sizeof "_FILE"];
	const char *value = NULL;
	const char *path = NULL;

	if (out)
		*out = NULL;
	if (!name || !out || !*name || strlen(name) > SECRET_NAME_MAX) {
		rc = rk_err_set(err, RK_EINVAL, "secret_load: invalid secret name or output");
		goto out;
	}
	snprintf(file_var, sizeof file_var, "%s_FILE", name);
	value = getenv(name);
	path = getenv(file_var);

	if (value && path) {
		rc = rk_err_set(err, RK_ECONFIG, "set %s or %s, not both", name, file_var);
		goto out;
	}
	if (!value && !path) {
		rc = rk_err_set(err, RK_ENOTFOUND, "secret not configured: set %s or %s", name,
				file_var);
		goto out;
	}
	if (value) {
		if (!*value) {
			rc = rk_err_set(err, RK_ECONFIG, "%s is set but empty", name);
			goto out;
		}
		*out = strdup(value);
		if (!*out)
			rc = rk_err_set(err, RK_ENOMEM, "%s: out of memory", name);
		goto out;
	}
	if (!*path) {
		rc = rk_err_set(err, RK_ECONFIG, "%s is set but empty", file_var);
		goto out;
	}
	rc = read_secret_file(file_var, path, out, err);
out:
	return rc;
}

enum rk_rc secret_load_file(const char *what, const char *path, char **out, struct rk_err *err)
{
	if (out)
		*out = NULL;
	if (!what || !path || !*path || !out)
		return rk_err_set(err, RK_EINVAL, "secret_load_file: no file or output");
	return read_secret_file(what, path, out, err);
}

void secret_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
