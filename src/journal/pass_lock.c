/* pass_lock.c — one reconciliation pass at a time (see pass_lock.h). */
#include "pass_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "digest.h"

/* The lock file's path for (venue, account) beside the journal's file, or
 * "" for a journal without a file. */
static enum rk_rc lock_path(struct journal *j, const char *venue, const char *account,
			    char *out, size_t cap, struct rk_err *err)
{
	const char *db = sqlite3_db_filename(journal_db(j), "main");
	char h[DIGEST_SHA256_HEX];
	out[0] = '\0';
	if (!db || !db[0])
		return RK_OK;
	if (!digest_sha256_hex(account, strlen(account), h))
		return rk_err_set(err, RK_ENOMEM, "out of memory hashing the account name");
	h[16] = '\0';
	if ((size_t)snprintf(out, cap, "%s-reconcile-%s-%s.lock", db, venue, h) >= cap)
		return rk_err_set(err, RK_EINVAL, "journal path too long for its pass lock");
	return RK_OK;
}

/* True when `fd` is still the file at `path` (not removed by a releaser
 * between our open and our lock). */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

enum rk_rc pass_lock_acquire(struct journal *j, const char *venue, const char *account,
			     struct pass_lock *lock, struct rk_err *err)
{
	enum rk_rc rc;
	lock->fd = -1;
	if ((rc = lock_path(j, venue, account, lock->path, sizeof lock->path, err)) ||
	    !lock->path[0])
		return rc;
	for (;;) {
		int fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return rk_err_set(err, errno == EACCES || errno == EROFS ? RK_EPERM : RK_EIO,
					  "cannot open the pass lock %s: %s", lock->path,
					  strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			close(fd);
			if (e == EWOULDBLOCK)
				return rk_err_set(err, RK_ECONFLICT,
						  "another reconcile pass on %s/%s is running on this"
						  " journal (it holds %s): not starting a second one",
						  venue, account, lock->path);
			return rk_err_set(err, RK_EIO, "cannot lock %s: %s", lock->path,
					  strerror(e));
		}
		if (still_linked(fd, lock->path)) {
			lock->fd = fd;
			return RK_OK;
		}
		close(fd); /* released and removed since we opened it: again */
	}
}

void pass_lock_release(struct pass_lock *lock)
{
	if (lock->fd < 0)
		return;
	/* Removed while still locked, so no one can lock this file after us
	 * and believe it is the current one (still_linked). */
	unlink(lock->path);
	close(lock->fd);
	lock->fd = -1;
}
