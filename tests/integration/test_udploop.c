/* SPDX-License-Identifier: ISC */
/* test_udploop.c -- spoofed datagrams between UDP services never start a loop
 */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "udpguard.h"

void h_cleanup(void);
TestSuite(udploop, .fini = h_cleanup, .timeout = 60);

/* How long a loop is watched after the spoofed datagram, in ms. */
#define WATCH_MS 1500

/* int-echo (in the master), run-echo and run-chargen (handlers). */
static uint16_t int_echo, run_echo, run_chargen;

static void
pick_ports(void)
{
	int_echo = h_free_port();
	run_echo = h_free_port();
	run_chargen = h_free_port();
}

/*
 * The three services on the picked ports.  The handlers get "-t 2" and
 * TELL_ARGS as arguments; with TELL_ENV an env = line names every UDP
 * port as well (the master tells them anyway).
 */
static const char *
conf_three(bool tell_env, const char *tell_args)
{
	static char buf[4096];
	char env[128] = "";

	if (tell_env)
		snprintf(env, sizeof(env), "env = {\"%s=%u,%u,%u\"}",
		         UDPGUARD_ENV, int_echo, run_echo, run_chargen);
	const char *args = tell_args != NULL ? tell_args : "";
	snprintf(buf, sizeof(buf),
	         H_DEFAULTS
	         "service int-echo { type = internal  internal = echo\n"
	         "  protocol = udp  bind = \"127.0.0.1\"  port = %u }\n"
	         "service run-echo { server = \"%s/services/echo\"\n"
	         "  server_args = {\"-t\", \"2\"%s}  %s\n"
	         "  protocol = udp  wait = yes  bind = \"127.0.0.1\"\n"
	         "  port = %u }\n"
	         "service run-chargen { server = \"%s/services/chargen\"\n"
	         "  server_args = {\"-t\", \"2\"%s}  %s\n"
	         "  protocol = udp  wait = yes  bind = \"127.0.0.1\"\n"
	         "  port = %u }\n",
	         int_echo, TOP_BUILDDIR, args, env, run_echo, TOP_BUILDDIR,
	         args, env, run_chargen);
	return buf;
}

/* A raw UDP socket on loopback: sees every UDP datagram that arrives. */
static int
raw_open(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd == -1)
		cr_skip_test("no raw socket (not root?)");
	/* It gets a copy of all UDP on the host: room for what other tests
	 * (or a benchmark) send meanwhile, or the datagram counted drops. */
	int size = 8 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	return fd;
}

/*
 * Send PAYLOAD to 127.0.0.1:TO as if from 127.0.0.1:FROM, a port some
 * service listens on, so no ordinary socket can bind it.  The kernel
 * adds the IP header; checksum 0 means "none" in UDP over IPv4.
 */
static void
raw_spoof(int fd, uint16_t from, uint16_t to, const char *payload)
{
	char pkt[256];
	struct udphdr uh = {.source = htons(from), .dest = htons(to)};
	struct sockaddr_in dst = {.sin_family = AF_INET};
	size_t len = strlen(payload);

	uh.len = htons((uint16_t)(sizeof(uh) + len));
	memcpy(pkt, &uh, sizeof(uh));
	memcpy(pkt + sizeof(uh), payload, len);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(sendto(fd, pkt, sizeof(uh) + len, 0,
	                    (struct sockaddr *)&dst, sizeof(dst)),
	             (ssize_t)(sizeof(uh) + len));
}

/* Is the datagram in PKT (an IP packet) between ports A and B? */
static bool
raw_between(const unsigned char *pkt, ssize_t n, uint16_t a, uint16_t b)
{
	struct udphdr uh;

	if (n < 20)
		return false;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if ((size_t)n < ihl + sizeof(uh))
		return false;
	memcpy(&uh, pkt + ihl, sizeof(uh));
	uint16_t s = ntohs(uh.source), d = ntohs(uh.dest);
	return (s == a && d == b) || (s == b && d == a);
}

/* Datagrams between A and B seen on FD during WATCH_MS. */
static int
raw_count(int fd, uint16_t a, uint16_t b)
{
	unsigned char pkt[2048];
	long end = h_now_ms() + WATCH_MS;
	int count = 0;

	for (long left; (left = end - h_now_ms()) > 0;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) != 1)
			continue;
		ssize_t n = recv(fd, pkt, sizeof(pkt), 0);
		count += raw_between(pkt, n, a, b);
	}
	return count;
}

/*
 * Spoof one datagram FROM -> TO and count the datagrams between them: 1
 * is the spoofed one; a loop is thousands.  AT_MOST allows the budget.
 */
static void
assert_no_loop(uint16_t from, uint16_t to, int at_most)
{
	int fd = raw_open();

	raw_spoof(fd, from, to, "ping");
	int seen = raw_count(fd, from, to);
	close(fd);
	cr_assert(seen >= 1, "the spoofed datagram itself was not seen");
	cr_assert(seen <= at_most, "%u -> %u: %d datagrams in %d ms", from, to,
	          seen, WATCH_MS);
}

/* A client on an ordinary port still gets its echo. */
static void
assert_answers(uint16_t port)
{
	char buf[64];

	cr_assert_eq(h_udp_exchange("127.0.0.1", port, "hello", 5, buf,
	                            sizeof(buf), 5000),
	             5, "no echo from port %u", port);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
}

Test(udploop, handlers_told_by_environment_answer_no_served_port)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_three(true, NULL));
	assert_no_loop(run_chargen, run_echo, 1);
	assert_no_loop(run_echo, run_chargen, 1);
	assert_no_loop(int_echo, run_echo, 1);
	assert_no_loop(int_echo, run_chargen, 1);
	cr_assert(h_log_wait(&d, "from loop-prone ports", 5000));
	assert_answers(run_echo);
	assert_answers(int_echo);
	h_stop(&d);
}

/* No env = line, no -u: the master puts every UDP port it serves in
 * each UDP handler's environment. */
Test(udploop, handlers_told_by_the_master_answer_no_served_port)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_three(false, NULL));
	assert_no_loop(run_chargen, run_echo, 1);
	assert_no_loop(run_echo, run_chargen, 1);
	assert_no_loop(int_echo, run_echo, 1);
	assert_no_loop(int_echo, run_chargen, 1);
	assert_answers(run_echo);
	h_stop(&d);
}

Test(udploop, handlers_told_by_argument_answer_no_served_port)
{
	struct h_daemon d = {0};
	char args[64];

	pick_ports();
	snprintf(args, sizeof(args), ", \"-u\", \"%u,%u\", \"-u\", \"%u\"",
	         int_echo, run_chargen, run_echo);
	h_start(&d, conf_three(false, args));
	assert_no_loop(run_chargen, run_echo, 1);
	assert_no_loop(run_echo, run_chargen, 1);
	assert_no_loop(int_echo, run_echo, 1);
	assert_answers(run_echo);
	h_stop(&d);
}

/* The master knows every UDP service it serves, handlers' ones too. */
Test(udploop, internal_service_answers_no_served_port)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_three(false, NULL));
	assert_no_loop(run_echo, int_echo, 1);
	assert_no_loop(run_chargen, int_echo, 1);
	assert_no_loop(int_echo, int_echo, 1);
	cr_assert(h_log_wait(&d,
	                     "service int-echo: 1 datagrams not answered: "
	                     "1 from loop-prone ports",
	                     5000));
	h_stop(&d);
}

/* Only int-echo: run-chargen's port is nobody's. */
static const char *
conf_internal_only(void)
{
	return h_conf(H_DEFAULTS
	              "service int-echo { type = internal  internal = echo\n"
	              "  protocol = udp  bind = \"127.0.0.1\"  port = %u }\n",
	              int_echo);
}

/* A reload that adds or drops a UDP service adds or drops its port. */
Test(udploop, reload_keeps_the_served_ports_current)
{
	struct h_daemon d = {0};
	int fd = raw_open();

	pick_ports();
	h_start(&d, conf_internal_only());
	/* Not served: answered (the spoofed datagram and the echo). */
	raw_spoof(fd, run_chargen, int_echo, "ping");
	cr_assert_eq(raw_count(fd, run_chargen, int_echo), 2);
	h_reload(&d, conf_three(false, NULL), "reloaded");
	raw_spoof(fd, run_chargen, int_echo, "ping");
	cr_assert_eq(raw_count(fd, run_chargen, int_echo), 1);
	h_reload(&d, conf_internal_only(), "reloaded");
	raw_spoof(fd, run_chargen, int_echo, "ping");
	cr_assert_eq(raw_count(fd, run_chargen, int_echo), 2);
	close(fd);
	h_stop(&d);
}

/* A handler knows its own port without being told. */
Test(udploop, handler_never_answers_itself)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_three(false, NULL));
	assert_no_loop(run_echo, run_echo, 1);
	assert_no_loop(run_chargen, run_chargen, 1);
	h_stop(&d);
}

/*
 * Handlers not told each other's ports (run under another super-server,
 * say) still stop: the budget's burst runs out within milliseconds, and
 * the one datagram in flight is dropped.  Each side may earn a few
 * tokens while the burst runs out (one per 10 ms); a loop would be
 * tens of thousands in the same time.
 */
Test(udploop, handlers_not_told_stop_at_the_budget)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_three(false, NULL));
	assert_no_loop(run_chargen, run_echo, 1 + 2 * (UDPGUARD_BURST + 16));
	cr_assert(h_log_wait(&d, "over 100 replies/s", 5000));
	h_stop(&d);
}

/* A source that varies its ports gets the rate, not its own rate. */
Test(udploop, flood_from_many_ports_gets_at_most_the_rate)
{
	struct h_daemon d = {0};
	struct sockaddr_in dst = {.sin_family = AF_INET};
	int fds[50], replies = 0;
	char buf[64];

	pick_ports();
	h_start(&d, conf_three(false, NULL));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(run_echo);
	long start = h_now_ms();
	for (int i = 0; i < 50; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		cr_assert_neq(fds[i], -1);
		cr_assert_eq(
		    connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)), 0);
	}
	for (int round = 0; round < 20; round++)
		for (int i = 0; i < 50; i++)
			send(fds[i], "x", 1, 0);
	/* Collect for WATCH_MS: every reply that comes. */
	for (long left; (left = start + WATCH_MS - h_now_ms()) > 0;) {
		struct pollfd pfd[50];
		for (int i = 0; i < 50; i++)
			pfd[i] =
			    (struct pollfd){.fd = fds[i], .events = POLLIN};
		if (poll(pfd, 50, (int)left) <= 0)
			continue;
		for (int i = 0; i < 50; i++)
			if (pfd[i].revents & POLLIN)
				replies +=
				    recv(fds[i], buf, sizeof(buf), 0) == 1;
	}
	long elapsed = h_now_ms() - start;
	for (int i = 0; i < 50; i++)
		close(fds[i]);
	cr_assert_gt(replies, 0);
	cr_assert_leq(
	    replies, UDPGUARD_BURST + UDPGUARD_RATE * elapsed / 1000 + 1,
	    "%d replies to 1000 datagrams in %ld ms", replies, elapsed);
	h_stop(&d);
}

/*
 * Lockstep rounds on 20 sockets: one datagram each, then every reply
 * that comes within 300 ms, 25 rounds.  Lockstep keeps the service's
 * receive buffer from overflowing, so every datagram reaches the guard.
 * Returns the replies; *ELAPSED is the time the rounds took.
 */
static int
lockstep_replies(uint16_t port, long *elapsed)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	int fds[20], replies = 0;
	char buf[64];

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(port);
	for (int i = 0; i < 20; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		cr_assert_neq(fds[i], -1);
		cr_assert_eq(
		    connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)), 0);
	}
	long start = h_now_ms();
	for (int round = 0; round < 25; round++) {
		int got = 0;
		for (int i = 0; i < 20; i++)
			send(fds[i], "x", 1, 0);
		long end = h_now_ms() + 300;
		for (long left; got < 20 && (left = end - h_now_ms()) > 0;) {
			struct pollfd pfd[20];
			for (int i = 0; i < 20; i++)
				pfd[i] = (struct pollfd){.fd = fds[i],
				                         .events = POLLIN};
			if (poll(pfd, 20, (int)left) <= 0)
				continue;
			for (int i = 0; i < 20; i++)
				if (pfd[i].revents & POLLIN)
					got += recv(fds[i], buf, sizeof(buf),
					            0) == 1;
		}
		replies += got;
	}
	*elapsed = h_now_ms() - start;
	for (int i = 0; i < 20; i++)
		close(fds[i]);
	return replies;
}

/* An internal echo and an echo handler, both with reply_rate = RATE. */
static const char *
conf_reply_rate(const char *rate)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
	         H_DEFAULTS
	         "service int-echo { type = internal  internal = echo\n"
	         "  protocol = udp  bind = \"127.0.0.1\"  port = %u\n"
	         "  reply_rate = %s }\n"
	         "service run-echo { server = \"%s/services/echo\"\n"
	         "  server_args = {\"-t\", \"5\"}  reply_rate = %s\n"
	         "  protocol = udp  wait = yes  bind = \"127.0.0.1\"\n"
	         "  port = %u }\n",
	         int_echo, rate, TOP_BUILDDIR, rate, run_echo);
	return buf;
}

/* Start both echoes with reply_rate = {0}: each answers every datagram. */
static void
start_uncapped(struct h_daemon *d)
{
	long elapsed;

	pick_ports();
	h_start(d, conf_reply_rate("{0}"));
	cr_assert_eq(lockstep_replies(int_echo, &elapsed), 500);
	cr_assert_eq(lockstep_replies(run_echo, &elapsed), 500);
}

/* Both echoes keep reply_rate = {20, 5}: the burst first, then the rate. */
static void
assert_capped_20_5(void)
{
	const uint16_t ports[2] = {int_echo, run_echo};
	long elapsed;

	for (int i = 0; i < 2; i++) {
		int n = lockstep_replies(ports[i], &elapsed);
		cr_assert_geq(n, 5, "port %u: %d replies", ports[i], n);
		cr_assert_leq(n, 5 + 20 * elapsed / 1000 + 1,
		              "port %u: %d replies in %ld ms", ports[i], n,
		              elapsed);
	}
}

/* reply_rate = {0} lifts the cap, in the master and in a handler. */
Test(udploop, reply_rate_zero_answers_every_datagram)
{
	struct h_daemon d = {0};

	start_uncapped(&d);
	/* The privileged and served ports stay refused. */
	assert_no_loop(run_echo, int_echo, 1);
	h_stop(&d);
}

/* A small reply_rate caps both, burst first, then the rate. */
Test(udploop, reply_rate_sets_the_budget)
{
	struct h_daemon d = {0};

	pick_ports();
	h_start(&d, conf_reply_rate("{20, 5}"));
	assert_capped_20_5();
	cr_assert(h_log_wait(&d, "over 20 replies/s", 15000));
	h_stop(&d);
}

/*
 * A reload that puts the cap back (here {0} -> {20, 5}) must reach the
 * handler that is running: under a flood it never idles out, and kept
 * the environment it was started with, answering every datagram.
 */
Test(udploop, reload_caps_the_running_handler)
{
	struct h_daemon d = {0};

	start_uncapped(&d);
	h_reload(&d, conf_reply_rate("{20, 5}"), "reloaded");
	cr_assert(h_log_wait(&d,
	                     "service run-echo: reply_rate changed, "
	                     "ending handler ",
	                     5000));
	assert_capped_20_5();
	h_stop(&d);
}

/*
 * A list a handler cannot read is a configuration error: exit 100 at
 * once, in any mode, rather than run without the guard.
 */
Test(udploop, bad_port_lists_are_refused)
{
	/* Environment, then the handler and its arguments (in the build). */
	const char *runs[][2] = {
	    {"PORTIER_UDP_PORTS=7,,9", "echo"},
	    {"PORTIER_UDP_PORTS=7", "chargen -u 0"},
	    {"", "daytime -u 70000"},
	    {"PORTIER_UDP_PORTS=9-7", "discard"},
	};
	const char *says[] = {
	    "PORTIER_UDP_PORTS: not a port list: 7,,9\n",
	    "usage: chargen [-t idle-seconds] [-u udp-ports]\n",
	    "usage: daytime [-t idle-seconds] [-u udp-ports]\n",
	    "PORTIER_UDP_PORTS: not a port list: 9-7\n",
	};
	char cmd[PATH_MAX + 128];
	int status;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s/services/%s </dev/null 2>&1",
		         runs[i][0], TOP_BUILDDIR, runs[i][1]);
		char *out = h_run(cmd, &status);
		cr_assert_eq(status, 100, "%s", cmd);
		cr_assert_str_eq(out, says[i]);
		free(out);
	}
}
