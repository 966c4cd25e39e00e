/* SPDX-License-Identifier: ISC */
/* daytime.c -- RFC 867 daytime as a handler: one line, then exit */
#include <config.h>

#include <time.h>
#include <unistd.h>

#include "classic.h"
#include "handler.h"
#include "io.h"

static ssize_t
daytime_reply(const char *in, size_t inlen, char *out, size_t outsize)
{
	(void)in; /* RFC 867: any datagram asks for the time */
	(void)inlen;
	return (ssize_t)classic_daytime(out, outsize, time(NULL));
}

int
main(int argc, char **argv)
{
	char line[128];
	int idle = handler_options(argc, argv,
	                           "daytime [-t idle-seconds] [-u udp-ports]");

	if (handler_is_dgram())
		return handler_dgram_loop(idle, daytime_reply);
	size_t n = classic_daytime(line, sizeof(line), time(NULL));
	return io_write_all(1, line, n) == -1 ? HANDLER_EXIT_TEMPORARY : 0;
}
