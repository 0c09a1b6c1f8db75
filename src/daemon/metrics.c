/*
 * metrics.c — the /metrics HTTP endpoint (metrics.h) on libmicrohttpd.
 *
 * The listening socket is made here (socket, bind, listen) and handed to
 * MHD with MHD_OPTION_LISTEN_SOCKET, because MHD_start_daemon says only
 * "NULL" when a bind fails and the operator needs to read "Address already
 * in use". MHD owns the socket from then on and closes it on stop.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "rk_url.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_server {
	struct MHD_Daemon *mhd;
	metrics_render_fn render;
	void *ctx;
	int port;
};

/* ---- requests ---------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *con, unsigned status, char *body,
			     const char *type, const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	enum MHD_Result ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (ok == MHD_YES && allow)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (ok == MHD_YES)
		ok = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *con, unsigned status, const char *text,
				  const char *allow)
{
	char *body = strdup(text);
	if (!body)
		return MHD_NO;
	return reply(con, status, body, "text/plain; charset=utf-8", allow);
}

static enum MHD_Result serve_metrics(struct metrics_server *m, struct MHD_Connection *con)
{
	struct rk_buf out = {0};
	struct rk_err err = {0};
	enum rk_rc rc = m->render(m->ctx, &out, &err);
	if (rc == RK_OK)
		rc = rk_buf_status(&out, &err);
	char *body = rc == RK_OK ? rk_buf_take(&out) : NULL;
	rk_buf_free(&out);
	if (!body) {
		struct rk_buf msg = {0};
		rk_buf_addf(&msg, "metrics: %s\n", err.msg[0] ? err.msg : rk_rc_name(rc));
		char *text = rk_buf_take(&msg);
		return text ? reply(con, MHD_HTTP_INTERNAL_SERVER_ERROR, text,
				    "text/plain; charset=utf-8", NULL)
			    : MHD_NO;
	}
	return reply(con, MHD_HTTP_OK, body, CONTENT_TYPE, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version, (void)upload_data, (void)con_cls;
	struct metrics_server *m = cls;
	/* A body (a POST's) is not read: the answer does not depend on it. */
	*upload_data_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(con, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				  "GET, HEAD");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(con, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n", NULL);
	return serve_metrics(m, con);
}

/* ---- the listening socket -------------------------------------------------------- */

static int listen_on(const char *host, int port, int *fd_out, struct rk_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	bool v6 = strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	int one = 1;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, METRICS_MAX_CONNECTIONS) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return rk_err_set(err, RK_EIO, "metrics: cannot listen on %s%s%s:%d: %s",
				  v6 ? "[" : "", v6 ? "::1" : host, v6 ? "]" : "", port, strerror(e));
	}
	*fd_out = fd;
	return RK_OK;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- public API ---------------------------------------------------------------- */

enum rk_rc metrics_start(const char *host, int port, metrics_render_fn render, void *ctx,
			 struct metrics_server **out, struct rk_err *err)
{
	struct metrics_server *m = NULL;
	int fd = -1;
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (!render)
		return rk_err_set(err, RK_ECONFIG, "metrics: no render callback");
	if (!rk_url_host_is_loopback(host))
		return rk_err_set(err, RK_ECONFIG,
				  "metrics: %s is not loopback (127.0.0.1, ::1, localhost): the "
				  "endpoint has no authentication",
				  host ? host : "(no host)");
	if (port < 0 || port > 65535)
		return rk_err_set(err, RK_ECONFIG, "metrics: port %d out of range", port);
	if (!(m = calloc(1, sizeof *m)))
		return rk_err_set(err, RK_ENOMEM, "metrics: out of memory");
	m->render = render;
	m->ctx = ctx;
	if ((rc = listen_on(host, port, &fd, err)))
		goto fail;
	m->port = bound_port(fd);
	m->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | (strchr(host, ':') ? MHD_USE_IPv6 : 0), 0, NULL,
		NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S, MHD_OPTION_END);
	if (!m->mhd) {
		close(fd);
		rc = rk_err_set(err, RK_EIO, "metrics: the HTTP server (libmicrohttpd) did not start");
		goto fail;
	}
	*out = m;
	return RK_OK;
fail:
	free(m);
	return rc;
}

int metrics_port(const struct metrics_server *m)
{
	return m ? m->port : 0;
}

void metrics_stop(struct metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd); /* joins its thread, closes the listening socket */
	free(m);
}
