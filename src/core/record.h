/*
 * record.h — the ingest contract's records: validating JSON into order_rec /
 * fill_rec, and writing them back as canonical JSON for the journal.
 *
 * The same reader validates untrusted bot input and replays journal payloads,
 * so what the journal stores is always something ingest would accept, and
 * canonical -> record -> canonical is the identity.
 *
 * Canonical JSON: fixed key order, amounts as canonical decimal strings,
 * timestamps in rtime's canonical form, absent optional fields omitted.
 */
#ifndef RECKON_RECORD_H
#define RECKON_RECORD_H

#include "err.h"
#include "jsonin.h"
#include "model.h"

/* Upper bounds that make a number "absurd" rather than merely large. */
#define RECORD_MAX_QTY "1000000000000000"   /* 1e15 units */
#define RECORD_MAX_PRICE "1000000000000"    /* 1e12 quote per unit */

enum record_type { RECORD_UNKNOWN = 0, RECORD_ORDER, RECORD_FILL };

/* Reads the "type" member. Unknown or missing types are errors naming it. */
enum rk_rc record_type_of(const struct jsonin *in, enum record_type *out, struct rk_err *err);

/* Validates and reads an order / fill line of the ingest contract
 * (including the common fields ts, venue, account — default "default" — and
 * symbol). A fill's "inferred" is reckon's own mark and is refused here. */
enum rk_rc record_order_read(const struct jsonin *in, struct order_rec *out, struct rk_err *err);
enum rk_rc record_fill_read(const struct jsonin *in, struct fill_rec *out, struct rk_err *err);

/* Canonical JSON, malloc'd; the caller frees with free(). NULL only on
 * allocation failure. */
char *record_order_json(const struct order_rec *o);
char *record_fill_json(const struct fill_rec *f);

/* Reads a record back from its canonical JSON text (journal replay). The
 * same rules as the readers above, except that a fill may carry "inferred":
 * the journal holds the fills reckon inferred (recon_exec.c). */
enum rk_rc record_order_from_text(const char *json, struct order_rec *out, struct rk_err *err);
enum rk_rc record_fill_from_text(const char *json, struct fill_rec *out, struct rk_err *err);

#endif
