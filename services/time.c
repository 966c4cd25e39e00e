/* SPDX-License-Identifier: ISC */
/* time.c -- RFC 868 time as a handler: four bytes, then exit */
#include <config.h>

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classic.h"
#include "handler.h"
#include "io.h"

static ssize_t
time_reply(const char *in, size_t inlen, char *out, size_t outsize)
{
	uint8_t t[4];

	(void)in; /* RFC 868: any datagram asks for the time */
	(void)inlen;
	(void)outsize; /* at least 4 */
	classic_time(t, time(NULL));
	memcpy(out, t, sizeof(t));
	return sizeof(t);
}

int
main(int argc, char **argv)
{
	uint8_t t[4];
	int idle = handler_options(argc, argv,
	                           "time [-t idle-seconds] [-u udp-ports]");

	if (handler_is_dgram())
		return handler_dgram_loop(idle, time_reply);
	classic_time(t, time(NULL));
	return io_write_all(1, t, sizeof(t)) == -1 ? HANDLER_EXIT_TEMPORARY : 0;
}
