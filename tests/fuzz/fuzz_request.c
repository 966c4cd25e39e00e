/* SPDX-License-Identifier: ISC */
/* fuzz_request.c -- libFuzzer target: the HTTP request head parser */
#include <stddef.h>
#include <stdint.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;

	if (http_parse_request((const char *)data, size, &req) == 0) {
		http_header(&req, "Host");
		http_header_has_token(&req, "Connection", "close");
		http_request_free(&req);
	}
	return 0;
}
