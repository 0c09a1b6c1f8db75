/*
 * server.c — the libmicrohttpd side: one daemon per venue on 127.0.0.1,
 * a thread per connection (so a "slow" answer delays only its own client),
 * raw URIs captured before libmicrohttpd parses them (signatures cover the
 * bytes as sent), bodies accumulated, then one struct fx_req handed to
 * fx_dispatch and its struct fx_resp sent back.
 */
#include "fakex.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

struct fx_server {
	struct MHD_Daemon *daemon;
	struct fakex *fx;
	enum fx_venue venue;
	unsigned port;
};

/* One request in progress. */
struct conn {
	char *uri;     /* raw request target */
	char *body;
	size_t len;
	bool started;  /* the access handler has seen the headers */
	bool too_big;
};

static atomic_bool waking; /* shutting down: slow answers stop waiting */

void fx_server_wake_all(void)
{
	atomic_store(&waking, true);
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
	(void)cls;
	(void)con;
	struct conn *c = calloc(1, sizeof *c);
	if (c && !(c->uri = strdup(uri ? uri : "/"))) {
		free(c);
		c = NULL;
	}
	return c;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con;
	(void)toe;
	struct conn *c = *con_cls;
	if (c) {
		free(c->uri);
		free(c->body);
		free(c);
	}
	*con_cls = NULL;
}

static bool append_body(struct conn *c, const char *data, size_t n)
{
	if (c->too_big || c->len + n > FX_BODY_MAX) {
		c->too_big = true;
		return true;
	}
	char *p = realloc(c->body, c->len + n + 1);
	if (!p)
		return false;
	memcpy(p + c->len, data, n);
	c->len += n;
	p[c->len] = '\0';
	c->body = p;
	return true;
}

static bool is_loopback(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
		       127;
	if (sa && sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}

static char *header_dup(struct MHD_Connection *con, const char *name)
{
	const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
	return v ? strdup(v) : NULL;
}

/* Builds the request from the connection; false on allocation failure. */
static bool build_request(const struct fx_server *s, struct MHD_Connection *con,
			  const char *method, struct conn *c, struct fx_req *req)
{
	const char *q = strchr(c->uri, '?');
	const char *ctype = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
	bool form = s->venue == FX_BINANCE && !(ctype && strstr(ctype, "json"));

	memset(req, 0, sizeof *req);
	req->venue = s->venue;
	snprintf(req->method, sizeof req->method, "%s", method);
	req->path = q ? strndup(c->uri, (size_t)(q - c->uri)) : strdup(c->uri);
	req->query = strdup(q ? q + 1 : "");
	req->body = c->body ? c->body : strdup("");
	req->body_len = c->len;
	c->body = NULL; /* now owned by req */
	req->authorization = header_dup(con, "Authorization");
	req->apikey = header_dup(con, "X-MBX-APIKEY");
	req->host = header_dup(con, "Host");
	return req->path && req->query && req->body &&
	       fx_req_parse_params(req, form, NULL) == RK_OK;
}

/* Sleeps `ms` in short slices, ending early when the server stops. */
static void nap(long ms)
{
	while (ms > 0 && !atomic_load(&waking)) {
		long slice = ms < 50 ? ms : 50;
		struct timespec ts = {0, slice * 1000000L};
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

static enum MHD_Result send_resp(struct MHD_Connection *con, struct fx_resp *resp)
{
	char num[32];
	size_t len = resp->body ? strlen(resp->body) : 0;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, resp->body ? resp->body : "",
								 resp->body ? MHD_RESPMEM_MUST_FREE
									    : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	resp->body = NULL; /* libmicrohttpd frees it */
	MHD_add_response_header(r, "Content-Type",
				resp->content_type ? resp->content_type : "application/json");
	if (resp->retry_after > 0) {
		snprintf(num, sizeof num, "%d", resp->retry_after);
		MHD_add_response_header(r, "Retry-After", num);
	}
	if (resp->used_weight >= 0) {
		snprintf(num, sizeof num, "%ld", resp->used_weight);
		MHD_add_response_header(r, "X-MBX-USED-WEIGHT-1M", num);
	}
	if (resp->auth_error[0])
		MHD_add_response_header(r, "X-Fakex-Auth-Error", resp->auth_error);
	ret = MHD_queue_response(con, resp->status ? resp->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve(const struct fx_server *s, struct MHD_Connection *con,
			     const char *method, struct conn *c)
{
	struct fx_req req;
	struct fx_resp resp = {.status = 500, .used_weight = -1};
	enum MHD_Result ret;

	if (!is_loopback(con)) {
		fx_resp_text(&resp, 403, "text/plain", "loopback only\n");
	} else if (c->too_big) {
		fx_resp_text(&resp, 413, "text/plain", "request body too large\n");
	} else if (!build_request(s, con, method, c, &req)) {
		fx_req_free(&req);
		fx_resp_text(&resp, 500, "text/plain", "fakex: out of memory\n");
	} else {
		fx_dispatch(s->fx, &req, &resp);
		fx_req_free(&req);
		nap(resp.delay_ms); /* outside the lock: other clients go on */
	}
	ret = send_resp(con, &resp);
	fx_resp_free(&resp);
	return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *con, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	(void)url; /* the raw URI from uri_logger is used instead */
	(void)version;
	struct conn *c = *con_cls;
	if (!c)
		return MHD_NO;
	if (!c->started) {
		c->started = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!append_body(c, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return serve(cls, con, method, c);
}

enum rk_rc fx_server_start(struct fakex *fx, enum fx_venue v, unsigned port,
			   struct fx_server **out, struct rk_err *err)
{
	struct fx_server *s = calloc(1, sizeof *s);
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!s)
		return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
	if (port > 65535) {
		free(s);
		return rk_err_set(err, RK_EINVAL, "port %u out of range", port);
	}
	s->fx = fx;
	s->venue = v;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, access_handler, s, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)120, MHD_OPTION_END);
	if (!s->daemon) {
		free(s);
		return rk_err_set(err, RK_EIO, "%s: cannot listen on 127.0.0.1:%u", fx_venue_name(v),
				  port);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	*out = s;
	return RK_OK;
}

unsigned fx_server_port(const struct fx_server *s)
{
	return s ? s->port : 0;
}

void fx_server_stop(struct fx_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
