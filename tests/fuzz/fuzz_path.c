/* SPDX-License-Identifier: ISC */
/* fuzz_path.c -- libFuzzer target: decode, normalise, confine a request path */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char target[HTTP_MAX_REQUEST_LINE + 1], out[HTTP_MAX_REQUEST_LINE + 1];
	const char *query;
	bool slash;
	struct http_resolved r;

	if (size > HTTP_MAX_REQUEST_LINE)
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';
	if (http_path_normalize(target, out, sizeof(out), &query, &slash) != 0)
		return 0;
	/* The invariants confinement relies on. */
	if (out[0] != '/' || strstr(out, "/../") || strstr(out, "//") ||
	    strstr(out, "/.") || strchr(out, '\\'))
		abort();
	http_resolve("/usr/share/doc", out, NULL, NULL, &r);
	return 0;
}
