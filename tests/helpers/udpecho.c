/* SPDX-License-Identifier: ISC */
/* udpecho.c -- a wait = yes dgram handler: recvfrom/sendto on fd 0 */
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Answer each datagram with "udp PID: " and the datagram, so a test sees
 * which handler served it; exit after a second without one, or with -1
 * right after the first.
 */
int
main(int argc, char *argv[])
{
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	int left = argc > 1 && strcmp(argv[1], "-1") == 0 ? 1 : -1;

	while (left != 0 && poll(&pfd, 1, 1000) == 1) {
		char buf[2048], reply[2100];
		int head;
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(0, buf, sizeof(buf), 0,
		                     (struct sockaddr *)&peer, &len);
		if (n < 0)
			continue;
		head =
		    snprintf(reply, sizeof(reply), "udp %ld: ", (long)getpid());
		memcpy(reply + head, buf, (size_t)n);
		sendto(0, reply, (size_t)head + (size_t)n, 0,
		       (struct sockaddr *)&peer, len);
		if (left > 0)
			left--;
	}
	return 0;
}
