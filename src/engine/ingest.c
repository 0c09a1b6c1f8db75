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
static enum rk_rc append_record(struct journal *j, enum record_type type, const struct jsonin *in,
				const char *source, enum events_result *res,
				struct rk_err *err)
{
	enum rk_rc rc;
	if (type == RECORD_ORDER) {
		struct order_rec o;
		if ((rc = record_order_read(in, &o, err)))
			return rc;
		return events_append_order(j, &o, source, res, err);
	}
	struct fill_rec f;
	if ((rc = record_fill_read(in, &f, err)))
		return rc;
	return events_append_fill(j, &f, source, res, err);
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

enum rk_rc ingest_line(struct journal *j, const char *line, size_t len, const char *source,
		       enum ingest_outcome *outcome, struct rk_err *err)
{
	struct jsonin in;
	enum record_type type = RECORD_UNKNOWN;
	enum events_result res = EVENTS_APPENDED;
	enum rk_rc rc;

	*outcome = INGEST_REJECTED;
	if ((rc = jsonin_parse(line, len, &in, err)))
		return RK_OK; /* rejected: err says why */
	if ((rc = record_type_of(&in, &type, err))) {
		jsonin_close(&in);
		return RK_OK;
	}
	if ((rc = journal_savepoint(j, err))) {
		jsonin_close(&in);
		return rc;
	}
	rc = append_record(j, type, &in, source, &res, err);
	jsonin_close(&in);
	if (rc == RK_EDB || rc == RK_ENOMEM || rc == RK_EIO) {
		journal_rollback_to_savepoint(j);
		return rc;
	}
	if (rc) {
		journal_rollback_to_savepoint(j);
		return RK_OK;
	}
	if ((rc = journal_release(j, err)))
		return rc;
	*outcome = res == EVENTS_DUPLICATE ? INGEST_DUPLICATE
		   : res == EVENTS_STALE   ? INGEST_STALE
					   : INGEST_ACCEPTED;
	return RK_OK;
}

/* The open transaction's lines: they count as accepted or duplicates only
 * once their COMMIT succeeded. */
struct batch {
	bool open;
	long first_line; /* the first line read into the open transaction */
	long lines;      /* lines ingested in it */
	long accepted, duplicates, stale;
};

static enum rk_rc batch_begin(struct journal *j, struct batch *b, long lineno, struct rk_err *err)
{
	if (b->open)
		return RK_OK;
	enum rk_rc rc = journal_begin(j, err);
	if (rc)
		return rk_err_prefix(err, "line %ld: not journaled, nor any line after it", lineno);
	*b = (struct batch){.open = true, .first_line = lineno};
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

enum rk_rc ingest_stream(struct journal *j, FILE *in, FILE *diag, const char *source,
			 struct ingest_stats *stats, struct rk_err *err)
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
		if ((rc = batch_begin(j, &b, lineno, err)))
			goto out;
		struct rk_err lerr = {0};
		enum ingest_outcome oc;
		if ((rc = ingest_line(j, buf, len, source, &oc, &lerr))) {
			rk_err_set(err, rc, "line %ld: %s", lineno, lerr.msg);
			goto out;
		}
		if (oc == INGEST_ACCEPTED) {
			b.accepted++;
		} else if (oc == INGEST_DUPLICATE) {
			b.duplicates++;
		} else if (oc == INGEST_STALE) {
			b.stale++;
			fprintf(diag, "line %ld: %s\n", lineno, lerr.msg);
		} else {
			stats->rejected++;
			fprintf(diag, "line %ld: %s\n", lineno, lerr.msg);
		}
		if (++b.lines >= INGEST_BATCH && (rc = batch_commit(j, &b, stats, err)))
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
	free(buf);
	return rc;
}
