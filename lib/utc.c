/* SPDX-License-Identifier: ISC */
/* utc.c -- UTC calendar fields and names without the time zone database */
#include <config.h>

#include <stdbool.h>
#include <string.h>

#include "utc.h"

const char utc_day_name[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                 "Thu", "Fri", "Sat"};
const char utc_month_name[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days before each month in a common year, to give tm_yday. */
static const int utc_days_before[12] = {0,   31,  59,  90,  120, 151,
                                        181, 212, 243, 273, 304, 334};

static long long
utc_floor_div(long long a, long long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date, counting years from
 * March so the leap day falls last: 400-year eras of 146,097 days.
 */
static void
utc_civil(long long days, long long *year, int *month, int *mday)
{
	long long z = days + 719468; /* days from 0000-03-01 */
	long long era = utc_floor_div(z, 146097);
	long long doe = z - era * 146097; /* 0..146096 */
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153; /* 0 = March */

	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 2 : mp - 10); /* 0 = January */
	*year = yoe + era * 400 + (*month <= 1);
}

void
utc_tm(time_t t, struct tm *tm)
{
	long long days = utc_floor_div((long long)t, 86400);
	long long secs = (long long)t - days * 86400, year;
	int month, mday;

	utc_civil(days, &year, &month, &mday);
	memset(tm, 0, sizeof(*tm));
	tm->tm_sec = (int)(secs % 60);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_mday = mday;
	tm->tm_mon = month;
	tm->tm_year = (int)(year - 1900);
	tm->tm_wday = (int)(days - utc_floor_div(days + 4, 7) * 7 + 4);
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	tm->tm_yday = utc_days_before[month] + mday - 1 + (leap && month > 1);
}

/* utc_civil's inverse: a proleptic Gregorian date to days since 1970. */
static long long
utc_days(long long year, long long month, long long mday)
{
	year += utc_floor_div(month, 12);
	month -= utc_floor_div(month, 12) * 12; /* 0 = January */
	year -= month <= 1;
	long long era = utc_floor_div(year, 400);
	long long yoe = year - era * 400;                  /* 0..399 */
	long long mp = month > 1 ? month - 2 : month + 10; /* 0 = March */
	long long doy = (153 * mp + 2) / 5 + mday - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

time_t
utc_timegm(const struct tm *tm)
{
	long long days =
	    utc_days(tm->tm_year + 1900LL, tm->tm_mon, tm->tm_mday);

	return (time_t)(days * 86400 + tm->tm_hour * 3600LL +
	                tm->tm_min * 60LL + tm->tm_sec);
}
