/* SPDX-License-Identifier: ISC */
/* classic.c -- the bodies of RFC 862-868: echo, discard, chargen, daytime, time
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "classic.h"

void
classic_chargen_fill(struct chargen_state *st, char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (st->column < CHARGEN_LINE) {
			unsigned c =
			    (st->line + st->column) % CHARGEN_PRINTABLE;
			buf[i] = (char)(' ' + c);
		} else {
			buf[i] = st->column == CHARGEN_LINE ? '\r' : '\n';
		}
		if (++st->column == CHARGEN_LINE + 2) {
			st->column = 0;
			st->line = (st->line + 1) % CHARGEN_PRINTABLE;
		}
	}
}

void
classic_chargen_dgram(unsigned line, char *buf, size_t len)
{
	struct chargen_state st = {line % CHARGEN_PRINTABLE, 0};

	classic_chargen_fill(&st, buf, len);
}

size_t
classic_daytime(char *buf, size_t size, time_t now)
{
	struct tm tm;
	size_t n;

	/* The ctime(3) shape every inetd sends, e.g. "Tue Nov 24 ...". */
	gmtime_r(&now, &tm);
	n = strftime(buf, size, "%a %b %e %H:%M:%S %Y UTC\r\n", &tm);
	return n;
}

void
classic_time(uint8_t out[4], time_t now)
{
	/* Wraps in 2036, as RFC 868's 32 bits do for every server. */
	uint32_t t = (uint32_t)((unsigned long long)now + CLASSIC_EPOCH_1900);

	out[0] = (uint8_t)(t >> 24);
	out[1] = (uint8_t)(t >> 16);
	out[2] = (uint8_t)(t >> 8);
	out[3] = (uint8_t)t;
}

int
classic_service_by_name(const char *name)
{
	static const char *names[] = {
	    [CLASSIC_ECHO] = "echo",       [CLASSIC_DISCARD] = "discard",
	    [CLASSIC_DAYTIME] = "daytime", [CLASSIC_CHARGEN] = "chargen",
	    [CLASSIC_TIME] = "time",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}
