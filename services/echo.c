/* SPDX-License-Identifier: ISC */
/* echo.c -- RFC 862 echo as a handler: stream on fd 0/1, or datagrams */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"

static ssize_t
echo_reply(const char *in, size_t inlen, char *out, size_t outsize)
{
	size_t n = inlen < outsize ? inlen : outsize;

	memcpy(out, in, n);
	return (ssize_t)n;
}

int
main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int idle = handler_options(argc, argv,
	                           "echo [-t idle-seconds] [-u udp-ports]");

	if (handler_is_dgram())
		return handler_dgram_loop(idle, echo_reply);
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (io_write_all(1, buf, (size_t)n) == -1)
			return 0; /* the client went away */
	return n == 0 ? 0 : HANDLER_EXIT_TEMPORARY;
}
