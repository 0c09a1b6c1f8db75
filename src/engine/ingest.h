/*
 * ingest.h — the bot -> reckon interface: JSON lines of orders and fills
 * (contract in README.md, "Ingest contract"). This is the bot-facing
 * validation (record.h reads each line strictly); what passes is journaled
 * through events_append_order / events_append_fill (events.h), the same
 * append the reconciler uses.
 *
 * Every line is validated on its own. A bad line is reported with its line
 * number and field and skipped; good lines are committed; a line identical to
 * one already journaled is counted as a duplicate and changes nothing. An
 * order report that arrives after what it reports was superseded (a later
 * status, its fills) is journaled and counted as stale: it changes no
 * order's state (project.h). Ingest reads no clock: an event's ts is the
 * line's own, its recorded_at the journal's (journal_set_clock).
 */
#ifndef RECKON_INGEST_H
#define RECKON_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "journal.h"
#include "model.h"

#define INGEST_MAX_LINE (1024 * 1024) /* longer lines are rejected unread */
/* Lines per transaction in ingest_stream: large, so that the pages a batch
 * dirties are written once for many events (write amplification), and a
 * failed commit still names its first line. */
#define INGEST_BATCH 50000

enum ingest_outcome { INGEST_ACCEPTED = 0, INGEST_DUPLICATE, INGEST_STALE, INGEST_REJECTED };

struct ingest_stats {
	long accepted, duplicates, stale, rejected;
};

/*
 * Validates one line and journals it. Must be called inside a transaction
 * (journal_begin); uses a savepoint so a refused line leaves no trace.
 * Returns RK_OK with *outcome set for accepted, duplicate, stale and
 * rejected lines (err holds the reason for a stale or rejected line); any
 * other return is a database failure that should stop the caller.
 */
enum rk_rc ingest_line(struct journal *j, const char *line, size_t len, const char *source,
		       enum ingest_outcome *outcome /* OUT */, struct rk_err *err);

/* What ingest_line_result reports of one line. */
struct ingest_result {
	enum ingest_outcome outcome;
	int64_t seq;                   /* the event's seq (accepted, stale), the earlier
					  event's (duplicate); 0 for a rejected line */
	bool fill;                     /* a fill, journaled (not rejected) */
	enum venue_kind venue;         /* the record's; valid when seq > 0 */
	char account[MODEL_NAME_MAX];  /* fills only */
	char symbol[MODEL_SYM_MAX];    /* fills only */
};

/* ingest_line, also telling the event's seq and, for a fill, whose venue
 * account and symbol it moved (the daemon triggers a pass on it). Same
 * transaction rule and returns; *out (OUT) is always set. */
enum rk_rc ingest_line_result(struct journal *j, const char *line, size_t len, const char *source,
			      struct ingest_result *out /* OUT */, struct rk_err *err);

/*
 * Reads `in` to the end, ingesting line by line in batches of INGEST_BATCH
 * per transaction. Lines are journaled without a savepoint each: a line
 * refused after it wrote (a projection's refusal, e.g. a fill of the wrong
 * side) rolls the transaction back, the lines before it in the transaction
 * are journaled again (from the same state, so with the same outcomes, and
 * reported only once), and the rest of that transaction uses a savepoint
 * per line (ingest_line), so at most one replay happens per transaction.
 * Writes "line N: reason" for each rejected line, and
 * "line N: stale, ...: reason" for each stale one, to `diag`. *stats (OUT)
 * counts the outcomes: a line counts as accepted, a duplicate or stale only
 * once its transaction committed; rejected lines count as they are
 * reported. Returns non-OK only when reading or the database fails
 * (a failed COMMIT included): then the batch in progress is rolled back,
 * reading stops, and err begins "line N: not journaled, nor any line after
 * it", N being the first line that is not in the journal. Lines committed
 * before that stay. After a read error the lines read before it are
 * committed.
 */
enum rk_rc ingest_stream(struct journal *j, FILE *in, FILE *diag, const char *source,
			 struct ingest_stats *stats /* OUT */, struct rk_err *err);

/* ingest_stream with `batch` (> 0) lines per transaction instead of
 * INGEST_BATCH. */
enum rk_rc ingest_stream_batch(struct journal *j, FILE *in, FILE *diag, const char *source,
			       long batch, struct ingest_stats *stats /* OUT */,
			       struct rk_err *err);

/* Reads one line of at most `max` bytes into *buf (grown as needed, caller
 * frees). Returns 1 with *len set, 0 at EOF, -1 on a read error. A longer
 * line is consumed to its end and returned with *too_long set and *len 0. */
int ingest_read_line(FILE *in, size_t max, char **buf, size_t *cap, size_t *len,
		     int *too_long);

#endif
