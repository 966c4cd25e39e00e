/* SPDX-License-Identifier: ISC */
/* test_http_range.c -- the Range header: one byte range, clamped, or none */
#include <config.h>

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"

struct range_case {
	const char *value;
	off_t size;
	enum http_range_result want;
	off_t first, last;
};

static const struct range_case range_cases[] = {
    {"bytes=0-9", 100, RANGE_OK, 0, 9},
    {"bytes=90-", 100, RANGE_OK, 90, 99},
    {"bytes=-10", 100, RANGE_OK, 90, 99},
    {"bytes=50-500", 100, RANGE_OK, 50, 99},
    {"bytes=-500", 100, RANGE_OK, 0, 99},
    {"bytes=0-0", 100, RANGE_OK, 0, 0},
    {"Bytes=99-99", 100, RANGE_OK, 99, 99},
    {"bytes= 1-2", 100, RANGE_OK, 1, 2},
    {"bytes=-1", 1, RANGE_OK, 0, 0},
    {"bytes=0-9223372036854775806", 100, RANGE_OK, 0, 99},
    {"bytes=0-9223372036854775807", 100, RANGE_OK, 0, 99},
    /* Past the end, empty suffixes, empty files: 416. */
    {"bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=-5", 0, RANGE_UNSATISFIABLE, 0, 0},
    /* Lists (the "Apache Killer" shape), and anything malformed, are
     * ignored: the whole file, which RFC 9110 14.2 allows. */
    {"bytes=0-1,2-3", 100, RANGE_NONE, 0, 0},
    {"bytes=9-1", 100, RANGE_NONE, 0, 0},
    {"items=0-1", 100, RANGE_NONE, 0, 0},
    {"bytes=x-1", 100, RANGE_NONE, 0, 0},
    {"bytes=99999999999999999999999-", 100, RANGE_NONE, 0, 0},
    {"bytes=9223372036854775808-", 100, RANGE_NONE, 0, 0},
    {"bytes=", 100, RANGE_NONE, 0, 0},
    {"bytes=-", 100, RANGE_NONE, 0, 0},
    {"bytes=--1", 100, RANGE_NONE, 0, 0},
    {"bytes=1-2 ", 100, RANGE_NONE, 0, 0},
    {"bytes=1--2", 100, RANGE_NONE, 0, 0},
    {"bytes=1-2-3", 100, RANGE_NONE, 0, 0},
    {"bytes=0x1-2", 100, RANGE_NONE, 0, 0},
    {"bytes 0-1", 100, RANGE_NONE, 0, 0},
    {"bytes=1-2,", 100, RANGE_NONE, 0, 0},
    {"bytes=,1-2", 100, RANGE_NONE, 0, 0},
    {"bytes=-1-2", 100, RANGE_NONE, 0, 0},
};

Test(range, every_case)
{
	for (size_t i = 0; i < sizeof(range_cases) / sizeof(*range_cases);
	     i++) {
		const struct range_case *c = &range_cases[i];
		off_t a = -7, b = -7;
		enum http_range_result got =
		    http_parse_range(c->value, c->size, &a, &b);
		cr_assert_eq(got, c->want, "%s: %d", c->value, (int)got);
		if (got == RANGE_OK)
			cr_assert(a == c->first && b == c->last, "%s: %jd-%jd",
			          c->value, (intmax_t)a, (intmax_t)b);
	}
}
