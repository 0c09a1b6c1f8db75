/* audit_export.c — a verifiable slice of the journal (see audit_export.h). */
#include "audit_export.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "jsonin.h"
#include "jsonout.h"
#include "rtime.h"
#include "audit_sql.h"
#include "sqlx.h"

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const char SQL_BOUNDS[] = "SELECT COALESCE(min(seq), 0), COALESCE(max(seq), 0) FROM events";
const char AUDIT_SQL_EXPORT_RECORDED[] = "SELECT recorded_at FROM events WHERE seq = ?1";
static const char SQL_HASH[] = "SELECT hash FROM events WHERE seq = ?1";
const char AUDIT_SQL_EXPORT_SLICE[] =
	"SELECT seq, ts, recorded_at, type, source, venue, account, symbol, payload, dedup_key,"
	" prev_hash, hash FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq";

static const char *const COLS[] = {"seq",     "ts",      "recorded_at", "type",
				   "source",  "venue",   "account",     "symbol",
				   "payload", "dedup_key", "prev_hash",   "hash"};

/* One text column of event `seq` through `sql` into out. */
static enum rk_rc column_of(struct journal *j, const char *sql, int64_t seq, char *out, size_t cap,
			    struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	if (!(rc = sqlx_step_row(st, &row, "reading an event", err)) && !row)
		rc = rk_err_set(err, RK_ECORRUPT, "event %lld is missing", (long long)seq);
	if (!rc)
		snprintf(out, cap, "%s", sqlx_col_text(st, 0));
	sqlite3_reset(st);
	return rc;
}

/* The first seq in [lo, hi] whose recorded_at is >= at (hi + 1: none). */
static enum rk_rc first_at(struct journal *j, int64_t lo, int64_t hi, const char *at, int64_t *out,
			   struct rk_err *err)
{
	char rec[RTIME_STR_MAX + 8];
	enum rk_rc rc = RK_OK;
	hi++;
	while (!rc && lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if ((rc = column_of(j, AUDIT_SQL_EXPORT_RECORDED, mid, rec, sizeof rec, err)))
			break;
		if (strcmp(rec, at) >= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*out = lo;
	return rc;
}

static bool add_text_or_null(cJSON *o, const char *k, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return cJSON_AddNullToObject(o, k) != NULL;
	return jsonout_add_str(o, k, sqlx_col_text(st, i));
}

/* Writes one cJSON object as a line (consumes it). */
static enum rk_rc put_line(FILE *out, cJSON *o, bool ok, struct rk_err *err)
{
	char *text = ok && o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	bool written = fprintf(out, "%s\n", text) > 0;
	free(text);
	return written ? RK_OK : rk_err_set(err, RK_EIO, "writing the export failed");
}

static enum rk_rc put_header(FILE *out, const char *jid, int64_t from_us, int64_t to_us,
			     const struct audit_export_result *r, struct rk_err *err)
{
	char a[RTIME_STR_MAX], b[RTIME_STR_MAX];
	cJSON *o = cJSON_CreateObject();
	bool ok = o && jsonout_add_int(o, "reckon_export", 1) &&
		  jsonout_add_str(o, "journal_id", jid) &&
		  jsonout_add_str(o, "from", rtime_format(from_us, a)) &&
		  jsonout_add_str(o, "to", rtime_format(to_us, b)) &&
		  jsonout_add_int(o, "first_seq", r->first_seq) &&
		  jsonout_add_int(o, "last_seq", r->last_seq) && jsonout_add_int(o, "events", r->events) &&
		  jsonout_add_str(o, "chain_from", r->chain_from) &&
		  jsonout_add_str(o, "head_hash", r->head_hash);
	return put_line(out, o, ok, err);
}

static enum rk_rc put_events(struct journal *j, FILE *out, const struct audit_export_result *r,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, AUDIT_SQL_EXPORT_SLICE, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, r->first_seq);
	sqlite3_bind_int64(st, 2, r->last_seq);
	while (!rc && !(rc = sqlx_step_row(st, &row, "reading events", err)) && row) {
		cJSON *o = cJSON_CreateObject();
		bool ok = o && jsonout_add_int(o, "seq", sqlite3_column_int64(st, 0));
		for (int i = 1; ok && i < 12; i++)
			ok = add_text_or_null(o, COLS[i], st, i);
		rc = put_line(out, o, ok, err);
	}
	if (row)
		sqlite3_reset(st);
	return rc;
}

enum rk_rc audit_export(struct journal *j, int64_t from_us, int64_t to_us, FILE *out,
			struct audit_export_result *res, struct rk_err *err)
{
	char from[RTIME_STR_MAX], to[RTIME_STR_MAX], jid[JOURNAL_ID_HEX];
	sqlite3_stmt *st;
	bool began = false, row = false;
	int64_t lo = 0, hi = 0, end = 0;
	memset(res, 0, sizeof *res);
	rtime_format(from_us, from);
	rtime_format(to_us, to);
	enum rk_rc rc = sqlx_read_begin(journal_db(j), &began, err);
	if (!rc)
		rc = journal_identity(j, jid, err);
	if (!rc && !(rc = journal_stmt(j, SQL_BOUNDS, &st, err)) &&
	    !(rc = sqlx_step_row(st, &row, "reading the events' bounds", err)) && row) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
	}
	if (!rc && hi > 0 && !(rc = first_at(j, lo, hi, from, &res->first_seq, err)))
		rc = first_at(j, lo, hi, to, &end, err);
	res->last_seq = end - 1;
	if (!rc && (hi == 0 || res->first_seq > res->last_seq))
		rc = rk_err_set(err, RK_ENOTFOUND, "no event was journaled from %s to %s", from, to);
	if (!rc) {
		res->events = res->last_seq - res->first_seq + 1;
		if (res->first_seq == 1)
			snprintf(res->chain_from, sizeof res->chain_from, "%s", ZERO_HASH);
		else
			rc = column_of(j, SQL_HASH, res->first_seq - 1, res->chain_from,
				       sizeof res->chain_from, err);
	}
	if (!rc)
		rc = column_of(j, SQL_HASH, res->last_seq, res->head_hash, sizeof res->head_hash, err);
	if (!rc && !(rc = put_header(out, jid, from_us, to_us, res, err)))
		rc = put_events(j, out, res, err);
	sqlx_read_end(journal_db(j), began);
	if (!rc && fflush(out) != 0)
		rc = rk_err_set(err, RK_EIO, "writing the export failed");
	return rc;
}

/* ---- verifying ---------------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number from 0 to 2^53, read from its literal's digits (the line
 * was parsed by jsonin_parse): a larger value, a fraction, an exponent or a
 * string is refused, its reason in why. */
static bool int_of(const cJSON *o, const char *k, int64_t *out, struct rk_err *why)
{
	struct jsonin_at at = {o, NULL, 0};
	return jsonin_get_int(&at, k, true, 0, 0, JSONIN_MAX_EXACT_INT, NULL, out, why) == RK_OK;
}

static bool is_hash(const char *h)
{
	if (!h || strlen(h) != 64)
		return false;
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return false;
	return true;
}

static enum rk_rc read_header(const cJSON *o, struct audit_export_result *h, struct rk_err *err)
{
	int64_t version = 0;
	struct rk_err why = {0};
	if (!int_of(o, "reckon_export", &version, &why) || version != 1)
		return rk_err_set(err, RK_ECORRUPT, "line 1: not a reckon export header");
	if (!int_of(o, "first_seq", &h->first_seq, &why) || !int_of(o, "last_seq", &h->last_seq, &why) ||
	    !int_of(o, "events", &h->events, &why))
		return rk_err_set(err, RK_ECORRUPT, "line 1: %s", why.msg);
	if (h->first_seq < 1 || h->events != h->last_seq - h->first_seq + 1 ||
	    !is_hash(str_of(o, "chain_from")) || !is_hash(str_of(o, "head_hash")))
		return rk_err_set(err, RK_ECORRUPT,
				  "line 1: header fields missing or inconsistent (first_seq, last_seq,"
				  " events, chain_from, head_hash)");
	snprintf(h->chain_from, sizeof h->chain_from, "%s", str_of(o, "chain_from"));
	snprintf(h->head_hash, sizeof h->head_hash, "%s", str_of(o, "head_hash"));
	if (h->first_seq == 1 && strcmp(h->chain_from, ZERO_HASH) != 0)
		return rk_err_set(err, RK_ECORRUPT, "line 1: event 1 chains from 64 zeros, not %s",
				  h->chain_from);
	return RK_OK;
}

/* Checks one event line against the chain so far (*prev, *seq). */
static enum rk_rc check_event(const cJSON *o, long line, int64_t *seq, char prev[JOURNAL_HASH_HEX],
			      struct rk_err *err)
{
	int64_t s = 0;
	const char *f[12];
	char hash[JOURNAL_HASH_HEX];
	struct rk_err why = {0};
	if (!int_of(o, "seq", &s, &why))
		return rk_err_set(err, RK_ECORRUPT, "line %ld: not an event (%s)", line, why.msg);
	if (s != *seq + 1)
		return rk_err_set(err, RK_ECORRUPT,
				  "line %ld (event %lld): expected event %lld: lines dropped, added"
				  " or reordered", line, (long long)s, (long long)*seq + 1);
	for (int i = 1; i < 12; i++) {
		f[i] = str_of(o, COLS[i]);
		if (!f[i] && !(i == 9 && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, COLS[i]))))
			return rk_err_set(err, RK_ECORRUPT, "line %ld (event %lld): field '%s' missing",
					  line, (long long)s, COLS[i]);
	}
	if (strcmp(f[10], prev) != 0)
		return rk_err_set(err, RK_ECORRUPT,
				  "line %ld (event %lld): prev_hash %s is not the previous hash %s",
				  line, (long long)s, f[10], prev);
	if (!journal_event_hash(s, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], hash))
		return rk_err_set(err, RK_ENOMEM, "hashing failed");
	if (strcmp(hash, f[11]) != 0)
		return rk_err_set(err, RK_ECORRUPT,
				  "line %ld (event %lld): content does not match its hash (recomputed"
				  " %s, the line says %s)", line, (long long)s, hash, f[11]);
	*seq = s;
	snprintf(prev, JOURNAL_HASH_HEX, "%s", hash);
	return RK_OK;
}

enum rk_rc audit_export_verify(FILE *in, struct audit_export_result *res, struct rk_err *err)
{
	struct audit_export_result h = {0};
	char prev[JOURNAL_HASH_HEX];
	char *buf = NULL;
	size_t cap = 0;
	long line = 0;
	int64_t seq = 0, n = 0;
	enum rk_rc rc = RK_OK;
	memset(res, 0, sizeof *res);
	ssize_t len;
	while (!rc && (len = getline(&buf, &cap, in)) >= 0) {
		struct jsonin j = {0};
		struct rk_err why = {0};
		line++;
		if (jsonin_parse(buf, (size_t)len, &j, &why))
			rc = rk_err_set(err, RK_ECORRUPT, "line %ld: not a JSON object (%s)", line,
					why.msg);
		else if (line == 1 && !(rc = read_header(j.root, &h, err))) {
			seq = h.first_seq - 1;
			snprintf(prev, sizeof prev, "%s", h.chain_from);
		} else if (line > 1) {
			rc = check_event(j.root, line, &seq, prev, err);
			n++;
		}
		jsonin_close(&j);
	}
	free(buf);
	if (!rc && ferror(in))
		rc = rk_err_set(err, RK_EIO, "reading the export failed");
	if (!rc && line == 0)
		rc = rk_err_set(err, RK_ECORRUPT, "line 1: empty: not a reckon export");
	if (!rc && (n != h.events || seq != h.last_seq))
		rc = rk_err_set(err, RK_ECORRUPT,
				"line %ld: the slice ends at event %lld after %lld events; the header"
				" says %lld..%lld (%lld events): lines dropped or added",
				line + 1, (long long)seq, (long long)n, (long long)h.first_seq,
				(long long)h.last_seq, (long long)h.events);
	if (!rc && strcmp(prev, h.head_hash) != 0)
		rc = rk_err_set(err, RK_ECORRUPT, "line 1: head_hash %s is not the last event's %s",
				h.head_hash, prev);
	if (!rc)
		*res = h;
	return rc;
}
