/*
 * err.h — reckon's error reporting contract.
 *
 * Every function that can fail returns an `enum rk_rc` (RK_OK == 0) that the
 * caller must look at, and writes a human-readable reason into a caller-owned
 * `struct rk_err`. Native library errors (SQLite, libcurl, OpenSSL) are
 * translated to these codes at the module boundary; their message is copied
 * into `msg` once.
 */
#ifndef RECKON_ERR_H
#define RECKON_ERR_H

#include <stddef.h>

enum rk_rc {
	RK_OK = 0,
	RK_EINVAL,     /* bad input: malformed, wrong type, out of range */
	RK_ENOMEM,     /* allocation failed */
	RK_EIO,        /* file, socket or database I/O failed */
	RK_EDB,        /* SQLite error or unexpected database state */
	RK_ECONFLICT,  /* contradicts something already recorded */
	RK_ENOTFOUND,  /* the thing asked for does not exist (confirmed) */
	RK_EOVERFLOW,  /* arithmetic result does not fit */
	RK_EVERSION,   /* schema version does not fit: newer than this binary, or
			  older than a read-only command can use */
	RK_ECORRUPT,   /* integrity check failed (hash chain, replay mismatch) */
	RK_EUNKNOWN,   /* outcome unknown (timeout, 5xx): never read as "no" */
	RK_EREJECTED,  /* the venue said no, with a reason */
	RK_ECONFIG,    /* configuration error */
	RK_EPERM,      /* permission problem: a secret file not 0600, a file or
			  directory reckon must write is read-only */
	RK_EFOREIGN    /* not reckon's: a file that is not a database, or another
			  application's database (never modified) */
};

#define RK_ERR_MSG_MAX 512

struct rk_err {
	enum rk_rc rc;            /* last code set; RK_OK when clear */
	char msg[RK_ERR_MSG_MAX]; /* NUL-terminated reason, "" when clear */
};

/* Clears `err` (may be NULL). */
void rk_err_clear(struct rk_err *err);

/* Records `rc` and a printf-style message in `err` (may be NULL) and returns
 * `rc`, so callers can write `return rk_err_set(err, RK_EINVAL, "...")`. */
enum rk_rc rk_err_set(struct rk_err *err, enum rk_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to err->msg, keeping err->rc. Returns err->rc. */
enum rk_rc rk_err_prefix(struct rk_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Short stable name of a code, e.g. "invalid input". Never NULL. */
const char *rk_rc_name(enum rk_rc rc);

#endif
