/* protect_project.c — the protection-gap projection (see protect_project.h):
 * after an event, the affected positions are judged again from the tables
 * with core/protect_rule.h and their intervals opened or closed. */
#include "protect_project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "jsonin.h"
#include "protect_rule.h"
#include "rk_array.h"
#include "sqlx.h"

/* Everything the rule needs of one position but its stops, in one seek on
 * each table's primary key: the journal's position, the exchange's, and
 * protection_state (each NULL when it has no row). */
static const char SQL_LOAD[] =
	"SELECT p.qty, p.last_seq, e.qty, e.orderable_qty, e.run_id,"
	" s.dust, s.dust_run, s.last_us, s.open_start_seq"
	" FROM (SELECT ?1 AS venue, ?2 AS account, ?3 AS symbol) k"
	" LEFT JOIN positions p"
	"  ON p.venue = k.venue AND p.account = k.account AND p.symbol = k.symbol"
	" LEFT JOIN exchange_positions e"
	"  ON e.venue = k.venue AND e.account = k.account AND e.symbol = k.symbol"
	" LEFT JOIN protection_state s"
	"  ON s.venue = k.venue AND s.account = k.account AND s.symbol = k.symbol";
static const char SQL_STATE_PUT[] =
	"INSERT INTO protection_state(venue, account, symbol, dust, dust_run, last_us,"
	" open_start_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT(venue, account, symbol) DO UPDATE SET dust = excluded.dust,"
	" dust_run = excluded.dust_run, last_us = excluded.last_us,"
	" open_start_seq = excluded.open_start_seq";
/* The position's open orders: a seek on orders_open (venue, account,
 * symbol, status); which of them are stops is the rule's (order_type_is_stop). */
static const char SQL_OPEN_ORDERS[] =
	"SELECT side, order_type, qty, filled_qty FROM orders"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3"
	" AND status IN ('open', 'partially_filled')";
static const char SQL_ORDER[] =
	"SELECT order_type, status FROM orders WHERE venue = ?1 AND order_id = ?2";
static const char SQL_GAP_OPEN[] =
	"INSERT INTO protection_gaps(venue, account, symbol, start_seq, start_us, start_cause)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_GAP_CLOSE[] =
	"UPDATE protection_gaps SET end_seq = ?5, end_us = ?6, end_cause = ?7"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND start_seq = ?4";
/* Positions of one venue account an exchange_positions event can move:
 * the exchange's (new) rows, the journal's non-flat positions (rows the
 * exchange no longer lists fall back to them) and those in a gap now. */
static const char SQL_VA_POSITIONS[] =
	"SELECT symbol FROM exchange_positions WHERE venue = ?1 AND account = ?2"
	" UNION SELECT symbol FROM positions WHERE venue = ?1 AND account = ?2 AND qty <> '0'"
	" UNION SELECT symbol FROM protection_state WHERE venue = ?1 AND account = ?2"
	" AND open_start_seq IS NOT NULL";
/* Dust marks of earlier runs of one venue account. */
static const char SQL_VA_DUST[] =
	"SELECT symbol FROM protection_state WHERE venue = ?1 AND account = ?2 AND dust = 1"
	" AND dust_run < ?3";

/* One position's key. */
struct ppos {
	const char *venue, *account, *symbol;
};

/* protection_state's row, or its defaults. */
struct pstate {
	bool dust;
	int64_t dust_run, last_us, open_start_seq; /* open_start_seq 0: no open gap */
};

static void bind_pos(sqlite3_stmt *st, struct ppos p)
{
	sqlite3_bind_text(st, 1, p.venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p.account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p.symbol, -1, SQLITE_STATIC);
}

static enum rk_rc state_put(struct journal *j, struct ppos p, const struct pstate *s,
			    struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_STATE_PUT, &st, err);
	if (rc)
		return rc;
	bind_pos(st, p);
	sqlite3_bind_int(st, 4, s->dust);
	sqlite3_bind_int64(st, 5, s->dust_run);
	sqlite3_bind_int64(st, 6, s->last_us);
	if (s->open_start_seq)
		sqlite3_bind_int64(st, 7, s->open_start_seq);
	return sqlx_step_done(st, "writing protection_state", err);
}

/* The position's protection_state (or its defaults) and the rule's inputs
 * from positions and exchange_positions (in->dust is set by judge). */
static enum rk_rc pos_load(struct journal *j, struct ppos p, struct pstate *s,
			   struct protect_pos *in, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false, has_pos = false;
	memset(s, 0, sizeof *s);
	memset(in, 0, sizeof *in);
	in->qty = in->ex_qty = in->ex_orderable = dec_zero();
	enum rk_rc rc = journal_stmt(j, SQL_LOAD, &st, err);
	if (rc)
		return rc;
	bind_pos(st, p);
	if ((rc = sqlx_step_row(st, &row, "reading a position's protection", err)))
		return rc;
	if (!row) /* the LEFT JOINs always give one */
		return rk_err_set(err, RK_EDB, "reading a position's protection: no row");
	rc = sqlx_col_dec(st, 0, &has_pos, &in->qty, err);
	in->last_fill_seq = sqlite3_column_int64(st, 1);
	in->has_ex = sqlite3_column_type(st, 2) != SQLITE_NULL;
	if (!rc && in->has_ex && !(rc = sqlx_col_dec(st, 2, NULL, &in->ex_qty, err)))
		rc = sqlx_col_dec(st, 3, NULL, &in->ex_orderable, err);
	in->ex_run = sqlite3_column_int64(st, 4);
	s->dust = sqlite3_column_int(st, 5) != 0;
	s->dust_run = sqlite3_column_int64(st, 6);
	s->last_us = sqlite3_column_int64(st, 7);
	s->open_start_seq = sqlite3_column_int64(st, 8);
	sqlite3_reset(st);
	return rc ? rk_err_prefix(err, "the position %s", p.symbol) : RK_OK;
}

/* Counts the position's open stop orders into `c`. */
static enum rk_rc stops_count(struct journal *j, struct ppos p, struct protect_cover *c,
			      struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, SQL_OPEN_ORDERS, &st, err);
	if (rc)
		return rc;
	bind_pos(st, p);
	while (!(rc = sqlx_step_row(st, &row, "reading orders", err)) && row) {
		struct dec qty, filled;
		bool sized;
		if (!order_type_is_stop(order_type_parse(sqlx_col_text(st, 1))))
			continue;
		if ((rc = sqlx_col_dec(st, 2, &sized, &qty, err)) ||
		    (rc = sqlx_col_dec(st, 3, NULL, &filled, err)))
			break;
		protect_cover_add(c, side_parse(sqlx_col_text(st, 0)), sized, qty, filled);
	}
	if (row)
		sqlite3_reset(st);
	return rc ? rk_err_prefix(err, "orders of %s", p.symbol) : RK_OK;
}

static enum rk_rc order_now(struct journal *j, const char *venue, const char *order_id,
			    bool *is_stop, enum order_status *status, struct rk_err *err);

/* Judges position `p` (its state `s`, already updated by the event, and
 * the rule's inputs `in` from pos_load) after event seq at ts_us; opens or
 * closes its interval and stores `s`. The state row is written when it
 * changed (`dirty`) or the interval did. A fill's start cause (NULL
 * start_cause) is read only when an interval starts: "stop_triggered" when
 * its order `fill_order` is a stop order, else "fill". */
static enum rk_rc judge(struct journal *j, struct ppos p, struct pstate *s,
			struct protect_pos in, bool dirty, int64_t seq, int64_t ts_us,
			const char *start_cause, const char *fill_order, const char *end_cause,
			struct rk_err *err)
{
	struct protect_cover c;
	bool has_orderable;
	struct dec orderable;
	enum rk_rc rc = RK_OK;
	in.dust = s->dust;
	struct dec qty = protect_judged_qty(&in, &has_orderable, &orderable);
	protect_cover_init(&c, qty);
	if (!dec_is_zero(qty) && (rc = stops_count(j, p, &c, err)))
		return rc;
	enum protect_state ps = protect_judge(&in, &c);
	bool bare = ps == PROTECT_BARE, in_gap = s->open_start_seq != 0;
	if (bare == in_gap)
		return dirty ? state_put(j, p, s, err) : RK_OK;
	int64_t t = ts_us > s->last_us ? ts_us : s->last_us;
	sqlite3_stmt *st;
	if (bare && !start_cause) {
		bool is_stop;
		enum order_status status;
		if ((rc = order_now(j, p.venue, fill_order ? fill_order : "", &is_stop, &status,
				    err)))
			return rc;
		start_cause = is_stop ? "stop_triggered" : "fill";
	}
	if ((rc = journal_stmt(j, bare ? SQL_GAP_OPEN : SQL_GAP_CLOSE, &st, err)))
		return rc;
	bind_pos(st, p);
	if (bare) {
		sqlite3_bind_int64(st, 4, seq);
		sqlite3_bind_int64(st, 5, t);
		sqlite3_bind_text(st, 6, start_cause, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 4, s->open_start_seq);
		sqlite3_bind_int64(st, 5, seq);
		sqlite3_bind_int64(st, 6, t);
		sqlite3_bind_text(st, 7, protect_end_cause(ps, end_cause), -1, SQLITE_STATIC);
	}
	if ((rc = sqlx_step_done(st, "writing protection_gaps", err)))
		return rc;
	if (!bare && sqlite3_changes(journal_db(j)) != 1)
		return rk_err_set(err, RK_ECORRUPT,
				  "event %lld: %s's open protection gap (event %lld) is missing",
				  (long long)seq, p.symbol, (long long)s->open_start_seq);
	s->last_us = t;
	s->open_start_seq = bare ? seq : 0;
	return state_put(j, p, s, err);
}

/* Judges one position whose dust mark the event does not touch. */
static enum rk_rc judge_pos(struct journal *j, struct ppos p, int64_t seq, int64_t ts_us,
			    const char *start_cause, const char *end_cause, struct rk_err *err)
{
	struct pstate s;
	struct protect_pos in;
	enum rk_rc rc = pos_load(j, p, &s, &in, err);
	return rc ? rc : judge(j, p, &s, in, false, seq, ts_us, start_cause, NULL, end_cause, err);
}

/* The order's type and status as the orders table holds them now. */
static enum rk_rc order_now(struct journal *j, const char *venue, const char *order_id,
			    bool *is_stop, enum order_status *status, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	*is_stop = false;
	*status = OSTATUS_OPEN;
	enum rk_rc rc = journal_stmt(j, SQL_ORDER, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_row(st, &row, "reading orders", err)) || !row)
		return rc;
	*is_stop = order_type_is_stop(order_type_parse(sqlx_col_text(st, 0)));
	*status = order_status_parse(sqlx_col_text(st, 1));
	sqlite3_reset(st);
	return RK_OK;
}

enum rk_rc protect_before_order(struct journal *j, const char *venue, const char *order_id,
				bool *was_stop, struct rk_err *err)
{
	enum order_status status;
	return order_now(j, venue, order_id, was_stop, &status, err);
}

enum rk_rc protect_after_order(struct journal *j, int64_t seq, int64_t ts_us, const char *venue,
			       const char *account, const char *symbol, const char *order_id,
			       bool was_stop, struct rk_err *err)
{
	bool is_stop;
	enum order_status status;
	enum rk_rc rc = order_now(j, venue, order_id, &is_stop, &status, err);
	if (rc)
		return rc;
	/* An order that is no stop, before or after, moved no stop: the
	 * position's state is what it was (most reports: entries, exits). */
	if (!was_stop && !is_stop)
		return RK_OK;
	struct ppos p = {venue, account, symbol};
	return judge_pos(j, p, seq, ts_us, protect_order_start_cause(is_stop, status),
			 "stop_acknowledged", err);
}

enum rk_rc protect_after_fill(struct journal *j, int64_t seq, int64_t ts_us, const char *venue,
			      const char *account, const char *symbol, const char *order_id,
			      struct rk_err *err)
{
	struct pstate s;
	struct protect_pos in;
	struct ppos p = {venue, account, symbol};
	enum rk_rc rc = pos_load(j, p, &s, &in, err);
	if (rc)
		return rc;
	bool dirty = s.dust; /* the venue judged another size */
	s.dust = false;
	return judge(j, p, &s, in, dirty, seq, ts_us, NULL, order_id, "fill", err);
}

/* ---- the reconciler's events ------------------------------------------------------ */

/* A payload's string member ("" when absent) and integer member (0 when
 * absent): the events' own payloads, read leniently (jsonin.h). */
#define js(o, k) jsonin_member_str((o), (k))
#define ji(o, k) jsonin_member_int((o), (k))

static enum rk_rc parse_object(int64_t seq, const char *type, const char *payload, cJSON **o,
			       struct rk_err *err)
{
	*o = cJSON_Parse(payload);
	if (*o && cJSON_IsObject(*o))
		return RK_OK;
	return rk_err_set(err, RK_ECORRUPT, "event %lld: %s payload is not a JSON object",
			  (long long)seq, type);
}

enum rk_rc protect_after_finding(struct journal *j, int64_t seq, int64_t ts_us,
				 const char *payload, struct rk_err *err)
{
	cJSON *o;
	struct pstate s;
	struct protect_pos in;
	if (!strstr(payload, "dust")) /* cheap: most findings are not */
		return RK_OK;
	enum rk_rc rc = parse_object(seq, "finding", payload, &o, err);
	if (!rc && strcmp(js(o, "kind"), "dust") == 0) {
		struct ppos p = {js(o, "venue"), js(o, "account"), js(o, "symbol")};
		if (!(rc = pos_load(j, p, &s, &in, err))) {
			s.dust = true;
			s.dust_run = ji(o, "run_id");
			rc = judge(j, p, &s, in, true, seq, ts_us, "dust_cleared", NULL, "dust", err);
		}
	}
	cJSON_Delete(o);
	return rc;
}

typedef RK_ARRAY(char *) name_list;

static void names_free(name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The symbols `sql` selects for venue ?1, account ?2 (and ?3 = arg when
 * arg >= 0), read before any of them is judged (judging writes). */
static enum rk_rc names_read(struct journal *j, const char *sql, const char *venue,
			     const char *account, int64_t arg, name_list *out, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt_account(j, sql, venue, account, &st, err);
	if (rc)
		return rc;
	if (arg >= 0)
		sqlite3_bind_int64(st, 3, arg);
	while (!(rc = sqlx_step_row(st, &row, "reading positions", err)) && row) {
		char **s = rk_array_push(out);
		if (!s || !(*s = strdup(sqlx_col_text(st, 0)))) {
			if (s)
				out->n--;
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
	}
	return rc;
}

enum rk_rc protect_after_run_end(struct journal *j, int64_t seq, int64_t ts_us,
				 const char *payload, struct rk_err *err)
{
	cJSON *o;
	name_list syms = {0};
	enum rk_rc rc = parse_object(seq, "recon_run_end", payload, &o, err);
	const char *venue = rc ? "" : js(o, "venue"), *account = rc ? "" : js(o, "account");
	if (!rc)
		rc = names_read(j, SQL_VA_DUST, venue, account, ji(o, "run_id"), &syms, err);
	for (size_t i = 0; !rc && i < syms.n; i++) {
		struct ppos p = {venue, account, syms.v[i]};
		struct pstate s;
		struct protect_pos in;
		if (!(rc = pos_load(j, p, &s, &in, err))) {
			s.dust = false;
			rc = judge(j, p, &s, in, true, seq, ts_us, "dust_cleared", NULL, "dust", err);
		}
	}
	names_free(&syms);
	cJSON_Delete(o);
	return rc;
}

enum rk_rc protect_after_exchange_positions(struct journal *j, int64_t seq, int64_t ts_us,
					    const char *payload, struct rk_err *err)
{
	cJSON *o;
	name_list syms = {0};
	enum rk_rc rc = parse_object(seq, "exchange_positions", payload, &o, err);
	const char *venue = rc ? "" : js(o, "venue"), *account = rc ? "" : js(o, "account");
	if (!rc)
		rc = names_read(j, SQL_VA_POSITIONS, venue, account, -1, &syms, err);
	for (size_t i = 0; !rc && i < syms.n; i++) {
		struct ppos p = {venue, account, syms.v[i]};
		rc = judge_pos(j, p, seq, ts_us, "exchange_position", "exchange_position", err);
	}
	names_free(&syms);
	cJSON_Delete(o);
	return rc;
}
