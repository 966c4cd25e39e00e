/* SPDX-License-Identifier: ISC */
/* utc.h -- UTC calendar fields and names without the time zone database */
#ifndef PORTIER_UTC_H
#define PORTIER_UTC_H

#include <time.h>

/*
 * gmtime_r(3) and strftime(3) load /etc/localtime on first use (glibc runs
 * tzset for them): four or more system calls a one-shot handler never
 * needs for a UTC stamp.  These give the same fields from arithmetic.
 */
void utc_tm(time_t t, struct tm *tm);

/*
 * timegm(3) by arithmetic: TM's year, month, day and time (as strptime
 * leaves them, a field past its range carrying into the next, as timegm
 * does) to seconds since the epoch.  tm_wday and tm_yday are not read.
 */
time_t utc_timegm(const struct tm *tm);

/* "Sun".."Sat" by tm_wday, "Jan".."Dec" by tm_mon. */
extern const char utc_day_name[7][4];
extern const char utc_month_name[12][4];

#endif
