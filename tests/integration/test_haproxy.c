/* SPDX-License-Identifier: ISC */
/* test_haproxy.c -- the PROXY headers a real HAProxy sends, byte for byte */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "haproxy.h"
#include "proxy.h"

TestSuite(haproxy, .fini = h_cleanup, .timeout = 60);

/* A trivial TCP server socket on 127.0.0.1:*PORT (chosen here). */
static int
listener(uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	*port = h_free_port();
	sin.sin_port = htons(*port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_neq(fd, -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

/* Accept on whichever of N listeners gets a connection first (5 s). */
static int
accept_any(const int *fds, int n, int *which)
{
	struct pollfd pfd[4];

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	cr_assert_gt(poll(pfd, (nfds_t)n, 5000), 0, "no connection");
	for (int i = 0; i < n; i++)
		if (pfd[i].revents & POLLIN) {
			*which = i;
			return accept(fds[i], NULL, NULL);
		}
	return -1;
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* The v2 header HAProxy should send for a TCP4 client, TLVs aside. */
static size_t
v2_tcp4(uint8_t *out, const char *src, uint16_t sport, uint16_t dport)
{
	static const uint8_t fixed[16] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
	                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
	                                  0x21, 0x11, 0x00, 0x0C};
	memcpy(out, fixed, 16);
	inet_pton(AF_INET, src, out + 16);
	inet_pton(AF_INET, "127.0.0.1", out + 20);
	out[24] = (uint8_t)(sport >> 8), out[25] = (uint8_t)sport;
	out[26] = (uint8_t)(dport >> 8), out[27] = (uint8_t)dport;
	return 28;
}

/* The exact header a backend must see for this client. */
static size_t
expected_header(int version, uint8_t *out, const char *src, uint16_t sport,
                uint16_t dport)
{
	if (version == 2)
		return v2_tcp4(out, src, sport, dport);
	return (size_t)snprintf((char *)out, 128,
	                        "PROXY TCP4 %s 127.0.0.1 %u %u\r\n", src, sport,
	                        dport);
}

/* The address the parser found must be the client's own. */
static void
check_parsed(const uint8_t *got, size_t n, size_t hlen, const char *src,
             uint16_t sport)
{
	struct proxy_result r;
	char ip[INET_ADDRSTRLEN];

	cr_assert_eq(proxy_parse(got, n, &r), PROXY_DONE, "%s", r.error);
	cr_assert_eq(r.header_len, hlen);
	cr_assert_not(r.is_local);
	const struct sockaddr_in *sin = (const void *)&r.src;
	cr_assert_eq(sin->sin_family, AF_INET);
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	cr_assert_str_eq(ip, src);
	cr_assert_eq(ntohs(sin->sin_port), sport);
}

/*
 * One client from SRC through HAProxy: server WANT (0 = send-proxy,
 * 1 = send-proxy-v2) must get exactly the header, then the client's bytes.
 */
static void
one_client(const struct h_haproxy *hp, const int *lfd, const char *src,
           int want)
{
	char payload[64];
	uint8_t got[512], header[128];
	int which = -1, plen;
	int c = h_connect_from(src, "127.0.0.1", hp->port);

	cr_assert_neq(c, -1, "connect from %s", src);
	uint16_t sport = local_port(c);
	plen = snprintf(payload, sizeof(payload), "hello from %s\n", src);
	cr_assert_eq(h_write_all(c, payload, (size_t)plen), 0);
	shutdown(c, SHUT_WR);
	int s = accept_any(lfd, 2, &which);
	cr_assert_neq(s, -1);
	ssize_t n = h_read_all(s, got, sizeof(got), 5000);
	close(s);
	close(c);
	cr_assert_eq(which, want, "roundrobin sent %s to s%d", src, which);
	size_t hlen = expected_header(want + 1, header, src, sport, hp->port);
	cr_assert_eq(n, (ssize_t)hlen + plen, "got %zd bytes", n);
	cr_assert_eq(memcmp(got, header, hlen), 0, "v%d header differs",
	             want + 1);
	cr_assert_eq(memcmp(got + hlen, payload, (size_t)plen), 0);
	check_parsed(got, (size_t)n, hlen, src, sport);
}

Test(haproxy, send_proxy_v1_and_v2_exact_bytes)
{
	struct h_haproxy hp = {0};
	uint16_t port[2];
	int lfd[2];
	char line[2][64];

	if (!h_haproxy_available())
		cr_skip_test(
		    "haproxy is not installed (quickstart installs it)");
	for (int i = 0; i < 2; i++) {
		lfd[i] = listener(&port[i]);
		snprintf(line[i], sizeof(line[i]), "127.0.0.1:%u %s", port[i],
		         i == 0 ? "send-proxy" : "send-proxy-v2");
	}
	const char *servers[] = {line[0], line[1], NULL};
	h_haproxy_start(&hp, servers);
	/* roundrobin alternates, so each source meets both versions. */
	one_client(&hp, lfd, "127.0.0.2", 0);
	one_client(&hp, lfd, "127.0.0.3", 1);
	one_client(&hp, lfd, "127.0.0.3", 0);
	one_client(&hp, lfd, "127.0.0.2", 1);
	h_haproxy_stop(&hp);
	close(lfd[0]);
	close(lfd[1]);
}

/* What one health check of a server with OPTIONS sends; N bytes. */
static ssize_t
health_check_bytes(const char *options, uint8_t *got, size_t size)
{
	struct h_haproxy hp = {0};
	uint16_t port;
	int lfd = listener(&port), which;
	char line[96];

	snprintf(line, sizeof(line), "127.0.0.1:%u %s check inter 2s", port,
	         options);
	const char *servers[] = {line, NULL};
	h_haproxy_start(&hp, servers);
	int s = accept_any(&lfd, 1, &which);
	cr_assert_neq(s, -1);
	ssize_t n = h_read_all(s, got, size, 5000);
	close(s);
	h_haproxy_stop(&hp);
	close(lfd);
	return n;
}

/* A health check over v2 is LOCAL: the balancer's own address counts. */
Test(haproxy, health_check_v2_is_local)
{
	uint8_t got[256];
	struct proxy_result r;
	static const uint8_t local[16] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
	                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
	                                  0x20, 0x00, 0x00, 0x00};

	if (!h_haproxy_available())
		cr_skip_test(
		    "haproxy is not installed (quickstart installs it)");
	ssize_t n = health_check_bytes("send-proxy-v2", got, sizeof(got));
	cr_assert_eq(n, 16, "got %zd bytes", n);
	cr_assert_eq(memcmp(got, local, 16), 0);
	cr_assert_eq(proxy_parse(got, (size_t)n, &r), PROXY_DONE);
	cr_assert(r.is_local);
	cr_assert_eq(r.header_len, 16);
}
