/*
 * rk_file.h — the one bounded whole-file reader (policy and config files,
 * scenarios, snapshots, keys). A limit is always given: a file that is
 * larger is refused, never truncated and never read into unbounded memory.
 *
 * Ownership: on RK_OK *out is a NUL-terminated buffer the caller frees
 * (*len excludes the NUL; the contents may hold other NULs). On error *out
 * is NULL and err names the file and the reason:
 *   RK_ENOTFOUND  it cannot be read as a file: missing, a directory, or
 *                 permission denied (the message says which)
 *   RK_EINVAL     larger than `max` bytes
 *   RK_EIO        any other failure (a read error)
 *   RK_ENOMEM     out of memory
 * Thread-safe (no shared state).
 */
#ifndef RECKON_RK_FILE_H
#define RECKON_RK_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum rk_rc rk_file_read(const char *path, size_t max, char **out, size_t *len /* may be NULL */,
			struct rk_err *err);

/* As rk_file_read, from an open stream (stdin, say), which stays open;
 * `name` is for messages. */
enum rk_rc rk_file_read_stream(FILE *f, const char *name, size_t max, char **out,
			       size_t *len /* may be NULL */, struct rk_err *err);

#endif
