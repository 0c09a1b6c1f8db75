/* err.c — implementation of reckon's error struct helpers (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rk_err_clear(struct rk_err *err)
{
	if (!err)
		return;
	err->rc = RK_OK;
	err->msg[0] = '\0';
}

enum rk_rc rk_err_set(struct rk_err *err, enum rk_rc rc, const char *fmt, ...)
{
	if (!err)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->rc = rc;
	return rc;
}

enum rk_rc rk_err_prefix(struct rk_err *err, const char *fmt, ...)
{
	if (!err)
		return RK_OK;
	char prefix[RK_ERR_MSG_MAX];
	char old[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Truncation is acceptable for a diagnostic; keep the prefix whole. */
	size_t n = strlen(prefix);
	if (n > sizeof err->msg - 3)
		n = sizeof err->msg - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t rest = sizeof err->msg - n - 3;
	size_t m = strnlen(old, rest);
	memcpy(err->msg + n + 2, old, m);
	err->msg[n + 2 + m] = '\0';
	return err->rc;
}

const char *rk_rc_name(enum rk_rc rc)
{
	switch (rc) {
	case RK_OK: return "ok";
	case RK_EINVAL: return "invalid input";
	case RK_ENOMEM: return "out of memory";
	case RK_EIO: return "I/O error";
	case RK_EDB: return "database error";
	case RK_ECONFLICT: return "conflict";
	case RK_ENOTFOUND: return "not found";
	case RK_EOVERFLOW: return "overflow";
	case RK_EVERSION: return "schema version mismatch";
	case RK_ECORRUPT: return "corrupt";
	case RK_EUNKNOWN: return "outcome unknown";
	case RK_EREJECTED: return "rejected";
	case RK_ECONFIG: return "configuration error";
	case RK_EPERM: return "permission denied";
	case RK_EFOREIGN: return "not a reckon journal";
	}
	return "unknown error";
}
