/* SPDX-License-Identifier: ISC */
/* udpports.h -- the UDP ports this portierd serves, as its handlers see them */
#ifndef PORTIER_UDPPORTS_H
#define PORTIER_UDPPORTS_H

#include "udpguard.h"

/* The set changed (a UDP service opened or closed): remember its text. */
void udpports_publish(const struct udpguard_ports *ports);
/* "PORTIER_UDP_PORTS=7,13,19" for a UDP handler's environment, or NULL. */
char *udpports_env_entry(void);

#endif
