/*
 * metrics.h — the Prometheus endpoint of `reckon run`: an HTTP server
 * (libmicrohttpd) on a loopback address serving one resource.
 *
 *   GET or HEAD /metrics  200, Content-Type "text/plain; version=0.0.4;
 *                         charset=utf-8", the body the render callback writes
 *                         (a query string is ignored)
 *   other paths           404
 *   other methods         405 with "Allow: GET, HEAD"
 *   render fails          500 "metrics: <err->msg>" (and nothing partial)
 *
 * Loopback only: the endpoint has no authentication, so metrics_start
 * refuses any host but 127.0.0.1, ::1 and localhost (bound as 127.0.0.1;
 * rk_url.h). The listening socket is created and bound here, so a port in
 * use or an address the machine lacks is reported with its errno.
 * Bounded: at most METRICS_MAX_CONNECTIONS connections at once, each closed
 * after METRICS_TIMEOUT_S idle seconds.
 *
 * Threads: MHD runs one internal polling thread; `render` runs on THAT
 * thread, one request at a time (never concurrently with itself), while the
 * daemon's loop and workers go on. The callback must therefore take what it
 * renders under the daemon's own lock (daemon_stats_copy under the stats
 * mutex, then render the copy), must not block for long (a scrape waits on
 * it), and must never call metrics_stop. `ctx` must stay valid until
 * metrics_stop returns.
 * Ownership: *out is released with metrics_stop (NULL-safe), which stops
 * the thread, waits for a request in flight and closes the socket; call it
 * from the thread that started the server.
 */
#ifndef RECKON_DAEMON_METRICS_H
#define RECKON_DAEMON_METRICS_H

#include "err.h"
#include "rk_buf.h"

#define METRICS_MAX_CONNECTIONS 16
#define METRICS_TIMEOUT_S 10

/* Appends the exposition to `out` (an empty buffer); RK_OK or an error in err. */
typedef enum rk_rc (*metrics_render_fn)(void *ctx, struct rk_buf *out, struct rk_err *err);

struct metrics_server;

/*
 * Listens on host:port (port 0: a free port, see metrics_port) and serves
 * until metrics_stop. Errors: RK_ECONFIG a host that is not loopback, a
 * port beyond 65535, no callback; RK_EIO the socket cannot be bound or
 * listened on (message: "metrics: cannot listen on HOST:PORT: <strerror>")
 * or MHD cannot start; RK_ENOMEM.
 */
enum rk_rc metrics_start(const char *host, int port, metrics_render_fn render, void *ctx,
			 struct metrics_server **out /* OUT */, struct rk_err *err);

/* The port actually bound (the chosen one when started with port 0). */
int metrics_port(const struct metrics_server *m);

void metrics_stop(struct metrics_server *m);

#endif
