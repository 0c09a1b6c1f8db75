/*
 * config_file.h — reading the daemon's configuration file: the one loader
 * that `reckon run` (start and SIGHUP), `reckon status` and
 * `reckon report daily --send` share. The core's config module only parses
 * text (config.h); the file is read here, bounded, with rk_file, and the
 * file's folder becomes the base of every relative path in it.
 *
 * Errors (err names the file first: "/etc/reckon/reckon.json: venues[1]...")
 *   RK_ENOTFOUND  the file cannot be read as a file (missing, a directory,
 *                 permission denied)
 *   RK_ECONFIG    larger than CONFIG_FILE_MAX, holds a NUL byte, or refused
 *                 by config_parse (the JSON path of the culprit)
 *   RK_EIO        a read error
 *   RK_ENOMEM     out of memory
 * The policy file a config names (policy_file) is NOT read here: the daemon
 * loads it with the policy (cli/policy_file.h's reader, or its own).
 * Ownership: on RK_OK *out is the caller's (config_free); else it is NULL.
 * Thread-safe (no shared state).
 */
#ifndef RECKON_DAEMON_CONFIG_FILE_H
#define RECKON_DAEMON_CONFIG_FILE_H

#include "config.h"
#include "err.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* bytes */

enum rk_rc config_load(const char *path, struct rk_config **out /* OUT */, struct rk_err *err);

#endif
