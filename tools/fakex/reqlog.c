/*
 * reqlog.c — the request log: one JSON line per venue request, kept in
 * memory for GET /__fakex/requests and appended to the --log file, so tests
 * can assert what the client sent.
 *
 *   {"ts":"...","venue":"binance-usdm","method":"GET","path":"/fapi/v1/openOrders",
 *    "query":"timestamp=...&signature=REDACTED","body":"","status":200,
 *    "fault":"rate_limit","auth_error":"..."}
 *
 * Headers are never recorded (they carry the API key and the JWT); the
 * `signature` parameter is redacted in the query and the body.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "rtime.h"

static char *line_json(const struct fx_req *req, const struct fx_resp *resp)
{
	char ts[RTIME_STR_MAX], *query = fx_redact_param(req->query, "signature");
	char *body = fx_redact_param(req->venue == FX_BINANCE ? req->body : "", "signature");
	char *text = NULL;
	cJSON *o = cJSON_CreateObject();
	bool ok = o && query && body && fx_add_str(o, "ts", rtime_format(req->now_ms * 1000, ts)) &&
		  fx_add_str(o, "venue", fx_venue_name(req->venue)) &&
		  fx_add_str(o, "method", req->method) && fx_add_str(o, "path", req->path) &&
		  fx_add_str(o, "query", query) &&
		  fx_add_str(o, "body", req->venue == FX_BINANCE ? body : req->body) &&
		  fx_add_int(o, "status", resp->status) &&
		  (!resp->fault[0] || fx_add_str(o, "fault", resp->fault)) &&
		  (!resp->auth_error[0] || fx_add_str(o, "auth_error", resp->auth_error));
	if (ok)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(query);
	free(body);
	return text;
}

void fx_reqlog_add(struct fx_reqlog *log, const struct fx_req *req, const struct fx_resp *resp)
{
	char *line = line_json(req, resp);
	if (!line)
		return;
	if (log->file) {
		fprintf(log->file, "%s\n", line);
		fflush(log->file);
	}
	if (log->n == log->cap) {
		size_t ncap = log->cap ? log->cap * 2 : 64;
		char **p = realloc(log->lines, ncap * sizeof *p);
		if (!p) {
			free(line);
			return;
		}
		log->lines = p;
		log->cap = ncap;
	}
	log->lines[log->n++] = line;
}

char *fx_reqlog_text(const struct fx_reqlog *log)
{
	size_t len = 1;
	for (size_t i = 0; i < log->n; i++)
		len += strlen(log->lines[i]) + 1;
	char *out = malloc(len), *w = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < log->n; i++)
		w += sprintf(w, "%s\n", log->lines[i]);
	*w = '\0';
	return out;
}

void fx_reqlog_reset(struct fx_reqlog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->lines[i]);
	log->n = 0;
}

void fx_reqlog_free(struct fx_reqlog *log)
{
	fx_reqlog_reset(log);
	free(log->lines);
	log->lines = NULL;
	log->cap = 0;
	if (log->file)
		fclose(log->file);
	log->file = NULL;
}
