/* SPDX-License-Identifier: ISC */
/* test_ctlconn.c -- one control connection over a socketpair: requests,
 * answers, hostile and slow clients */
#include <config.h>

#include <sys/socket.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ctlconn.h"

/* A connection whose server end is non-blocking; *CLIENT the other. */
static void
pair(struct ctl_conn *c, int *client)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	ctl_conn_init(c, sv[1], 1000);
	*client = sv[0];
}

/* Everything the server sent, up to LEN bytes (it closed by then). */
static char *
client_reads(int fd, size_t len)
{
	char *buf = calloc(1, len + 1);
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	return buf;
}

/* The queued answer goes out whole, then the client sees exactly WANT. */
static void
expect_sent(struct ctl_conn *c, int client, const char *want)
{
	cr_assert_eq(ctl_conn_write(c), CTL_CONN_DONE);
	ctl_conn_close(c);
	char *got = client_reads(client, 64);
	cr_assert_str_eq(got, want);
	free(got);
	close(client);
}

Test(ctl_conn, request_then_answer)
{
	struct ctl_conn c;
	struct ctl_request req;
	int client;

	pair(&c, &client);
	cr_assert_eq(ctl_conn_read(&c, &req, 1000), CTL_MORE); /* nothing */
	cr_assert_eq(write(client, "stat", 4), 4);
	cr_assert_eq(ctl_conn_read(&c, &req, 1001), CTL_MORE);
	cr_assert_eq(write(client, "us json\n", 8), 8);
	cr_assert_eq(ctl_conn_read(&c, &req, 1002), CTL_REQUEST);
	cr_assert_eq(req.command, CTL_STATUS);
	cr_assert(req.is_json);
	cr_assert_eq(c.state, CTL_CONN_WAITING);
	/* The daemon may take its time: that is not the client's fault. */
	cr_assert_not(ctl_conn_is_expired(&c, 1000000));
	ctl_conn_answer(&c, true, NULL, "{}\n", 3, 2000);
	expect_sent(&c, client, "OK\n{}\n.\n");
}

Test(ctl_conn, hostile_line_gets_err_and_nothing_more)
{
	struct ctl_conn c;
	struct ctl_request req;
	char junk[300];
	int client;

	pair(&c, &client);
	memset(junk, 'a', sizeof(junk));
	cr_assert_eq(write(client, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	cr_assert_eq(ctl_conn_read(&c, &req, 1000), CTL_ERROR);
	cr_assert_eq(c.state, CTL_CONN_WRITING);
	expect_sent(&c, client, "ERR request line too long\n.\n");
}

Test(ctl_conn, slow_client_expires)
{
	struct ctl_conn c;
	int client;

	pair(&c, &client);
	cr_assert_not(ctl_conn_is_expired(&c, 1000 + CTL_TIMEOUT_MS - 1));
	cr_assert(ctl_conn_is_expired(&c, 1000 + CTL_TIMEOUT_MS));
	ctl_conn_close(&c);
	close(client);
}

Test(ctl_conn, client_gone_before_asking)
{
	struct ctl_conn c;
	struct ctl_request req;
	int client;

	pair(&c, &client);
	close(client);
	cr_assert_eq(ctl_conn_read(&c, &req, 1000), CTL_MORE);
	cr_assert_eq(c.state, CTL_CONN_DONE);
	ctl_conn_close(&c);
}

/* A large answer goes out in pieces as the client reads; none is lost. */
Test(ctl_conn, large_answer_in_pieces)
{
	struct ctl_conn c;
	size_t size = 1 << 20, got = 0;
	char *body = malloc(size), buf[65536];
	int client, rounds = 0;

	memset(body, 'x', size);
	for (size_t i = 99; i < size; i += 100)
		body[i] = '\n';
	body[size - 1] = '\n';
	pair(&c, &client);
	ctl_conn_answer(&c, true, NULL, body, size, 0);
	while (ctl_conn_write(&c) == CTL_CONN_WRITING && rounds++ < 10000) {
		ssize_t n = read(client, buf, sizeof(buf));
		cr_assert_gt(n, 0);
		got += (size_t)n;
	}
	cr_assert_eq(c.state, CTL_CONN_DONE);
	cr_assert_gt(rounds, 1);
	ctl_conn_close(&c);
	ssize_t n;
	while ((n = read(client, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	cr_assert_eq(got, 3 + size + 2); /* "OK\n", body, ".\n" */
	close(client);
	free(body);
}

Test(ctl_conn, answer_over_the_cap_becomes_err)
{
	struct ctl_conn c;
	size_t size = CTL_RESPONSE_MAX;
	char *body = malloc(size);
	int client;

	memset(body, 'y', size);
	pair(&c, &client);
	ctl_conn_answer(&c, true, NULL, body, size, 0);
	cr_assert_str_eq(c.out.data, "ERR answer too large\n.\n");
	ctl_conn_close(&c);
	close(client);
	free(body);
}
