/* SPDX-License-Identifier: ISC */
/* ctlproto.h -- the control socket's line protocol (see portierctl(8)) */
#ifndef PORTIER_CTLPROTO_H
#define PORTIER_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "textbuf.h"

/* The one place the default path lives: portierd and portierctl agree. */
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#define CTL_SOCKET_DEFAULT RUNSTATEDIR "/portierd.sock"

/* Bounds of the server side: a slow or hostile client cannot stall it. */
#define CTL_LINE_MAX 128           /* request line, LF included */
#define CTL_CLIENTS_MAX 4          /* control connections at once */
#define CTL_TIMEOUT_MS 5000        /* to send the request, then to read */
#define CTL_RESPONSE_MAX (8 << 20) /* one response, framing included */

enum ctl_command {
	CTL_STATUS,
	CTL_METRICS,
	CTL_RELOAD,
	CTL_UPGRADE,
	CTL_STOP,
};

struct ctl_request {
	enum ctl_command command;
	bool is_json; /* "json" flag: the body is one JSON document */
};

/* "status", "reload", ... */
const char *ctl_command_name(enum ctl_command);

/*
 * Parse one request line of LEN bytes (its LF or CRLF removed): 0, or
 * -1 with a one-line reason in ERR (fit for an ERR response).
 */
int ctl_parse(const char *line, size_t len, struct ctl_request *, char *err,
              size_t errlen);

/* The server's reader: feed what arrived, get one request or an error. */
struct ctl_reader {
	size_t len;
	char line[CTL_LINE_MAX];
};

enum ctl_status {
	CTL_ERROR = -1,
	CTL_MORE = 0,
	CTL_REQUEST = 1,
};

void ctl_reader_init(struct ctl_reader *);
/*
 * CTL_MORE: keep reading (a close now means the client gave up);
 * CTL_REQUEST: *REQ is the command, answer it, then close; CTL_ERROR:
 * ERR says why (too long, bad bytes, unknown command, data after the
 * line): answer ERR and close.
 */
enum ctl_status ctl_reader_feed(struct ctl_reader *, const char *data,
                                size_t len, struct ctl_request *req, char *err,
                                size_t errlen);

/*
 * Append a framed response to OUT: "OK[ MESSAGE]" or "ERR MESSAGE",
 * then BODY's lines (dot-stuffed), then ".".  MESSAGE is made one line.
 * -1 when OUT's cap was reached.
 */
int ctl_frame(struct textbuf *out, bool ok, const char *message,
              const char *body, size_t bodylen);

/* A parsed response; MESSAGE and BODY point into the unframed text. */
struct ctl_reply {
	bool ok;
	const char *message; /* "" when none */
	const char *body;    /* NUL-terminated, lines unstuffed */
	size_t bodylen;
};

/* Unframe TEXT (LEN bytes, NUL-terminated) in place; -1 if malformed or
 * cut before its final "." line. */
int ctl_unframe(char *text, size_t len, struct ctl_reply *);

/* VALUE as a JSON string literal, quotes included. */
void ctl_json_string(struct textbuf *out, const char *value);

#endif
