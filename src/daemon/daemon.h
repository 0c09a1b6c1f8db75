/*
 * daemon.h — `reckon run`: the long-running service beside a trading bot.
 *
 * One libev loop on the calling (main) thread owns the ingest socket, the
 * control socket, the signals and the group commit of ingested lines; one
 * worker thread per configured venue account runs reconciliation passes
 * with its own journal connection (docs/ARCHITECTURE.md "The daemon" argues
 * the choice). Workers and the loop share only struct daemon_stats and a few
 * hand-over fields, under one mutex; workers wake the loop with ev_async.
 *
 * Contract of the ingest socket (README.md "Daemon"): the JSON lines of
 * `reckon ingest`; one reply line per line, in order, per connection, written
 * only after the COMMIT that journaled it:
 *   {"ok":true,"seq":N}                         accepted
 *   {"ok":true,"duplicate":true,"seq":N}        already journaled as event N
 *   {"ok":true,"stale":true,"seq":N,"reason":"..."}  journaled, changed no order
 *   {"ok":false,"error":"line 3: field 'qty': ..."}  refused (or not journaled)
 *
 * Lifetime: daemon_run returns after SIGTERM or SIGINT once the transaction
 * in flight is committed and the workers finished their pass (or a grace of
 * DAEMON_STOP_GRACE_S passed: passes are crash-safe by design, rule 2b).
 * Threads: call from the main thread, once per process (it installs signal
 * watchers and ignores SIGPIPE).
 */
#ifndef RECKON_DAEMON_H
#define RECKON_DAEMON_H

#include <stdbool.h>

#include "err.h"

#define DAEMON_STOP_GRACE_S 10

/*
 * Runs the daemon for the config file at `config_path` until SIGTERM/SIGINT.
 * Errors at start (nothing runs then):
 *   RK_ECONFIG    the config, its policy, a venue's credentials or scenario
 *                 (the message names the JSON path or variable)
 *   RK_ECONFLICT  the journal is in use by another `reckon run` ("journal X
 *                 is in use by another reckon run (pid N)")
 *   RK_EIO        the config file, a socket path
 *   and journal_open's errors for the journal.
 * Returns RK_OK after a clean stop.
 */
enum rk_rc daemon_run(const char *config_path, bool *in_use /* OUT: another daemon has it */,
		      struct rk_err *err);

#endif
