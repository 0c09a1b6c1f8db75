/*
 * policy_file.h — reading the policy file for the commands that plan
 * (reconcile, demo; later the daemon on start and on SIGHUP). The core's
 * policy module only parses text; the file is read here, bounded, with
 * rk_file.
 *
 * Errors (err names the file):
 *   RK_EIO      the file cannot be opened or read (missing, unreadable, a
 *               directory)
 *   RK_ECONFIG  larger than POLICY_FILE_MAX, holds a NUL byte, or does not
 *               parse (the JSON path of the culprit, policy.h)
 *   RK_ENOMEM   out of memory
 * Ownership: on RK_OK *out is the caller's (policy_free); else it is NULL.
 */
#ifndef RECKON_POLICY_FILE_H
#define RECKON_POLICY_FILE_H

#include "err.h"
#include "policy.h"

#define POLICY_FILE_MAX (1024 * 1024) /* bytes */

/* Reads and parses the policy at `path`; NULL gives the built-in defaults. */
enum rk_rc policy_file_load(const char *path /* may be NULL */, struct policy **out /* OUT */,
			    struct rk_err *err);

#endif
