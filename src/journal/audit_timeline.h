/*
 * audit_timeline.h — every event touching a selection, in the journal's
 * order, one readable entry each, with the chain visible (`reckon audit
 * timeline`): finding -> action -> request sent -> the venue's answer -> the
 * orders and fills it proved.
 *
 * Each entry says who spoke: "bot" (ingest), "venue" (an order or fill the
 * reconciler journaled from the exchange's snapshot or answer),
 * "reconciler" (its runs, findings, actions and their updates), "operator"
 * (halt releases) or "audit" (checkpoints). `cites` is the seq of the event
 * it follows from: an action cites its finding, an update its action, an
 * order or fill the executor journaled while an action's request was out
 * cites that action, a resolution its finding; `depth` is the length of
 * that chain (0: nothing cited), for indenting.
 *
 * Selection: a symbol (its events, plus the reconciliation runs of its venue
 * and account and the exchange's positions that list it, through
 * events_symbol); an order id (its reports and fills, the findings naming
 * it, the actions on it or that placed it, their updates and resolutions:
 * the order's venue and symbol are looked up in the orders table, used only
 * as an index, else every event is read); a time window on the events' ts,
 * [from, to) (the instant: a ts written with an offset is compared as UTC).
 * Zeroed: everything.
 *
 * A window alone (no symbol, no order) is read through events_ts, in seq
 * order, not by walking the journal: what its entries cite before the
 * window (an action's finding, an update's action, the action whose
 * request was out when the executor journaled an order or fill) is looked
 * up by seq, so every entry is exactly what the whole walk gives it (cites,
 * depth, text). Costs: the window's events; one primary-key read per cited
 * finding or action; for the executor's orders and fills, a read back by
 * seq to the action update before the first of them (every event between,
 * once) and of the events between them; and the index entries (ts only) of
 * the days around the window, where a ts written with an offset may sort.
 *
 * Entries go to `fn` one at a time (memory stays bounded by the chain's
 * bookkeeping: one small record per action and finding of the selection);
 * a status fn returns stops the walk and is returned. Errors: a failed read
 * aborts (RK_EDB); a payload that is not a JSON object, or whose id (the
 * finding, action or run it names) is not a whole number from 0 to 2^53, is
 * RK_ECORRUPT naming its seq.
 * Reads one snapshot (a read transaction, or the caller's).
 */
#ifndef RECKON_AUDIT_TIMELINE_H
#define RECKON_AUDIT_TIMELINE_H

#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

#define AUDIT_TL_WHAT_MAX 640

struct audit_tl_entry {
	int64_t seq;
	char ts[MODEL_TS_MAX];          /* the event's ts */
	char type[32];                  /* the event type: order, fill, finding, ... */
	const char *who;                /* bot, venue, reconciler, operator, audit */
	char venue[MODEL_NAME_MAX];
	char account[MODEL_ID_MAX];
	char symbol[MODEL_SYM_MAX];
	char order_id[MODEL_ID_MAX];    /* the order it is about, "" none */
	int64_t cites;                  /* the event it follows from, 0 none */
	int depth;
	char what[AUDIT_TL_WHAT_MAX];   /* e.g. "action #50 place_stop succeeded: ..." */
};

struct audit_tl_filter {
	const char *symbol;   /* NULL: every symbol */
	const char *order_id; /* NULL: every order */
	int64_t from_us, to_us; /* 0: unbounded */
};

typedef enum rk_rc (*audit_tl_fn)(void *ctx, const struct audit_tl_entry *e, struct rk_err *err);

enum rk_rc audit_timeline(struct journal *j, const struct audit_tl_filter *f, audit_tl_fn fn,
			  void *ctx, struct rk_err *err);

#endif
