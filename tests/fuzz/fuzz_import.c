/* SPDX-License-Identifier: ISC */
/* fuzz_import.c -- libFuzzer target: portier-import's readers and mapper */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the reader (even: xinetd, odd: inetd). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Includes resolve beneath a root that does not exist. */
	struct import_config cfg = {.root = "/nonexistent-fuzz-root"};

	if (size < 1 || memchr(data, '\0', size))
		return 0;
	char *text = strndup((const char *)data + 1, size - 1);
	if (text == NULL)
		return 0;
	int rc = data[0] % 2 == 0 ? import_parse_xinetd_text(&cfg, "fuzz", text)
	                          : import_parse_inetd_text(&cfg, "fuzz", text);
	if (rc == 0) {
		char *out = import_emit(&cfg);
		/* Every section written is closed again. */
		if (out != NULL && strstr(out, "{\n") != NULL &&
		    strstr(out, "}\n") == NULL)
			abort();
		free(out);
	}
	import_config_free(&cfg);
	free(text);
	return 0;
}
