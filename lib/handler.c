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
/* The reply budget: the service's reply_rate, as the master passed it. */
static unsigned handler_reply_rate = UDPGUARD_RATE;
static unsigned handler_reply_burst = UDPGUARD_BURST;

/* The value of environment entry E if it is NAME=value, else NULL. */
static const char *
handler_env_value(const char *e, const char *name)
{
	size_t len = strlen(name);

	return strncmp(e, name, len) == 0 && e[len] == '=' ? e + len + 1 : NULL;
}

/*
 * Every PORTIER_UDP_PORTS in the environment (the master's and one an
 * admin set with env =), and the last PORTIER_UDP_RATE.  A value that does
 * not parse is a configuration error: exit 100 rather than run with a
 * guard nobody asked for, and before anything is read.
 */
static void
handler_env_guard(void)
{
	extern char **environ;
	const char *v;

	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if ((v = handler_env_value(*e, UDPGUARD_ENV)) != NULL &&
		    udpguard_ports_parse(&handler_udp_ports, v) == -1) {
			fprintf(stderr, "%s: not a port list: %s\n",
			        UDPGUARD_ENV, v);
			exit(HANDLER_EXIT_PERMANENT);
		}
		if ((v = handler_env_value(*e, UDPGUARD_RATE_ENV)) != NULL &&
		    udpguard_rate_parse(v, &handler_reply_rate,
		                        &handler_reply_burst) == -1) {
			fprintf(stderr, "%s: not RATE or RATE,BURST: %s\n",
			        UDPGUARD_RATE_ENV, v);
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
		handler_env_guard();
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
	udpguard_init(&guard, handler_reply_rate, handler_reply_burst,
	              handler_now_ms());
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
