/*
 * secret.h — loading credentials (API secrets, private keys) from the
 * environment.
 *
 * A secret named NAME comes from exactly one of two places:
 *   - the environment variable NAME, whose value is the secret itself, or
 *   - the environment variable NAME_FILE, naming a regular file with mode
 *     0600 or 0400 (no group or other bits) that holds the secret. This is
 *     the form to use with systemd credentials, Docker/Kubernetes secrets.
 * Setting both is a configuration error, so that a stale variable cannot
 * silently override the file an operator thinks is in use.
 *
 * The secret's text never appears in an error message or a log line; error
 * messages name variables, file paths and modes only.
 */
#ifndef RECKON_SECRET_H
#define RECKON_SECRET_H

#include "err.h"

/* Longest secret accepted from a file, in bytes. PEM keys are well under. */
#define SECRET_FILE_MAX (64 * 1024)

/*
 * Loads the secret called `name` (e.g. "RECKON_BINANCE_API_SECRET").
 *
 * From a file, trailing '\n' / '\r' characters are removed (an editor's final
 * newline); newlines inside the text, such as a PEM key's line breaks, are
 * kept. The value of the variable NAME itself is used as is.
 *
 * On RK_OK, *out is a NUL-terminated malloc'd copy of the secret that the
 * caller owns and must release with secret_free(). On failure *out is NULL.
 *
 * Errors:
 *   RK_ENOTFOUND  neither NAME nor NAME_FILE is set, or the file is missing
 *   RK_ECONFIG    both are set, or the variable / the file's secret is empty
 *   RK_EPERM      the file is not a regular file, its mode is not 0600/0400,
 *                 or it cannot be opened for lack of permission
 *   RK_EINVAL     the file holds a NUL byte or is larger than SECRET_FILE_MAX;
 *                 `name` or `out` is NULL, or `name` is empty or too long
 *   RK_EIO        reading the file failed
 *   RK_ENOMEM     allocation failed
 */
enum rk_rc secret_load(const char *name, char **out /* OUT: caller frees with secret_free */,
		       struct rk_err *err);

/*
 * Loads a secret from the file `path` itself (a config file's
 * "password_file"), with the same checks and errors as the NAME_FILE form
 * above (regular file, mode 0600 or 0400, at most SECRET_FILE_MAX bytes,
 * trailing newlines dropped, not empty). `what` names it in errors
 * ("report.password_file").
 */
enum rk_rc secret_load_file(const char *what, const char *path,
			    char **out /* OUT: caller frees with secret_free */, struct rk_err *err);

/* Overwrites the secret with zeros, then frees it. NULL is a no-op. */
void secret_free(char *s);

#endif
