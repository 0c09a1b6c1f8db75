/*
 * sock.c — the ingest socket: many clients, each with bounded buffers, and
 * the group commit.
 *
 * A client's bytes are cut into lines as they arrive. Complete lines of all
 * clients are queued in d->batch; the ev_prepare watcher (which libev runs
 * once per iteration, after every I/O callback and before it blocks again)
 * journals the whole queue in one transaction, a savepoint per line
 * (ingest_line_result), commits, and only then appends each line's reply to
 * its client's write buffer and writes what the socket takes. One fsync
 * thus acknowledges every line received in that iteration, from every
 * client.
 *
 * Bounds, per client: the partial line is at most INGEST_MAX_LINE bytes (a
 * longer line is consumed to its newline and answered with an error; the
 * connection stays); reading stops while more than CLIENT_WBUF_HIGH bytes of
 * replies are unread (a client that does not read its replies stalls only
 * itself); one read takes at most CLIENT_READ bytes. A partial line is
 * discarded when its client disconnects. At most DAEMON_MAX_CLIENTS clients
 * at once; more are accepted and closed at once (logged).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_int.h"
#include "dlog.h"
#include "ingest.h"
#include "rk_array.h"
#include "rk_clock.h"

#define CLIENT_READ (16 * 1024)
#define CLIENT_WBUF_HIGH (256 * 1024)
#define CLIENT_RBUF_MIN 4096
#define DAEMON_MAX_CLIENTS 1024

struct client {
	struct daemon *d;
	int fd;
	ev_io rio, wio;
	char *rbuf;          /* the partial line */
	size_t rlen, rcap;
	bool discarding;     /* inside a line longer than INGEST_MAX_LINE */
	long lineno;         /* lines received on this connection */
	struct rk_buf wbuf;  /* replies not yet written */
	size_t woff;
	bool eof;            /* the client shut its side: close once answered */
	bool dead;           /* closed; freed once no batch line refers to it */
	size_t pending;      /* its lines in d->batch */
	uint64_t id;
	struct client *prev, *next;
};

/* A complete line waiting for the group commit. */
struct bline {
	struct client *c;
	long lineno;
	char *text;          /* NULL: the line was too long */
	size_t len;
};

int64_t now_us(void)
{
	return rk_clock_now(rk_clock_system());
}

enum rk_rc sock_listen(const char *path, int *fd, struct rk_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	*fd = -1;
	if (strlen(path) >= sizeof sa.sun_path)
		return rk_err_set(err, RK_ECONFIG, "socket path %s: longer than %zu bytes", path,
				  sizeof sa.sun_path - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return rk_err_set(err, RK_EIO, "socket %s: %s", path, strerror(errno));
	/* A socket file nobody listens on is a dead daemon's: replace it. One
	 * that answers belongs to a live process (another journal's daemon
	 * configured with the same path), and anything else is not ours. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		int probe = S_ISSOCK(st.st_mode) ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
		if (probe >= 0)
			close(probe);
		if (!S_ISSOCK(st.st_mode) || live) {
			close(s);
			return rk_err_set(err, RK_EIO, "socket %s: %s", path,
					  live ? "another process listens on it"
					       : "exists and is not a socket");
		}
		unlink(path);
	}
	mode_t old = umask(0117); /* created 0660 */
	int b = bind(s, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (b < 0 || chmod(path, 0660) < 0 || listen(s, 128) < 0) {
		int e = errno;
		close(s);
		return rk_err_set(err, RK_EIO, "socket %s: %s", path, strerror(e));
	}
	*fd = s;
	return RK_OK;
}

/* ---- clients ---------------------------------------------------------------- */

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents);

static void client_free(struct client *c)
{
	free(c->rbuf);
	rk_buf_free(&c->wbuf);
	free(c);
}

/* Closes the connection; the struct lives on while batch lines refer to it. */
static void client_close(struct client *c, const char *why)
{
	struct daemon *d = c->d;
	if (c->dead)
		return;
	ev_io_stop(d->loop, &c->rio);
	ev_io_stop(d->loop, &c->wio);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nclients--;
	if (d->accept_paused && !d->stopping) {
		d->accept_paused = false;
		ev_io_start(d->loop, &d->sock_w);
	}
	pthread_mutex_lock(&d->mu);
	d->stats.ingest_clients_now = d->nclients;
	pthread_mutex_unlock(&d->mu);
	if (why) {
		struct dlog l;
		dlog_begin(&l, DLOG_INFO, "client_closed");
		dlog_int(&l, "client", (int64_t)c->id);
		dlog_int(&l, "lines", c->lineno);
		dlog_str(&l, "why", why);
		if (c->rlen || c->discarding)
			dlog_str(&l, "partial_line", "discarded");
		dlog_end(&l);
	}
	if (!c->pending)
		client_free(c);
}

void sock_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	static uint64_t next_id;
	(void)revents;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: a level-triggered watcher would spin.
				 * Accepting resumes when a client goes. */
				ev_io_stop(loop, w);
				d->accept_paused = true;
				dlog_msg(DLOG_WARN, "accept_paused", strerror(errno));
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				   errno != ECONNABORTED) {
				dlog_msg(DLOG_WARN, "accept_failed", strerror(errno));
			}
			return;
		}
		struct client *c = d->nclients < DAEMON_MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
		if (!c) {
			close(fd);
			dlog_msg(DLOG_WARN, "client_refused",
				 d->nclients < DAEMON_MAX_CLIENTS ? "out of memory"
								  : "too many clients");
			continue;
		}
		c->d = d;
		c->fd = fd;
		c->id = ++next_id;
		ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
		c->rio.data = c->wio.data = c;
		ev_io_start(loop, &c->rio);
		c->next = d->clients;
		if (d->clients)
			d->clients->prev = c;
		d->clients = c;
		d->nclients++;
		pthread_mutex_lock(&d->mu);
		d->stats.ingest_connections++;
		d->stats.ingest_clients_now = d->nclients;
		pthread_mutex_unlock(&d->mu);
	}
}

/* Queues line `text` (NULL: too long) of client c for the group commit. */
static bool queue_line(struct client *c, const char *text, size_t len)
{
	struct daemon *d = c->d;
	char *copy = NULL;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (text && !(copy = malloc(len + 1)))
		return false;
	if (text) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	if (!rk_array_reserve(&d->batch, &d->batch_cap, d->nbatch + 1, sizeof *d->batch)) {
		free(copy);
		return false;
	}
	d->batch[d->nbatch++] = (struct bline){c, ++c->lineno, copy, text ? len : 0};
	c->pending++;
	return true;
}

/* Cuts the bytes just read into lines. */
static bool take_bytes(struct client *c, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t part = nl ? (size_t)(nl - p) : n;
		if (!c->discarding) {
			if (c->rlen + part > INGEST_MAX_LINE) {
				c->discarding = true; /* consumed to its newline, never kept */
				free(c->rbuf);
				c->rbuf = NULL;
				c->rlen = c->rcap = 0;
			} else if (nl && c->rlen == 0) {
				if (!queue_line(c, p, part)) /* whole line in this read */
					return false;
			} else {
				size_t want = c->rlen + part + 1;
				if (want < CLIENT_RBUF_MIN)
					want = CLIENT_RBUF_MIN;
				if (!rk_array_reserve(&c->rbuf, &c->rcap, want, 1))
					return false;
				memcpy(c->rbuf + c->rlen, p, part);
				c->rlen += part;
				if (nl) {
					if (!queue_line(c, c->rbuf, c->rlen))
						return false;
					c->rlen = 0;
				}
			}
		}
		if (nl && c->discarding) {
			c->discarding = false;
			if (!queue_line(c, NULL, 0))
				return false;
		}
		if (!nl)
			break;
		p = nl + 1;
		n -= part + 1;
	}
	/* A long-finished big line's buffer goes back (200 idle clients stay small). */
	if (c->rlen == 0 && c->rcap > CLIENT_RBUF_MIN) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rcap = 0;
	}
	return true;
}

static size_t unwritten(const struct client *c)
{
	return c->wbuf.len - c->woff;
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	char buf[CLIENT_READ];
	(void)revents;
	if (unwritten(c) > CLIENT_WBUF_HIGH) {
		ev_io_stop(loop, &c->rio); /* resumed when its replies are read */
		return;
	}
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		client_close(c, strerror(errno));
		return;
	}
	if (n == 0) {
		/* Half-closed: answer what came, then close. A partial line is lost. */
		ev_io_stop(loop, &c->rio);
		c->eof = true;
		if (c->rlen || c->discarding) {
			struct dlog l;
			dlog_begin(&l, DLOG_INFO, "partial_line_discarded");
			dlog_int(&l, "client", (int64_t)c->id);
			dlog_int(&l, "line", c->lineno + 1);
			dlog_end(&l);
			c->rlen = 0;
			c->discarding = false;
		}
		if (!c->pending && !unwritten(c))
			client_close(c, NULL);
		return;
	}
	if (!take_bytes(c, buf, (size_t)n))
		client_close(c, "out of memory");
}

/* Writes what the socket takes; closes a half-closed client once answered. */
static void client_flush(struct client *c)
{
	struct daemon *d = c->d;
	while (unwritten(c) > 0) {
		ssize_t n = send(c->fd, c->wbuf.p + c->woff, unwritten(c), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				ev_io_start(d->loop, &c->wio);
				return;
			}
			if (errno == EINTR)
				continue;
			client_close(c, strerror(errno));
			return;
		}
		c->woff += (size_t)n;
	}
	ev_io_stop(d->loop, &c->wio);
	rk_buf_reset(&c->wbuf);
	c->woff = 0;
	if (c->wbuf.cap > CLIENT_WBUF_HIGH) {
		rk_buf_free(&c->wbuf);
		c->wbuf = (struct rk_buf){0};
	}
	if (c->eof && !c->pending)
		client_close(c, NULL);
	else if (!c->eof && !ev_is_active(&c->rio) && !d->stopping)
		ev_io_start(d->loop, &c->rio);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_flush(w->data);
}

/* ---- the group commit ------------------------------------------------------------- */

/* Appends `s` to b as a JSON string. */
static void json_str(struct rk_buf *b, const char *s)
{
	rk_buf_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			rk_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			rk_buf_addf(b, "\\u%04x", *p);
		else
			rk_buf_addn(b, p, 1);
	}
	rk_buf_add(b, "\"");
}

struct line_result {
	struct ingest_result r;
	char msg[RK_ERR_MSG_MAX];
};

static void reply(struct client *c, long lineno, const struct line_result *lr)
{
	struct rk_buf *b = &c->wbuf;
	char text[RK_ERR_MSG_MAX + 64];
	switch (lr->r.outcome) {
	case INGEST_ACCEPTED:
		rk_buf_addf(b, "{\"ok\":true,\"seq\":%lld}\n", (long long)lr->r.seq);
		return;
	case INGEST_DUPLICATE:
		rk_buf_addf(b, "{\"ok\":true,\"duplicate\":true,\"seq\":%lld}\n", (long long)lr->r.seq);
		return;
	case INGEST_STALE:
		rk_buf_addf(b, "{\"ok\":true,\"stale\":true,\"seq\":%lld,\"reason\":", (long long)lr->r.seq);
		json_str(b, lr->msg);
		rk_buf_add(b, "}\n");
		return;
	case INGEST_REJECTED:
		snprintf(text, sizeof text, "line %ld: %s", lineno, lr->msg);
		rk_buf_add(b, "{\"ok\":false,\"error\":");
		json_str(b, text);
		rk_buf_add(b, "}\n");
		return;
	}
}

/* Journals every queued line in one transaction. On a database failure every
 * line's result becomes "not journaled" (the transaction is rolled back). */
static void journal_batch(struct daemon *d, struct line_result *res)
{
	struct rk_err err = {0};
	enum rk_rc rc = journal_begin(d->j, &err);
	for (size_t k = 0; !rc && k < d->nbatch; k++) {
		struct bline *bl = &d->batch[k];
		struct rk_err lerr = {0};
		if (!bl->text) {
			res[k].r.outcome = INGEST_REJECTED;
			snprintf(res[k].msg, sizeof res[k].msg, "longer than %d bytes: not read",
				 INGEST_MAX_LINE);
			continue;
		}
		rc = ingest_line_result(d->j, bl->text, bl->len, "socket", &res[k].r, &lerr);
		if (rc)
			err = lerr;
		else
			snprintf(res[k].msg, sizeof res[k].msg, "%s", lerr.msg);
	}
	if (!rc)
		rc = journal_commit(d->j, &err);
	if (!rc)
		return;
	journal_rollback(d->j);
	struct dlog l;
	dlog_begin(&l, DLOG_ERROR, "commit_failed");
	dlog_int(&l, "lines", (int64_t)d->nbatch);
	dlog_str(&l, "error", err.msg);
	dlog_end(&l);
	for (size_t k = 0; k < d->nbatch; k++) {
		res[k].r = (struct ingest_result){.outcome = INGEST_REJECTED};
		snprintf(res[k].msg, sizeof res[k].msg, "not journaled: %s", err.msg);
	}
}

static enum stats_ingest stats_slot(enum ingest_outcome o)
{
	return o == INGEST_ACCEPTED    ? STATS_ACCEPTED
	       : o == INGEST_DUPLICATE ? STATS_DUPLICATE
	       : o == INGEST_STALE     ? STATS_STALE
				       : STATS_REJECTED;
}

void sock_commit_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct daemon *d = w->data;
	(void)loop;
	(void)revents;
	if (!d->nbatch)
		return;
	struct line_result *res = calloc(d->nbatch, sizeof *res);
	if (!res) {
		dlog_msg(DLOG_ERROR, "commit_deferred", "out of memory");
		return; /* tried again next iteration */
	}
	journal_batch(d, res);
	pthread_mutex_lock(&d->mu);
	for (size_t k = 0; k < d->nbatch; k++)
		d->stats.ingest[stats_slot(res[k].r.outcome)]++;
	d->stats.ingest_commits++;
	pthread_mutex_unlock(&d->mu);
	for (size_t k = 0; k < d->nbatch; k++) {
		struct bline *bl = &d->batch[k];
		if (!bl->c->dead)
			reply(bl->c, bl->lineno, &res[k]);
	}
	/* Write every reply, then note the acknowledgement time of each fill. */
	for (size_t k = 0; k < d->nbatch; k++) {
		struct client *c = d->batch[k].c;
		c->pending--;
		if (c->dead) {
			if (!c->pending)
				client_free(c);
		} else if (!c->pending) {
			client_flush(c);
		}
	}
	int64_t ack = now_us();
	for (size_t k = 0; k < d->nbatch; k++) {
		const struct ingest_result *r = &res[k].r;
		if (r->outcome == INGEST_ACCEPTED && r->fill)
			worker_trigger_fill(d, r->venue, r->account, r->symbol, r->seq, ack);
		free(d->batch[k].text);
	}
	d->nbatch = 0;
	free(res);
}

void sock_close_all(struct daemon *d)
{
	while (d->clients)
		client_close(d->clients, NULL);
	for (size_t k = 0; k < d->nbatch; k++)
		free(d->batch[k].text);
	free(d->batch);
	d->batch = NULL;
	d->nbatch = d->batch_cap = 0;
}
