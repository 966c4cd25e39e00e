/* SPDX-License-Identifier: ISC */
/* addr.h -- socket address formatting shared by the daemon and the handlers */
#ifndef PORTIER_ADDR_H
#define PORTIER_ADDR_H

#include <sys/socket.h>
#include <stdint.h>

/* Longest text addr_format() writes: an IPv6 address, or a UNIX path. */
#define ADDR_TEXT_MAX 108

/*
 * Write SA's address as text to IP (at least ADDR_TEXT_MAX bytes) and its
 * port to *PORT.  IPv4-mapped IPv6 addresses come out as plain IPv4, as
 * UCSPI handlers expect.  UNIX sockets give their path (or "" when
 * unnamed) and port 0.  Returns 0, or -1 for an unknown family.
 */
int addr_format(const struct sockaddr *sa, socklen_t len, char *ip,
                uint16_t *port);

#endif
