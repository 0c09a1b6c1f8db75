/* ingest.c — validating and journaling JSON-lines input (see ingest.h). */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "jsonin.h"
#include "record.h"
#include "rk_array.h"

int ingest_read_line(FILE *in, size_t max, char **buf, size_t *cap, size_t *len, int *too_long)
{
	size_t n = 0;
	int c, any = 0;
	*too_long = 0;
	while ((c = getc(in)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (*too_long)
			continue;
		if (n >= max) {
			*too_long = 1;
			continue;
		}
		if (n + 1 >= *cap && !rk_array_reserve(buf, cap, n + 2, 1))
			return -1;
		(*buf)[n++] = (char)c;
	}
	if (ferror(in))
		return -1;
	if (!any)
		return 0;
	if (*too_long)
		n = 0;
	if (n > 0 && (*buf)[n - 1] == '\r') /* CRLF files */
		n--;
	if (*buf)
		(*buf)[n] = '\0';
	*len = n;
	return 1;
}

/* Validates a record of `type` and appends it. */
/* Validates a record of `type` and appends it; *what (may be NULL) gets
 * the record's seq and identity. */
static enum rk_rc append_record(struct journal *j, enum record_type type, const struct jsonin *in,
				const char *source, enum events_result *res,
				struct ingest_result *what, struct rk_err *err)
{
	enum rk_rc rc;
	int64_t seq = 0;
	if (type == RECORD_ORDER) {
		struct order_rec o;
		if ((rc = record_order_read(in, &o, err)))
			return rc;
		rc = events_append_order_seq(j, &o, source, res, &seq, err);
		if (what) {
			what->seq = seq;
			what->venue = o.venue;
		}
		return rc;
	}
	struct fill_rec f;
	if ((rc = record_fill_read(in, &f, err)))
		return rc;
	rc = events_append_fill_seq(j, &f, source, res, &seq, err);
	if (what) {
		what->seq = seq;
		what->fill = true;
		what->venue = f.venue;
		snprintf(what->account, sizeof what->account, "%s", f.account);
		snprintf(what->symbol, sizeof what->symbol, "%s", f.symbol);
	}
	return rc;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* How ingest_one journals a line. */
enum line_mode {
	LINE_SAVEPOINT, /* inside a savepoint: a refused line leaves no trace */
	LINE_BARE       /* no savepoint: a line refused after it wrote leaves
			   the transaction dirty (*dirty), for the caller to
			   roll back as a whole */
};

/* Validates and journals one line; see ingest_line. *dirty (LINE_BARE) is
 * set when the line was refused after writing something. */
static enum rk_rc ingest_one(struct journal *j, const char *line, size_t len, const char *source,
			     enum line_mode mode, enum ingest_outcome *outcome, bool *dirty,
			     struct ingest_result *what, struct rk_err *err)
{
	struct jsonin in;
	enum record_type type = RECORD_UNKNOWN;
	enum events_result res = EVENTS_APPENDED;
	enum rk_rc rc;

	*outcome = INGEST_REJECTED;
	*dirty = false;
	if ((rc = jsonin_parse(line, len, &in, err)))
		return RK_OK; /* rejected: err says why */
	if ((rc = record_type_of(&in, &type, err))) {
		jsonin_close(&in);
		return RK_OK;
	}
	if (mode == LINE_SAVEPOINT && (rc = journal_savepoint(j, err))) {
		jsonin_close(&in);
		return rc;
	}
	int64_t before = journal_changes(j);
	rc = append_record(j, type, &in, source, &res, what, err);
	jsonin_close(&in);
	if (rc && mode == LINE_SAVEPOINT)
		journal_rollback_to_savepoint(j);
	else if (rc)
		*dirty = journal_changes(j) != before;
	if (rc == RK_EDB || rc == RK_ENOMEM || rc == RK_EIO)
		return rc;
	if (rc)
		return RK_OK;
	if (mode == LINE_SAVEPOINT && (rc = journal_release(j, err)))
		return rc;
	*outcome = res == EVENTS_DUPLICATE ? INGEST_DUPLICATE
		   : res == EVENTS_STALE   ? INGEST_STALE
					   : INGEST_ACCEPTED;
	return RK_OK;
}

enum rk_rc ingest_line(struct journal *j, const char *line, size_t len, const char *source,
		       enum ingest_outcome *outcome, struct rk_err *err)
{
	bool dirty;
	return ingest_one(j, line, len, source, LINE_SAVEPOINT, outcome, &dirty, NULL, err);
}

enum rk_rc ingest_line_result(struct journal *j, const char *line, size_t len, const char *source,
			      struct ingest_result *out, struct rk_err *err)
{
	bool dirty;
	*out = (struct ingest_result){0};
	enum rk_rc rc = ingest_one(j, line, len, source, LINE_SAVEPOINT, &out->outcome, &dirty,
				   out, err);
	enum ingest_outcome oc = out->outcome;
	if (rc || oc == INGEST_REJECTED) {
		out->seq = 0; /* a refused line left nothing, whatever it was */
		out->fill = false;
	}
	out->outcome = oc;
	return rc;
}

/* A line the open transaction journaled (accepted or stale), kept so that
 * the transaction can be rolled back and journaled again without a line
 * refused after it wrote. `off` indexes struct batch's text. */
struct kept_line {
	long lineno;
	size_t off, len;
};

/*
 * The open transaction's lines: they count as accepted or duplicates only
 * once their COMMIT succeeded. Lines are journaled without a savepoint each
 * (LINE_BARE); the ones that wrote are kept. A line refused after it wrote
 * (a projection's refusal) rolls the transaction back, the kept lines are
 * journaled again, and the rest of the transaction uses a savepoint per
 * line (LINE_SAVEPOINT), so that at most one replay happens per
 * transaction.
 */
struct batch {
	bool open;
	bool savepoints;  /* LINE_SAVEPOINT for the rest of this transaction */
	long first_line;  /* the first line read into the open transaction */
	long lines;       /* lines ingested in it */
	long accepted, duplicates, stale;
	char *text;       /* the kept lines' text, each NUL-terminated */
	size_t text_len, text_cap;
	struct kept_line *kept;
	size_t n_kept, kept_cap;
};

static void batch_free(struct batch *b)
{
	free(b->text);
	free(b->kept);
}

static enum rk_rc batch_begin(struct journal *j, struct batch *b, long lineno, struct rk_err *err)
{
	if (b->open)
		return RK_OK;
	enum rk_rc rc = journal_begin(j, err);
	if (rc)
		return rk_err_prefix(err, "line %ld: not journaled, nor any line after it", lineno);
	b->open = true;
	b->savepoints = false;
	b->first_line = lineno;
	b->lines = b->accepted = b->duplicates = b->stale = 0;
	b->text_len = b->n_kept = 0;
	return RK_OK;
}

/* Keeps line `lineno` for a replay. */
static enum rk_rc batch_keep(struct batch *b, long lineno, const char *line, size_t len,
			     struct rk_err *err)
{
	if (!rk_array_reserve(&b->text, &b->text_cap, b->text_len + len + 1, 1) ||
	    !rk_array_reserve(&b->kept, &b->kept_cap, b->n_kept + 1, sizeof *b->kept))
		return rk_err_set(err, RK_ENOMEM, "line %ld: out of memory", lineno);
	memcpy(b->text + b->text_len, line, len);
	b->text[b->text_len + len] = '\0';
	b->kept[b->n_kept++] = (struct kept_line){lineno, b->text_len, len};
	b->text_len += len + 1;
	return RK_OK;
}

/*
 * Line `lineno` was refused after it wrote: rolls the transaction back,
 * begins it again and journals the kept lines again. They were journaled
 * from the same state before, so each does as it did; one that does not is
 * RK_EDB. On failure the transaction is left for batch_abort.
 */
static enum rk_rc batch_replay(struct journal *j, struct batch *b, long lineno,
			       const char *source, struct rk_err *err)
{
	journal_rollback(j);
	enum rk_rc rc = journal_begin(j, err);
	if (rc)
		return rk_err_prefix(err, "line %ld: beginning again after rolling back line %ld",
				     b->first_line, lineno);
	b->savepoints = true;
	for (size_t i = 0; i < b->n_kept; i++) {
		const struct kept_line *k = &b->kept[i];
		struct rk_err lerr = {0};
		enum ingest_outcome oc;
		bool dirty;
		rc = ingest_one(j, b->text + k->off, k->len, source, LINE_BARE, &oc, &dirty, NULL, &lerr);
		if (!rc && (oc == INGEST_REJECTED || oc == INGEST_DUPLICATE))
			rc = rk_err_set(&lerr, RK_EDB, "journaled differently the second time (%s)",
					lerr.msg[0] ? lerr.msg : "duplicate");
		if (rc)
			return rk_err_set(err, rc, "line %ld: replaying it after rolling back line %ld: %s",
					  k->lineno, lineno, lerr.msg);
	}
	return RK_OK;
}

/* Commits the open transaction and adds its lines to *stats. On failure the
 * transaction is rolled back and err names its first line, the first one
 * that is not in the journal. */
static enum rk_rc batch_commit(struct journal *j, struct batch *b, struct ingest_stats *stats,
			       struct rk_err *err)
{
	if (!b->open)
		return RK_OK;
	b->open = false;
	enum rk_rc rc = journal_commit(j, err);
	if (rc) {
		journal_rollback(j); /* a refused COMMIT may leave the transaction open */
		return rk_err_prefix(err, "line %ld: not journaled, nor any line after it: commit failed",
				     b->first_line);
	}
	stats->accepted += b->accepted;
	stats->duplicates += b->duplicates;
	stats->stale += b->stale;
	return RK_OK;
}

/* Rolls the open transaction back after `rc`, naming its first line. */
static enum rk_rc batch_abort(struct journal *j, struct batch *b, enum rk_rc rc, struct rk_err *err)
{
	if (!b->open)
		return rc;
	b->open = false;
	journal_rollback(j);
	return rk_err_prefix(err, "line %ld: not journaled, nor any line after it", b->first_line);
}

/* Journals line `lineno` into the open transaction and counts it. */
static enum rk_rc batch_line(struct journal *j, struct batch *b, long lineno, const char *line,
			     size_t len, const char *source, FILE *diag,
			     struct ingest_stats *stats, struct rk_err *err)
{
	struct rk_err lerr = {0};
	enum ingest_outcome oc;
	bool dirty = false;
	enum rk_rc rc = ingest_one(j, line, len, source,
				   b->savepoints ? LINE_SAVEPOINT : LINE_BARE, &oc, &dirty, NULL,
				   &lerr);
	if (rc)
		return rk_err_set(err, rc, "line %ld: %s", lineno, lerr.msg);
	if (dirty && (rc = batch_replay(j, b, lineno, source, err)))
		return rc;
	if ((oc == INGEST_ACCEPTED || oc == INGEST_STALE) && !b->savepoints &&
	    (rc = batch_keep(b, lineno, line, len, err)))
		return rc;
	if (oc == INGEST_ACCEPTED) {
		b->accepted++;
	} else if (oc == INGEST_DUPLICATE) {
		b->duplicates++;
	} else if (oc == INGEST_STALE) {
		b->stale++;
		fprintf(diag, "line %ld: %s\n", lineno, lerr.msg);
	} else {
		stats->rejected++;
		fprintf(diag, "line %ld: %s\n", lineno, lerr.msg);
	}
	return RK_OK;
}

enum rk_rc ingest_stream(struct journal *j, FILE *in, FILE *diag, const char *source,
			 struct ingest_stats *stats, struct rk_err *err)
{
	return ingest_stream_batch(j, in, diag, source, INGEST_BATCH, stats, err);
}

enum rk_rc ingest_stream_batch(struct journal *j, FILE *in, FILE *diag, const char *source,
			       long batch, struct ingest_stats *stats, struct rk_err *err)
{
	char *buf = NULL;
	size_t cap = 0, len = 0;
	long lineno = 0;
	int too_long = 0, r;
	enum rk_rc rc = RK_OK;
	struct batch b = {0};

	memset(stats, 0, sizeof *stats);
	while ((r = ingest_read_line(in, INGEST_MAX_LINE, &buf, &cap, &len, &too_long)) == 1) {
		lineno++;
		if (!too_long && is_blank(buf ? buf : "", len))
			continue;
		if (too_long) {
			fprintf(diag, "line %ld: line longer than %d bytes, skipped\n", lineno,
				INGEST_MAX_LINE);
			stats->rejected++;
			continue;
		}
		if ((rc = batch_begin(j, &b, lineno, err)) ||
		    (rc = batch_line(j, &b, lineno, buf, len, source, diag, stats, err)))
			goto out;
		if (++b.lines >= batch && (rc = batch_commit(j, &b, stats, err)))
			goto out;
	}
	if (r < 0) {
		/* Keep every good line read before a read error. */
		struct rk_err cerr = {0};
		enum rk_rc crc = batch_commit(j, &b, stats, &cerr);
		rc = rk_err_set(err, RK_EIO, "read error after line %ld%s%s", lineno,
				crc ? "; " : "", crc ? cerr.msg : "");
		goto out;
	}
	rc = batch_commit(j, &b, stats, err);
out:
	if (rc)
		rc = batch_abort(j, &b, rc, err);
	batch_free(&b);
	free(buf);
	return rc;
}
