/* SPDX-License-Identifier: ISC */
/* tcpechoclient.c -- send stdin's lines to an echo server, print the echoes */
#include <config.h>

#include <sys/socket.h>
#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "io.h"

/* How long to wait for an echo before calling it a short read. */
#define ECHO_TIMEOUT_MS 10000

/* Read exactly LEN bytes back, however the server splits them. */
static void
echo_read_back(int fd, char *buf, size_t len)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t got = 0;

	while (got < len) {
		if (poll(&pfd, 1, ECHO_TIMEOUT_MS) != 1)
			errx(111, "short read: %zu of %zu bytes, then silence",
			     got, len);
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0)
			err(111, "read");
		if (n == 0)
			errx(111, "short read: %zu of %zu bytes, then EOF", got,
			     len);
		got += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct client_options o;
	char *line = NULL, *back = NULL;
	size_t cap = 0;
	ssize_t len;

	client_options(argc, argv, "echo", &o);
	int fd = client_connect(&o);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if ((back = realloc(back, (size_t)len)) == NULL)
			err(111, "memory");
		if (io_write_all(fd, line, (size_t)len) == -1)
			err(111, "write");
		if (o.is_udp) {
			ssize_t n = recv(fd, back, (size_t)len, 0);
			if (n < 0)
				err(111, "recv");
			len = n;
		} else {
			echo_read_back(fd, back, (size_t)len);
		}
		if (io_write_all(1, back, (size_t)len) == -1)
			err(111, "stdout");
	}
	free(line);
	free(back);
	close(fd);
	return 0;
}
