/* SPDX-License-Identifier: ISC */
/* test_proxied.c -- portierd behind a real HAProxy: the real client everywhere
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "haproxy.h"

TestSuite(proxied, .fini = h_cleanup, .timeout = 90);

static char conf_text[8192];

/*
 * One instance: "env" (envdump) and "cat" (/bin/cat, EXTRA appended),
 * both behind balancers on 127.0.0.1; "plain" is cat without PROXY.
 */
static const char *
conf_instance(uint16_t env, uint16_t cat, uint16_t plain, const char *extra)
{
	snprintf(conf_text, sizeof(conf_text),
	         H_DEFAULTS "service env {\n port = %u\n bind = 127.0.0.1\n"
	                    " server = \"%s\"\n proxy_protocol = yes\n"
	                    " proxy_from = {127.0.0.1/32}\n"
	                    " log_on_success = {PID, HOST, EXIT}\n}\n"
	                    "service cat {\n port = %u\n bind = 127.0.0.1\n"
	                    " server = \"/bin/cat\"\n proxy_protocol = yes\n"
	                    " proxy_from = {127.0.0.1}\n"
	                    " log_on_success = {PID, HOST, EXIT}\n%s}\n"
	                    "service plain {\n port = %u\n bind = 127.0.0.1\n"
	                    " server = \"/bin/cat\"\n}\n",
	         env, H_HELPER("envdump"), cat, extra, plain);
	return conf_text;
}

static uint16_t
sock_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* Connect from SRC, send IN (may be empty), half-close, read it all. */
static char *
exchange(const char *src, uint16_t port, const void *in, size_t inlen,
         uint16_t *sport, ssize_t *got)
{
	char *buf = calloc(1, 65536);
	int fd = h_connect_from(src, "127.0.0.1", port);

	cr_assert_neq(fd, -1, "connect from %s", src);
	if (sport != NULL)
		*sport = sock_port(fd);
	/* envdump reads nothing: a client that closes at once could see
	 * HAProxy give up on the server before it answers. */
	if (inlen > 0) {
		cr_assert_eq(h_write_all(fd, in, inlen), 0);
		shutdown(fd, SHUT_WR);
	}
	*got = h_read_all(fd, buf, 65535, 8000);
	close(fd);
	return buf;
}

/* The handler's environment must name the real client and front end. */
static void
check_env(const char *text, const char *src, uint16_t sport, uint16_t front)
{
	char want[128];

	snprintf(want, sizeof(want), "env TCPREMOTEIP=%s\n", src);
	cr_assert(strstr(text, want), "no %s in\n%s", want, text);
	snprintf(want, sizeof(want), "env TCPREMOTEPORT=%u\n", sport);
	cr_assert(strstr(text, want), "no %s in\n%s", want, text);
	snprintf(want, sizeof(want), "env TCPLOCALPORT=%u\n", front);
	cr_assert(strstr(text, want), "no %s in\n%s", want, text);
	cr_assert(strstr(text, "env TCPLOCALIP=127.0.0.1\n"), "%s", text);
}

struct pair {
	struct h_daemon d[2];
	uint16_t env[2], cat[2], plain[2];
	struct h_haproxy env_hp, cat_hp;
};

/* Two instances, v1 to the first and v2 to the second, for env and cat. */
static void
pair_start(struct pair *p, const char *cat_extra)
{
	char lines[4][64];

	for (int i = 0; i < 2; i++) {
		p->env[i] = h_free_port();
		p->cat[i] = h_free_port();
		p->plain[i] = h_free_port();
		h_start(&p->d[i], conf_instance(p->env[i], p->cat[i],
		                                p->plain[i], cat_extra));
		const char *how = i == 0 ? "send-proxy" : "send-proxy-v2";
		snprintf(lines[i], sizeof(lines[i]), "127.0.0.1:%u %s",
		         p->env[i], how);
		snprintf(lines[2 + i], sizeof(lines[2 + i]), "127.0.0.1:%u %s",
		         p->cat[i], how);
	}
	const char *env_servers[] = {lines[0], lines[1], NULL};
	const char *cat_servers[] = {lines[2], lines[3], NULL};
	h_haproxy_start(&p->env_hp, env_servers);
	h_haproxy_start(&p->cat_hp, cat_servers);
}

static void
pair_stop(struct pair *p)
{
	h_haproxy_stop(&p->env_hp);
	h_haproxy_stop(&p->cat_hp);
	h_stop(&p->d[0]);
	h_stop(&p->d[1]);
}

static void
skip_without_haproxy(void)
{
	if (!h_haproxy_available())
		cr_skip_test(
		    "haproxy is not installed (quickstart installs it)");
}

/* One instance, reached directly (no HAProxy) from the tests. */
struct solo {
	struct h_daemon d;
	uint16_t env, cat, plain;
};

static void
solo_start(struct solo *o, const char *cat_extra)
{
	o->env = h_free_port();
	o->cat = h_free_port();
	o->plain = h_free_port();
	h_start(&o->d, conf_instance(o->env, o->cat, o->plain, cat_extra));
}

/* roundrobin over two instances: each sees its clients as themselves. */
Test(proxied, two_instances_see_the_real_client)
{
	struct pair p = {0};
	const char *src[] = {"127.0.0.2", "127.0.0.3", "127.0.0.3",
	                     "127.0.0.2"};
	char want[128];

	skip_without_haproxy();
	pair_start(&p, "");
	for (int i = 0; i < 4; i++) {
		uint16_t sport;
		ssize_t n;
		char *text = exchange(src[i], p.env_hp.port, "", 0, &sport, &n);
		cr_assert_gt(n, 0, "no answer for %s", src[i]);
		check_env(text, src[i], sport, p.env_hp.port);
		free(text);
		/* The log line names the client, on the instance that ran it.
		 */
		snprintf(want, sizeof(want), "host=%s port=%u", src[i], sport);
		cr_assert(h_log_wait(&p.d[i % 2], want, 5000),
		          "instance %d: no %s", i % 2, want);
	}
	/* Balanced: two handlers each, and every one logged its EXIT. */
	for (int i = 0; i < 2; i++) {
		cr_assert(h_log_wait_count(&p.d[i], "env: EXIT", 2, 5000));
		cr_assert_eq(h_log_count(&p.d[i], "env: START"), 2);
		cr_assert_eq(h_log_count(&p.d[i], "127.0.0.1 port="), 0,
		             "the balancer's address was logged");
	}
	pair_stop(&p);
}

/* The bytes after the header reach the handler untouched, both ways. */
Test(proxied, payload_after_the_header_is_untouched)
{
	struct pair p = {0};
	char payload[3000];

	skip_without_haproxy();
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)(i * 7 + 1);
	/* "PROXY" and a v2 signature as data must stay data. */
	memcpy(payload, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32);
	pair_start(&p, "");
	for (int i = 0; i < 4; i++) {
		ssize_t n;
		char *back =
		    exchange(i % 2 ? "127.0.0.3" : "127.0.0.2", p.cat_hp.port,
		             payload, sizeof(payload), NULL, &n);
		cr_assert_eq(n, (ssize_t)sizeof(payload), "got %zd", n);
		cr_assert_eq(memcmp(back, payload, sizeof(payload)), 0);
		free(back);
	}
	pair_stop(&p);
}

/* only_from judges the client, not the balancer. */
Test(proxied, access_rules_judge_the_real_client)
{
	struct pair p = {0};
	ssize_t n;

	skip_without_haproxy();
	pair_start(&p, " only_from = {127.0.0.2}\n");
	/* roundrobin: each instance meets both clients. */
	const char *src[] = {"127.0.0.2", "127.0.0.3", "127.0.0.3",
	                     "127.0.0.2"};
	for (int i = 0; i < 4; i++) {
		char *back = exchange(src[i], p.cat_hp.port, "ok", 2, NULL, &n);
		cr_assert_eq(n, src[i][8] == '2' ? 2 : 0, "%s: %zd", src[i], n);
		free(back);
	}
	for (int i = 0; i < 2; i++)
		cr_assert(h_log_wait(
		    &p.d[i], "cat: FAIL reason=only_from host=127.0.0.3",
		    5000));
	pair_stop(&p);
}

/* per_source counts the client behind the balancer. */
Test(proxied, per_source_counts_the_real_client)
{
	struct solo o = {0};
	struct h_haproxy hp = {0};
	char line[64];
	ssize_t n;

	skip_without_haproxy();
	solo_start(&o, " per_source = 1\n");
	snprintf(line, sizeof(line), "127.0.0.1:%u send-proxy-v2", o.cat);
	const char *servers[] = {line, NULL};
	h_haproxy_start(&hp, servers);
	/* One held connection from 127.0.0.2. */
	int held = h_connect_from("127.0.0.2", "127.0.0.1", hp.port);
	cr_assert_neq(held, -1);
	cr_assert_eq(h_write_all(held, "x", 1), 0);
	char c;
	cr_assert_eq(h_read_all(held, &c, 1, 5000), 1);
	/* A second from .2 is refused, one from .3 is served. */
	char *back = exchange("127.0.0.2", hp.port, "y", 1, NULL, &n);
	cr_assert_eq(n, 0);
	free(back);
	cr_assert(h_log_wait(&o.d, "cat: FAIL reason=per_source host=127.0.0.2",
	                     5000));
	back = exchange("127.0.0.3", hp.port, "z", 1, NULL, &n);
	cr_assert_eq(n, 1);
	free(back);
	close(held);
	cr_assert(h_log_wait_count(&o.d, "cat: EXIT", 2, 5000));
	h_haproxy_stop(&hp);
	h_stop(&o.d);
}

/* A client that writes its own header is not a balancer. */
Test(proxied, forged_header_from_outside_proxy_from)
{
	struct solo o = {0};
	static const char forged[] = "PROXY TCP4 10.9.8.7 127.0.0.1 1 2\r\nhi";
	ssize_t n;

	solo_start(&o, "");
	char *back =
	    exchange("127.0.0.2", o.env, forged, sizeof(forged) - 1, NULL, &n);
	cr_assert_eq(n, 0, "served: %s", back);
	free(back);
	cr_assert(h_log_wait(&o.d, "env: FAIL reason=proxy_from host=127.0.0.2",
	                     5000));
	cr_assert_not(h_log_contains(&o.d, "10.9.8.7"));
	h_stop(&o.d);
}

/* From a trusted balancer: header and data in one segment; LOCAL. */
Test(proxied, same_segment_data_and_local_header)
{
	struct solo o = {0};
	static const char v1[] = "PROXY TCP4 192.0.2.9 127.0.0.1 4242 80\r\n"
	                         "data\r\nPROXY more";
	static const uint8_t local[16] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
	                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
	                                  0x20, 0x00, 0x00, 0x00};
	ssize_t n;
	uint16_t sport;

	solo_start(&o, "");
	char *back = exchange("127.0.0.1", o.cat, v1, sizeof(v1) - 1, NULL, &n);
	cr_assert_eq(n, 16);
	cr_assert_eq(memcmp(back, "data\r\nPROXY more", 16), 0);
	free(back);
	cr_assert(h_log_wait(&o.d, "cat: START", 5000));
	cr_assert(h_log_contains(&o.d, "host=192.0.2.9 port=4242"));
	/* LOCAL: a health check is the balancer itself. */
	back = exchange("127.0.0.1", o.env, local, sizeof(local), &sport, &n);
	cr_assert_gt(n, 0);
	check_env(back, "127.0.0.1", sport, o.env);
	free(back);
	h_stop(&o.d);
}

/* Malformed: closed and logged at once. */
Test(proxied, malformed_header_is_closed_and_logged)
{
	struct solo o = {0};
	static const char bad[] = "PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nhi";
	ssize_t n;

	solo_start(&o, "");
	char *back =
	    exchange("127.0.0.1", o.cat, bad, sizeof(bad) - 1, NULL, &n);
	cr_assert_eq(n, 0);
	free(back);
	cr_assert(h_log_wait(
	    &o.d, "cat: FAIL reason=proxy_header host=127.0.0.1", 5000));
	cr_assert(h_log_contains(&o.d, "cat: PROXY header: "));
	cr_assert_eq(h_log_count(&o.d, "cat: START"), 0);
	h_stop(&o.d);
}

/* A header that never completes times out; nothing else waits for it. */
Test(proxied, slow_header_times_out_without_blocking)
{
	struct solo o = {0};
	ssize_t n;

	solo_start(&o, "");
	int silent = h_connect("127.0.0.1", o.cat);
	int partial = h_connect("127.0.0.1", o.cat);
	cr_assert_neq(silent, -1);
	cr_assert_neq(partial, -1);
	cr_assert_eq(h_write_all(partial, "PROXY TCP4 1.2", 14), 0);
	long t0 = h_now_ms();
	/* Meanwhile other services, and the same one, answer at once. */
	char *back = exchange("127.0.0.1", o.plain, "abc", 3, NULL, &n);
	cr_assert_eq(n, 3);
	free(back);
	static const char ok[] = "PROXY TCP4 192.0.2.1 127.0.0.1 7 8\r\nxyz";
	back = exchange("127.0.0.1", o.cat, ok, sizeof(ok) - 1, NULL, &n);
	cr_assert_eq(n, 3);
	free(back);
	cr_assert_lt(h_now_ms() - t0, 2500, "served behind a slow header");
	char buf[8];
	cr_assert_eq(h_read_all(silent, buf, sizeof(buf), 8000), 0);
	cr_assert_eq(h_read_all(partial, buf, sizeof(buf), 8000), 0);
	long waited = h_now_ms() - t0;
	cr_assert(waited >= 2500 && waited < 6000, "closed after %ld ms",
	          waited);
	close(silent);
	close(partial);
	cr_assert(
	    h_log_wait_count(&o.d, "cat: FAIL reason=proxy_timeout", 2, 5000));
	h_stop(&o.d);
}

/* portier-httpd behind HAProxy: REMOTE_ADDR and its log are the client. */
Test(proxied, httpd_sees_the_real_client)
{
	struct h_daemon d = {0};
	struct h_haproxy hp = {0};
	uint16_t www = h_free_port();
	char root[PATH_MAX], line[64];
	ssize_t n;

	skip_without_haproxy();
	h_mkdir(&d);
	snprintf(root, sizeof(root), "%s/www", d.dir);
	cr_assert_eq(mkdir(root, 0755), 0);
	h_write_file(
	    &d, "www/env.cgi",
	    "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
	    "env | sort\n",
	    0755);
	h_start(&d,
	        h_conf(H_DEFAULTS
	               "service www {\n port = %u\n bind = 127.0.0.1\n"
	               " server = \"%s/services/httpd\"\n"
	               " server_args = {\"-r\", \"%s\"}\n"
	               " proxy_protocol = yes\n proxy_from = {127.0.0.1}\n}\n",
	               www, TOP_BUILDDIR, root));
	snprintf(line, sizeof(line), "127.0.0.1:%u send-proxy", www);
	const char *servers[] = {line, NULL};
	h_haproxy_start(&hp, servers);
	static const char req[] = "GET /env.cgi HTTP/1.0\r\n\r\n";
	char *out =
	    exchange("127.0.0.2", hp.port, req, sizeof(req) - 1, NULL, &n);
	cr_assert(strstr(out, "REMOTE_ADDR=127.0.0.2\n"), "%s", out);
	free(out);
	cr_assert(h_log_wait(&d, "127.0.0.2 - - [", 5000));
	h_haproxy_stop(&hp);
	h_stop(&d);
}
