/* SPDX-License-Identifier: ISC */
/* relay.c -- redirect = HOST PORT: relay fd 0/1 to a TCP server, both ways */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "handler.h"

/* One direction: FROM -> TO, with a buffer and whether FROM hit EOF. */
struct pipe_dir {
	int from, to;
	char buf[65536];
	size_t len, off;
	bool eof;
	unsigned long long bytes;
};

static int
relay_connect(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int fd = -1;

	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "relay: %s port %s: %s\n", host, port,
		        gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	if (fd == -1)
		fprintf(stderr, "relay: %s port %s: %s\n", host, port,
		        strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* Move what can move; on EOF pass the half-close along (shutdown). */
static void
relay_step(struct pipe_dir *d, short rev_from, short rev_to)
{
	if (d->off == d->len && !d->eof && (rev_from & (POLLIN | POLLHUP))) {
		ssize_t n = read(d->from, d->buf, sizeof(d->buf));
		if (n <= 0) {
			d->eof = true;
			shutdown(d->to, SHUT_WR);
		} else {
			d->len = (size_t)n;
			d->off = 0;
		}
	}
	if (d->off < d->len && (rev_to & POLLOUT)) {
		ssize_t n = write(d->to, d->buf + d->off, d->len - d->off);
		if (n < 0) {
			d->eof = true;
			d->off = d->len;
			return;
		}
		d->off += (size_t)n;
		d->bytes += (unsigned long long)n;
	}
}

int
main(int argc, char **argv)
{
	static struct pipe_dir up, down;

	if (argc != 3) {
		fprintf(stderr, "usage: relay host port\n");
		return HANDLER_EXIT_PERMANENT;
	}
	signal(SIGPIPE, SIG_IGN);
	int server = relay_connect(argv[1], argv[2]);
	if (server == -1)
		return HANDLER_EXIT_TEMPORARY;
	up = (struct pipe_dir){.from = 0, .to = server};
	down = (struct pipe_dir){.from = server, .to = 1};
	/* Until both directions have ended and drained. */
	while (
	    !(up.eof && up.off == up.len && down.eof && down.off == down.len)) {
		struct pollfd p[4] = {
		    {0, up.eof || up.off < up.len ? 0 : POLLIN, 0},
		    {server, up.off < up.len ? POLLOUT : 0, 0},
		    {server, down.eof || down.off < down.len ? 0 : POLLIN, 0},
		    {1, down.off < down.len ? POLLOUT : 0, 0},
		};
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		relay_step(&up, p[0].revents, p[1].revents);
		relay_step(&down, p[2].revents, p[3].revents);
	}
	/* TRAFFIC: the master logs this line with our PID. */
	fprintf(stderr, "traffic in=%llu out=%llu\n", up.bytes, down.bytes);
	return 0;
}
