/* events.c — the event types' dispatch table, appending and applying events,
 * and replaying them (see events.h). */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "project.h"
#include "protect_project.h"
#include "recon_project.h"
#include "record.h"
#include "rtime.h"
#include "sqlx.h"
#include "state_history.h"

/* ---- the dispatch table ----------------------------------------------------- */

/* Applies event `seq` with canonical `payload`; sets *stale (never NULL,
 * cleared by the caller) for an event that changed nothing it reports. */
typedef enum rk_rc apply_fn(struct journal *j, int64_t seq, const char *payload, bool *stale,
			    struct rk_err *err);

/* audit_checkpoint (audit.h): `reckon audit verify --checkpoint` records
 * that events 1..seq were verified and that event seq's hash was hash, so
 * the next verify can start there; the record is itself in the hash chain.
 * It projects nothing: audit reads it from `events`. */
static enum rk_rc project_audit_checkpoint(struct journal *j, int64_t seq, const char *payload,
					   bool *stale, struct rk_err *err)
{
	(void)j, (void)seq, (void)payload, (void)stale, (void)err;
	return RK_OK;
}

/* report_sent (daily.h): a report mail the SMTP server accepted, with its
 * Message-ID, filed under the dedup key of its kind and date so that a
 * restart never sends it again. It projects nothing: daily.h reads it back
 * through its dedup record. */
static enum rk_rc project_nothing(struct journal *j, int64_t seq, const char *payload, bool *stale,
				  struct rk_err *err)
{
	(void)j, (void)seq, (void)payload, (void)stale, (void)err;
	return RK_OK;
}

/* What follows an event's projection, with the event's ts (microseconds):
 * the protection-gap projection (protect_project.h), which judges the
 * positions the event moved from the tables the projection has just
 * written. */
typedef enum rk_rc after_fn(struct journal *j, int64_t seq, int64_t ts_us, const char *payload,
			    struct rk_err *err);

/* Orders and fills are parsed once for both steps. */
static enum rk_rc apply_order_event(struct journal *j, int64_t seq, int64_t ts_us,
				    const char *payload, bool *stale, struct rk_err *err)
{
	struct order_rec o;
	bool was_stop = false;
	enum rk_rc rc = record_order_from_text(payload, &o, err);
	if (!rc)
		rc = protect_before_order(j, venue_name(o.venue), o.order_id, &was_stop, err);
	if (!rc)
		rc = project_order_rec(j, seq, &o, stale, err);
	if (!rc)
		rc = protect_after_order(j, seq, ts_us, venue_name(o.venue), o.account, o.symbol,
					 o.order_id, was_stop, err);
	return rc;
}

static enum rk_rc apply_fill_event(struct journal *j, int64_t seq, int64_t ts_us,
				   const char *payload, bool *stale, struct rk_err *err)
{
	struct fill_rec f;
	enum rk_rc rc = record_fill_from_text(payload, &f, err);
	(void)stale; /* a fill is never stale */
	if (!rc)
		rc = project_fill_rec(j, seq, &f, err);
	if (!rc)
		rc = protect_after_fill(j, seq, ts_us, venue_name(f.venue), f.account, f.symbol,
					f.order_id, err);
	return rc;
}

/* Every event type this reckon knows, with its projection and what follows
 * it (NULL: nothing). order and fill have one function that does both
 * (apply_order_event / apply_fill_event). */
static const struct event_type {
	const char *name;
	apply_fn *apply;
	after_fn *after;
	enum rk_rc (*both)(struct journal *j, int64_t seq, int64_t ts_us, const char *payload,
			   bool *stale, struct rk_err *err);
} EVENT_TYPES[] = {
	{"order", NULL, NULL, apply_order_event},
	{"fill", NULL, NULL, apply_fill_event},
	{"recon_run", recon_project_run, NULL, NULL},
	{"recon_run_end", recon_project_run_end, protect_after_run_end, NULL},
	{"finding", recon_project_finding, protect_after_finding, NULL},
	{"action", recon_project_action, NULL, NULL},
	{"action_update", recon_project_action_update, NULL, NULL},
	{"halt", recon_project_halt, NULL, NULL},
	{"finding_resolved", recon_project_finding_resolved, NULL, NULL},
	{"exchange_positions", recon_project_exchange_positions, protect_after_exchange_positions,
	 NULL},
	{"halt_released", recon_project_halt_released, NULL, NULL},
	{"audit_checkpoint", project_audit_checkpoint, NULL, NULL},
	{"report_sent", project_nothing, NULL, NULL},
};

const char *const EVENTS_TABLES[] = {"orders", "fills", "positions", "lots", "lot_closes",
				     "lot_allocations", "lot_positions", "lot_other_fees",
				     "recon_runs", "findings", "actions", "halts",
				     "exchange_positions", "fee_days", "pnl_days",
				     "position_hours", "pnl_minutes", "pnl_hours", "fee_hours",
				     "protection_gaps", "protection_state", "orders_history",
				     "positions_history", "exchange_positions_history",
				     "recon_runs_history", "findings_history", "actions_history",
				     NULL};

static enum rk_rc dispatch(struct journal *j, int64_t seq, const char *ts, const char *type,
			   const char *payload, bool *stale, struct rk_err *err)
{
	bool ignored;
	int64_t ts_us = 0;
	if (!stale)
		stale = &ignored;
	*stale = false;
	for (size_t i = 0; i < sizeof EVENT_TYPES / sizeof EVENT_TYPES[0]; i++) {
		const struct event_type *t = &EVENT_TYPES[i];
		enum rk_rc rc;
		if (strcmp(type, t->name) != 0)
			continue;
		if ((t->after || t->both) && rtime_parse(ts, &ts_us, err))
			return rk_err_prefix(err, "event %lld: ts", (long long)seq);
		if (t->both)
			return t->both(j, seq, ts_us, payload, stale, err);
		if ((rc = t->apply(j, seq, payload, stale, err)) || !t->after)
			return rc;
		return t->after(j, seq, ts_us, payload, err);
	}
	return rk_err_set(err, RK_EVERSION, "event %lld has type '%s', unknown to this reckon",
			  (long long)seq, type);
}

/* The event's projection, with the event stamped on the state history's
 * row versions (state_history.h). */
enum rk_rc events_apply(struct journal *j, int64_t seq, const char *ts, const char *type,
			const char *payload, bool *stale, struct rk_err *err)
{
	journal_set_applying(j, seq);
	enum rk_rc rc = dispatch(j, seq, ts, type, payload, stale, err);
	journal_set_applying(j, 0);
	return rc;
}

/* ---- appending ----------------------------------------------------------------- */

enum rk_rc events_open(const char *path, enum journal_mode mode, enum journal_kind kind,
		       struct journal **out, struct rk_err *err)
{
	enum rk_rc rc = journal_open(path, mode, kind, events_rebuild, out, err);
	if (rc || mode == JOURNAL_READONLY)
		return rc;
	if ((rc = state_history_install(*out, err))) {
		journal_close(*out);
		*out = NULL;
	}
	return rc;
}

enum rk_rc events_append(struct journal *j, const struct journal_event *ev,
			 enum events_result *res, int64_t *seq_out, struct rk_err *err)
{
	bool duplicate = false, stale = false;
	int64_t seq = 0;
	enum rk_rc rc = journal_append(j, ev, &duplicate, &seq, err);
	*res = duplicate ? EVENTS_DUPLICATE : EVENTS_APPENDED;
	if (seq_out && !rc)
		*seq_out = seq;
	if (rc || duplicate)
		return rc;
	if ((rc = events_apply(j, seq, ev->ts, ev->type, ev->payload, &stale, err)))
		return rc;
	if (stale)
		*res = EVENTS_STALE;
	return RK_OK;
}

/* What appending an order or fill applies: the record the payload was made
 * of (project_order_rec / project_fill_rec), never the payload parsed again. */
struct rec_apply {
	const struct order_rec *order; /* one of the two */
	const struct fill_rec *fill;
};

/* Is `ts` in the form reading it back gives (record.h reads every ts
 * through rtime_parse_exact and rtime_format)? A record read from a line
 * always is; one a venue adapter built may not be. */
static bool ts_canonical(const char *ts, int64_t *us)
{
	char again[RTIME_STR_MAX];
	struct rk_err ignored = {0};
	return rtime_parse_exact(ts, us, &ignored) == RK_OK &&
	       strcmp(rtime_format(*us, again), ts) == 0;
}

/* Appends a canonical payload under its dedup key and applies the record it
 * was made of. Takes ownership of payload. */
static enum rk_rc append_payload(struct journal *j, const char *type, const char *source,
				 const char *ts, enum venue_kind venue, const char *account,
				 const char *symbol, char *payload, const char *dedup,
				 const char *group, struct rec_apply rec, enum events_result *res,
				 int64_t *seq_out, struct rk_err *err)
{
	bool duplicate = false, stale = false;
	int64_t seq = 0, ts_us = 0;
	if (seq_out)
		*seq_out = 0;
	if (!payload)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	struct journal_event ev = {type,    source, ts,    venue_name(venue), account,
				   symbol, payload, dedup, group};
	enum rk_rc rc = journal_append(j, &ev, &duplicate, &seq, err);
	*res = duplicate ? EVENTS_DUPLICATE : EVENTS_APPENDED;
	if (!rc && seq_out)
		*seq_out = seq;
	if (rc || duplicate) {
		free(payload);
		return rc;
	}
	journal_set_applying(j, seq);
	if (!ts_canonical(ts, &ts_us)) /* a record made by hand: apply what a replay reads */
		rc = events_apply(j, seq, ts, type, ev.payload, &stale, err);
	else if (rec.order) {
		bool was_stop = false;
		rc = protect_before_order(j, venue_name(rec.order->venue), rec.order->order_id,
					  &was_stop, err);
		if (!rc)
			rc = project_order_rec(j, seq, rec.order, &stale, err);
		if (!rc)
			rc = protect_after_order(j, seq, ts_us, venue_name(rec.order->venue),
						 rec.order->account, rec.order->symbol,
						 rec.order->order_id, was_stop, err);
	} else {
		rc = project_fill_rec(j, seq, rec.fill, err);
		if (!rc)
			rc = protect_after_fill(j, seq, ts_us, venue_name(rec.fill->venue),
						rec.fill->account, rec.fill->symbol,
						rec.fill->order_id, err);
	}
	journal_set_applying(j, 0);
	free(payload);
	if (!rc && stale)
		*res = EVENTS_STALE;
	return rc;
}

enum rk_rc events_append_order(struct journal *j, const struct order_rec *o, const char *source,
			       enum events_result *res, struct rk_err *err)
{
	return events_append_order_seq(j, o, source, res, NULL, err);
}

enum rk_rc events_append_fill(struct journal *j, const struct fill_rec *f, const char *source,
			      enum events_result *res, struct rk_err *err)
{
	return events_append_fill_seq(j, f, source, res, NULL, err);
}

enum rk_rc events_append_order_seq(struct journal *j, const struct order_rec *o,
				   const char *source, enum events_result *res, int64_t *seq,
				   struct rk_err *err)
{
	/* The same order report twice is a duplicate; a new state is an event.
	 * Its key is filed under the order (journal.h's dedup_group). */
	char *payload = record_order_json(o);
	char h[DIGEST_SHA256_HEX], dedup[80], group[MODEL_ID_MAX + 64];
	if (payload && !digest_sha256_hex(payload, strlen(payload), h)) {
		free(payload);
		return rk_err_set(err, RK_ENOMEM, "hashing order %s's report failed (OpenSSL)",
				  o->order_id);
	}
	if (payload)
		snprintf(dedup, sizeof dedup, "order:%s", h);
	snprintf(group, sizeof group, "order:%s:%s", venue_name(o->venue), o->order_id);
	return append_payload(j, "order", source, o->ts, o->venue, o->account, o->symbol, payload,
			      dedup, group, (struct rec_apply){.order = o}, res, seq, err);
}

enum rk_rc events_append_fill_seq(struct journal *j, const struct fill_rec *f, const char *source,
				  enum events_result *res, int64_t *seq, struct rk_err *err)
{
	/* A fill is identified by its venue and fill id: a natural key. */
	char dedup[MODEL_ID_MAX + 64];
	snprintf(dedup, sizeof dedup, "fill:%s:%s", venue_name(f->venue), f->fill_id);
	return append_payload(j, "fill", source, f->ts, f->venue, f->account, f->symbol,
			      record_fill_json(f), dedup, NULL, (struct rec_apply){.fill = f}, res,
			      seq, err);
}

/* ---- replaying -------------------------------------------------------------------- */

/* Empties every materialized table. Names come from EVENTS_TABLES, never
 * from input. Reverse order: later tables may reference earlier ones. */
static enum rk_rc clear_tables(struct journal *j, struct rk_err *err)
{
	size_t n = 0;
	while (EVENTS_TABLES[n])
		n++;
	while (n-- > 0) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM main.%s;", EVENTS_TABLES[n]);
		enum rk_rc rc = sqlx_exec(journal_db(j), sql, err);
		if (rc)
			return rc;
	}
	return RK_OK;
}

static const char SQL_REPLAY[] = "SELECT seq, ts, type, payload FROM events ORDER BY seq";
/* seq is 1, 2, 3 ... with no gaps: the last one is the count. */
static const char SQL_TOTAL[] = "SELECT coalesce(max(seq), 0) FROM events";

static events_progress_fn *progress_fn;
static int64_t progress_every = EVENTS_PROGRESS_EVERY;
static void *progress_ctx;

void events_set_progress(events_progress_fn *fn, int64_t every, void *ctx)
{
	progress_fn = fn;
	progress_every = every > 0 ? every : EVENTS_PROGRESS_EVERY;
	progress_ctx = ctx;
}

/* The journal's event count when a hook wants progress, else 0. */
static enum rk_rc progress_total(struct journal *j, int64_t *total, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	*total = 0;
	if (!progress_fn)
		return RK_OK;
	enum rk_rc rc = journal_stmt(j, SQL_TOTAL, &st, err);
	if (!rc)
		rc = sqlx_step_row(st, &row, "counting events", err);
	if (!rc && row)
		*total = sqlite3_column_int64(st, 0);
	if (row)
		sqlite3_reset(st);
	return rc;
}

enum rk_rc events_rebuild(struct journal *j, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t total = 0, done = 0;
	/* A migration's replay runs inside journal_open, before events_open
	 * installs the history's triggers. */
	enum rk_rc rc = state_history_install(j, err);
	if (!rc)
		rc = clear_tables(j, err);
	if (!rc)
		rc = progress_total(j, &total, err);
	if (rc)
		return rc;
	bool report = progress_fn && total >= progress_every;
	/* Prepared separately: the cached statements are the projections'. */
	if (sqlite3_prepare_v2(journal_db(j), SQL_REPLAY, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(journal_db(j), err, "reading events");
	bool row;
	while (!(rc = sqlx_step_row(st, &row, "reading events", err)) && row) {
		int64_t seq = sqlite3_column_int64(st, 0);
		rc = events_apply(j, seq, (const char *)sqlite3_column_text(st, 1),
				  (const char *)sqlite3_column_text(st, 2),
				  (const char *)sqlite3_column_text(st, 3), NULL, err);
		if (rc) {
			rk_err_prefix(err, "replaying event %lld", (long long)seq);
			goto out;
		}
		if (report && ++done % progress_every == 0)
			progress_fn(done, total, progress_ctx);
	}
	if (!rc && report && done % progress_every)
		progress_fn(done, total, progress_ctx);
out:
	sqlite3_finalize(st);
	return rc;
}

/* events_verify is in audit.c, beside the ordered comparison it shares. */
