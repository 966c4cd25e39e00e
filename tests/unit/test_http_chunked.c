/* SPDX-License-Identifier: ISC */
/* test_http_chunked.c -- the chunked request body decoder (RFC 9112 7.1) */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "http.h"

/* Decode IN fed STEP bytes at a time; the data into OUT, NUL-ended.
 * Returns the bytes of IN used, or -1. */
static long
decode(const char *in, size_t step, char *out, bool *done)
{
	struct chunked c;
	size_t len = strlen(in), at = 0, o = 0;

	chunked_init(&c);
	while (at < len && !chunked_is_done(&c)) {
		size_t n = len - at < step ? len - at : step, got;
		long used = chunked_decode(&c, in + at, n, out + o, &got);
		if (used < 0)
			return -1;
		o += got;
		at += (size_t)used;
		if ((size_t)used < n)
			break;
	}
	out[o] = '\0';
	*done = chunked_is_done(&c);
	return (long)at;
}

Test(chunked, whole_and_byte_by_byte)
{
	const char *in = "3\r\nabc\r\nA;name=val\r\n0123456789\r\n0\r\n\r\n"
	                 "GET / HTTP/1.1\r\n";
	char out[128];
	bool done;

	for (size_t step = 1; step < 64; step++) {
		long used = decode(in, step, out, &done);
		cr_assert(done, "step %zu", step);
		cr_assert_str_eq(out, "abc0123456789", "step %zu", step);
		/* It stops where the next request begins. */
		cr_assert_str_eq(in + used, "GET / HTTP/1.1\r\n");
	}
}

Test(chunked, trailers_and_extensions_are_read_and_dropped)
{
	char out[64];
	bool done;

	cr_assert_eq(decode("1 ;a=\"b c\"\r\nx\r\n000\r\nX-T: 1\r\nY: 2\r\n"
	                    "\r\nrest",
	                    7, out, &done),
	             36);
	cr_assert(done);
	cr_assert_str_eq(out, "x");
}

Test(chunked, incomplete_is_not_done)
{
	char out[64];
	bool done;

	cr_assert_eq(decode("5\r\nab", 100, out, &done), 5);
	cr_assert_not(done);
	cr_assert_eq(decode("0\r\n\r", 100, out, &done), 4);
	cr_assert_not(done);
}

/* Anything a proxy in front could read another way is refused. */
Test(chunked, malformed)
{
	const char *bad[] = {
	    "\r\n",                      /* no size */
	    "g\r\n",                     /* not hex */
	    "-1\r\n",                    /* sign */
	    "+1\r\nx\r\n0\r\n\r\n",      /* sign */
	    "0x1\r\nx\r\n0\r\n\r\n",     /* prefix */
	    "1\nx\r\n0\r\n\r\n",         /* bare LF after the size */
	    "1\r\nxy\r\n0\r\n\r\n",      /* more data than the size */
	    "1\r\nx\n0\r\n\r\n",         /* bare LF after the data */
	    "1 x\r\nx\r\n0\r\n\r\n",     /* junk after the size */
	    "1;a\x01\r\nx\r\n0\r\n\r\n", /* control byte in an extension */
	    "1000000000000000\r\n",      /* 16 hex digits */
	    "0\r\nX: \x01\r\n\r\n",      /* control byte in a trailer */
	    "0\r\n\n",                   /* bare LF at the end */
	};
	char out[256];
	bool done;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(decode(bad[i], 3, out, &done), -1, "case %zu", i);
}

Test(chunked, sizes_and_lines_are_bounded)
{
	static char in[40000];
	char out[64];
	bool done;

	/* Fifteen digits are fine (and then the data is missing). */
	cr_assert_eq(decode("fffffffffffffff\r\n", 5, out, &done), 17);
	cr_assert_not(done);
	/* An endless extension or trailer is not. */
	memset(in, 'a', sizeof(in) - 1);
	memcpy(in, "1;", 2);
	cr_assert_eq(decode(in, 4096, out, &done), -1);
	memcpy(in, "0\r\nX: ", 6);
	memset(in + 6, 'a', sizeof(in) - 7);
	for (size_t i = 100; i + 2 < sizeof(in) - 1; i += 100)
		memcpy(in + i, "\r\n", 2);
	cr_assert_eq(decode(in, 4096, out, &done), -1, "trailers too long");
}
