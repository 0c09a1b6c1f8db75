/*
 * rtime.h — timestamps: RFC 3339 parsing into microseconds since the Unix
 * epoch (UTC) and the canonical text form stored in the journal. "Now" is
 * not here: whoever needs it is handed a struct rk_clock (rk_clock.h).
 *
 * Canonical form: "YYYY-MM-DDTHH:MM:SS.ffffffZ" — always UTC, always six
 * fractional digits, so text order is time order in SQL.
 *
 * Two readings. rtime_parse_exact, for what reckon journals as given (the
 * ingest contract), refuses what the canonical form cannot hold: digits
 * beyond the microsecond that are not zeros, and second 60 (reckon does not
 * model leap seconds). rtime_parse, for venues' answers and reckon's own
 * bookkeeping, where refusing a snapshot over a nanosecond would cost more
 * than the nanosecond, truncates to the microsecond and reads second 60 as
 * the minute's last microsecond (59.999999).
 */
#ifndef RECKON_RTIME_H
#define RECKON_RTIME_H

#include <stdint.h>

#include "err.h"

#define RTIME_STR_MAX 40
/* Accepted years: anything outside is an absurd timestamp for this domain. */
#define RTIME_MIN_YEAR 2000
#define RTIME_MAX_YEAR 2199

/* Parses "2025-11-23T03:03:42.2655Z" or with a numeric offset ("+02:00"),
 * converting to UTC. 't' and 'z' are accepted in lower case. Truncates
 * beyond the microsecond; second 60 reads as 59.999999. */
enum rk_rc rtime_parse(const char *s, int64_t *us_out /* OUT */, struct rk_err *err);

/* rtime_parse, but RK_EINVAL (the reason in err) for second 60 and for
 * fractional digits beyond the sixth that are not zeros: what it accepts,
 * rtime_format writes back without changing the instant. */
enum rk_rc rtime_parse_exact(const char *s, int64_t *us_out /* OUT */, struct rk_err *err);

/* Writes the canonical form of `us` into buf (RTIME_STR_MAX bytes). */
char *rtime_format(int64_t us, char buf[RTIME_STR_MAX]);

#endif
