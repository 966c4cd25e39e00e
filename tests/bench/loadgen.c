/* SPDX-License-Identifier: ISC */
/* loadgen.c -- connections per second with C in flight: rate, p50/p99, errors
 */
#include <config.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Modes: echo (send a line, half-close, read it all back), read (read to
 * EOF: daytime, time), http (HTTP/1.0 GET, read to EOF), udp (one datagram
 * out, one back: echo, daytime, time over UDP).
 */
enum mode { MODE_ECHO, MODE_READ, MODE_HTTP, MODE_UDP };

struct slot {
	int fd;
	double started;
	size_t sent;
	size_t got;
};

static struct sockaddr_in target;
static enum mode mode = MODE_ECHO;
static const char *request = "portier loadgen echo line\n";
static char http_request[512];
static double *latencies;
static size_t n_latencies, cap_latencies;
static long errors, done;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
slot_start(int ep, struct slot *s)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = s};

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->started = now();
	s->sent = s->got = 0;
	if (s->fd == -1)
		return -1;
	if (connect(s->fd, (struct sockaddr *)&target, sizeof(target)) == -1 &&
	    errno != EINPROGRESS) {
		close(s->fd);
		return -1;
	}
	return epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void
slot_finish(int ep, struct slot *s, bool ok)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	if (!ok) {
		errors++;
		return;
	}
	done++;
	if (n_latencies == cap_latencies) {
		cap_latencies = cap_latencies ? cap_latencies * 2 : 65536;
		latencies = realloc(latencies, cap_latencies * sizeof(double));
	}
	latencies[n_latencies++] = now() - s->started;
}

/* Move one connection along; true when it is over. */
static bool
slot_step(int ep, struct slot *s, uint32_t events)
{
	const char *out = mode == MODE_HTTP ? http_request : request;
	size_t outlen = mode == MODE_READ ? 0 : strlen(out);
	char buf[65536];

	if (events & EPOLLERR) {
		slot_finish(ep, s, false);
		return true;
	}
	if ((events & EPOLLOUT) && s->sent < outlen) {
		ssize_t n = write(s->fd, out + s->sent, outlen - s->sent);
		if (n > 0 && (s->sent += (size_t)n) == outlen &&
		    mode == MODE_ECHO)
			shutdown(s->fd, SHUT_WR);
	}
	if (s->sent == outlen) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
	}
	if (events & (EPOLLIN | EPOLLHUP)) {
		for (;;) {
			ssize_t n = read(s->fd, buf, sizeof(buf));
			if (n > 0) {
				s->got += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EAGAIN)
				break;
			bool ok = n == 0 && s->got > 0 &&
			          (mode != MODE_ECHO || s->got == outlen);
			slot_finish(ep, s, ok);
			return true;
		}
	}
	return false;
}

/* A datagram not answered in this long counts as lost and is sent again. */
#define UDP_TIMEOUT 0.2

static void
udp_send(struct slot *s, double t)
{
	s->started = t;
	if (write(s->fd, request, strlen(request)) == -1)
		errors++;
}

/* UDP: C connected sockets, each with one datagram in flight. */
static void
udp_run(int ep, struct slot *slots, int concurrency, double end)
{
	struct epoll_event evs[256];
	char buf[65536];

	for (int i = 0; i < concurrency; i++) {
		struct slot *s = &slots[i];
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
		s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s->fd == -1 ||
		    connect(s->fd, (struct sockaddr *)&target,
		            sizeof(target)) == -1 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) == -1)
			exit(111);
		udp_send(s, now());
	}
	while (now() < end) {
		int n = epoll_wait(ep, evs, 256, 50);
		double t = now();
		for (int i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;
			if (read(s->fd, buf, sizeof(buf)) <= 0)
				continue;
			done++;
			udp_send(s, t);
		}
		for (int i = 0; i < concurrency; i++)
			if (t - slots[i].started > UDP_TIMEOUT) {
				errors++;
				udp_send(&slots[i], t);
			}
	}
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int concurrency = 8, ch, port = 0;
	double seconds = 5;
	const char *host = "127.0.0.1", *path = "/";

	while ((ch = getopt(argc, argv, "c:d:h:m:p:u:")) != -1) {
		switch (ch) {
		case 'c':
			concurrency = atoi(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'h':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			path = optarg;
			break;
		case 'm':
			mode = strcmp(optarg, "read") == 0   ? MODE_READ
			       : strcmp(optarg, "http") == 0 ? MODE_HTTP
			       : strcmp(optarg, "udp") == 0  ? MODE_UDP
			                                     : MODE_ECHO;
			break;
		default:
			fprintf(stderr, "usage: loadgen -p port [-h 127.0.0.1] "
			                "[-c conc] [-d secs] [-m "
			                "echo|read|http|udp] [-u path]\n");
			return 100;
		}
	}
	if (port <= 0 || concurrency < 1 || concurrency > 4096 || seconds <= 0)
		return 100;
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &target.sin_addr) != 1)
		return 100;
	snprintf(http_request, sizeof(http_request),
	         "GET %s HTTP/1.0\r\n"
	         "Host: %s\r\n\r\n",
	         path, host);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct slot *slots = calloc((size_t)concurrency, sizeof(*slots));
	struct epoll_event evs[256];
	double start = now(), end = start + seconds;
	if (mode == MODE_UDP)
		udp_run(ep, slots, concurrency, end);
	for (int i = 0; mode != MODE_UDP && i < concurrency; i++)
		if (slot_start(ep, &slots[i]) == -1)
			errors++;
	/* Bounded by time: never past END, whatever the server does. */
	while (mode != MODE_UDP && now() < end) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;
			if (slot_step(ep, s, evs[i].events) && now() < end &&
			    slot_start(ep, s) == -1)
				errors++;
		}
	}
	double elapsed = now() - start;
	qsort(latencies, n_latencies, sizeof(double), compare);
	double p50 = n_latencies ? latencies[n_latencies / 2] : 0;
	double p99 = n_latencies ? latencies[n_latencies * 99 / 100] : 0;
	printf("conns=%ld secs=%.2f rate=%.1f p50_ms=%.3f p99_ms=%.3f "
	       "errors=%ld\n",
	       done, elapsed, (double)done / elapsed, p50 * 1000, p99 * 1000,
	       errors);
	return 0;
}
