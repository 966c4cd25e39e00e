/* SPDX-License-Identifier: ISC */
/* test_relay.c -- the relay handler under the daemon: idle timeout, no spin */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(relay, .fini = h_cleanup, .timeout = 60);

/* A server on loopback that accepts and then says nothing. */
static int
silent_server(uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The relay as a plain handler, so the test can give it -t. */
static const char *
relay_conf(uint16_t port, const char *idle, uint16_t server)
{
	return h_conf(H_DEFAULTS
	              "service r {\n port = %u\n bind = \"127.0.0.1\"\n"
	              " server = \"%s/services/relay\"\n"
	              " server_args = {\"-t\", \"%s\", "
	              "\"127.0.0.1\", \"%u\"}\n}\n",
	              port, TOP_BUILDDIR, idle, server);
}

/* Accept the relay's connection to the silent server (bounded). */
static int
accept_relay(int listener)
{
	struct pollfd pfd = {.fd = listener, .events = POLLIN};

	cr_assert_eq(poll(&pfd, 1, 5000), 1, "the relay never connected");
	return accept(listener, NULL, NULL);
}

/* A daemon running the relay with -t IDLE, a client and the server's end. */
struct relay_setup {
	struct h_daemon d;
	int listener, client, upstream;
};

static void
relay_begin(struct relay_setup *r, const char *idle)
{
	uint16_t server_port, port = h_free_port();

	memset(r, 0, sizeof(*r));
	r->listener = silent_server(&server_port);
	h_start(&r->d, relay_conf(port, idle, server_port));
	r->client = h_connect("127.0.0.1", port);
	cr_assert_neq(r->client, -1);
	r->upstream = accept_relay(r->listener);
}

static void
relay_end(struct relay_setup *r)
{
	if (r->client != -1)
		close(r->client);
	close(r->upstream);
	close(r->listener);
	h_stop(&r->d);
}

/* Read FD until EOF (or TIMEOUT_MS); how long it took, -1 if no EOF. */
static long
ms_until_eof(int fd, int timeout_ms)
{
	long start = h_now_ms();
	char buf[256];

	for (long left; (left = start + timeout_ms - h_now_ms()) > 0;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) != 1)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return h_now_ms() - start;
	}
	return -1;
}

Test(relay, silent_peers_are_closed_after_the_idle_timeout)
{
	struct relay_setup r;

	relay_begin(&r, "1");
	long start = h_now_ms();
	/* Both ends see the close: the client and the server. */
	cr_assert_neq(ms_until_eof(r.client, 10000), -1,
	              "the relay kept a silent client");
	cr_assert_neq(ms_until_eof(r.upstream, 5000), -1);
	long took = h_now_ms() - start;
	cr_assert_geq(took, 800, "closed after %ld ms, before the timeout",
	              took);
	cr_assert(
	    h_log_wait(&r.d, "relay: nothing moved for 1 s: closing", 5000));
	relay_end(&r);
}

/* Bytes every 300 ms keep a 1 s timeout from firing; then silence. */
Test(relay, traffic_either_way_keeps_the_relay_open)
{
	struct relay_setup r;
	char c;

	relay_begin(&r, "1");
	long start = h_now_ms();
	for (int i = 0; h_now_ms() - start < 2500; i++) {
		/* Alternate directions: each counts as activity. */
		int from = i % 2 ? r.upstream : r.client;
		int to = i % 2 ? r.client : r.upstream;
		cr_assert_eq(write(from, "x", 1), 1);
		cr_assert_eq(h_read_all(to, &c, 1, 5000), 1, "round %d", i);
		/* Pace the traffic (not a synchronisation): 300 ms apart. */
		poll(NULL, 0, 300);
	}
	cr_assert(!h_log_contains(&r.d, "nothing moved"));
	cr_assert_neq(ms_until_eof(r.client, 10000), -1);
	relay_end(&r);
}

/*
 * A client that closes while the server is quiet: the relay used to
 * wake on its POLLHUP at once, for ever, at full CPU.
 */
Test(relay, closed_client_and_quiet_server_cost_no_cpu)
{
	struct relay_setup r;
	pid_t relay;

	relay_begin(&r, "2");
	cr_assert_eq(h_children(r.d.pid, &relay, 1), 1);
	/* A reset, as a client that crashed sends: POLLHUP and POLLERR. */
	struct linger abort = {.l_onoff = 1, .l_linger = 0};
	setsockopt(r.client, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
	close(r.client);
	r.client = -1;
	long before = h_cpu_ticks(relay);
	/* The upstream sees the half-close passed along: no sleep needed. */
	cr_assert_neq(ms_until_eof(r.upstream, 5000), -1);
	poll(NULL, 0, 1000); /* a measuring window, not a synchronisation */
	long used = h_cpu_ticks(relay) - before;
	cr_assert_leq(used, 10, "%ld ticks of CPU in 1 s while idle", used);
	cr_assert(h_wait_gone(relay, 10000), "the idle timeout did not fire");
	relay_end(&r);
}

Test(relay, bad_idle_arguments_are_refused)
{
	const char *args[] = {
	    "-t x 127.0.0.1 7", "-t -1 127.0.0.1 7", "-t 604801 127.0.0.1 7",
	    "-t 5 127.0.0.1",   "127.0.0.1",         "-z 127.0.0.1 7"};
	char cmd[PATH_MAX + 128];
	int status;

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		snprintf(cmd, sizeof(cmd),
		         "%s/services/relay %s </dev/null 2>&1", TOP_BUILDDIR,
		         args[i]);
		char *out = h_run(cmd, &status);
		cr_assert_eq(status, 100, "%s", cmd);
		cr_assert(
		    strstr(out, "usage: relay [-t idle-seconds] host port"),
		    "%s", out);
		free(out);
	}
}
