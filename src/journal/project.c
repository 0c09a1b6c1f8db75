/* project.c — the orders, fills and positions projections of `order` and
 * `fill` events (see project.h). */
#include "project.h"

#include <stdio.h>
#include <string.h>

#include "lots.h"
#include "model.h"
#include "record.h"
#include "rollup.h"
#include "sqlx.h"

/* ---- orders ------------------------------------------------------------- */

/*
 * An order's row keeps what its reports said and what its fills add up to
 * apart: fills_qty is the sum of its journaled fills, filled_qty the larger
 * of that and the largest filled quantity a report gave. Reports and fills
 * come from different streams, in any order; neither is added to the other.
 */
struct order_row {
	bool found;
	bool from_fill;                 /* known only through its fills: no report yet */
	bool has_qty;
	struct order_rec rec;           /* rec.filled_qty: max(reported, fills_qty) */
	struct dec fills_qty;           /* the sum of its journaled fills */
};

static const char SQL_ORDER_GET[] =
	"SELECT account, symbol, side, status, from_fill, qty, filled_qty, client_order_id,"
	" order_type, purpose, reduce_only, price, stop_price, fills_qty FROM orders"
	" WHERE venue = ?1 AND order_id = ?2";

static void col_text(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", sqlx_col_text(st, i));
}

static enum rk_rc order_row_read(sqlite3_stmt *st, struct order_row *row, struct rk_err *err)
{
	struct order_rec *r = &row->rec;
	enum rk_rc rc;
	row->found = true;
	col_text(st, 0, r->account, sizeof r->account);
	col_text(st, 1, r->symbol, sizeof r->symbol);
	r->side = side_parse((const char *)sqlite3_column_text(st, 2));
	r->status = order_status_parse((const char *)sqlite3_column_text(st, 3));
	row->from_fill = sqlite3_column_int(st, 4) != 0;
	col_text(st, 7, r->client_order_id, sizeof r->client_order_id);
	r->type = order_type_parse((const char *)sqlite3_column_text(st, 8));
	r->purpose = purpose_parse((const char *)sqlite3_column_text(st, 9));
	r->reduce_only = sqlite3_column_int(st, 10) != 0;
	if ((rc = sqlx_col_dec(st, 5, &row->has_qty, &r->qty, err)) ||
	    (rc = sqlx_col_dec(st, 6, NULL, &r->filled_qty, err)) ||
	    (rc = sqlx_col_dec(st, 11, &r->has_price, &r->price, err)) ||
	    (rc = sqlx_col_dec(st, 12, &r->has_stop_price, &r->stop_price, err)) ||
	    (rc = sqlx_col_dec(st, 13, NULL, &row->fills_qty, err)))
		return rc;
	r->has_filled_qty = true;
	return RK_OK;
}

static enum rk_rc order_get(struct journal *j, const char *venue, const char *order_id,
			    struct order_row *row, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_ORDER_GET, &st, err);
	memset(row, 0, sizeof *row);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
	bool found;
	if ((rc = sqlx_step_row(st, &found, "reading order", err)) || !found)
		return rc;
	rc = order_row_read(st, row, err);
	sqlite3_reset(st);
	return rc;
}

/* The value of a field for a message ("none" when absent). */
static const char *shown(const char *s)
{
	return s && s[0] ? s : "none";
}

static bool opt_dec_eq(bool has_a, struct dec a, bool has_b, struct dec b)
{
	return has_a == has_b && (!has_a || dec_eq(a, b));
}

/*
 * A finished (terminal) order's identity never changes. A report that
 * leaves out client_order_id or purpose states nothing about them (the
 * journaled ones stay); every other identity field is stated by every
 * report and must agree. qty, price and stop_price are compared only when
 * `amounts` is set (a stale report may predate an amendment of them). Side,
 * symbol and account are checked for every order (order_identity_check).
 */
static enum rk_rc terminal_identity_check(const struct order_rec *was, const struct order_rec *o,
					  bool amounts, struct rk_err *err)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	const char *field = NULL, *old = NULL, *now = NULL;
	if (o->type != was->type)
		field = "order_type", old = order_type_name(was->type), now = order_type_name(o->type);
	else if (o->purpose != PURPOSE_NONE && o->purpose != was->purpose)
		field = "purpose", old = purpose_name(was->purpose), now = purpose_name(o->purpose);
	else if (o->client_order_id[0] && strcmp(o->client_order_id, was->client_order_id) != 0)
		field = "client_order_id", old = was->client_order_id, now = o->client_order_id;
	else if (o->reduce_only != was->reduce_only)
		field = "reduce_only", old = was->reduce_only ? "true" : "false",
		now = o->reduce_only ? "true" : "false";
	else if (!amounts)
		return RK_OK;
	else if (!dec_eq(o->qty, was->qty))
		field = "qty", old = dec_format(was->qty, a), now = dec_format(o->qty, b);
	else if (!opt_dec_eq(o->has_price, o->price, was->has_price, was->price))
		field = "price", old = was->has_price ? dec_format(was->price, a) : NULL,
		now = o->has_price ? dec_format(o->price, b) : NULL;
	else if (!opt_dec_eq(o->has_stop_price, o->stop_price, was->has_stop_price,
			     was->stop_price))
		field = "stop_price",
		old = was->has_stop_price ? dec_format(was->stop_price, a) : NULL,
		now = o->has_stop_price ? dec_format(o->stop_price, b) : NULL;
	if (!field)
		return RK_OK;
	return rk_err_set(err, RK_ECONFLICT,
			  "field '%s': order %s is %s and a finished order never changes "
			  "(journaled %s, reported %s)",
			  field, o->order_id, order_status_name(was->status), shown(old), shown(now));
}

/* Refuses a report for another account, symbol or side than the order's. */
static enum rk_rc order_identity_check(const struct order_row *row, const struct order_rec *o,
				       struct rk_err *err)
{
	const struct order_rec *was = &row->rec;
	if (strcmp(was->account, o->account) != 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'account': order %s is journaled for account %s, not %s",
				  o->order_id, was->account, o->account);
	if (strcmp(was->symbol, o->symbol) != 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'symbol': order %s is journaled for %s, not %s", o->order_id,
				  was->symbol, o->symbol);
	if (was->side != o->side)
		return rk_err_set(err, RK_ECONFLICT, "field 'side': order %s is a %s%s, not a %s",
				  o->order_id, side_name(was->side),
				  row->from_fill ? " (by its fills)" : "", side_name(o->side));
	return RK_OK;
}

/* The filled quantity a report states: its filled_qty; without one, all of
 * qty when it says filled, else nothing. */
static struct dec report_filled(const struct order_rec *o)
{
	if (o->has_filled_qty)
		return o->filled_qty;
	return o->status == OSTATUS_FILLED ? o->qty : dec_zero();
}

/* Refuses a report that contradicts itself: its filled_qty is its whole
 * qty, yet it does not say filled. */
static enum rk_rc report_self_check(const struct order_rec *o, struct rk_err *err)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	if (o->status == OSTATUS_FILLED || !dec_eq(report_filled(o), o->qty))
		return RK_OK;
	return rk_err_set(err, RK_ECONFLICT,
			  "field 'status': order %s is completely filled (%s of %s), not %s",
			  o->order_id, dec_format(o->filled_qty, a), dec_format(o->qty, b),
			  order_status_name(o->status));
}

/* What a report is measured against: the journaled order, or, for an order
 * known only from its fills, what those fills make of the report's qty. */
struct order_state {
	enum order_status status;
	struct dec filled; /* max(reported, fills) */
	bool by_fills;     /* the status comes from the fills alone */
};

static struct order_state state_for_report(const struct order_row *row, const struct order_rec *o)
{
	struct order_state cur = {OSTATUS_OPEN, row->rec.filled_qty, false};
	if (!row->found) {
		cur.filled = dec_zero();
	} else if (row->from_fill) {
		cur.by_fills = true;
		cur.status = dec_cmp(row->fills_qty, o->qty) >= 0 ? OSTATUS_FILLED
								  : OSTATUS_PARTIALLY_FILLED;
	} else {
		cur.status = row->rec.status;
	}
	return cur;
}

/* open < partially_filled < every terminal status. */
static int status_rank(enum order_status s)
{
	return order_status_is_terminal(s) ? 2 : s == OSTATUS_PARTIALLY_FILLED ? 1 : 0;
}

/* Would status `to` take an order in `from` back: to a lower status, or
 * from one terminal status to another? A report that an order cancelled or
 * expired filled after all does not: the cancel raced the fills. */
static bool status_goes_back(enum order_status from, enum order_status to)
{
	if (from == to)
		return false;
	if (order_status_is_terminal(from))
		return !(to == OSTATUS_FILLED &&
			 (from == OSTATUS_CANCELLED || from == OSTATUS_EXPIRED));
	return status_rank(to) < status_rank(from);
}

/*
 * Is report `o` stale: behind what the journal already holds about the
 * order's progress, which only goes forward? It is when its status would
 * take the order back, or when it repeats the status of an order not yet
 * finished but states less filled than the journal holds. Whether a report
 * is behind is judged by that progress, never by comparing ts: venues stamp
 * an order's every report with its creation time (Coinbase), bots with
 * their own clock, fills with the trade's. Writes the reason into `why`.
 */
static bool report_is_stale(const struct order_state *cur, const struct order_rec *o,
			    char *why, size_t cap)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	if (status_goes_back(cur->status, o->status))
		snprintf(why, cap, "order %s is already %s%s; the report says %s", o->order_id,
			 order_status_name(cur->status), cur->by_fills ? " (by its fills)" : "",
			 order_status_name(o->status));
	else if (o->status != cur->status)
		return false;
	else if (!order_status_is_terminal(cur->status) && o->has_filled_qty &&
		 dec_cmp(o->filled_qty, cur->filled) < 0)
		snprintf(why, cap, "order %s has %s filled in the journal; the report says %s",
			 o->order_id, dec_format(cur->filled, a), dec_format(o->filled_qty, b));
	else
		return false;
	return true;
}

/* The status a report leaves: filled when the filled quantity completes
 * qty; the journal's when the report is stale; partially_filled for an
 * "open" order with some filled; else the report's. */
static enum order_status status_after_report(const struct order_state *cur, bool stale,
					     const struct order_rec *o, struct dec filled)
{
	if (dec_eq(filled, o->qty))
		return OSTATUS_FILLED;
	if (stale)
		return cur->status;
	if (o->status == OSTATUS_OPEN && dec_sign(filled) > 0)
		return OSTATUS_PARTIALLY_FILLED;
	return o->status;
}

static const char SQL_ORDER_UPSERT[] =
	"INSERT INTO orders(venue, account, symbol, order_id, client_order_id, side, order_type,"
	" purpose, reduce_only, qty, price, stop_price, filled_qty, status, from_fill,"
	" first_seen, last_seen, first_seq, last_seq, fills_qty)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, ?15, ?15, ?16, ?16,"
	" '0')"
	" ON CONFLICT(venue, order_id) DO UPDATE SET"
	" client_order_id = COALESCE(excluded.client_order_id, orders.client_order_id),"
	" side = excluded.side, order_type = excluded.order_type,"
	" purpose = COALESCE(excluded.purpose, orders.purpose), reduce_only = excluded.reduce_only,"
	" qty = excluded.qty, price = excluded.price, stop_price = excluded.stop_price,"
	" filled_qty = excluded.filled_qty, status = excluded.status, from_fill = 0,"
	" last_seen = max(orders.last_seen, excluded.last_seen), last_seq = excluded.last_seq";

static enum rk_rc order_write(struct journal *j, int64_t seq, const struct order_rec *o,
			      struct dec filled, enum order_status status, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_ORDER_UPSERT, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(o->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->order_id, -1, SQLITE_STATIC);
	sqlx_bind_opt_text(st, 5, o->client_order_id);
	sqlite3_bind_text(st, 6, side_name(o->side), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, order_type_name(o->type), -1, SQLITE_STATIC);
	sqlx_bind_opt_text(st, 8, purpose_name(o->purpose));
	sqlite3_bind_int(st, 9, o->reduce_only);
	sqlx_bind_dec(st, 10, o->qty);
	sqlx_bind_opt_dec(st, 11, o->has_price, o->price);
	sqlx_bind_opt_dec(st, 12, o->has_stop_price, o->stop_price);
	sqlx_bind_dec(st, 13, filled);
	sqlite3_bind_text(st, 14, order_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, o->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, seq);
	return sqlx_step_done(st, "writing order", err);
}

/*
 * Applies an order report. A contradiction is refused: another account,
 * symbol or side; a finished order's other identity fields; a qty below
 * what is filled; a report that contradicts itself. A stale report
 * (report_is_stale) sets *stale, with the reason in err (err->rc RK_OK): it
 * changes no status or filled quantity; of a finished order it changes
 * nothing at all, and of any other its remaining fields (qty, prices, type,
 * ids) are recorded as every report's are, the first report of an order
 * known only from its fills included.
 */
static enum rk_rc apply_order(struct journal *j, int64_t seq, const struct order_rec *o,
			      bool *stale, struct rk_err *err)
{
	struct order_row row;
	char a[DEC_STR_MAX], b[DEC_STR_MAX], why[RK_ERR_MSG_MAX - 64];
	enum rk_rc rc = order_get(j, venue_name(o->venue), o->order_id, &row, err);
	if (rc || (rc = report_self_check(o, err)) ||
	    (row.found && (rc = order_identity_check(&row, o, err))))
		return rc;
	struct order_state cur = state_for_report(&row, o);
	*stale = row.found && report_is_stale(&cur, o, why, sizeof why);
	bool finished = row.found && !row.from_fill && order_status_is_terminal(row.rec.status);
	if (finished && (rc = terminal_identity_check(&row.rec, o, !*stale, err)))
		return rc;
	if (*stale && finished)
		return rk_err_set(err, RK_OK, "stale, changes nothing: %s", why);
	struct dec filled = *stale ? cur.filled : dec_max(cur.filled, report_filled(o));
	if (dec_cmp(filled, o->qty) > 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'qty': order %s has %s filled; qty %s is less", o->order_id,
				  dec_format(filled, a), dec_format(o->qty, b));
	rc = order_write(j, seq, o, filled, status_after_report(&cur, *stale, o, filled), err);
	if (!rc && *stale)
		rk_err_set(err, RK_OK, "stale, changes no status or filled quantity: %s", why);
	return rc;
}

/* ---- fills -------------------------------------------------------------- */

static const char SQL_FILL_INSERT[] =
	"INSERT INTO fills(venue, account, symbol, fill_id, order_id, side, qty, price, fee,"
	" fee_currency, liquidity, ts, inferred, seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char SQL_ORDER_FROM_FILL[] =
	"INSERT INTO orders(venue, account, symbol, order_id, side, qty, filled_qty, fills_qty,"
	" status, from_fill, first_seen, last_seen, first_seq, last_seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, 'filled', 1, ?7, ?7, ?8, ?8)";
static const char SQL_ORDER_FILLED[] =
	"UPDATE orders SET qty = ?3, filled_qty = ?4, fills_qty = ?5, status = ?6,"
	" last_seen = max(last_seen, ?7), last_seq = ?8 WHERE venue = ?1 AND order_id = ?2";

/* Many bots report only fills: the fill tells us the order existed. */
static enum rk_rc order_from_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
				  struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_ORDER_FROM_FILL, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, side_name(f->side), -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 6, f->qty);
	sqlite3_bind_text(st, 7, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, seq);
	return sqlx_step_done(st, "creating order from fill", err);
}

/* Refuses a fill that contradicts its journaled order. */
static enum rk_rc fill_order_check(const struct order_rec *o, const struct fill_rec *f,
				   struct rk_err *err)
{
	if (strcmp(o->account, f->account) != 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'account': fill %s: order %s is journaled for account %s, "
				  "not %s",
				  f->fill_id, f->order_id, o->account, f->account);
	if (strcmp(o->symbol, f->symbol) != 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'symbol': fill %s: order %s is journaled for %s, not %s",
				  f->fill_id, f->order_id, o->symbol, f->symbol);
	if (o->side != f->side)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'side': fill %s: order %s is a %s, the fill a %s", f->fill_id,
				  f->order_id, side_name(o->side), side_name(f->side));
	return RK_OK;
}

/*
 * Adds `adds` (what a fill adds beyond the inferred quantity it supersedes:
 * see supersede_inferred) to its order's fills_qty; filled_qty becomes the larger of
 * that and what the reports said. A fill overfills the order only when the
 * fills alone exceed its qty. A fill that completes the order's qty makes it
 * filled whatever was reported before (a cancel that raced the last fills):
 * the fills are the venue's facts.
 */
static enum rk_rc fill_update_order(struct journal *j, int64_t seq, const struct fill_rec *f,
				    struct dec adds, struct rk_err *err)
{
	struct order_row row;
	sqlite3_stmt *st;
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	enum rk_rc rc = order_get(j, venue_name(f->venue), f->order_id, &row, err);
	if (rc)
		return rc;
	if (!row.found)
		return order_from_fill(j, seq, f, err);
	if ((rc = fill_order_check(&row.rec, f, err)))
		return rc;
	struct dec fills, filled, qty = row.rec.qty;
	if (dec_add(row.fills_qty, adds, &fills) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "fill %s: filled quantity overflows", f->fill_id);
	enum order_status status = row.rec.status;
	filled = dec_max(row.rec.filled_qty, fills);
	if (row.from_fill || !row.has_qty)
		qty = filled = fills; /* the order is only known through its fills */
	else if (dec_cmp(fills, qty) > 0)
		return rk_err_set(err, RK_ECONFLICT,
				  "field 'qty': fill %s: order %s would be filled %s of qty %s",
				  f->fill_id, f->order_id, dec_format(fills, a), dec_format(qty, b));
	if (dec_eq(filled, qty))
		status = OSTATUS_FILLED;
	else if (order_status_is_open(status))
		status = OSTATUS_PARTIALLY_FILLED;
	if ((rc = journal_stmt(j, SQL_ORDER_FILLED, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->order_id, -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 3, qty);
	sqlx_bind_dec(st, 4, filled);
	sqlx_bind_dec(st, 5, fills);
	sqlite3_bind_text(st, 6, order_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, seq);
	return sqlx_step_done(st, "updating order from fill", err);
}

static const char SQL_POS_GET[] =
	"SELECT qty, avg_entry FROM positions WHERE venue = ?1 AND account = ?2 AND symbol = ?3";
static const char SQL_POS_PUT[] =
	"INSERT INTO positions(venue, account, symbol, qty, avg_entry, updated_at, last_seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(venue, account, symbol) DO UPDATE SET"
	" qty = excluded.qty, avg_entry = excluded.avg_entry,"
	" updated_at = max(positions.updated_at, excluded.updated_at), last_seq = excluded.last_seq";

/* The position after a fill, by position_apply_superseding (model.h): the
 * one rule for the average entry, shared with the reconciler. The part of the
 * fill that supersedes inferred quantity (`absorbed`) keeps the entry the
 * inferred fill gave it; the lots (lots.h) hold the real prices. */
static enum rk_rc apply_position(struct journal *j, int64_t seq, const struct fill_rec *f,
				 struct dec absorbed, struct rk_err *err)
{
	sqlite3_stmt *st;
	const char *venue = venue_name(f->venue);
	struct position_state pos = {.qty = dec_zero(), .has_avg = false, .avg = dec_zero()};
	struct dec delta;
	if (!fill_position_delta(f, &delta))
		return rk_err_set(err, RK_EINVAL, "fill %s: base-asset fee is not less than qty",
				  f->fill_id);
	enum rk_rc rc = journal_stmt(j, SQL_POS_GET, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	bool row;
	if ((rc = sqlx_step_row(st, &row, "reading position", err)))
		return rc;
	if (row) {
		rc = sqlx_col_dec(st, 0, NULL, &pos.qty, err);
		if (!rc)
			rc = sqlx_col_dec(st, 1, &pos.has_avg, &pos.avg, err);
		sqlite3_reset(st);
		if (rc)
			return rc;
	}
	if (!position_apply_superseding(&pos, f, absorbed))
		return rk_err_set(err, RK_EOVERFLOW, "fill %s: position or average entry overflows",
				  f->fill_id);
	if ((rc = journal_stmt(j, SQL_POS_PUT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 4, pos.qty);
	sqlx_bind_opt_dec(st, 5, pos.has_avg, pos.avg);
	sqlite3_bind_text(st, 6, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, seq);
	return sqlx_step_done(st, "writing position", err);
}

/* ---- inferred fills superseded by real ones -------------------------------- */


/*
 * An inferred fill stands for quantity the exchange reported filled while no
 * fill record explained it: the reconciler journals it inferred (fills.inferred
 * = 1) under a fill id "inferred:ORDER_ID:FILLED_QTY" (reconcile.h). A listed
 * fill the journal lacked is journaled inferred too, under its venue fill id:
 * that one is a real fill. The real fills of its order, when they arrive
 * (from a bot or the venue's listing), replace an inferred one: a real fill
 * first absorbs the quantity of its order's inferred fills that no real fill
 * has absorbed yet, oldest first (recorded as their superseded_qty; written
 * before the fill's checks, so a refused fill is rolled back by the caller
 * as lots.h asks), and only the rest of it
 * adds to the order's fills_qty and moves the position. An order's fills
 * therefore count sum(real) + sum(inferred - superseded): an inferred fill is
 * the gap beyond the fills journaled when it was inferred, so it is never
 * absorbed by those. The lots hold an inferred fill's qty - superseded_qty
 * and re-allocate from the earliest one changed (lots.h).
 */
struct supersede {
	struct dec absorbed;            /* of the new real fill's qty */
	bool changed;                   /* some inferred fill lost quantity: */
	char from_ts[MODEL_TS_MAX];     /* the earliest (ts, seq) of those */
	int64_t from_seq;
};

static const char SQL_INFERRED_OPEN[] =
	"SELECT fill_id, qty, superseded_qty, ts, seq FROM fills"
	" WHERE venue = ?1 AND order_id = ?2 AND" PROJECT_SQL_OPEN_STAND_IN " ORDER BY seq";
static const char SQL_INFERRED_SUPERSEDE[] =
	"UPDATE fills SET superseded_qty = ?3 WHERE venue = ?1 AND fill_id = ?2";

/* Absorbs what it can of one inferred fill (the current row of `st`) into
 * *left; writes its new superseded_qty through `up`. */
static enum rk_rc supersede_one(sqlite3_stmt *st, sqlite3_stmt *up,
				struct dec *left, struct supersede *out, struct rk_err *err)
{
	struct dec qty, done, open, take;
	enum rk_rc rc;
	if ((rc = sqlx_col_dec(st, 1, NULL, &qty, err)) || (rc = sqlx_col_dec(st, 2, NULL, &done, err)))
		return rc;
	if (dec_sub(qty, done, &open) != DEC_OK || dec_sign(open) <= 0)
		return rk_err_set(err, RK_ECORRUPT, "inferred fill %s: superseded_qty exceeds qty",
				  (const char *)sqlite3_column_text(st, 0));
	take = dec_min(open, *left);
	if (dec_add(done, take, &done) != DEC_OK || dec_sub(*left, take, left) != DEC_OK ||
	    dec_add(out->absorbed, take, &out->absorbed) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "superseded quantity overflows");
	if (!out->changed) {
		const char *ts = (const char *)sqlite3_column_text(st, 3);
		snprintf(out->from_ts, sizeof out->from_ts, "%s", ts ? ts : "");
		out->from_seq = sqlite3_column_int64(st, 4);
		out->changed = true;
	}
	sqlite3_bind_text(up, 2, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
	sqlx_bind_dec(up, 3, done);
	return sqlx_step_done(up, "superseding inferred fill", err);
}

/* A real fill `f` absorbs its order's unabsorbed inferred quantity. */
static enum rk_rc supersede_inferred(struct journal *j, const struct fill_rec *f,
				     struct supersede *out, struct rk_err *err)
{
	sqlite3_stmt *st, *up;
	struct dec left = f->qty;
	bool row = false;
	enum rk_rc rc;
	memset(out, 0, sizeof *out);
	out->absorbed = dec_zero();
	if (fill_stands_in(f))
		return RK_OK;
	if ((rc = journal_stmt(j, SQL_INFERRED_OPEN, &st, err)) ||
	    (rc = journal_stmt(j, SQL_INFERRED_SUPERSEDE, &up, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	while (dec_sign(left) > 0 &&
	       !(rc = sqlx_step_row(st, &row, "reading inferred fills", err)) && row)
		if ((rc = supersede_one(st, up, &left, out, err)))
			break;
	if (row)
		sqlite3_reset(st);
	return rc;
}

static enum rk_rc apply_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	struct supersede sup;
	struct dec adds;
	enum rk_rc rc = supersede_inferred(j, f, &sup, err);
	if (rc)
		return rc;
	if (dec_sub(f->qty, sup.absorbed, &adds) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "fill %s: quantity overflows", f->fill_id);
	if ((rc = fill_update_order(j, seq, f, adds, err)) ||
	    (rc = journal_stmt(j, SQL_FILL_INSERT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, side_name(f->side), -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 7, f->qty);
	sqlx_bind_dec(st, 8, f->price);
	sqlx_bind_dec(st, 9, f->fee);
	sqlx_bind_opt_text(st, 10, f->fee_currency);
	sqlx_bind_opt_text(st, 11, liquidity_name(f->liquidity));
	sqlite3_bind_text(st, 12, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, f->inferred);
	sqlite3_bind_int64(st, 14, seq);
	if ((rc = sqlx_step_done(st, "writing fill", err)) ||
	    (rc = apply_position(j, seq, f, sup.absorbed, err)))
		return rc;
	if ((rc = lots_apply_fill_from(j, seq, f, sup.changed ? sup.from_ts : NULL, sup.from_seq,
					err)))
		return rc;
	return rollup_fill(j, seq, f, sup.changed ? sup.from_ts : NULL, err);
}

/* ---- the projections of `order` and `fill` events ---------------------- */

enum rk_rc project_order(struct journal *j, int64_t seq, const char *payload, bool *stale,
			 struct rk_err *err)
{
	struct order_rec o;
	enum rk_rc rc = record_order_from_text(payload, &o, err);
	return rc ? rc : apply_order(j, seq, &o, stale, err);
}

enum rk_rc project_fill(struct journal *j, int64_t seq, const char *payload, bool *stale,
			struct rk_err *err)
{
	struct fill_rec f;
	enum rk_rc rc = record_fill_from_text(payload, &f, err);
	(void)stale; /* a fill is never stale: it is a fact of its own */
	return rc ? rc : apply_fill(j, seq, &f, err);
}

enum rk_rc project_order_rec(struct journal *j, int64_t seq, const struct order_rec *o,
			     bool *stale, struct rk_err *err)
{
	return apply_order(j, seq, o, stale, err);
}

enum rk_rc project_fill_rec(struct journal *j, int64_t seq, const struct fill_rec *f,
			    struct rk_err *err)
{
	return apply_fill(j, seq, f, err);
}
