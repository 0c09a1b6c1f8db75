/* rk_tz.c — local days in IANA time zones through the C library, with the
 * process-wide TZ variable set and restored under one mutex (see rk_tz.h). */
#include "rk_tz.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static pthread_mutex_t g_tz_lock = PTHREAD_MUTEX_INITIALIZER;

static bool zone_name_ok(const char *zone)
{
	size_t n = zone ? strlen(zone) : 0;
	if (n == 0 || n >= RK_TZ_NAME_MAX || zone[0] == '/' || strstr(zone, ".."))
		return false;
	for (const char *p = zone; *p; p++)
		if (!(*p == '/' || *p == '_' || *p == '-' || *p == '+' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

enum rk_rc rk_tz_check(const char *zone, struct rk_err *err)
{
	if (zone && strcmp(zone, "UTC") == 0)
		return RK_OK;
	if (zone_name_ok(zone)) {
		const char *dir = getenv("TZDIR");
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return RK_OK;
	}
	return rk_err_set(err, RK_EINVAL,
			  "unknown time zone '%s' (an IANA name such as Europe/Berlin, or UTC)",
			  zone ? zone : "");
}

/* Runs with TZ = zone: saves the old value, sets, tzset. The caller holds
 * the lock and calls tz_leave with what this returned. */
static char *tz_enter(const char *zone)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	char want[RK_TZ_NAME_MAX + 1];
	snprintf(want, sizeof want, ":%s", zone);
	setenv("TZ", want, 1);
	tzset();
	return saved;
}

/* Puts TZ back. An unset TZ comes back as ":/etc/localtime", which means
 * the same: TZ is never removed again, because unsetenv moves the entries of
 * the environment under a getenv in another thread, while replacing the
 * value of an existing variable does not (glibc keeps old values alive). */
static void tz_leave(char *saved)
{
	setenv("TZ", saved ? saved : ":/etc/localtime", 1);
	free(saved);
	tzset();
}

static bool parse_date(const char *date, int *y, int *m, int *d)
{
	if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9'))
			return false;
	*y = atoi(date), *m = atoi(date + 5), *d = atoi(date + 8);
	if (*y < 2000 || *y > 2199 || *m < 1 || *m > 12 || *d < 1)
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	return *d <= mdays[*m - 1] + (*m == 2 ? leap : 0);
}

/* Local midnight of y-m-d (normalised by mktime) in the zone in force. */
static time_t local_midnight(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
	return mktime(&tm);
}

enum rk_rc rk_tz_day(const char *zone, const char *date, int64_t *from_us, int64_t *to_us,
		     struct rk_err *err)
{
	int y, m, d;
	enum rk_rc rc = rk_tz_check(zone, err);
	if (rc)
		return rc;
	if (!parse_date(date, &y, &m, &d))
		return rk_err_set(err, RK_EINVAL, "date '%s' is not a day YYYY-MM-DD (2000-2199)",
				  date ? date : "");
	pthread_mutex_lock(&g_tz_lock);
	char *saved = tz_enter(zone);
	time_t a = local_midnight(y, m, d), b = local_midnight(y, m, d + 1);
	tz_leave(saved);
	pthread_mutex_unlock(&g_tz_lock);
	if (a == (time_t)-1 || b == (time_t)-1 || b <= a)
		return rk_err_set(err, RK_EINVAL, "day %s has no midnight in time zone %s", date, zone);
	*from_us = (int64_t)a * 1000000;
	*to_us = (int64_t)b * 1000000;
	return RK_OK;
}

enum rk_rc rk_tz_local(const char *zone, int64_t us, char date_out[RK_TZ_DATE_MAX], int *minute,
		       struct rk_err *err)
{
	enum rk_rc rc = rk_tz_check(zone, err);
	if (rc)
		return rc;
	/* floor division: an instant before the epoch is not reckon's, but
	 * rounding must not move one across midnight either way */
	time_t t = (time_t)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
	struct tm tm;
	pthread_mutex_lock(&g_tz_lock);
	char *saved = tz_enter(zone);
	bool ok = localtime_r(&t, &tm) != NULL;
	tz_leave(saved);
	pthread_mutex_unlock(&g_tz_lock);
	if (!ok)
		return rk_err_set(err, RK_EINVAL, "instant %lld is out of range", (long long)us);
	snprintf(date_out, RK_TZ_DATE_MAX, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
	if (minute)
		*minute = tm.tm_hour * 60 + tm.tm_min;
	return RK_OK;
}

enum rk_rc rk_tz_date_add(const char *date, int days, char out[RK_TZ_DATE_MAX],
			  struct rk_err *err)
{
	int y, m, d;
	if (!parse_date(date, &y, &m, &d))
		return rk_err_set(err, RK_EINVAL, "date '%s' is not a day YYYY-MM-DD (2000-2199)",
				  date ? date : "");
	/* timegm is zone-free: noon avoids any question of day boundaries */
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + days, .tm_hour = 12};
	time_t t = timegm(&tm);
	struct tm r;
	if (t == (time_t)-1 || !gmtime_r(&t, &r))
		return rk_err_set(err, RK_EINVAL, "date %s %+d days is out of range", date, days);
	snprintf(out, RK_TZ_DATE_MAX, "%04d-%02d-%02d", r.tm_year + 1900, r.tm_mon + 1, r.tm_mday);
	return RK_OK;
}
