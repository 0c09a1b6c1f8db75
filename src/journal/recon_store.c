/* recon_store.c — the reconciler's local state, read from the journal (see recon_store.h). */
#include "recon_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "project.h"
#include "rk_array.h"
#include "rk_index.h"
#include "rtime.h"
#include "sqlx.h"

static const char SQL_OPEN_ORDERS[] =
	"SELECT order_id, client_order_id, symbol, side, order_type, status, purpose, reduce_only,"
	" qty, price, stop_price, filled_qty, last_seen, fills_qty FROM orders"
	" WHERE venue = ?1 AND account = ?2 AND status IN ('open', 'partially_filled')"
	" ORDER BY symbol";
/* SQL_OPEN_ORDERS comes in the order of the partial index orders_open_only
 * (migration 0009), which has the symbol but not the order id next: the
 * orders of one symbol are put in order id order here (sort_by_order_id), so
 * SQLite sorts nothing in a temporary B-tree. */
/* The open orders of the venue and account, for the history queries below:
 * each reads only the rows of orders that are open now. */
#define OPEN_ORDER_IDS                                                                           \
	" (SELECT order_id FROM orders WHERE venue = ?1 AND account = ?2"                        \
	" AND status IN ('open', 'partially_filled'))"
/* Every stale_local_order finding of an open order in a complete run, by
 * order, most recent run first: an order's missing passes are its findings in
 * the complete runs after the last complete run that did not find it missing
 * (history_row, with SQL_COMPLETE_RUNS). */
static const char SQL_STALE_FINDINGS[] =
	"SELECT f.order_id, f.run_id, f.created_at FROM findings f JOIN recon_runs r ON r.id = f.run_id"
	" WHERE f.venue = ?1 AND f.account = ?2 AND f.kind = 'stale_local_order' AND r.complete = 1"
	" AND f.order_id IN" OPEN_ORDER_IDS " ORDER BY f.order_id, f.run_id DESC";
/* The ?3 most recent complete runs. */
static const char SQL_COMPLETE_RUNS[] =
	"SELECT id FROM recon_runs WHERE venue = ?1 AND account = ?2 AND complete = 1"
	" ORDER BY id DESC LIMIT ?3";
/* close_local_order lookups of open orders, by order, oldest first: the failed
 * ones since the last that succeeded count, and the latest one that reached
 * the venue says when (a lookup skipped by the breaker carries no response
 * and was never sent). */
static const char SQL_LOOKUPS[] =
	"SELECT order_id, id, status, updated_at, response IS NOT NULL FROM actions"
	" WHERE venue = ?1 AND account = ?2 AND kind = 'close_local_order'"
	" AND order_id IN" OPEN_ORDER_IDS " ORDER BY order_id, id";
/* Inferred fills (fill_stands_in) that real fills have not wholly
 * superseded, of every order, open or finished: a real fill listed later
 * absorbs them first (project.h). Summed per order in C, exactly. */
static const char SQL_INFERRED[] =
	"SELECT order_id, fill_id, qty, superseded_qty FROM fills"
	" WHERE venue = ?1 AND account = ?2 AND" PROJECT_SQL_OPEN_STAND_IN " ORDER BY order_id, seq";
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
/* Take-profit legs to place again (struct local_leg): a verified cancel of a
 * limit answering a blocking_order finding that kept the leg, with no later
 * placement for that key that succeeded or is unresolved, and no later
 * complete pass that found the key gone (resolved_by is that run's id). */
static const char SQL_PENDING_LEGS[] =
	"SELECT c.finding_key, c.symbol, c.order_id, o.side, json_extract(f.detail, '$.kept_qty'),"
	" o.price, c.id FROM actions c JOIN findings f ON f.id = c.finding_id"
	" JOIN orders o ON o.venue = c.venue AND o.order_id = c.order_id"
	" WHERE c.venue = ?1 AND c.account = ?2 AND c.kind = 'cancel_order' AND c.status = 'succeeded'"
	" AND f.kind = 'blocking_order' AND json_extract(f.detail, '$.take_profit_kept') = 1"
	" AND json_extract(f.detail, '$.kept_qty') IS NOT NULL AND o.price IS NOT NULL"
	" AND c.finding_key IS NOT NULL"
	" AND NOT EXISTS (SELECT 1 FROM actions p WHERE p.venue = c.venue AND p.account = c.account"
	"  AND p.finding_key = c.finding_key AND p.id > c.id"
	"  AND p.kind IN ('place_stop', 'replace_stop', 'emergency_close')"
	"  AND p.status IN ('succeeded', 'sent'))"
	" AND NOT EXISTS (SELECT 1 FROM findings g WHERE g.venue = c.venue AND g.account = c.account"
	"  AND g.finding_key = c.finding_key AND g.resolution = 'gone' AND g.resolved_by > c.id)"
	" ORDER BY c.id";
/* Destructive requests sent in the last hour (rule 7). A close_local_order
 * is a lookup followed by a local status change: it sends nothing
 * destructive, so it does not count. */
static const char SQL_DESTRUCTIVE_HOUR[] =
	"SELECT count(*) FROM actions WHERE venue = ?1 AND account = ?2"
	" AND kind IN ('cancel_order', 'emergency_close')"
	" AND status IN ('sent', 'succeeded', 'failed') AND updated_at >= ?3";
static const char SQL_CURSOR[] =
	"SELECT fills_cursor FROM recon_runs WHERE venue = ?1 AND account = ?2"
	" AND finished_at IS NOT NULL AND fills_cursor IS NOT NULL ORDER BY id DESC LIMIT 1";

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

/* A timestamp column reckon wrote; NULL gives 0. */
static enum rk_rc col_time(sqlite3_stmt *st, int i, int64_t *us, struct rk_err *err)
{
	*us = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return RK_OK;
	if (rtime_parse(sqlx_col_text(st, i), us, err) != RK_OK)
		return rk_err_prefix(err, "column %s", sqlite3_column_name(st, i));
	return RK_OK;
}

/* The journal identity mixed into client order ids: journal_identity
 * refuses a missing, doubled or malformed one, so no id is ever derived
 * without it. */
static enum rk_rc load_journal_id(struct journal *j, struct local_state *s, struct rk_err *err)
{
	char id[JOURNAL_ID_HEX];
	enum rk_rc rc = journal_identity(j, id, err);
	if (rc)
		return rc;
	snprintf(s->journal_id, sizeof s->journal_id, "%s", id);
	return RK_OK;
}

/* One row of SQL_STALE_FINDINGS. */
struct stale_row {
	char order_id[MODEL_ID_MAX];
	int64_t run_id;
	char created_at[RTIME_STR_MAX];
};

/* The lists being read, grown here and handed to the local_state (which
 * has no capacities) once the load ends, whether it succeeded or not. */
typedef char symbol_name[MODEL_SYM_MAX];
struct load {
	struct local_state *s;
	RK_ARRAY(struct local_order) orders;
	RK_ARRAY(struct local_inferred) inferred;
	RK_ARRAY(struct local_position) positions;
	RK_ARRAY(symbol_name) halted;
	RK_ARRAY(struct local_attempts) attempts;
	RK_ARRAY(struct local_leg) legs;
	struct rk_index orders_by_id;   /* orders, by order_id */
	/* SQL_STALE_FINDINGS, as read: */
	RK_ARRAY(struct stale_row) stale;
	size_t stale_group;             /* where the current order's rows start */
	size_t stale_most;              /* the most rows of one order */
	RK_ARRAY(int64_t) runs;         /* complete runs, most recent first */
};

/* Reads one row of a list query into the load. */
typedef enum rk_rc row_fn(sqlite3_stmt *st, struct load *ld, struct rk_err *err);

/* Reads every row of `sql` (bound to the venue and account) through `read`;
 * the first error stops it. */
static enum rk_rc each_row(struct journal *j, const char *sql, struct load *ld, const char *what,
			   row_fn *read, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = prepare(j, sql, ld->s->venue, ld->s->account, &st, err);
	while (!rc && !(rc = sqlx_step_row(st, &row, what, err)) && row)
		if ((rc = read(st, ld, err)))
			sqlite3_reset(st);
	return rc;
}

static enum rk_rc out_of_memory(struct rk_err *err)
{
	return rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* One row of SQL_OPEN_ORDERS. */
static enum rk_rc order_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	struct local_order *lo = rk_array_push(&ld->orders);
	if (!lo)
		return out_of_memory(err);
	struct order_rec *o = &lo->rec;
	o->venue = ld->s->venue;
	snprintf(o->account, sizeof o->account, "%s", ld->s->account);
	snprintf(o->order_id, sizeof o->order_id, "%s", sqlx_col_text(st, 0));
	snprintf(o->client_order_id, sizeof o->client_order_id, "%s", sqlx_col_text(st, 1));
	snprintf(o->symbol, sizeof o->symbol, "%s", sqlx_col_text(st, 2));
	o->side = side_parse(sqlx_col_text(st, 3));
	o->type = order_type_parse(sqlx_col_text(st, 4));
	o->status = order_status_parse(sqlx_col_text(st, 5));
	o->purpose = purpose_parse(sqlx_col_text(st, 6));
	o->reduce_only = sqlite3_column_int(st, 7) != 0;
	snprintf(o->ts, sizeof o->ts, "%s", sqlx_col_text(st, 12));
	enum rk_rc rc;
	if ((rc = sqlx_col_dec(st, 8, NULL, &o->qty, err)) ||
	    (rc = sqlx_col_dec(st, 9, &o->has_price, &o->price, err)) ||
	    (rc = sqlx_col_dec(st, 10, &o->has_stop_price, &o->stop_price, err)) ||
	    (rc = sqlx_col_dec(st, 11, &o->has_filled_qty, &o->filled_qty, err)) ||
	    (rc = sqlx_col_dec(st, 13, NULL, &lo->fills_qty, err)))
		return rk_err_prefix(err, "order %s", o->order_id);
	return RK_OK;
}

static const char *order_id_of(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct load *)ctx)->orders.v[i].rec.order_id;
}

/* One row of SQL_STALE_FINDINGS, kept for stale_history. */
static enum rk_rc stale_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	const char *id = sqlx_col_text(st, 0);
	size_t n = ld->stale.n;
	struct stale_row *r = rk_array_push(&ld->stale);
	if (!r)
		return out_of_memory(err);
	snprintf(r->order_id, sizeof r->order_id, "%s", id);
	r->run_id = sqlite3_column_int64(st, 1);
	snprintf(r->created_at, sizeof r->created_at, "%s", sqlx_col_text(st, 2));
	/* Rows of one order are consecutive: the longest run of them. */
	if (n == 0 || strcmp(ld->stale.v[n - 1].order_id, id) != 0)
		ld->stale_group = n;
	if (n + 1 - ld->stale_group > ld->stale_most)
		ld->stale_most = n + 1 - ld->stale_group;
	return RK_OK;
}

static enum rk_rc run_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	int64_t *id = rk_array_push(&ld->runs);
	if (!id)
		return out_of_memory(err);
	*id = sqlite3_column_int64(st, 0);
	return RK_OK;
}

/*
 * Missing passes of the orders with stale findings: walking an order's
 * findings (most recent run first) beside the complete runs (most recent
 * first), the passes are the findings before the first complete run without
 * one — the complete runs after the last that did not find it missing — and
 * missing_since the earliest of their created_at.
 */
static enum rk_rc stale_history(struct load *ld, struct rk_err *err)
{
	for (size_t a = 0, b; a < ld->stale.n; a = b) {
		const struct stale_row *first = &ld->stale.v[a];
		const char *since = NULL;
		size_t k = 0;
		int passes = 0;
		for (b = a; b < ld->stale.n && strcmp(ld->stale.v[b].order_id, first->order_id) == 0;
		     b++) {
			int64_t run = ld->stale.v[b].run_id;
			if (k > 0 && run == ld->runs.v[k - 1])
				; /* another finding of a run already counted: counted too */
			else if (k < ld->runs.n && run == ld->runs.v[k])
				k++;
			else
				break; /* runs.v[k] did not find it missing: the passes end */
			passes++;
			if (!since || strcmp(ld->stale.v[b].created_at, since) < 0)
				since = ld->stale.v[b].created_at;
		}
		while (b < ld->stale.n && strcmp(ld->stale.v[b].order_id, first->order_id) == 0)
			b++;
		int64_t since_us = 0;
		if (passes > 0 && rtime_parse(since, &since_us, err) != RK_OK)
			return rk_err_prefix(err, "finding of order %s: created_at", first->order_id);
		for (size_t i = rk_index_first(&ld->orders_by_id, first->order_id, NULL);
		     i != RK_INDEX_NONE; i = rk_index_next(&ld->orders_by_id, i)) {
			ld->orders.v[i].missing_passes = passes;
			ld->orders.v[i].missing_since_us = since_us;
		}
	}
	return RK_OK;
}

/* The close_local_order lookups of one order, read from rows [a, b) of
 * SQL_LOOKUPS into every local order with that id. */
struct lookups {
	char order_id[MODEL_ID_MAX];
	int64_t last_succeeded;  /* id, 0 none */
	int failed_after;        /* failed lookups after it */
	int64_t last_sent;       /* updated_at of the latest one that reached the venue */
	bool any;
};

static enum rk_rc lookups_done(struct load *ld, const struct lookups *l)
{
	for (size_t i = rk_index_first(&ld->orders_by_id, l->order_id, NULL); l->any &&
	     i != RK_INDEX_NONE; i = rk_index_next(&ld->orders_by_id, i)) {
		ld->orders.v[i].lookup_failures = l->failed_after;
		ld->orders.v[i].last_lookup_us = l->last_sent;
	}
	return RK_OK;
}

/* The lookups of every open order, in one query (rows by order, oldest first). */
static enum rk_rc load_lookups(struct journal *j, struct load *ld, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	struct lookups l = {.any = false};
	enum rk_rc rc = prepare(j, SQL_LOOKUPS, ld->s->venue, ld->s->account, &st, err);
	while (!rc && !(rc = sqlx_step_row(st, &row, "reading lookups", err)) && row) {
		const char *id = sqlx_col_text(st, 0), *status = sqlx_col_text(st, 2);
		if (!l.any || strcmp(l.order_id, id) != 0) {
			lookups_done(ld, &l);
			l = (struct lookups){.any = true};
			snprintf(l.order_id, sizeof l.order_id, "%s", id);
		}
		if (strcmp(status, "succeeded") == 0) {
			l.last_succeeded = sqlite3_column_int64(st, 1);
			l.failed_after = 0;
		} else if (strcmp(status, "failed") == 0) {
			l.failed_after++;
		}
		if (strcmp(status, "sent") == 0 || strcmp(status, "succeeded") == 0 ||
		    strcmp(status, "failed") == 0 || sqlite3_column_int(st, 4) != 0)
			rc = col_time(st, 3, &l.last_sent, err);
		if (rc)
			sqlite3_reset(st);
	}
	if (!rc)
		lookups_done(ld, &l);
	return rc;
}

/* Missing passes and lookups of every open order: a few queries for all of
 * them, whatever their number, joined here by order id. */
static enum rk_rc load_order_history(struct journal *j, struct load *ld, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = RK_OK;
	rk_index_init(&ld->orders_by_id, 1, order_id_of, ld);
	for (size_t i = 0; i < ld->orders.n; i++)
		if (!rk_index_add(&ld->orders_by_id, i))
			return out_of_memory(err);
	if ((rc = each_row(j, SQL_STALE_FINDINGS, ld, "reading missing passes", stale_row, err)))
		return rc;
	if (ld->stale.n) {
		/* An order's walk reads at most one run more than it has findings. */
		if ((rc = prepare(j, SQL_COMPLETE_RUNS, ld->s->venue, ld->s->account, &st, err)))
			return rc;
		sqlite3_bind_int64(st, 3, (sqlite3_int64)ld->stale_most + 1);
		while (!rc && !(rc = sqlx_step_row(st, &row, "reading complete runs", err)) && row)
			if ((rc = run_row(st, ld, err)))
				sqlite3_reset(st);
		if (rc || (rc = stale_history(ld, err)))
			return rc;
	}
	return load_lookups(j, ld, err);
}

static int by_order_id(const void *a, const void *b)
{
	return strcmp(((const struct local_order *)a)->rec.order_id,
		      ((const struct local_order *)b)->rec.order_id);
}

/* The orders, which come by symbol, by symbol and order id (as SQLite's
 * ORDER BY symbol, order_id: byte order; order ids are unique). */
static void sort_by_order_id(struct load *ld)
{
	struct local_order *v = ld->orders.v;
	for (size_t i = 0, k; i < ld->orders.n; i = k) {
		for (k = i + 1; k < ld->orders.n && strcmp(v[k].rec.symbol, v[i].rec.symbol) == 0; k++)
			;
		if (k - i > 1)
			qsort(v + i, k - i, sizeof *v, by_order_id);
	}
}

static enum rk_rc load_orders(struct journal *j, struct load *ld, struct rk_err *err)
{
	enum rk_rc rc = each_row(j, SQL_OPEN_ORDERS, ld, "reading open orders", order_row, err);
	if (rc)
		return rc;
	sort_by_order_id(ld);
	return load_order_history(j, ld, err);
}

/* One row of SQL_INFERRED, added to its order's entry (the rows come by order). */
static enum rk_rc inferred_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	struct dec qty, superseded, open;
	enum rk_rc rc;
	if ((rc = sqlx_col_dec(st, 2, NULL, &qty, err)) ||
	    (rc = sqlx_col_dec(st, 3, NULL, &superseded, err)))
		return rk_err_prefix(err, "inferred fill %s", sqlx_col_text(st, 1));
	if (dec_sub(qty, superseded, &open) != DEC_OK || dec_sign(open) < 0)
		return rk_err_set(err, RK_ECORRUPT, "inferred fill %s: superseded_qty exceeds qty",
				  sqlx_col_text(st, 1));
	if (dec_is_zero(open))
		return RK_OK;
	struct local_inferred *in = ld->inferred.n ? &ld->inferred.v[ld->inferred.n - 1] : NULL;
	if (!in || strcmp(in->order_id, sqlx_col_text(st, 0)) != 0) {
		if (!(in = rk_array_push(&ld->inferred)))
			return out_of_memory(err);
		snprintf(in->order_id, sizeof in->order_id, "%s", sqlx_col_text(st, 0));
		in->qty = dec_zero();
	}
	if (dec_add(in->qty, open, &in->qty) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "inferred fills of order %s: quantity overflows",
				  in->order_id);
	return RK_OK;
}

static enum rk_rc position_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	struct local_position *p = rk_array_push(&ld->positions);
	enum rk_rc rc;
	if (!p)
		return out_of_memory(err);
	snprintf(p->symbol, sizeof p->symbol, "%s", sqlx_col_text(st, 0));
	if ((rc = sqlx_col_dec(st, 1, NULL, &p->qty, err)) ||
	    (rc = sqlx_col_dec(st, 2, &p->has_avg, &p->avg_entry, err)))
		return rk_err_prefix(err, "position %s", p->symbol);
	return RK_OK;
}

static enum rk_rc load_fill_known(struct journal *j, struct local_state *s,
				  const struct venue_snapshot *snap, struct rk_err *err)
{
	if (!snap || snap->nfills == 0)
		return RK_OK;
	bool *known = calloc(snap->nfills, sizeof *known);
	if (!known)
		return out_of_memory(err);
	s->fill_known = known;
	enum rk_rc rc = RK_OK;
	for (size_t i = 0; !rc && i < snap->nfills; i++) {
		sqlite3_stmt *st;
		if ((rc = journal_stmt(j, SQL_FILL_KNOWN, &st, err)))
			break;
		sqlite3_bind_text(st, 1, venue_name(s->venue), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, snap->fills[i].fill_id, -1, SQLITE_STATIC);
		rc = sqlx_step_row(st, &known[i], "reading known fills", err);
		sqlite3_reset(st);
	}
	return rc;
}

static enum rk_rc halt_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	symbol_name *h = rk_array_push(&ld->halted);
	if (!h)
		return out_of_memory(err);
	snprintf(*h, sizeof *h, "%s", sqlx_col_text(st, 0));
	return RK_OK;
}

static enum rk_rc attempts_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	struct local_attempts *a = rk_array_push(&ld->attempts);
	if (!a)
		return out_of_memory(err);
	snprintf(a->key, sizeof a->key, "%s", sqlx_col_text(st, 0));
	a->finished = sqlite3_column_int(st, 1);
	return RK_OK;
}

static enum rk_rc leg_row(sqlite3_stmt *st, struct load *ld, struct rk_err *err)
{
	struct local_leg *l = rk_array_push(&ld->legs);
	enum rk_rc rc;
	if (!l)
		return out_of_memory(err);
	if ((rc = sqlx_col_dec(st, 4, NULL, &l->qty, err)) ||
	    (rc = sqlx_col_dec(st, 5, NULL, &l->price, err)))
		return rc;
	snprintf(l->key, sizeof l->key, "%s", sqlx_col_text(st, 0));
	snprintf(l->symbol, sizeof l->symbol, "%s", sqlx_col_text(st, 1));
	snprintf(l->order_id, sizeof l->order_id, "%s", sqlx_col_text(st, 2));
	l->side = side_parse(sqlx_col_text(st, 3));
	l->cancel_action_id = sqlite3_column_int64(st, 6);
	return RK_OK;
}

enum rk_rc recon_store_destructive_hour(struct journal *j, enum venue_kind venue,
					const char *account, int64_t now_us, int *count,
					struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	char since[RTIME_STR_MAX];
	*count = 0;
	enum rk_rc rc = prepare(j, SQL_DESTRUCTIVE_HOUR, venue, account, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 3, rtime_format(now_us - 3600LL * 1000000, since), -1,
			  SQLITE_TRANSIENT);
	if ((rc = sqlx_step_row(st, &row, "reading destructive actions", err)))
		return rc;
	if (!row)
		return rk_err_set(err, RK_EDB, "reading destructive actions: no row");
	*count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return RK_OK;
}

static enum rk_rc load_breaker(struct journal *j, struct local_state *s, struct rk_err *err)
{
	return recon_store_destructive_hour(j, s->venue, s->account, s->now_us,
					    &s->destructive_last_hour, err);
}

/* Every part, in one read transaction, into ld->s and ld's lists. */
static enum rk_rc load_all(struct journal *j, struct load *ld, const struct venue_snapshot *snap,
			   struct rk_err *err)
{
	enum rk_rc rc;
	if ((rc = load_journal_id(j, ld->s, err)) || (rc = load_orders(j, ld, err)) ||
	    (rc = each_row(j, SQL_INFERRED, ld, "reading inferred fills", inferred_row, err)) ||
	    (rc = each_row(j, SQL_POSITIONS, ld, "reading positions", position_row, err)) ||
	    (rc = load_fill_known(j, ld->s, snap, err)) ||
	    (rc = each_row(j, SQL_HALTS, ld, "reading halts", halt_row, err)) ||
	    (rc = each_row(j, SQL_ATTEMPTS, ld, "reading attempts", attempts_row, err)) ||
	    (rc = each_row(j, SQL_PENDING_LEGS, ld, "reading take-profit legs", leg_row, err)))
		return rc;
	return load_breaker(j, ld->s, err);
}

enum rk_rc recon_store_load(struct journal *j, enum venue_kind venue, const char *account,
			    const struct venue_snapshot *snap, int64_t now_us,
			    struct local_state *out, struct rk_err *err)
{
	struct load ld = {.s = out};
	bool began = false;
	enum rk_rc rc;
	memset(out, 0, sizeof *out);
	out->venue = venue;
	out->now_us = now_us;
	snprintf(out->account, sizeof out->account, "%s", account);
	/* One read transaction: every part is read from the same state of the
	 * journal, whatever another process commits meanwhile. */
	if ((rc = sqlx_read_begin(journal_db(j), &began, err)))
		return rc;
	rc = load_all(j, &ld, snap, err);
	out->orders = ld.orders.v, out->norders = ld.orders.n;
	out->inferred = ld.inferred.v, out->ninferred = ld.inferred.n;
	out->positions = ld.positions.v, out->npositions = ld.positions.n;
	out->halted = ld.halted.v, out->nhalted = ld.halted.n;
	out->attempts = ld.attempts.v, out->nattempts = ld.attempts.n;
	out->legs = ld.legs.v, out->nlegs = ld.legs.n;
	rk_index_free(&ld.orders_by_id);
	free(ld.stale.v);
	free(ld.runs.v);
	if (rc)
		recon_store_free(out);
	sqlx_read_end(journal_db(j), began);
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
	free(s->legs);
	free(s->inferred);
	memset(s, 0, sizeof *s);
}

enum rk_rc recon_store_fills_cursor(struct journal *j, enum venue_kind venue, const char *account,
				    char out[MODEL_ID_MAX], struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = prepare(j, SQL_CURSOR, venue, account, &st, err);
	out[0] = '\0';
	if (!rc)
		rc = sqlx_step_row(st, &row, "reading the fill cursor", err);
	if (!rc && row) {
		snprintf(out, MODEL_ID_MAX, "%s", sqlx_col_text(st, 0));
		sqlite3_reset(st);
	}
	return rc;
}
