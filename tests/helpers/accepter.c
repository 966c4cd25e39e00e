/* SPDX-License-Identifier: ISC */
/* accepter.c -- a wait = yes stream handler: accepts on fd 0 itself */
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Answer each connection with "accepter PID: LINE" and exit after a
 * second without one, as an inetd "wait" server does.
 */
int
main(void)
{
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	const char *fds = getenv("LISTEN_FDS");

	if (fds == NULL || strcmp(fds, "1") != 0)
		return 100;
	while (poll(&pfd, 1, 1000) == 1) {
		char line[256], reply[320];
		int c = accept(0, NULL, NULL);
		if (c == -1)
			continue;
		ssize_t n = read(c, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = '\0';
		int len = snprintf(reply, sizeof(reply), "accepter %ld: %s",
		                   (long)getpid(), line);
		if (write(c, reply, (size_t)len) != len)
			return 111;
		close(c);
	}
	return 0;
}
