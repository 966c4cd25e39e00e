/* SPDX-License-Identifier: ISC */
/* classic.c -- the bodies of RFC 862-868: echo, discard, chargen, daytime, time
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "classic.h"
#include "utc.h"

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

	/* The ctime(3) shape every inetd sends, e.g. "Tue Nov 24 ...";
	 * utc_tm, not gmtime_r + strftime: no /etc/localtime to read. */
	utc_tm(now, &tm);
	int n = snprintf(buf, size, "%s %s %2d %02d:%02d:%02d %d UTC\r\n",
	                 utc_day_name[tm.tm_wday], utc_month_name[tm.tm_mon],
	                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                 tm.tm_year + 1900);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
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
