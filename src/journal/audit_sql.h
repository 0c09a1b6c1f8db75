/*
 * audit_sql.h — the statements of the post-mortem commands that answer a
 * selection (a symbol, an order, a window of seqs), named so that a test
 * can check with EXPLAIN QUERY PLAN that each one seeks through an index
 * (events_symbol of migration 0012, events_ts, the events' and orders'
 * primary keys)
 * rather than scanning: tests/test_audit_gaps.c. Defined next to the code
 * that runs them.
 */
#ifndef RECKON_AUDIT_SQL_H
#define RECKON_AUDIT_SQL_H

extern const char AUDIT_SQL_GAPS_SYMBOL[];     /* audit_gaps.c (replay): ?1 symbol */
extern const char AUDIT_SQL_GAPS_PROJ_SYMBOL[]; /* audit_gaps.c: ?1 symbol */
extern const char AUDIT_SQL_GAPS_PROJ_BEFORE[]; /* audit_gaps.c: a position, ?4 time */
extern const char AUDIT_SQL_GAPS_PROJ_WINDOW[]; /* audit_gaps.c: a position, ?4..?5 */
extern const char AUDIT_SQL_STATE_SYMBOL[];    /* audit_state.c: ?1 symbol */
extern const char AUDIT_SQL_STATE_SYMBOL_COUNT[]; /* audit_state.c: ?1 symbol, ?2 seq */
extern const char AUDIT_SQL_STATE_SYMBOL_NEXT[];  /* audit_state.c: ?1 symbol, ?2 seq */
extern const char AUDIT_SQL_TIMELINE_SYMBOL[]; /* audit_timeline.c: ?1 symbol */
extern const char AUDIT_SQL_TIMELINE_ORDER[];  /* audit_timeline.c: ?1 order id */
extern const char AUDIT_SQL_TIMELINE_WINDOW[]; /* audit_timeline.c: ?1..?4 ts bounds */
extern const char AUDIT_SQL_TIMELINE_CITED[];  /* audit_timeline.c: ?1 seq */
extern const char AUDIT_SQL_TIMELINE_FLIGHT[]; /* audit_timeline.c: ?1..?2 seqs */
extern const char AUDIT_SQL_EXPORT_RECORDED[]; /* audit_export.c: ?1 seq */
extern const char AUDIT_SQL_EXPORT_SLICE[];    /* audit_export.c: ?1..?2 seqs */

#endif
