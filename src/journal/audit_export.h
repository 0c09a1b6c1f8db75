/*
 * audit_export.h — a slice of the journal that someone without the journal
 * can verify (`reckon audit export`, `reckon audit verify --export`).
 *
 * The slice is a contiguous run of events, so that its hashes chain: from
 * the first event journaled at or after FROM to the last journaled before
 * TO (recorded_at; it grows with seq, so the run is found by a binary search
 * over seq, never a scan). JSON lines:
 *
 *   line 1  the header: {"reckon_export":1,"journal_id":ID,"from":T,"to":T,
 *           "first_seq":S,"last_seq":E,"events":N,"chain_from":H0,
 *           "head_hash":HE} — chain_from is the hash the slice chains from
 *           (event S-1's, 64 zeros when S is 1), head_hash event E's;
 *   line 2+ one event each, every column of the events table: seq, ts,
 *           recorded_at, type, source, venue, account, symbol, payload (the
 *           canonical JSON, as a string), dedup_key (null when none),
 *           prev_hash, hash.
 *
 * Verifying (audit_export_verify) needs only the file: every event's hash is
 * recomputed with the journal's own function (journal_event_hash, the same
 * canonical form), each prev_hash must be the line before's hash (the
 * first: chain_from), seqs must follow each other from first_seq, and the
 * count, last seq and head hash must be the header's. A modified, reordered,
 * dropped or added line, or a changed header, fails naming the line. What it
 * proves: the slice is intact and links to chain_from; that chain_from and
 * head_hash are the journal's is for whoever holds the journal (audit
 * verify, or a published checkpoint hash) to confirm.
 *
 * Errors: export — RK_EDB on a failed read, RK_EIO when writing fails,
 * RK_ENOTFOUND when no event falls in the window; verify — RK_ECORRUPT
 * "line N (event SEQ): ..." for a slice that does not verify, RK_EIO when
 * reading fails. Export reads one snapshot (a read transaction).
 */
#ifndef RECKON_AUDIT_EXPORT_H
#define RECKON_AUDIT_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "journal.h"

struct audit_export_result {
	int64_t first_seq, last_seq, events;
	char chain_from[JOURNAL_HASH_HEX];
	char head_hash[JOURNAL_HASH_HEX];
};

/* Writes the slice [from_us, to_us) (recorded_at) of `j` to `out`. */
enum rk_rc audit_export(struct journal *j, int64_t from_us, int64_t to_us, FILE *out,
			struct audit_export_result *res /* OUT */, struct rk_err *err);

/* Verifies a slice read from `in`; *res (OUT) describes it when sound. */
enum rk_rc audit_export_verify(FILE *in, struct audit_export_result *res /* OUT */,
			       struct rk_err *err);

#endif
