/* SPDX-License-Identifier: ISC */
/* handler.c -- what every classic handler shares: options, datagram loop */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handler.h"
#include "udpguard.h"

/* UDP ports never answered: -u, PORTIER_UDP_PORTS and our own port. */
static struct udpguard_ports handler_udp_ports;

/*
 * Every PORTIER_UDP_PORTS in the environment (the master's and one an
 * admin set with env =).  A list that does not parse is a configuration
 * error: exit 100 rather than run unguarded, and before anything is read.
 */
static void
handler_env_udp_ports(void)
{
	extern char **environ;
	const size_t namelen = strlen(UDPGUARD_ENV);

	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, UDPGUARD_ENV "=", namelen + 1) != 0)
			continue;
		if (udpguard_ports_parse(&handler_udp_ports,
		                         *e + namelen + 1) == -1) {
			fprintf(stderr, "%s: not a port list: %s\n",
			        UDPGUARD_ENV, *e + namelen + 1);
			exit(HANDLER_EXIT_PERMANENT);
		}
	}
}

int
handler_options(int argc, char **argv, const char *usage)
{
	int idle = HANDLER_IDLE_DEFAULT, ch;
	const char *errstr;

	/* A client that leaves is the normal end: EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "t:u:")) != -1) {
		if (ch == 'u') {
			if (udpguard_ports_parse(&handler_udp_ports, optarg) ==
			    -1)
				goto bad;
			continue;
		}
		if (ch != 't')
			goto bad;
		idle = (int)strtonum(optarg, 1, 86400, &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if (optind == argc) {
		handler_env_udp_ports();
		return idle;
	}
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

static uint64_t
handler_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* fd 0's own port: a datagram that claims to come from it is spoofed. */
static void
handler_own_udp_port(void)
{
	struct sockaddr_storage self;
	socklen_t len = sizeof(self);

	if (getsockname(0, (struct sockaddr *)&self, &len) == 0) {
		int port = udpguard_peer_port((struct sockaddr *)&self, len);
		if (port > 0)
			udpguard_ports_add(&handler_udp_ports, (uint16_t)port);
	}
}

/* Say what the guard dropped, at most once a period (or now if FORCE). */
static void
handler_guard_report(struct udpguard *guard, bool force)
{
	char line[256];

	if (udpguard_report(guard, handler_now_ms(), force, line, sizeof(line)))
		fprintf(stderr, "%s\n", line);
}

/* Send the reply to PEER if the guard lets it go. */
static void
handler_dgram_send(struct udpguard *guard, const char *out, ssize_t put,
                   const struct sockaddr_storage *peer, socklen_t len)
{
	if (put < 0)
		return; /* nothing to say: nothing to guard either */
	if (udpguard_check(guard, &handler_udp_ports,
	                   (const struct sockaddr *)peer, len,
	                   handler_now_ms()) != UDPGUARD_ANSWER) {
		handler_guard_report(guard, false);
		return;
	}
	sendto(0, out, (size_t)put, 0, (const struct sockaddr *)peer, len);
}

int
handler_dgram_loop(int idle_seconds, handler_reply_fn *reply)
{
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	static char in[65536], out[65536];
	struct udpguard guard;

	handler_own_udp_port();
	udpguard_init(&guard, UDPGUARD_RATE, UDPGUARD_BURST, handler_now_ms());
	for (;;) {
		int n = poll(&pfd, 1, idle_seconds * 1000);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			handler_guard_report(&guard, true);
			return HANDLER_EXIT_TEMPORARY;
		}
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t got = recvfrom(0, in, sizeof(in), MSG_DONTWAIT,
		                       (struct sockaddr *)&peer, &len);
		if (got < 0)
			continue;
		handler_dgram_send(&guard, out,
		                   reply(in, (size_t)got, out, sizeof(out)),
		                   &peer, len);
	}
	handler_guard_report(&guard, true);
	return 0;
}
