/*
 * tu_events.h — a small language of journal events for the post-mortem
 * tests (test_audit_gaps.c, test_audit_state.c, test_audit_timeline.c):
 * bots' orders and fills through ingest, the reconciler's events appended
 * as it appends them, and a seeded random stream of all of them (orders
 * that come and go, stops, fills real and inferred, runs with dust findings
 * and the exchange's positions, timestamps now and then going backwards).
 * Every helper fails the current test (cmocka) on an unexpected error.
 */
#ifndef RECKON_TU_EVENTS_H
#define RECKON_TU_EVENTS_H

#include <stdint.h>

#include "journal.h"

/* Ingests an order / fill line on coinbase (a refusal fails the test). */
void tu_order(struct journal *j, const char *ts, const char *sym, const char *id,
	      const char *side, const char *type, const char *status, const char *qty);
void tu_fill(struct journal *j, const char *ts, const char *sym, const char *id,
	     const char *oid, const char *side, const char *qty);

/* Appends a reconciler's event of coinbase/default; returns its seq. */
int64_t tu_recon_event(struct journal *j, const char *type, const char *ts, const char *sym,
		       const char *payload);
int64_t tu_run_start(struct journal *j, const char *ts);
void tu_run_end(struct journal *j, const char *ts, int64_t run);
void tu_dust(struct journal *j, const char *ts, int64_t run, const char *sym);

/* RFC 3339 to microseconds. */
int64_t tu_us(const char *ts);

/* The random stream's symbols. */
#define TU_NSYM 2
extern const char *const TU_SYMS[TU_NSYM];

/* A random stream: seed it, then each step appends one event or a line the
 * journal refuses (nothing). */
struct tu_gen {
	struct journal *j;
	uint64_t rng;
	int64_t t;          /* seconds after 2025-01-01 */
	int norders, nfills;
	int64_t run;        /* the run in progress, 0: none */
};
void tu_gen_step(struct tu_gen *g);

#endif
