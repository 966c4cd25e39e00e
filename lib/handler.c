/* SPDX-License-Identifier: ISC */
/* handler.c -- what every classic handler shares: options, datagram loop */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "handler.h"

int
handler_options(int argc, char **argv, const char *usage)
{
	int idle = HANDLER_IDLE_DEFAULT, ch;
	const char *errstr;

	/* A client that leaves is the normal end: EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't')
			goto bad;
		idle = (int)strtonum(optarg, 1, 86400, &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if (optind == argc)
		return idle;
bad:
	fprintf(stderr, "usage: %s\n", usage);
	exit(HANDLER_EXIT_PERMANENT);
}

bool
handler_is_dgram(void)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_DGRAM;
}

int
handler_dgram_loop(int idle_seconds, handler_reply_fn *reply)
{
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	char in[65536], out[65536];

	for (;;) {
		int n = poll(&pfd, 1, idle_seconds * 1000);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return HANDLER_EXIT_TEMPORARY;
		}
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t got = recvfrom(0, in, sizeof(in), MSG_DONTWAIT,
		                       (struct sockaddr *)&peer, &len);
		if (got < 0)
			continue;
		ssize_t put = reply(in, (size_t)got, out, sizeof(out));
		if (put >= 0)
			sendto(0, out, (size_t)put, 0, (struct sockaddr *)&peer,
			       len);
	}
}
