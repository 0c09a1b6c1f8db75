/* recon_store.c — the reconciler's local state, read from the journal (see recon_store.h). */
#include "recon_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtime.h"

static const char SQL_OPEN_ORDERS[] =
	"SELECT order_id, client_order_id, symbol, side, order_type, status, purpose, reduce_only,"
	" qty, price, stop_price, filled_qty, last_seen FROM orders"
	" WHERE venue = ?1 AND account = ?2 AND status IN ('open', 'partially_filled')"
	" ORDER BY symbol, order_id";
/* Consecutive complete runs, most recent first, that found the order missing:
 * counted back to the last complete run that did not. */
static const char SQL_MISSING[] =
	"SELECT count(*), min(f.created_at) FROM findings f JOIN recon_runs r ON r.id = f.run_id"
	" WHERE f.kind = 'stale_local_order' AND f.venue = ?1 AND f.account = ?2 AND f.order_id = ?3"
	" AND r.complete = 1 AND r.id > COALESCE((SELECT max(r2.id) FROM recon_runs r2"
	"   WHERE r2.venue = ?1 AND r2.account = ?2 AND r2.complete = 1 AND NOT EXISTS"
	"   (SELECT 1 FROM findings f2 WHERE f2.run_id = r2.id AND f2.kind = 'stale_local_order'"
	"    AND f2.order_id = ?3)), 0)";
static const char SQL_POSITIONS[] =
	"SELECT symbol, qty, avg_entry FROM positions WHERE venue = ?1 AND account = ?2 AND qty <> '0'"
	" ORDER BY symbol";
static const char SQL_FILL_KNOWN[] = "SELECT 1 FROM fills WHERE venue = ?1 AND fill_id = ?2";
static const char SQL_HALTS[] =
	"SELECT symbol FROM halts WHERE venue = ?1 AND account = ?2 ORDER BY symbol";
/* Every finished placement attempt (failed or succeeded) for a finding key
 * moves the attempt number on, so a new episode of the same finding (a new
 * position that again lacks a stop) never reuses a client order id a venue
 * already knows. An unresolved `sent` attempt does not: its id must stay the
 * same so the next pass finds it by lookup instead of placing twice. */
static const char SQL_ATTEMPTS[] =
	"SELECT finding_key, count(*) FROM actions WHERE venue = ?1 AND account = ?2"
	" AND status IN ('failed', 'succeeded') AND client_order_id IS NOT NULL"
	" AND finding_key IS NOT NULL GROUP BY finding_key ORDER BY finding_key";
static const char SQL_DESTRUCTIVE_HOUR[] =
	"SELECT count(*) FROM actions WHERE venue = ?1 AND account = ?2"
	" AND kind IN ('cancel_order', 'emergency_close', 'close_local_order')"
	" AND status IN ('sent', 'succeeded', 'failed') AND updated_at >= ?3";
static const char SQL_CURSOR[] =
	"SELECT fills_cursor FROM recon_runs WHERE venue = ?1 AND account = ?2"
	" AND finished_at IS NOT NULL AND fills_cursor IS NOT NULL ORDER BY id DESC LIMIT 1";

static const char *text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static struct dec dec_col(sqlite3_stmt *st, int i, bool *has)
{
	struct dec v = dec_zero();
	bool ok = sqlite3_column_type(st, i) != SQLITE_NULL &&
		  dec_parse_cstr(text(st, i), &v) == DEC_OK;
	if (has)
		*has = ok;
	return v;
}

/* Grows an array by one element; returns the new element (zeroed) or NULL. */
static void *grow(void **arr, size_t *n, size_t size)
{
	void *p = realloc(*arr, (*n + 1) * size);
	if (!p)
		return NULL;
	*arr = p;
	memset((char *)p + *n * size, 0, size);
	return (char *)p + (*n)++ * size;
}

static enum rk_rc prepare(struct journal *j, const char *sql, enum venue_kind venue,
			  const char *account, sqlite3_stmt **st, struct rk_err *err)
{
	enum rk_rc rc = journal_stmt(j, sql, st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(*st, 1, venue_name(venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, account, -1, SQLITE_STATIC);
	return RK_OK;
}

static enum rk_rc load_missing(struct journal *j, enum venue_kind venue, const char *account,
			       struct local_order *lo, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = prepare(j, SQL_MISSING, venue, account, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 3, lo->rec.order_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		lo->missing_passes = sqlite3_column_int(st, 0);
		int64_t us = 0;
		if (lo->missing_passes > 0 && rtime_parse(text(st, 1), &us, NULL) == RK_OK)
			lo->missing_since_us = us;
	}
	sqlite3_reset(st);
	return RK_OK;
}

static enum rk_rc load_orders(struct journal *j, struct local_state *s, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = prepare(j, SQL_OPEN_ORDERS, s->venue, s->account, &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct local_order *lo = grow((void **)&s->orders, &s->norders, sizeof *lo);
		if (!lo) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		struct order_rec *o = &lo->rec;
		o->venue = s->venue;
		snprintf(o->account, sizeof o->account, "%s", s->account);
		snprintf(o->order_id, sizeof o->order_id, "%s", text(st, 0));
		snprintf(o->client_order_id, sizeof o->client_order_id, "%s", text(st, 1));
		snprintf(o->symbol, sizeof o->symbol, "%s", text(st, 2));
		o->side = side_parse(text(st, 3));
		o->type = order_type_parse(text(st, 4));
		o->status = order_status_parse(text(st, 5));
		o->purpose = purpose_parse(text(st, 6));
		o->reduce_only = sqlite3_column_int(st, 7) != 0;
		o->qty = dec_col(st, 8, NULL);
		o->price = dec_col(st, 9, &o->has_price);
		o->stop_price = dec_col(st, 10, &o->has_stop_price);
		o->filled_qty = dec_col(st, 11, &o->has_filled_qty);
		snprintf(o->ts, sizeof o->ts, "%s", text(st, 12));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < s->norders; i++)
		if ((rc = load_missing(j, s->venue, s->account, &s->orders[i], err)))
			return rc;
	return RK_OK;
}

static enum rk_rc load_positions(struct journal *j, struct local_state *s, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = prepare(j, SQL_POSITIONS, s->venue, s->account, &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct local_position *p = grow((void **)&s->positions, &s->npositions, sizeof *p);
		if (!p) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		snprintf(p->symbol, sizeof p->symbol, "%s", text(st, 0));
		p->qty = dec_col(st, 1, NULL);
		p->avg_entry = dec_col(st, 2, &p->has_avg);
	}
	sqlite3_reset(st);
	return RK_OK;
}

static enum rk_rc load_fill_known(struct journal *j, struct local_state *s,
				  const struct venue_snapshot *snap, struct rk_err *err)
{
	if (!snap || snap->nfills == 0)
		return RK_OK;
	bool *known = calloc(snap->nfills, sizeof *known);
	if (!known)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t i = 0; i < snap->nfills; i++) {
		sqlite3_stmt *st;
		enum rk_rc rc = journal_stmt(j, SQL_FILL_KNOWN, &st, err);
		if (rc) {
			free(known);
			return rc;
		}
		sqlite3_bind_text(st, 1, venue_name(s->venue), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, snap->fills[i].fill_id, -1, SQLITE_STATIC);
		known[i] = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
	}
	s->fill_known = known;
	return RK_OK;
}

static enum rk_rc load_halts_and_attempts(struct journal *j, struct local_state *s,
					  struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = prepare(j, SQL_HALTS, s->venue, s->account, &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *h = grow((void **)&s->halted, &s->nhalted, sizeof s->halted[0]);
		if (!h)
			return sqlite3_reset(st), rk_err_set(err, RK_ENOMEM, "out of memory");
		snprintf(h, MODEL_SYM_MAX, "%s", text(st, 0));
	}
	sqlite3_reset(st);
	if ((rc = prepare(j, SQL_ATTEMPTS, s->venue, s->account, &st, err)))
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct local_attempts *a = grow((void **)&s->attempts, &s->nattempts, sizeof *a);
		if (!a)
			return sqlite3_reset(st), rk_err_set(err, RK_ENOMEM, "out of memory");
		snprintf(a->key, sizeof a->key, "%s", text(st, 0));
		a->finished = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	char since[RTIME_STR_MAX];
	if ((rc = prepare(j, SQL_DESTRUCTIVE_HOUR, s->venue, s->account, &st, err)))
		return rc;
	sqlite3_bind_text(st, 3, rtime_format(s->now_us - 3600LL * 1000000, since), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		s->destructive_last_hour = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return RK_OK;
}

enum rk_rc recon_store_load(struct journal *j, enum venue_kind venue, const char *account,
			    const struct venue_snapshot *snap, int64_t now_us,
			    struct local_state *out, struct rk_err *err)
{
	enum rk_rc rc;
	memset(out, 0, sizeof *out);
	out->venue = venue;
	out->now_us = now_us;
	snprintf(out->account, sizeof out->account, "%s", account);
	if ((rc = load_orders(j, out, err)) || (rc = load_positions(j, out, err)) ||
	    (rc = load_fill_known(j, out, snap, err)) || (rc = load_halts_and_attempts(j, out, err)))
		recon_store_free(out);
	return rc;
}

void recon_store_free(struct local_state *s)
{
	if (!s)
		return;
	free(s->orders);
	free(s->positions);
	free((void *)s->fill_known);
	free(s->halted);
	free(s->attempts);
	memset(s, 0, sizeof *s);
}

enum rk_rc recon_store_fills_cursor(struct journal *j, enum venue_kind venue, const char *account,
				    char out[MODEL_ID_MAX], struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = prepare(j, SQL_CURSOR, venue, account, &st, err);
	out[0] = '\0';
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, MODEL_ID_MAX, "%s", text(st, 0));
	sqlite3_reset(st);
	return RK_OK;
}
