/* SPDX-License-Identifier: ISC */
/* discard.c -- RFC 863 discard as a handler: read and drop until EOF */
#include <config.h>

#include <unistd.h>

#include "handler.h"

static ssize_t
discard_reply(const char *in, size_t inlen, char *out, size_t outsize)
{
	(void)in;
	(void)inlen;
	(void)out;
	(void)outsize;
	return -1; /* never answer */
}

int
main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int idle = handler_options(argc, argv,
	                           "discard [-t idle-seconds] [-u udp-ports]");

	if (handler_is_dgram())
		return handler_dgram_loop(idle, discard_reply);
	while ((n = read(0, buf, sizeof(buf))) > 0)
		continue;
	return n == 0 ? 0 : HANDLER_EXIT_TEMPORARY;
}
