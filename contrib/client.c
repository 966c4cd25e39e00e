/* SPDX-License-Identifier: ISC */
/* client.c -- what the two seed clients share: options and connecting */
#include <config.h>

#include <sys/socket.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

void
client_options(int argc, char **argv, const char *default_service,
               struct client_options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "u")) != -1) {
		if (ch != 'u')
			goto usage;
		o->is_udp = true;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		goto usage;
	o->host = argv[0];
	o->service = argc == 2 ? argv[1] : default_service;
	return;
usage:
	fprintf(stderr, "usage: %s [-u] host [service]\n", getprogname());
	exit(100);
}

int
client_connect(const struct client_options *o)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc, last_errno = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = o->is_udp ? SOCK_DGRAM : SOCK_STREAM;
	rc = getaddrinfo(o->host, o->service, &hints, &res);
	if (rc != 0)
		errx(100, "%s port %s: %s", o->host, o->service,
		     gai_strerror(rc));
	/* Try every address the name has, as a browser would. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd == -1) {
			last_errno = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		last_errno = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		errx(111, "%s port %s: %s", o->host, o->service,
		     strerror(last_errno));
	return fd;
}
