/* SPDX-License-Identifier: ISC */
/* classic.h -- the bodies of RFC 862-868: echo, discard, chargen, daytime, time
 */
#ifndef PORTIER_CLASSIC_H
#define PORTIER_CLASSIC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The classic services, as an internal service names them. */
enum classic_service {
	CLASSIC_ECHO,
	CLASSIC_DISCARD,
	CLASSIC_DAYTIME,
	CLASSIC_CHARGEN,
	CLASSIC_TIME,
};

/* The service called NAME ("echo", ...), or -1 for none. */
int classic_service_by_name(const char *name);

/* RFC 864: 72 characters a line, then CRLF. */
#define CHARGEN_LINE 72
#define CHARGEN_PRINTABLE 95 /* ' ' through '~' */
#define CHARGEN_DGRAM_MAX 512

/* Where a chargen stream is: line number and column, so writes resume. */
struct chargen_state {
	unsigned line;
	unsigned column; /* 0..CHARGEN_LINE+1, counting the CRLF */
};

/* Fill BUF with the next LEN bytes of the chargen stream. */
void classic_chargen_fill(struct chargen_state *, char *buf, size_t len);

/* One chargen datagram of LEN (<= 512) bytes: the pattern from LINE on. */
void classic_chargen_dgram(unsigned line, char *buf, size_t len);

/* RFC 867: one human-readable line ending in CRLF; returns its length. */
size_t classic_daytime(char *buf, size_t size, time_t now);

/* RFC 868: seconds since 1900-01-01 00:00 UTC, 32 bits, big-endian. */
void classic_time(uint8_t out[4], time_t now);

/* Seconds between 1900-01-01 and the Unix epoch. */
#define CLASSIC_EPOCH_1900 2208988800UL

#endif
