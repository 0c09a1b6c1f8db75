/* audit_state.c — a scratch journal replayed up to a moment (see
 * audit_state.h). */
#include "audit_state.h"

#include <string.h>

#include <sqlite3.h>

#include "events.h"
#include "rtime.h"
#include "audit_sql.h"
#include "sqlx.h"

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

enum rk_rc audit_state_at(struct journal *j, int64_t at_us, const char *symbol,
			  struct journal **out, struct audit_state_info *info, struct rk_err *err)
{
	char at[RTIME_STR_MAX];
	struct journal *to = NULL;
	bool began = false;
	*out = NULL;
	memset(info, 0, sizeof *info);
	rtime_format(at_us, at);
	if (symbol && !symbol[0])
		symbol = NULL;
	/* One symbol's rows fit in memory; a whole journal's go to a file. */
	enum rk_rc rc = events_open(symbol ? ":memory:" : "", JOURNAL_CREATE, JOURNAL_ANY, &to, err);
	if (rc) {
		rk_err_prefix(err, "opening the scratch database");
		return rc;
	}
	/* Disposable: no fsync. */
	if (!(rc = sqlx_exec(journal_db(to), "PRAGMA synchronous=OFF;", err)) &&
	    !(rc = sqlx_read_begin(journal_db(j), &began, err)) && !(rc = journal_begin(to, err))) {
		rc = replay(j, to, at, symbol, info, err);
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
