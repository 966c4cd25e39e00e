/* SPDX-License-Identifier: ISC */
/* udpecho.c -- a wait = yes dgram handler: recvfrom/sendto on fd 0 */
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	while (poll(&pfd, 1, 1000) == 1) {
		char buf[2048], reply[2100];
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(0, buf, sizeof(buf), 0,
		    (struct sockaddr *)&peer, &len);
		if (n < 0)
			continue;
		memcpy(reply, "udp:", 4);
		memcpy(reply + 4, buf, (size_t)n);
		sendto(0, reply, (size_t)n + 4, 0, (struct sockaddr *)&peer,
		    len);
	}
	return 0;
}
