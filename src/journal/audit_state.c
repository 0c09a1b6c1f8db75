/* audit_state.c — a scratch journal as the journal knew it at a moment:
 * read from the state history, or replayed (see audit_state.h). */
#include "audit_state.h"

#include <string.h>

#include <sqlite3.h>

#include "events.h"
#include "rtime.h"
#include "audit_sql.h"
#include "sqlx.h"
#include "state_history.h"

static const char SQL_ALL[] =
	"SELECT seq, recorded_at, type, payload, ts FROM events ORDER BY seq";
/* One symbol's events and those of no symbol, through events_symbol. */
const char AUDIT_SQL_STATE_SYMBOL[] =
	"SELECT seq, recorded_at, type, payload, ts FROM events WHERE symbol IN (?1, '')"
	" ORDER BY seq";

/* Replays the selected events recorded up to `at` into `to`. */
static enum rk_rc replay(struct journal *j, struct journal *to, const char *at,
			 const char *symbol, struct audit_state_info *info, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, symbol ? AUDIT_SQL_STATE_SYMBOL : SQL_ALL, &st, err);
	if (rc)
		return rc;
	if (symbol)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	while (!(rc = sqlx_step_row(st, &row, "reading events", err)) && row) {
		int64_t seq = sqlite3_column_int64(st, 0);
		/* Canonical timestamps: text order is time order (rtime.h). */
		if (strcmp(sqlx_col_text(st, 1), at) > 0) {
			info->next_seq = seq;
			break;
		}
		if ((rc = events_apply(to, seq, sqlx_col_text(st, 4), sqlx_col_text(st, 2),
				       sqlx_col_text(st, 3), NULL, err))) {
			rk_err_prefix(err, "replaying event %lld", (long long)seq);
			break;
		}
		info->events++;
		info->last_seq = seq;
	}
	if (row)
		sqlite3_reset(st);
	return rc;
}

/* Fills the scratch `to` with the state at `at` from `j`. */
typedef enum rk_rc fill_fn(struct journal *j, struct journal *to, const char *at,
			   const char *symbol, struct audit_state_info *info, struct rk_err *err);

/* A new scratch journal filled by `fill` in one read transaction of `j`:
 * in memory when `memory`, else a private temporary file. */
static enum rk_rc scratch_at(struct journal *j, int64_t at_us, const char *symbol, bool memory,
			     fill_fn *fill, struct journal **out, struct audit_state_info *info,
			     struct rk_err *err)
{
	char at[RTIME_STR_MAX];
	struct journal *to = NULL;
	bool began = false;
	*out = NULL;
	memset(info, 0, sizeof *info);
	rtime_format(at_us, at);
	if (symbol && !symbol[0])
		symbol = NULL;
	enum rk_rc rc = events_open(memory ? ":memory:" : "", JOURNAL_CREATE, JOURNAL_ANY, &to, err);
	if (rc) {
		rk_err_prefix(err, "opening the scratch database");
		return rc;
	}
	/* Disposable: no fsync. */
	if (!(rc = sqlx_exec(journal_db(to), "PRAGMA synchronous=OFF;", err)) &&
	    !(rc = sqlx_read_begin(journal_db(j), &began, err)) && !(rc = journal_begin(to, err))) {
		rc = fill(j, to, at, symbol, info, err);
		if (rc)
			journal_rollback(to);
		else
			rc = journal_commit(to, err);
	}
	sqlx_read_end(journal_db(j), began);
	if (rc) {
		journal_close(to);
		return rc;
	}
	*out = to;
	return RK_OK;
}

enum rk_rc audit_state_replay(struct journal *j, int64_t at_us, const char *symbol,
			      struct journal **out, struct audit_state_info *info,
			      struct rk_err *err)
{
	/* One symbol's rows fit in memory; a whole journal's go to a file. */
	return scratch_at(j, at_us, symbol, symbol && symbol[0], replay, out, info, err);
}

/* ---- from the state history ------------------------------------------------- */

static const char SQL_LAST[] = "SELECT coalesce(max(seq), 0) FROM events";
static const char SQL_RECORDED[] = "SELECT recorded_at FROM events WHERE seq = ?1";
/* What the replay of one symbol counts (events_symbol). */
const char AUDIT_SQL_STATE_SYMBOL_COUNT[] =
	"SELECT count(*), coalesce(max(seq), 0) FROM events WHERE symbol IN (?1, '')"
	" AND seq <= ?2";
const char AUDIT_SQL_STATE_SYMBOL_NEXT[] =
	"SELECT coalesce(min(seq), 0) FROM events WHERE symbol IN (?1, '') AND seq > ?2";

/* One integer (or two) of a statement that always has its row. */
static enum rk_rc read_ints(sqlite3_stmt *st, int64_t *a, int64_t *b, struct rk_err *err)
{
	bool row = false;
	enum rk_rc rc = sqlx_step_row(st, &row, "reading events", err);
	if (rc)
		return rc;
	if (!row)
		return rk_err_set(err, RK_EDB, "reading events: no row");
	*a = sqlite3_column_int64(st, 0);
	if (b)
		*b = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return RK_OK;
}

/* The last event recorded at or before `at`: events 1..n are recorded in
 * seq order, so the first one recorded after `at` is found by bisection. */
static enum rk_rc last_recorded(struct journal *j, const char *at, int64_t *last,
				struct rk_err *err)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	enum rk_rc rc = journal_stmt(j, SQL_LAST, &st, err);
	if (rc || (rc = read_ints(st, &n, NULL, err)))
		return rc;
	if ((rc = journal_stmt(j, SQL_RECORDED, &st, err)))
		return rc;
	int64_t lo = 0, hi = n; /* recorded_at(lo) <= at (0: none), the answer in [lo, hi] */
	while (lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2;
		bool row = false;
		sqlite3_bind_int64(st, 1, mid);
		if ((rc = sqlx_step_row(st, &row, "reading events", err)))
			return rc;
		if (!row)
			return rk_err_set(err, RK_ECORRUPT, "event %lld is missing", (long long)mid);
		bool after = strcmp(sqlx_col_text(st, 0), at) > 0;
		sqlite3_reset(st);
		if (after)
			hi = mid - 1;
		else
			lo = mid;
	}
	*last = lo;
	return RK_OK;
}

/* info as the replay of `symbol` (NULL: all) up to event `last` fills it. */
static enum rk_rc replay_info(struct journal *j, int64_t last, const char *symbol,
			      struct audit_state_info *info, struct rk_err *err)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	enum rk_rc rc;
	if (!symbol) {
		if ((rc = journal_stmt(j, SQL_LAST, &st, err)) || (rc = read_ints(st, &n, NULL, err)))
			return rc;
		info->events = info->last_seq = last;
		info->next_seq = last < n ? last + 1 : 0;
		return RK_OK;
	}
	if ((rc = journal_stmt(j, AUDIT_SQL_STATE_SYMBOL_COUNT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, last);
	if ((rc = read_ints(st, &info->events, &info->last_seq, err)) ||
	    (rc = journal_stmt(j, AUDIT_SQL_STATE_SYMBOL_NEXT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, last);
	return read_ints(st, &info->next_seq, NULL, err);
}

/* The rows alive after the last event recorded up to `at`. */
static enum rk_rc from_history(struct journal *j, struct journal *to, const char *at,
			       const char *symbol, struct audit_state_info *info,
			       struct rk_err *err)
{
	bool has = false;
	int64_t last = 0;
	enum rk_rc rc = state_history_present(j, &has, err);
	if (rc)
		return rc;
	if (!has)
		return rk_err_set(err, RK_EVERSION,
				  "the journal has no state history (migration 0016, schema %d):"
				  " migrate it (`reckon init --db FILE`), or use --replay",
				  journal_schema_version());
	if ((rc = last_recorded(j, at, &last, err)) ||
	    (rc = replay_info(j, last, symbol, info, err)))
		return rc;
	return state_history_copy(j, last, to, err);
}

enum rk_rc audit_state_at(struct journal *j, int64_t at_us, const char *symbol,
			  struct journal **out, struct audit_state_info *info, struct rk_err *err)
{
	/* The rows alive at one moment (the open orders, the positions, the
	 * runs with their findings and actions): in memory. */
	return scratch_at(j, at_us, symbol, true, from_history, out, info, err);
}
