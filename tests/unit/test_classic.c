/* SPDX-License-Identifier: ISC */
/* test_classic.c -- the RFC 862-868 bodies in lib/classic.c */
#include <config.h>

#include <string.h>

#include <criterion/criterion.h>

#include "classic.h"
#include "utc.h"

Test(classic, chargen_lines_rotate_and_end_in_crlf)
{
	struct chargen_state st = {0, 0};
	char buf[(CHARGEN_LINE + 2) * 96];

	classic_chargen_fill(&st, buf, sizeof(buf));
	cr_assert_eq(buf[0], ' ');
	cr_assert_eq(buf[CHARGEN_LINE - 1], ' ' + CHARGEN_LINE - 1);
	cr_assert_eq(memcmp(buf + CHARGEN_LINE, "\r\n", 2), 0);
	cr_assert_eq(buf[CHARGEN_LINE + 2], '!', "line 2 starts one later");
	/* Line 95 wraps back to the first line's pattern. */
	cr_assert_eq(
	    memcmp(buf, buf + (CHARGEN_LINE + 2) * 95, CHARGEN_LINE + 2), 0);
}

Test(classic, chargen_resumes_mid_line)
{
	struct chargen_state a = {0, 0}, b = {0, 0};
	char whole[500], parts[500];

	classic_chargen_fill(&a, whole, sizeof(whole));
	classic_chargen_fill(&b, parts, 7);
	classic_chargen_fill(&b, parts + 7, 300);
	classic_chargen_fill(&b, parts + 307, 193);
	cr_assert_arr_eq(whole, parts, sizeof(whole));
}

Test(classic, time_is_seconds_since_1900_big_endian)
{
	uint8_t t[4];

	classic_time(t, 0);
	/* 2208988800 = 0x83AA7E80 */
	cr_assert_eq(t[0], 0x83);
	cr_assert_eq(t[1], 0xAA);
	cr_assert_eq(t[2], 0x7E);
	cr_assert_eq(t[3], 0x80);
}

Test(classic, daytime_is_one_crlf_line)
{
	char buf[128];
	size_t n = classic_daytime(buf, sizeof(buf), 1000000000);

	cr_assert_str_eq(buf, "Sun Sep  9 01:46:40 2001 UTC\r\n");
	cr_assert_eq(n, strlen(buf));
}

/* utc_tm agrees with gmtime_r field by field: across leap days and
 * centuries, before 1970 and past 2038, in a bounded sweep. */
Test(utc, matches_gmtime)
{
	static const long long starts[] = {
	    -62135596800LL, /* 0001-01-01 */
	    -2208988800LL,  /* 1900-01-01 */
	    -86400 * 3,     0,
	    951782400,                    /* 2000-02-29 */
	    2147483647LL,   4107542400LL, /* 2100-03-01 */
	};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		for (long long k = -800; k <= 800; k++) {
			time_t t = (time_t)(starts[i] + k * 43201);
			struct tm want, got;
			cr_assert_not_null(gmtime_r(&t, &want));
			utc_tm(t, &got);
			cr_assert(want.tm_year == got.tm_year &&
			              want.tm_mon == got.tm_mon &&
			              want.tm_mday == got.tm_mday &&
			              want.tm_hour == got.tm_hour &&
			              want.tm_min == got.tm_min &&
			              want.tm_sec == got.tm_sec &&
			              want.tm_wday == got.tm_wday &&
			              want.tm_yday == got.tm_yday,
			          "t=%lld", (long long)t);
		}
	cr_assert_str_eq(utc_day_name[0], "Sun");
	cr_assert_str_eq(utc_month_name[11], "Dec");
}

/* utc_timegm agrees with timegm: every month start and end from 1600 to
 * 2400 (leap rules of all three kinds), and days past a month's end or
 * seconds past 59 carry as timegm carries them. */
Test(utc, timegm_matches_timegm)
{
	static const int mdays[] = {1, 28, 29, 30, 31, 32, 0, -1};
	for (int year = -300; year <= 500; year++)
		for (int mon = -1; mon <= 12; mon++)
			for (size_t d = 0; d < sizeof(mdays) / sizeof(*mdays);
			     d++) {
				struct tm tm = {.tm_year = year,
				                .tm_mon = mon,
				                .tm_mday = mdays[d],
				                .tm_hour = (year + d) % 24,
				                .tm_min = mon * 5 + 1,
				                .tm_sec = (int)d * 9 % 62};
				struct tm copy = tm;
				time_t want = timegm(&copy);
				cr_assert_eq(utc_timegm(&tm), want, "%d-%d-%d",
				             year + 1900, mon + 1, mdays[d]);
			}
}
