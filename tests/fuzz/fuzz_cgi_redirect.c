/* SPDX-License-Identifier: ISC */
/* fuzz_cgi_redirect.c -- libFuzzer target: what httpd makes of a script's
 * output: the CGI head, the action (502, local redirect, answer), the
 * redirect's path as it would be served, and an nph- status line */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_response r;
	const char *buf = (const char *)data;
	size_t head_len;
	int status;

	if (cgi_nph_status(buf, size, &head_len) > 0 && head_len > size)
		abort();
	if (cgi_parse_response(buf, size, &r) != 0)
		return 0;
	enum cgi_action a = cgi_response_action(&r, true, &status);
	if (status < 100 || status > 599 || (a == CGI_RESPOND && status < 200))
		abort();
	(void)cgi_status_has_body(status);
	if (a == CGI_LOCAL_REDIRECT) {
		char path[HTTP_MAX_REQUEST_LINE + 1];
		const char *query;
		bool slash;
		if (http_path_normalize(r.location, path, sizeof(path), &query,
		                        &slash) == 0 &&
		    path[0] != '/')
			abort();
		(void)cgi_match("/cgi-bin/*.cgi", path);
		(void)cgi_match("*.cgi", path);
	}
	cgi_response_free(&r);
	return 0;
}
