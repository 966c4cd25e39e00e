/* SPDX-License-Identifier: ISC */
/* test_classic.c -- the RFC 862-868 bodies in lib/classic.c */
#include <config.h>

#include <string.h>

#include <criterion/criterion.h>

#include "classic.h"

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
