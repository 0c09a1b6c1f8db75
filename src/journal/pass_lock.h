/*
 * pass_lock.h — one reconciliation pass at a time per journal, venue and
 * account. Two passes on the same journal and venue each plan from the same
 * snapshot and each send their plan: the same cancel twice, a second stop
 * for a position the first already protects, an emergency close sent twice
 * (tests/cli/hostile_concurrent.sh). The executor holds this lock for the
 * whole pass, from crash recovery to the end of the run.
 *
 * The lock is flock(2) on "<journal>-reconcile-<venue>-<h>.lock" beside the
 * journal, h the first 16 hex digits of SHA-256(account). It is per open
 * file, so it excludes other processes and other threads of this one (each
 * acquires through its own open), and the kernel drops it when its holder
 * dies (kill -9 included): no stale lock to clean up. The file is removed on
 * release; an acquirer that locked a file removed meanwhile tries again.
 *
 * A journal without a file (":memory:", "") needs no lock: one connection.
 * Ownership: the caller owns *lock between acquire and release. Threads: a
 * lock is used by one thread.
 */
#ifndef RECKON_PASS_LOCK_H
#define RECKON_PASS_LOCK_H

#include "err.h"
#include "journal.h"

struct pass_lock {
	int fd;          /* the locked file, -1 when none is held */
	char path[4352]; /* its path, removed on release */
};

/* Takes the pass lock of (venue, account) on journal j, without waiting.
 * RK_ECONFLICT when another pass holds it (the message names the venue,
 * the account and the lock file); RK_EIO/RK_EPERM when the file cannot be
 * made. On success *lock (OUT) holds it; on failure it holds nothing. */
enum rk_rc pass_lock_acquire(struct journal *j, const char *venue, const char *account,
			     struct pass_lock *lock /* OUT */, struct rk_err *err);

/* Releases it (removes the file); a lock holding nothing is a no-op. */
void pass_lock_release(struct pass_lock *lock);

#endif
