/* SPDX-License-Identifier: ISC */
/* ctlconn.c -- one control connection, non-blocking and bounded */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <unistd.h>

#include "ctlconn.h"

void
ctl_conn_init(struct ctl_conn *c, int fd, uint64_t now_ms)
{
	c->fd = fd;
	c->state = CTL_CONN_READING;
	c->deadline_ms = now_ms + CTL_TIMEOUT_MS;
	ctl_reader_init(&c->reader);
	textbuf_init(&c->out, CTL_RESPONSE_MAX);
	c->sent = 0;
}

static bool
ctl_conn_would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

enum ctl_status
ctl_conn_read(struct ctl_conn *c, struct ctl_request *req, uint64_t now_ms)
{
	char buf[CTL_LINE_MAX], err[128];

	if (c->state != CTL_CONN_READING)
		return CTL_MORE;
	/* Never more than a line's worth: the reader refuses the rest. */
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && ctl_conn_would_block())
		return CTL_MORE;
	if (n <= 0) {
		c->state = CTL_CONN_DONE; /* gone before asking: no answer */
		return CTL_MORE;
	}
	enum ctl_status st =
	    ctl_reader_feed(&c->reader, buf, (size_t)n, req, err, sizeof(err));
	if (st == CTL_REQUEST)
		c->state = CTL_CONN_WAITING;
	else if (st == CTL_ERROR)
		ctl_conn_answer(c, false, err, "", 0, now_ms);
	return st;
}

void
ctl_conn_answer(struct ctl_conn *c, bool ok, const char *message,
                const char *body, size_t bodylen, uint64_t now_ms)
{
	textbuf_free(&c->out);
	if (ctl_frame(&c->out, ok, message, body, bodylen) != 0) {
		textbuf_free(&c->out);
		ctl_frame(&c->out, false, "answer too large", "", 0);
	}
	c->sent = 0;
	c->state = CTL_CONN_WRITING;
	c->deadline_ms = now_ms + CTL_TIMEOUT_MS;
}

enum ctl_conn_state
ctl_conn_write(struct ctl_conn *c)
{
	while (c->state == CTL_CONN_WRITING && c->sent < c->out.len) {
		ssize_t n =
		    send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		         MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && ctl_conn_would_block())
			return c->state;
		if (n <= 0)
			c->state = CTL_CONN_DONE; /* the client left */
		else
			c->sent += (size_t)n;
	}
	if (c->state == CTL_CONN_WRITING)
		c->state = CTL_CONN_DONE;
	return c->state;
}

bool
ctl_conn_is_expired(const struct ctl_conn *c, uint64_t now_ms)
{
	/* WAITING is the daemon's own time (a reload), not the client's. */
	return c->state != CTL_CONN_WAITING && now_ms >= c->deadline_ms;
}

void
ctl_conn_close(struct ctl_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	textbuf_free(&c->out);
	c->state = CTL_CONN_DONE;
}
