/*
 * audit.h — proving the journal is what reckon wrote: SQLite's own integrity
 * check, the SHA-256 hash chain over every event, the append-only triggers,
 * and materialized tables equal to a replay of the events.
 */
#ifndef RECKON_AUDIT_H
#define RECKON_AUDIT_H

#include <stdint.h>

#include "err.h"
#include "journal.h"

struct audit_result {
	int64_t events;        /* events checked */
	int64_t first_bad_seq; /* 0 when the chain is sound */
};

/*
 * Runs every check, stopping at the first failure. RK_OK when sound;
 * RK_ECORRUPT with err naming the first bad event (or table, or missing
 * trigger) otherwise. Changes nothing.
 */
enum rk_rc audit_verify(struct journal *j, struct audit_result *res /* OUT */, struct rk_err *err);

#endif
