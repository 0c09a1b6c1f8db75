/*
 * rk_tz.h — calendar days in a named time zone (IANA names such as
 * "Europe/Berlin", or "UTC"): where a local day starts and ends in UTC, and
 * which local day and minute an instant falls on. The daily report and its
 * schedule need nothing more.
 *
 * Why a module of its own: the C library converts local time only through
 * the process-wide TZ setting (tzset, localtime_r, mktime). This is the one
 * place in reckon that touches it. Each call takes a mutex, sets TZ to the
 * zone, converts, and restores TZ as it was, so calls from several threads
 * are serialised against each other. Anything else in the process that
 * reads local time (localtime, strftime %Z) while a call runs could see the
 * zone of that call: reckon itself works in UTC everywhere else (rtime.h)
 * and does not. The environment: the first call adds TZ if it was unset
 * (restored as ":/etc/localtime", the same zone) and later calls only
 * replace its value, which glibc's getenv in another thread survives;
 * adding a variable could move the environment under such a getenv, so the
 * first call belongs before threads start, or where no thread reads the
 * environment at that moment (the daemon: one rk_tz_local of its report
 * zone at start-up, before its threads).
 *
 * Zone names are checked, never guessed: the C library reads an unknown
 * name as UTC without a word, so a name is accepted only when it is "UTC"
 * or names a compiled zone file under $TZDIR (default /usr/share/zoneinfo),
 * with no "..", no leading '/', at most RK_TZ_NAME_MAX - 1 bytes.
 *
 * Days are "YYYY-MM-DD". A local day runs from its local midnight to the
 * next one: 23 or 25 hours on the days clocks change. A zone whose clocks
 * skip midnight itself starts that day at the first instant that exists.
 * Errors: RK_EINVAL naming the zone or the date. No allocation.
 */
#ifndef RECKON_RK_TZ_H
#define RECKON_RK_TZ_H

#include <stdint.h>

#include "err.h"

#define RK_TZ_NAME_MAX 64
#define RK_TZ_DATE_MAX 11 /* "YYYY-MM-DD" + NUL */

/* RK_OK when `zone` is usable (see above), else RK_EINVAL
 * "unknown time zone 'X' (an IANA name such as Europe/Berlin, or UTC)". */
enum rk_rc rk_tz_check(const char *zone, struct rk_err *err);

/* The local day `date` in `zone` as [*from_us, *to_us), microseconds since
 * the epoch (UTC). RK_EINVAL for a zone rk_tz_check refuses or a date that
 * is not a real YYYY-MM-DD from 2000 to 2199. */
enum rk_rc rk_tz_day(const char *zone, const char *date, int64_t *from_us /* OUT */,
		     int64_t *to_us /* OUT */, struct rk_err *err);

/* The local date of instant `us` in `zone` into date_out, and the minutes
 * since that local midnight into *minute (may be NULL). */
enum rk_rc rk_tz_local(const char *zone, int64_t us, char date_out[RK_TZ_DATE_MAX] /* OUT */,
		       int *minute /* OUT, may be NULL */, struct rk_err *err);

/* Calendar arithmetic on "YYYY-MM-DD", zone-free: `date` moved by `days`
 * (negative: back). RK_EINVAL for a malformed date. */
enum rk_rc rk_tz_date_add(const char *date, int days, char out[RK_TZ_DATE_MAX] /* OUT */,
			  struct rk_err *err);

#endif
