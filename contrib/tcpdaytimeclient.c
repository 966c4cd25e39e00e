/* SPDX-License-Identifier: ISC */
/* tcpdaytimeclient.c -- print what a daytime server says */
#include <config.h>

#include <sys/socket.h>
#include <err.h>
#include <stdio.h>
#include <unistd.h>

#include "client.h"
#include "io.h"

int
main(int argc, char **argv)
{
	struct client_options o;
	char buf[512];
	ssize_t n;

	client_options(argc, argv, "daytime", &o);
	int fd = client_connect(&o);
	if (o.is_udp) {
		/* Any datagram asks for the time (RFC 867). */
		if (send(fd, "\n", 1, 0) != 1)
			err(111, "send");
		n = recv(fd, buf, sizeof(buf), 0);
	} else {
		n = io_read_full(fd, buf, sizeof(buf));
	}
	if (n < 0)
		err(111, "read");
	if (n == 0)
		errx(111, "short read: the server sent nothing");
	if (io_write_all(1, buf, (size_t)n) == -1)
		err(111, "stdout");
	close(fd);
	return 0;
}
