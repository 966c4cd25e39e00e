/* SPDX-License-Identifier: ISC */
/* fuzz_proxy.c -- libFuzzer target: PROXY protocol v1/v2 header parser */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_result r, again;
	enum proxy_status st = proxy_parse(data, size, &r);

	if (st == PROXY_ERROR && r.error == NULL)
		abort();
	if (st != PROXY_DONE)
		return 0;
	/* A header never claims more bytes than it was given, nor more
	 * than the limits, and its own bytes alone parse the same way. */
	if (r.header_len == 0 || r.header_len > size ||
	    r.header_len > PROXY_HEADER_MAX ||
	    (r.version == 1 && r.header_len > PROXY_V1_MAX))
		abort();
	if (proxy_parse(data, r.header_len, &again) != PROXY_DONE ||
	    again.header_len != r.header_len || again.is_local != r.is_local)
		abort();
	/* Every shorter prefix must ask for more (the reader relies on it). */
	if (proxy_parse(data, r.header_len - 1, &again) != PROXY_NEED_MORE)
		abort();
	return 0;
}
