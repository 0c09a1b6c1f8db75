/*
 * protect_project.h — the protection-gap projection: keeps protection_gaps
 * and protection_state (migration 0013) in step with the events, so that
 * `reckon audit gaps` and the daily report read the intervals instead of
 * replaying the journal (audit_gaps.h states the rules and causes).
 *
 * Called by the apply path (events.c) right after an event's own
 * projection has updated the materialized tables, with the event's seq and
 * its ts in microseconds. Each call re-judges the position(s) the event can
 * move, from the tables alone (positions, exchange_positions, the
 * position's open orders through the orders_open index, protection_state),
 * with core/protect_rule.h, and opens or closes the position's interval:
 * start / end at the event's ts, never earlier than the position's previous
 * start or end (protection_state.last_us).
 *
 * A projection like the others: a function of the events and the tables
 * only (never reading `events`), so events_rebuild, audit verify's replay
 * and audit state's scratch replay produce the same rows.
 *
 * Errors: RK_EDB on a failed read or write, RK_ECORRUPT for a payload or
 * column that does not read ("event SEQ: ..."), RK_ENOMEM. Runs in the
 * caller's transaction, on the caller's journal; one journal per thread.
 */
#ifndef RECKON_PROTECT_PROJECT_H
#define RECKON_PROTECT_PROJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"

/* Before an order report of (venue, order_id) is projected: whether the
 * order is a stop order now (*was_stop false for an order not yet known),
 * for protect_after_order. */
enum rk_rc protect_before_order(struct journal *j, const char *venue, const char *order_id,
				bool *was_stop /* OUT */, struct rk_err *err);

/* After an order report of (venue, order_id) for the position venue /
 * account / symbol: its start cause is the order's (stop_cancelled,
 * stop_triggered, ..., order_changed), its end "stop_acknowledged". The
 * position is judged only when the order is a stop order now or was one
 * before the report (`was_stop`, from protect_before_order): a report of
 * any other order moves no stop, and the position's quantity moves only
 * by fills. */
enum rk_rc protect_after_order(struct journal *j, int64_t seq, int64_t ts_us, const char *venue,
			       const char *account, const char *symbol, const char *order_id,
			       bool was_stop, struct rk_err *err);

/* After a fill of (venue, order_id) in the position: clears the position's
 * dust mark; start cause "stop_triggered" when the order is a stop order,
 * else "fill"; end "fill". */
enum rk_rc protect_after_fill(struct journal *j, int64_t seq, int64_t ts_us, const char *venue,
			      const char *account, const char *symbol, const char *order_id,
			      struct rk_err *err);

/* After a `finding` (payload: the event's JSON): a `dust` finding marks its
 * position dust (run_id its run) and ends its interval ("dust"). Other
 * kinds change nothing. */
enum rk_rc protect_after_finding(struct journal *j, int64_t seq, int64_t ts_us,
				 const char *payload, struct rk_err *err);

/* After a `recon_run_end`: clears the dust marks of its venue and account
 * set by earlier runs (start cause "dust_cleared"). */
enum rk_rc protect_after_run_end(struct journal *j, int64_t seq, int64_t ts_us,
				 const char *payload, struct rk_err *err);

/* After `exchange_positions` (recon_project has replaced its venue and
 * account's rows): re-judges every position of that venue and account the
 * change can move (cause "exchange_position" either way). */
enum rk_rc protect_after_exchange_positions(struct journal *j, int64_t seq, int64_t ts_us,
					    const char *payload, struct rk_err *err);

#endif
