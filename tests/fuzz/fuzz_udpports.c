/* SPDX-License-Identifier: ISC */
/* fuzz_udpports.c -- libFuzzer target: PORTIER_UDP_PORTS lists */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "udpguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A list that parses must come back the same set after format + parse. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct udpguard_ports set, again;
	static char text[1024], out[400000];

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	udpguard_ports_clear(&set);
	if (udpguard_ports_parse(&set, text) == -1)
		return 0;
	size_t need = udpguard_ports_format(&set, out, sizeof(out));
	if (need >= sizeof(out) || strlen(out) != need)
		abort();
	udpguard_ports_clear(&again);
	if (udpguard_ports_parse(&again, out) == -1 ||
	    memcmp(&set, &again, sizeof(set)) != 0)
		abort();
	return 0;
}
