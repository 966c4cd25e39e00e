/* SPDX-License-Identifier: ISC */
/* test_ctlproto.c -- the control protocol: request lines and framing */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ctlproto.h"

/* Feed TEXT whole; the reader's verdict and the request. */
static enum ctl_status
feed(const char *text, struct ctl_request *req, char *err, size_t errlen)
{
	struct ctl_reader r;

	ctl_reader_init(&r);
	return ctl_reader_feed(&r, text, strlen(text), req, err, errlen);
}

static void
expect_request(const char *text, enum ctl_command command, bool is_json)
{
	struct ctl_request req;
	char err[128] = "";

	cr_assert_eq(feed(text, &req, err, sizeof(err)), CTL_REQUEST, "%s: %s",
	             text, err);
	cr_assert_eq(req.command, command, "%s", text);
	cr_assert_eq(req.is_json, is_json, "%s", text);
}

static void
expect_error(const char *text, const char *why)
{
	struct ctl_request req;
	char err[128] = "";

	cr_assert_eq(feed(text, &req, err, sizeof(err)), CTL_ERROR, "took %s",
	             text);
	cr_assert_str_eq(err, why, "%s", text);
}

Test(ctl_request, every_command)
{
	expect_request("status\n", CTL_STATUS, false);
	expect_request("status json\n", CTL_STATUS, true);
	expect_request("metrics\n", CTL_METRICS, false);
	expect_request("reload\r\n", CTL_RELOAD, false);
	expect_request("  upgrade \t json \n", CTL_UPGRADE, true);
	expect_request("stop\n", CTL_STOP, false);
	cr_assert_str_eq(ctl_command_name(CTL_UPGRADE), "upgrade");
}

Test(ctl_request, refused_lines)
{
	expect_error("\n", "empty request");
	expect_error("STATUS\n", "unknown command \"STATUS\"");
	expect_error("status xml\n", "unknown option \"xml\"");
	expect_error("metrics json\n", "unknown option \"json\"");
	expect_error("status\nstatus\n", "one request per connection");
	expect_error("stat\x01us\n",
	             "request holds a control or non-ASCII byte");
	expect_error("status \xc3\xa9\n",
	             "request holds a control or non-ASCII byte");
	expect_error("reload\r\r\n",
	             "request holds a control or non-ASCII byte");
	/* A long unknown word is quoted, but cut. */
	expect_error("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	             "unknown command \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
}

/* The line limit holds across pieces: 127 bytes and the LF, no more. */
Test(ctl_request, line_limit_across_pieces)
{
	struct ctl_reader r;
	struct ctl_request req;
	char line[CTL_LINE_MAX + 8], err[128];

	memset(line, ' ', sizeof(line));
	memcpy(line + CTL_LINE_MAX - 1 - 4, "stop", 4);
	ctl_reader_init(&r);
	for (size_t i = 0; i < CTL_LINE_MAX - 1; i += 10) {
		size_t n =
		    CTL_LINE_MAX - 1 - i < 10 ? CTL_LINE_MAX - 1 - i : 10;
		cr_assert_eq(
		    ctl_reader_feed(&r, line + i, n, &req, err, sizeof(err)),
		    CTL_MORE);
	}
	cr_assert_eq(ctl_reader_feed(&r, "\n", 1, &req, err, sizeof(err)),
	             CTL_REQUEST);
	cr_assert_eq(req.command, CTL_STOP);
	ctl_reader_init(&r);
	cr_assert_eq(
	    ctl_reader_feed(&r, line, CTL_LINE_MAX - 1, &req, err, sizeof(err)),
	    CTL_MORE);
	cr_assert_eq(ctl_reader_feed(&r, " ", 1, &req, err, sizeof(err)),
	             CTL_ERROR);
	cr_assert_str_eq(err, "request line too long");
}

static char *
frame(bool ok, const char *message, const char *body)
{
	struct textbuf tb;

	textbuf_init(&tb, 1 << 16);
	cr_assert_eq(ctl_frame(&tb, ok, message, body, strlen(body)), 0);
	return tb.data;
}

Test(ctl_frame, exact_bytes)
{
	char *t = frame(true, NULL, "");
	cr_assert_str_eq(t, "OK\n.\n");
	free(t);
	t = frame(true, "reloaded", "a\n.hidden\n..two\nlast");
	cr_assert_str_eq(t, "OK reloaded\na\n..hidden\n...two\nlast\n.\n");
	free(t);
	t = frame(false, "/etc/portier.conf:3: bad\nvalue", "");
	cr_assert_str_eq(t, "ERR /etc/portier.conf:3: bad value\n.\n");
	free(t);
	t = frame(false, "", "x\n");
	cr_assert_str_eq(t, "ERR failed\nx\n.\n");
	free(t);
}

Test(ctl_frame, round_trip)
{
	const char *bodies[] = {"", "one\n", ".\n..\n...\n", "a\n\nb\n",
	                        "OK\nERR x\n.\n"};
	struct ctl_reply reply;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char *t = frame(i % 2 == 0, "msg", bodies[i]);
		cr_assert_eq(ctl_unframe(t, strlen(t), &reply), 0, "%s", t);
		cr_assert_eq(reply.ok, i % 2 == 0);
		cr_assert_str_eq(reply.message, "msg");
		cr_assert_str_eq(reply.body, bodies[i]);
		cr_assert_eq(reply.bodylen, strlen(bodies[i]));
		free(t);
	}
}

Test(ctl_frame, malformed_answers)
{
	const char *bad[] = {"",           "OK\n",        "OK\nbody\n",
	                     "HELLO\n.\n", "OK\n.x\n.\n", "OK\n.\nmore\n",
	                     "OK\nbody",   "ERR\n.\n"};
	struct ctl_reply reply;
	char buf[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(buf, bad[i]);
		cr_assert_eq(ctl_unframe(buf, strlen(buf), &reply), -1, "%s",
		             bad[i]);
	}
}

Test(ctl_json, string_escapes)
{
	struct textbuf tb;

	textbuf_init(&tb, 256);
	ctl_json_string(&tb, "a\"b\\c\nd\x01");
	cr_assert_str_eq(tb.data, "\"a\\\"b\\\\c\\u000ad\\u0001\"");
	textbuf_free(&tb);
}
