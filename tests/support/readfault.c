/* readfault.c — failing SQLite reads through a progress handler (see readfault.h). */
#include "readfault.h"

#include <stddef.h>
#include <strings.h>

static struct {
	sqlite3 *db;
	enum rf_mode mode;
	long nth, seen, failed;
	bool armed, stop_at_write;
	rf_hook hook;
	void *hook_arg;
} g;

/* What the connection is running now: a write, a SELECT, or something else
 * (transaction control). Returns the SELECT's SQL, or NULL. */
static const char *running_select(sqlite3 *db, bool *write)
{
	const char *select = NULL;
	*write = false;
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
		if (!sqlite3_stmt_busy(st))
			continue;
		const char *sql = sqlite3_sql(st);
		if (!sqlite3_stmt_readonly(st) || (sql && strncasecmp(sql, "BEGIN IMMEDIATE", 15) == 0))
			*write = true;
		else if (sql && strncasecmp(sql, "SELECT", 6) == 0)
			select = sql;
	}
	return select;
}

static int on_progress(void *arg)
{
	(void)arg;
	bool write = false;
	if (!g.armed)
		return 0;
	const char *sql = running_select(g.db, &write);
	if (write) {
		if (g.stop_at_write)
			g.armed = false;
		return 0;
	}
	if (!sql)
		return 0;
	g.seen++;
	if (g.hook)
		g.hook(sql, g.hook_arg);
	if (g.mode == RF_ALL_READS_FAIL || g.seen == g.nth) {
		g.failed++;
		return 1;
	}
	return 0;
}

void rf_arm(sqlite3 *db, enum rf_mode mode, long nth, bool stop_at_write)
{
	g.db = db;
	g.mode = mode;
	g.nth = nth;
	g.seen = g.failed = 0;
	g.stop_at_write = stop_at_write;
	g.armed = true;
	sqlite3_progress_handler(db, 1, on_progress, NULL);
}

void rf_set_hook(rf_hook hook, void *arg)
{
	g.hook = hook;
	g.hook_arg = arg;
}

void rf_disarm(sqlite3 *db)
{
	sqlite3_progress_handler(db, 0, NULL, NULL);
	g.armed = false;
	g.hook = NULL;
	g.hook_arg = NULL;
}

long rf_reads_seen(void) { return g.seen; }
long rf_reads_failed(void) { return g.failed; }
bool rf_armed(void) { return g.armed; }
