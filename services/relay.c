/* SPDX-License-Identifier: ISC */
/* relay.c -- redirect = HOST PORT: relay fd 0/1 to a TCP server, both ways */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handler.h"

/*
 * Seconds without a byte either way before both ends are closed: a peer
 * that goes silent must not hold a process and two sockets for ever.
 * Ten minutes, like common TCP proxies; -t changes it, -t 0 turns it off.
 */
#define RELAY_IDLE_DEFAULT 600
#define RELAY_IDLE_MAX 604800

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

/* Move what can move; on EOF pass the half-close along (shutdown).
 * Returns whether a byte moved (or an end was seen): progress. */
static bool
relay_step(struct pipe_dir *d, short rev_from, short rev_to)
{
	bool moved = false;

	if (d->off == d->len && !d->eof && (rev_from & (POLLIN | POLLHUP))) {
		ssize_t n = read(d->from, d->buf, sizeof(d->buf));
		if (n <= 0) {
			d->eof = true;
			shutdown(d->to, SHUT_WR);
		} else {
			d->len = (size_t)n;
			d->off = 0;
		}
		moved = true;
	}
	if (d->off < d->len && (rev_to & POLLOUT)) {
		ssize_t n = write(d->to, d->buf + d->off, d->len - d->off);
		if (n < 0) {
			d->eof = true;
			d->off = d->len;
			return true;
		}
		d->off += (size_t)n;
		d->bytes += (unsigned long long)n;
		moved = true;
	}
	return moved;
}

static long long
relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long poll may wait before IDLE seconds have passed since LAST. */
static int
relay_wait_ms(int idle, long long last)
{
	if (idle == 0)
		return -1;
	long long left = last + (long long)idle * 1000 - relay_now_ms();
	return left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
}

/*
 * An fd with nothing to wait for is left out (negative): poll reports
 * POLLHUP and POLLERR even unasked, and a closed client would otherwise
 * wake every poll at once, spinning while the server is quiet.
 */
static void
relay_poll_entry(struct pollfd *p, int fd, short events)
{
	*p = (struct pollfd){.fd = events != 0 ? fd : -1, .events = events};
}

/*
 * Until both directions have ended and drained, or nothing moved for
 * IDLE seconds (0: no limit).  Returns false on the idle timeout.
 */
static bool
relay_run(struct pipe_dir *up, struct pipe_dir *down, int server, int idle)
{
	long long last = relay_now_ms();

	while (!(up->eof && up->off == up->len && down->eof &&
	         down->off == down->len)) {
		struct pollfd p[4];
		relay_poll_entry(&p[0], 0,
		                 up->eof || up->off < up->len ? 0 : POLLIN);
		relay_poll_entry(&p[1], server,
		                 up->off < up->len ? POLLOUT : 0);
		relay_poll_entry(&p[2], server,
		                 down->eof || down->off < down->len ? 0
		                                                    : POLLIN);
		relay_poll_entry(&p[3], 1, down->off < down->len ? POLLOUT : 0);
		if (poll(p, 4, relay_wait_ms(idle, last)) < 0 && errno != EINTR)
			break;
		bool moved = relay_step(up, p[0].revents, p[1].revents);
		if (relay_step(down, p[2].revents, p[3].revents) || moved)
			last = relay_now_ms();
		else if (idle > 0 && relay_wait_ms(idle, last) == 0)
			return false;
	}
	return true;
}

/* "[-t idle-seconds] host port": the idle limit, argv left at host. */
static int
relay_options(int argc, char **argv)
{
	int idle = RELAY_IDLE_DEFAULT, ch;
	const char *errstr = NULL;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't')
			break;
		idle = (int)strtonum(optarg, 0, RELAY_IDLE_MAX, &errstr);
		if (errstr != NULL)
			break;
	}
	if (ch != -1 || argc - optind != 2) {
		fprintf(stderr, "usage: relay [-t idle-seconds] host port\n");
		exit(HANDLER_EXIT_PERMANENT);
	}
	return idle;
}

int
main(int argc, char **argv)
{
	static struct pipe_dir up, down;
	int idle = relay_options(argc, argv);

	signal(SIGPIPE, SIG_IGN);
	int server = relay_connect(argv[optind], argv[optind + 1]);
	if (server == -1)
		return HANDLER_EXIT_TEMPORARY;
	up = (struct pipe_dir){.from = 0, .to = server};
	down = (struct pipe_dir){.from = server, .to = 1};
	if (!relay_run(&up, &down, server, idle))
		fprintf(stderr, "relay: nothing moved for %d s: closing\n",
		        idle);
	/* TRAFFIC: the master logs this line with our PID. */
	fprintf(stderr, "traffic in=%llu out=%llu\n", up.bytes, down.bytes);
	return 0;
}
