/* SPDX-License-Identifier: ISC */
/* fuzz_chunked.c -- libFuzzer target: the chunked body decoder, fed in
 * pieces whose sizes come from the input itself */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunked c;
	size_t at = 1, total = 0;
	char *out = malloc(size + 1);

	if (size == 0 || out == NULL) {
		free(out);
		return 0;
	}
	/* The first byte picks the piece size: splits must not matter. */
	size_t step = (size_t)data[0] % 17 + 1;
	chunked_init(&c);
	while (at < size && !chunked_is_done(&c)) {
		size_t n = size - at < step ? size - at : step, got = 0;
		long used = chunked_decode(&c, (const char *)data + at, n,
		                           out + total, &got);
		if (used < 0)
			break;
		if ((size_t)used > n || got > (size_t)used)
			abort();
		total += got;
		at += (size_t)used;
		if ((size_t)used < n && !chunked_is_done(&c))
			abort(); /* stopped early without an end */
	}
	if (total > size)
		abort();
	free(out);
	return 0;
}
