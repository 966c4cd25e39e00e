/* SPDX-License-Identifier: ISC */
/* fuzz_conf.c -- libFuzzer target: portier.conf through libConfuse and ours */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char err[1024];

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/portier-fuzz-conf.%ld",
		         (long)getpid());
	FILE *fp = fopen(path, "w");
	if (fp == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	struct config *cfg = conf_load(path, err, sizeof(err));
	/* Either a configuration or a FILE:LINE message, never both. */
	if ((cfg == NULL) == (err[0] == '\0'))
		abort();
	config_free(cfg);
	return 0;
}
