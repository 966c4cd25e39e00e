/* SPDX-License-Identifier: ISC */
/* test_scrape.c -- internal = metrics and portierctl metrics against the
 * connections a test actually made */
#include <config.h>

#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "promcheck.h"

TestSuite(scrape, .fini = h_cleanup, .timeout = 60);

struct ports {
	uint16_t cat, echo, uecho, metrics;
};

static const char *
conf_scrape(const struct ports *p)
{
	return h_conf(
	    H_DEFAULTS
	    "service cat {\n port = %u\n bind = 127.0.0.1\n"
	    " server = /bin/cat\n only_from = {127.0.0.1, 127.0.0.3}\n"
	    " log_on_success = {PID, EXIT}\n}\n"
	    "service echo {\n type = internal\n port = %u\n"
	    " bind = 127.0.0.1\n log_on_success = {EXIT}\n}\n"
	    "service uecho {\n type = internal\n internal = echo\n"
	    " socket_type = dgram\n port = %u\n bind = 127.0.0.1\n}\n"
	    "service metrics {\n type = internal\n port = %u\n"
	    " bind = 127.0.0.1\n only_from = {127.0.0.1}\n}\n",
	    p->cat, p->echo, p->uecho, p->metrics);
}

/* One HTTP exchange from SRC; the whole response (malloc'd). */
static char *
http(const char *src, uint16_t port, const char *request, ssize_t *n)
{
	char *buf = calloc(1, 1 << 20);
	int fd = h_connect_from(src, "127.0.0.1", port);

	cr_assert_neq(fd, -1);
	cr_assert_eq(h_write_all(fd, request, strlen(request)), 0);
	*n = h_read_all(fd, buf, (1 << 20) - 1, 8000);
	close(fd);
	return buf;
}

static void
expect_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	cr_assert(strstr(text, want), "no line '%s' in:\n%s", line, text);
}

/* The body of a 200 answer, checked: headers, length, strict format. */
static const char *
body_of(const char *resp, ssize_t n)
{
	cr_assert(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0, "%s", resp);
	cr_assert(strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4; "
	                       "charset=utf-8\r\n"),
	          "%s", resp);
	const char *body = strstr(resp, "\r\n\r\n");
	cr_assert_not_null(body);
	body += 4;
	char want[64];
	snprintf(want, sizeof(want), "\r\nContent-Length: %zd\r\n",
	         n - (body - resp));
	cr_assert(strstr(resp, want), "%s not in %s", want, resp);
	const char *why = promcheck_error(body);
	cr_assert_null(why, "%s:\n%s", why, body);
	return body;
}

static void
make_traffic(struct h_daemon *d, const struct ports *p)
{
	char buf[16];

	for (int i = 0; i < 7; i++) {
		int fd = h_connect_from("127.0.0.3", "127.0.0.1", p->cat);
		h_write_all(fd, "abc", 3);
		shutdown(fd, SHUT_WR);
		cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 3);
		close(fd);
	}
	for (int i = 0; i < 3; i++) {
		int fd = h_connect_from("127.0.0.2", "127.0.0.1", p->cat);
		cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 0);
		close(fd);
	}
	for (int i = 0; i < 5; i++) {
		size_t n;
		free(h_roundtrip("127.0.0.1", p->echo, "hello", 5, &n));
		cr_assert_eq(n, 5);
	}
	for (int i = 0; i < 4; i++)
		cr_assert_eq(h_udp_exchange("127.0.0.1", p->uecho, "u", 1, buf,
		                            sizeof(buf), 5000),
		             1);
	cr_assert(h_log_wait_count(d, "cat: EXIT", 7, 5000));
	cr_assert(h_log_wait_count(d, "cat: FAIL", 3, 5000));
	cr_assert(h_log_wait_count(d, "echo: EXIT", 5, 5000));
}

Test(scrape, counts_match_the_connections_made)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};
	ssize_t n;
	int status;

	h_start(&d, conf_scrape(&p));
	make_traffic(&d, &p);
	char *resp = http("127.0.0.1", p.metrics,
	                  "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n", &n);
	const char *body = body_of(resp, n);
	expect_line(body,
	            "portier_connections_accepted_total{service=\"cat\"} 7");
	expect_line(body, "portier_connections_refused_total{service=\"cat\","
	                  "reason=\"only_from\"} 3");
	expect_line(body, "portier_handler_exits_total{service=\"cat\","
	                  "status=\"0\"} 7");
	expect_line(
	    body, "portier_handler_duration_seconds_count{service=\"cat\"} 7");
	expect_line(body,
	            "portier_spawn_latency_seconds_count{service=\"cat\"} "
	            "7");
	expect_line(body,
	            "portier_connections_accepted_total{service=\"echo\"} 5");
	expect_line(body, "portier_internal_bytes_total{service=\"echo\","
	                  "direction=\"in\"} 25");
	expect_line(body, "portier_internal_bytes_total{service=\"echo\","
	                  "direction=\"out\"} 25");
	expect_line(body,
	            "portier_connections_accepted_total{service=\"uecho\"} 4");
	expect_line(body, "portier_handlers_running{service=\"cat\"} 0");
	/* The scrape itself is being served as it counts. */
	expect_line(
	    body, "portier_connections_accepted_total{service=\"metrics\"} 1");
	expect_line(body, "portier_handlers_running{service=\"metrics\"} 1");
	free(resp);
	/* portierctl metrics: the same numbers, the same strict format. */
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -s %s metrics",
	         TOP_BUILDDIR, d.ctl);
	char *text = h_run(cmd, &status);
	cr_assert_eq(status, 0);
	cr_assert_null(promcheck_error(text), "%s", text);
	expect_line(text, "portier_connections_refused_total{service=\"cat\","
	                  "reason=\"only_from\"} 3");
	expect_line(
	    text, "portier_connections_accepted_total{service=\"metrics\"} 1");
	free(text);
	h_stop(&d);
}

/* only_from guards the scrape; bad requests get their status; a silent
 * scraper is closed without holding anyone else up. */
Test(scrape, guarded_and_bounded)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};
	ssize_t n;

	h_start(&d, conf_scrape(&p));
	char *resp =
	    http("127.0.0.2", p.metrics, "GET /metrics HTTP/1.0\n\n", &n);
	cr_assert_eq(n, 0, "%s", resp);
	free(resp);
	cr_assert(h_log_wait(&d, "metrics: FAIL reason=only_from", 5000));
	resp = http("127.0.0.1", p.metrics, "POST /metrics HTTP/1.0\n\n", &n);
	cr_assert(strncmp(resp, "HTTP/1.0 405 ", 13) == 0, "%s", resp);
	free(resp);
	resp = http("127.0.0.1", p.metrics, "GET /other HTTP/1.1\r\n\r\n", &n);
	cr_assert(strncmp(resp, "HTTP/1.0 404 ", 13) == 0, "%s", resp);
	free(resp);
	int silent = h_connect("127.0.0.1", p.metrics);
	long t0 = h_now_ms();
	size_t got;
	free(h_roundtrip("127.0.0.1", p.echo, "x", 1, &got));
	cr_assert_eq(got, 1);
	resp = http("127.0.0.1", p.metrics, "GET /metrics HTTP/1.0\n\n", &n);
	body_of(resp, n);
	expect_line(resp, "portier_connections_refused_total{service="
	                  "\"metrics\",reason=\"only_from\"} 1");
	free(resp);
	cr_assert_lt(h_now_ms() - t0, 2000);
	char c;
	cr_assert_eq(h_read_all(silent, &c, 1, 9000), 0);
	long waited = h_now_ms() - t0;
	cr_assert(waited >= 4000 && waited < 8000, "%ld ms", waited);
	close(silent);
	h_stop(&d);
}
