/* rtime.c — RFC 3339 timestamps (see rtime.h). */
#include "rtime.h"

#include <ctype.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm): exact integer arithmetic, no timezone database involved. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m)
{
	static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : DAYS[m - 1];
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Reads the fraction after '.' at *p into microseconds. `exact`: digits
 * beyond the sixth must be zeros (else they are dropped). */
static enum rk_rc fraction(const char **p, bool exact, int64_t *frac_us, struct rk_err *err)
{
	int n = 0;
	*frac_us = 0;
	for (; isdigit((unsigned char)**p); n++, (*p)++) {
		if (n < 6)
			*frac_us = *frac_us * 10 + (**p - '0');
		else if (exact && **p != '0')
			return rk_err_set(err, RK_EINVAL,
					  "timestamp has more than 6 fractional digits (reckon keeps "
					  "microseconds; digits beyond them must be zeros)");
	}
	if (n == 0)
		return rk_err_set(err, RK_EINVAL, "timestamp has an empty fraction");
	for (int i = n; i < 6; i++)
		*frac_us *= 10;
	return RK_OK;
}

static enum rk_rc parse(const char *s, bool exact, int64_t *us_out, struct rk_err *err)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac_us = 0;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "missing timestamp");
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != 't') || !(p++, digits(&p, 2, &h)) ||
	    *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &sec))
		return rk_err_set(err, RK_EINVAL,
				  "not an RFC 3339 timestamp (want e.g. 2025-11-23T03:03:42.265Z)");
	if (*p == '.') {
		p++;
		enum rk_rc rc = fraction(&p, exact, &frac_us, err);
		if (rc)
			return rc;
	}
	int sign = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return rk_err_set(err, RK_EINVAL, "timestamp has a malformed UTC offset");
	} else {
		return rk_err_set(err, RK_EINVAL, "timestamp needs a time zone (Z or +HH:MM)");
	}
	if (*p != '\0')
		return rk_err_set(err, RK_EINVAL, "trailing characters after timestamp");
	if (y < RTIME_MIN_YEAR || y > RTIME_MAX_YEAR)
		return rk_err_set(err, RK_EINVAL, "year %d outside %d..%d", y, RTIME_MIN_YEAR,
				  RTIME_MAX_YEAR);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return rk_err_set(err, RK_EINVAL, "timestamp has an out-of-range date or time");
	if (sec == 60 && exact)
		return rk_err_set(err, RK_EINVAL,
				  "timestamp has second 60 (a leap second): reckon does not model "
				  "leap seconds");
	if (sec == 60) /* leap second: the last microsecond of the minute */
		sec = 59, frac_us = 999999;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*us_out = t * 1000000 + frac_us;
	return RK_OK;
}

enum rk_rc rtime_parse(const char *s, int64_t *us_out, struct rk_err *err)
{
	return parse(s, false, us_out, err);
}

enum rk_rc rtime_parse_exact(const char *s, int64_t *us_out, struct rk_err *err)
{
	return parse(s, true, us_out, err);
}

char *rtime_format(int64_t us, char buf[RTIME_STR_MAX])
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	if (frac < 0)
		frac += 1000000, secs -= 1;
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0)
		rem += 86400, days -= 1;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, RTIME_STR_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
	return buf;
}
