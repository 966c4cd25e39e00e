/* SPDX-License-Identifier: ISC */
/* fuzz_scrape.c -- libFuzzer target: the metrics scrape's request reader */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	int code = scrape_request(text, size, 0);
	int full = scrape_request(text, size, 1);

	if (code != 0 && code != 200 && code != 400 && code != 404 &&
	    code != 405)
		abort();
	/* A buffer with no room left is always answered. */
	if (full == 0 || (code != 0 && full != code))
		abort();
	/* 200 only for exactly "GET /metrics HTTP/1.x". */
	if (code == 200 &&
	    (size < 21 || memcmp(text, "GET /metrics HTTP/1.", 20) != 0))
		abort();
	return 0;
}
