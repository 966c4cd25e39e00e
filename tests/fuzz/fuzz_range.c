/* SPDX-License-Identifier: ISC */
/* fuzz_range.c -- libFuzzer target: the Range header */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char value[512];
	off_t first, last;

	if (size >= sizeof(value))
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	if (http_parse_range(value, 1000, &first, &last) == RANGE_OK &&
	    (first < 0 || last >= 1000 || first > last))
		abort();
	return 0;
}
