/* SPDX-License-Identifier: ISC */
/* ctlconn.h -- one control connection, non-blocking and bounded */
#ifndef PORTIER_CTLCONN_H
#define PORTIER_CTLCONN_H

#include <stdbool.h>
#include <stdint.h>

#include "ctlproto.h"
#include "textbuf.h"

enum ctl_conn_state {
	CTL_CONN_READING, /* watch for readability */
	CTL_CONN_WAITING, /* a request is out to the caller: watch nothing */
	CTL_CONN_WRITING, /* watch for writability */
	CTL_CONN_DONE,    /* close it (ctl_conn_close) */
};

/*
 * The loop owns the descriptor's readiness and the clock; this owns the
 * bytes.  Nothing here blocks: FD must be non-blocking.
 */
struct ctl_conn {
	int fd;
	enum ctl_conn_state state;
	uint64_t deadline_ms; /* CTL_TIMEOUT_MS per phase, on the caller's
	                         clock */
	struct ctl_reader reader;
	struct textbuf out;
	size_t sent;
};

void ctl_conn_init(struct ctl_conn *, int fd, uint64_t now_ms);
/*
 * FD is readable.  CTL_REQUEST: *REQ is to be answered (state WAITING);
 * CTL_ERROR: an ERR answer is queued (state WRITING); CTL_MORE: keep
 * reading, unless the client left (state DONE).
 */
enum ctl_status ctl_conn_read(struct ctl_conn *, struct ctl_request *req,
                              uint64_t now_ms);
/* Queue the answer (framed; ERR if larger than CTL_RESPONSE_MAX). */
void ctl_conn_answer(struct ctl_conn *, bool ok, const char *message,
                     const char *body, size_t bodylen, uint64_t now_ms);
/* FD is writable: send what the socket takes; DONE once all is sent. */
enum ctl_conn_state ctl_conn_write(struct ctl_conn *);
/* A client too slow to send or to read loses its connection. */
bool ctl_conn_is_expired(const struct ctl_conn *, uint64_t now_ms);
/* Close FD and free the answer. */
void ctl_conn_close(struct ctl_conn *);

#endif
