/* SPDX-License-Identifier: ISC */
/* udpports.c -- the UDP ports this portierd serves, as its handlers see them */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "udpports.h"

/*
 * Formatted once per change, not per handler.  Every UDP handler gets it,
 * so that no config line has to be kept in step with the services: a
 * spoofed datagram from one served port to another is then never
 * answered (lib/udpguard.c), and a handler unions it with any list its
 * own env or -u gives.
 */
static char *udpports_entry;

void
udpports_publish(const struct udpguard_ports *ports)
{
	size_t prefix = strlen(UDPGUARD_ENV "=");
	size_t need = udpguard_ports_format(ports, NULL, 0);
	char *entry = malloc(prefix + need + 1);

	free(udpports_entry);
	udpports_entry = NULL;
	if (entry == NULL) {
		log_warn("UDP port list");
		return;
	}
	memcpy(entry, UDPGUARD_ENV "=", prefix);
	udpguard_ports_format(ports, entry + prefix, need + 1);
	if (need > 0)
		udpports_entry = entry;
	else
		free(entry);
}

char *
udpports_env_entry(void)
{
	return udpports_entry;
}
