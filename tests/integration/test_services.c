/* SPDX-License-Identifier: ISC */
/* test_services.c -- echo, discard, daytime, chargen, time: internal and exec'd
 */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "classic.h"
#include "harness.h"

void h_cleanup(void);
TestSuite(classic, .fini = h_cleanup, .timeout = 90);

enum { ECHO, DISCARD, DAYTIME, CHARGEN, TIME, N_KINDS };
static const char *kinds[N_KINDS] = {"echo", "discard", "daytime", "chargen",
                                     "time"};

/* ports[kind][is_handler]: TCP and UDP share the number. */
static uint16_t ports[N_KINDS][2];
static char conf[16384];

static const char *
conf_all(int internal_max)
{
	size_t n = 0;

	n += (size_t)snprintf(
	    conf + n, sizeof(conf) - n,
	    "defaults {\n user = \"root\"\n internal_max = %d\n}\n",
	    internal_max);
	for (int k = 0; k < N_KINDS; k++) {
		ports[k][0] = h_free_port();
		ports[k][1] = h_free_port();
		/* Unset bind: one dual-stack socket serves v4 and v6. */
		n += (size_t)snprintf(
		    conf + n, sizeof(conf) - n,
		    "service int-%s { type = internal  internal = %s\n"
		    "  port = %u }\n"
		    "service int-%s-udp { type = internal  internal = %s\n"
		    "  protocol = udp  port = %u }\n"
		    "service run-%s { server = \"%s/services/%s\"\n"
		    "  port = %u }\n"
		    "service run-%s-udp { server = \"%s/services/%s\"\n"
		    "  server_args = {\"-t\", \"2\"}\n"
		    "  protocol = udp  wait = yes  port = %u }\n",
		    kinds[k], kinds[k], ports[k][0], kinds[k], kinds[k],
		    ports[k][0], kinds[k], TOP_BUILDDIR, kinds[k], ports[k][1],
		    kinds[k], TOP_BUILDDIR, kinds[k], ports[k][1]);
	}
	return conf;
}

static bool
have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd == -1)
		return false;
	close(fd);
	return true;
}

static void
assert_chargen(const char *buf, size_t len, bool whole_lines)
{
	cr_assert_gt(len, 0);
	unsigned first = (unsigned)(buf[0] - ' ');
	struct chargen_state st = {first, 0};
	char *want = malloc(len);

	classic_chargen_fill(&st, want, len);
	cr_assert_arr_eq(buf, want, len, "chargen pattern differs");
	if (whole_lines)
		cr_assert_eq(memcmp(buf + CHARGEN_LINE, "\r\n", 2), 0);
	free(want);
}

static void
assert_time(const uint8_t *b)
{
	uint32_t t = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	             (uint32_t)b[2] << 8 | b[3];
	long now = (long)((unsigned long long)time(NULL) + CLASSIC_EPOCH_1900) &
	           0xffffffffL;

	cr_assert(labs((long)t - now) <= 2, "time off by %ld s", (long)t - now);
}

static void
assert_daytime(const char *line)
{
	struct tm tm = {0};
	char *end = strptime(line, "%a %b %e %H:%M:%S %Y", &tm);

	cr_assert_not_null(end, "unparseable daytime: %s", line);
	time_t t = timegm(&tm);
	cr_assert(labs((long)(t - time(NULL))) <= 2, "daytime off: %s", line);
	cr_assert_str_eq(end, " UTC\r\n");
}

static void
check_tcp(const char *host, int kind, uint16_t port)
{
	static const char binary[] = "bin\0ary\r\n\xff";
	char buf[1024];
	size_t n;

	if (kind == CHARGEN) {
		int fd = h_connect(host, port);
		cr_assert_neq(fd, -1);
		ssize_t got = h_read_all(fd, buf, (CHARGEN_LINE + 2) * 5, 5000);
		cr_assert_eq(got, (CHARGEN_LINE + 2) * 5);
		cr_assert_eq(buf[0], ' ', "chargen starts with a space");
		assert_chargen(buf, (size_t)got, true);
		close(fd);
		return;
	}
	char *out = h_roundtrip(host, port, binary, sizeof(binary), &n);
	switch (kind) {
	case ECHO:
		cr_assert_eq(n, sizeof(binary));
		cr_assert_arr_eq(out, binary, sizeof(binary));
		break;
	case DISCARD:
		cr_assert_eq(n, 0);
		break;
	case DAYTIME:
		assert_daytime(out);
		break;
	case TIME:
		cr_assert_eq(n, 4);
		assert_time((uint8_t *)out);
		break;
	}
	free(out);
}

static void
check_udp(const char *host, int kind, uint16_t port)
{
	char buf[1024];
	ssize_t n =
	    h_udp_exchange(host, port, "dgram\0x", 7, buf, sizeof(buf) - 1,
	                   kind == DISCARD ? 300 : 5000);

	switch (kind) {
	case ECHO:
		cr_assert_eq(n, 7);
		cr_assert_arr_eq(buf, "dgram\0x", 7);
		break;
	case DISCARD:
		cr_assert_eq(n, -1, "discard answered");
		break;
	case DAYTIME:
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		assert_daytime(buf);
		break;
	case CHARGEN:
		cr_assert_geq(n, 0);
		cr_assert_leq(n, CHARGEN_DGRAM_MAX);
		if (n > 0)
			assert_chargen(buf, (size_t)n, false);
		break;
	case TIME:
		cr_assert_eq(n, 4);
		assert_time((uint8_t *)buf);
		break;
	}
}

Test(classic, every_service_both_forms_tcp_udp_v4_v6)
{
	struct h_daemon d = {0};
	const char *hosts[] = {"127.0.0.1", "::1"};
	int n_hosts = have_ipv6() ? 2 : 1;

	h_start(&d, conf_all(64));
	for (int h = 0; h < n_hosts; h++)
		for (int k = 0; k < N_KINDS; k++)
			for (int form = 0; form < 2; form++) {
				check_tcp(hosts[h], k, ports[k][form]);
				check_udp(hosts[h], k, ports[k][form]);
			}
	h_stop(&d);
}

static char *
big_payload(size_t len)
{
	char *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 31 + (i >> 9));
	return p;
}

Test(classic, echo_one_mebibyte_and_discard_one_mebibyte)
{
	struct h_daemon d = {0};
	size_t len = 1 << 20, n;
	char *in = big_payload(len);

	h_start(&d, conf_all(64));
	for (int form = 0; form < 2; form++) {
		char *out =
		    h_roundtrip("127.0.0.1", ports[ECHO][form], in, len, &n);
		cr_assert_eq(n, len, "form %d echoed %zu bytes", form, n);
		cr_assert_eq(memcmp(out, in, len), 0);
		free(out);
		out =
		    h_roundtrip("127.0.0.1", ports[DISCARD][form], in, len, &n);
		cr_assert_eq(n, 0);
		free(out);
	}
	free(in);
	h_stop(&d);
}

Test(classic, real_clients_rdate_nc_and_contrib)
{
	struct h_daemon d = {0};
	char cmd[1024];
	int status;

	h_start(&d, conf_all(64));
	for (int form = 0; form < 2; form++) {
		snprintf(cmd, sizeof(cmd), "rdate -p -o %u 127.0.0.1 2>&1",
		         ports[TIME][form]);
		char *out = h_run(cmd, &status);
		cr_assert_eq(status, 0, "rdate: %s", out);
		struct tm tm = {0};
		cr_assert_not_null(
		    strptime(out, "%a %b %d %H:%M:%S UTC %Y", &tm), "%s", out);
		cr_assert(labs((long)(timegm(&tm) - time(NULL))) <= 2, "%s",
		          out);
		free(out);
		snprintf(cmd, sizeof(cmd),
		         "printf 'one\\ntwo\\n' | "
		         "%s/contrib/tcpechoclient 127.0.0.1 %u",
		         TOP_BUILDDIR, ports[ECHO][form]);
		out = h_run(cmd, &status);
		cr_assert_eq(status, 0);
		cr_assert_str_eq(out, "one\ntwo\n");
		free(out);
		snprintf(cmd, sizeof(cmd),
		         "%s/contrib/tcpdaytimeclient "
		         "127.0.0.1 %u",
		         TOP_BUILDDIR, ports[DAYTIME][form]);
		out = h_run(cmd, &status);
		cr_assert_eq(status, 0);
		assert_daytime(out);
		free(out);
		snprintf(cmd, sizeof(cmd),
		         "%s/contrib/tcpdaytimeclient -u "
		         "localhost %u",
		         TOP_BUILDDIR, ports[DAYTIME][form]);
		out = h_run(cmd, &status);
		cr_assert_eq(status, 0);
		assert_daytime(out);
		free(out);
		snprintf(cmd, sizeof(cmd),
		         "printf 'via nc' | nc -N 127.0.0.1 "
		         "%u",
		         ports[ECHO][form]);
		out = h_run(cmd, &status);
		cr_assert_str_eq(out, "via nc");
		free(out);
	}
	h_stop(&d);
}

Test(classic, contrib_clients_report_errors)
{
	char cmd[1024];
	int status;

	snprintf(cmd, sizeof(cmd),
	         "%s/contrib/tcpdaytimeclient "
	         "no-such-host.invalid 2>&1",
	         TOP_BUILDDIR);
	char *out = h_run(cmd, &status);
	cr_assert_eq(status, 100);
	cr_assert(strstr(out, "no-such-host.invalid"), "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd),
	         "%s/contrib/tcpechoclient 127.0.0.1 %u "
	         "</dev/null 2>&1",
	         TOP_BUILDDIR, h_free_port());
	out = h_run(cmd, &status);
	cr_assert_eq(status, 111);
	cr_assert(strstr(out, "Connection refused"), "%s", out);
	free(out);
}

Test(classic, udp_loop_guard_drops_privileged_source_ports)
{
	struct h_daemon d = {0};
	struct sockaddr_in src = {.sin_family = AF_INET};
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct pollfd pfd;
	char buf[64];

	h_start(&d, conf_all(64));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	src.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	src.sin_port = htons(7); /* echo's own port: the classic ping-pong */
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		cr_skip_test("cannot bind a privileged port");
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(ports[ECHO][0]);
	sendto(fd, "loop", 4, 0, (struct sockaddr *)&dst, sizeof(dst));
	cr_assert(h_log_wait(&d, "from loop-prone ports", 5000));
	pfd.fd = fd;
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, 200), 0, "the guard let a reply out");
	close(fd);
	/* A normal client still gets its echo. */
	cr_assert_eq(h_udp_exchange("127.0.0.1", ports[ECHO][0], "ok", 2, buf,
	                            sizeof(buf), 5000),
	             2);
	h_stop(&d);
}

Test(classic, disconnect_mid_chargen_leaves_no_state)
{
	struct h_daemon d = {0};
	char buf[4096];

	h_start(&d, conf_all(64));
	int before = h_count_fds(d.pid);
	for (int i = 0; i < 20; i++) {
		int fd = h_connect("127.0.0.1", ports[CHARGEN][0]);
		cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000),
		             (ssize_t)sizeof(buf));
		close(fd);
	}
	/* The master notices each close on its next write; poll for it. */
	for (int i = 0; i < 400 && h_count_fds(d.pid) != before; i++)
		poll(NULL, 0, 5);
	cr_assert_eq(h_count_fds(d.pid), before);
	h_stop(&d);
}

Test(classic, fifty_concurrent_echo_clients)
{
	struct h_daemon d = {0};
	int fds[50];
	char msg[32], buf[32];

	h_start(&d, conf_all(64));
	for (int i = 0; i < 50; i++) {
		fds[i] = h_connect("127.0.0.1", ports[ECHO][0]);
		cr_assert_neq(fds[i], -1);
	}
	for (int i = 0; i < 50; i++) {
		int len = snprintf(msg, sizeof(msg), "client-%02d", i);
		h_write_all(fds[i], msg, (size_t)len);
	}
	for (int i = 0; i < 50; i++) {
		int len = snprintf(msg, sizeof(msg), "client-%02d", i);
		cr_assert_eq(h_read_all(fds[i], buf, (size_t)len, 5000), len);
		cr_assert_arr_eq(buf, msg, (size_t)len);
		close(fds[i]);
	}
	h_stop(&d);
}

Test(classic, stalled_chargen_reader_does_not_block_the_loop)
{
	struct h_daemon d = {0};
	char buf[65536];
	size_t n;

	h_start(&d, conf_all(64));
	int stalled = h_connect("127.0.0.1", ports[CHARGEN][0]);
	cr_assert_neq(stalled, -1);
	/* Others are served while that one's socket buffer stays full. */
	for (int i = 0; i < 5; i++) {
		char *out =
		    h_roundtrip("127.0.0.1", ports[ECHO][0], "x", 1, &n);
		cr_assert_str_eq(out, "x");
		free(out);
		int fd = h_connect("127.0.0.1", ports[CHARGEN][0]);
		cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000),
		             (ssize_t)sizeof(buf));
		close(fd);
	}
	close(stalled);
	h_stop(&d);
}

Test(classic, more_clients_than_internal_max_all_served_in_turn)
{
	struct h_daemon d = {0};
	int fds[6];
	char msg[16], buf[16];

	h_start(&d, conf_all(2));
	for (int i = 0; i < 6; i++) {
		fds[i] = h_connect("127.0.0.1", ports[ECHO][0]);
		cr_assert_neq(fds[i], -1);
		int len = snprintf(msg, sizeof(msg), "turn-%d", i);
		h_write_all(fds[i], msg, (size_t)len);
	}
	/* Served two at a time: finish each in order, the rest wait. */
	for (int i = 0; i < 6; i++) {
		int len = snprintf(msg, sizeof(msg), "turn-%d", i);
		shutdown(fds[i], SHUT_WR);
		cr_assert_eq(h_read_all(fds[i], buf, sizeof(buf), 5000), len,
		             "client %d not served", i);
		cr_assert_arr_eq(buf, msg, (size_t)len);
		close(fds[i]);
	}
	h_stop(&d);
}

/* Service "x" on PORT over PROTO: internal = KIND (echo, time, ...). */
static const char *
conf_one_internal(const char *proto, int kind, uint16_t port)
{
	snprintf(conf, sizeof(conf),
	         H_DEFAULTS
	         "service x { type = internal  internal = %s\n"
	         "  protocol = %s  bind = \"127.0.0.1\"  port = %u }\n",
	         kinds[kind], proto, port);
	return conf;
}

/*
 * A reload that changes internal = keeps the socket (the name, protocol
 * and port are the same) but must change what it answers: the kind was
 * kept from the first load, and echo went on echoing.  A connection open
 * across it speaks the old protocol, so it is closed.
 */
Test(classic, reload_changes_the_internal_service)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[16];

	h_start(&d, conf_one_internal("udp", ECHO, port));
	check_udp("127.0.0.1", ECHO, port);
	h_reload(&d, conf_one_internal("udp", TIME, port), "reloaded");
	check_udp("127.0.0.1", TIME, port);
	h_stop(&d);

	h_start(&d, conf_one_internal("tcp", ECHO, port));
	int open = h_connect("127.0.0.1", port);
	cr_assert_neq(open, -1);
	check_tcp("127.0.0.1", ECHO, port);
	h_reload(&d, conf_one_internal("tcp", TIME, port), "reloaded");
	check_tcp("127.0.0.1", TIME, port);
	cr_assert_eq(h_read_all(open, buf, sizeof(buf), 5000), 0, "not closed");
	close(open);
	h_stop(&d);
}
