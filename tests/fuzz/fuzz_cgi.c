/* SPDX-License-Identifier: ISC */
/* fuzz_cgi.c -- libFuzzer target: the CGI response head parser */
#include <stddef.h>
#include <stdint.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_response r;

	if (cgi_parse_response((const char *)data, size, &r) == 0)
		cgi_response_free(&r);
	return 0;
}
