/* SPDX-License-Identifier: ISC */
/* ctlproto.c -- the control socket's line protocol (see portierctl(8)) */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "ctlproto.h"

static const struct ctl_verb {
	const char *name;
	enum ctl_command command;
	bool takes_json; /* metrics already is a machine format */
} ctl_verbs[] = {
    {"status", CTL_STATUS, true}, {"metrics", CTL_METRICS, false},
    {"reload", CTL_RELOAD, true}, {"upgrade", CTL_UPGRADE, true},
    {"stop", CTL_STOP, true},
};

#define CTL_NVERBS (sizeof(ctl_verbs) / sizeof(ctl_verbs[0]))

const char *
ctl_command_name(enum ctl_command command)
{
	for (size_t i = 0; i < CTL_NVERBS; i++)
		if (ctl_verbs[i].command == command)
			return ctl_verbs[i].name;
	return "?";
}

static const struct ctl_verb *
ctl_verb(const char *name)
{
	for (size_t i = 0; i < CTL_NVERBS; i++)
		if (strcmp(ctl_verbs[i].name, name) == 0)
			return &ctl_verbs[i];
	return NULL;
}

static int
ctl_fail(char *err, size_t errlen, const char *what, const char *word)
{
	snprintf(err, errlen, "%s%s%.32s%s", what, word ? " \"" : "",
	         word ? word : "", word ? "\"" : "");
	return -1;
}

int
ctl_parse(const char *line, size_t len, struct ctl_request *req, char *err,
          size_t errlen)
{
	char text[CTL_LINE_MAX], *save = NULL;

	if (len >= sizeof(text))
		return ctl_fail(err, errlen, "request line too long", NULL);
	for (size_t i = 0; i < len; i++)
		if ((line[i] < 0x20 || line[i] > 0x7E) && line[i] != '\t')
			return ctl_fail(
			    err, errlen,
			    "request holds a control or non-ASCII byte", NULL);
	memcpy(text, line, len);
	text[len] = '\0';
	const char *word = strtok_r(text, " \t", &save);
	if (word == NULL)
		return ctl_fail(err, errlen, "empty request", NULL);
	const struct ctl_verb *verb = ctl_verb(word);
	if (verb == NULL)
		return ctl_fail(err, errlen, "unknown command", word);
	req->command = verb->command;
	req->is_json = false;
	while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strcmp(word, "json") != 0 || !verb->takes_json)
			return ctl_fail(err, errlen, "unknown option", word);
		req->is_json = true;
	}
	return 0;
}

void
ctl_reader_init(struct ctl_reader *r)
{
	r->len = 0;
}

enum ctl_status
ctl_reader_feed(struct ctl_reader *r, const char *data, size_t len,
                struct ctl_request *req, char *err, size_t errlen)
{
	const char *lf = memchr(data, '\n', len);
	size_t take = lf ? (size_t)(lf - data) : len;

	/* The line and its LF fit CTL_LINE_MAX, or the client is cut off. */
	if (take > sizeof(r->line) - 1 - r->len) {
		ctl_fail(err, errlen, "request line too long", NULL);
		return CTL_ERROR;
	}
	memcpy(r->line + r->len, data, take);
	r->len += take;
	if (lf == NULL)
		return CTL_MORE;
	if (take + 1 < len) {
		ctl_fail(err, errlen, "one request per connection", NULL);
		return CTL_ERROR;
	}
	size_t n = r->len;
	if (n > 0 && r->line[n - 1] == '\r')
		n--; /* nc -C, telnet */
	return ctl_parse(r->line, n, req, err, errlen) == 0 ? CTL_REQUEST
	                                                    : CTL_ERROR;
}

/* The status line: a message never breaks the framing. */
static void
ctl_status_line(struct textbuf *out, bool ok, const char *message)
{
	static const char *const space[] = {" ", " "};

	if (!ok && (message == NULL || message[0] == '\0'))
		message = "failed";
	textbuf_puts(out, ok ? "OK" : "ERR");
	if (message != NULL && message[0] != '\0') {
		textbuf_puts(out, " ");
		textbuf_escape(out, message, "\r\n", space);
	}
	textbuf_puts(out, "\n");
}

int
ctl_frame(struct textbuf *out, bool ok, const char *message, const char *body,
          size_t bodylen)
{
	const char *p = body, *end = body + bodylen;

	ctl_status_line(out, ok, message);
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf ? (size_t)(lf - p) : (size_t)(end - p);
		if (n > 0 && p[0] == '.')
			textbuf_puts(out, "."); /* dot-stuffing, as SMTP */
		textbuf_append(out, p, n);
		textbuf_puts(out, "\n");
		p += n + (lf != NULL);
	}
	textbuf_puts(out, ".\n");
	return out->is_full ? -1 : 0;
}

/* The first line: "OK", "OK text" or "ERR text". */
static int
ctl_unframe_status(char *line, struct ctl_reply *reply)
{
	if (strcmp(line, "OK") == 0) {
		reply->ok = true;
		reply->message = "";
	} else if (strncmp(line, "OK ", 3) == 0) {
		reply->ok = true;
		reply->message = line + 3;
	} else if (strncmp(line, "ERR ", 4) == 0) {
		reply->ok = false;
		reply->message = line + 4;
	} else {
		return -1;
	}
	return 0;
}

int
ctl_unframe(char *text, size_t len, struct ctl_reply *reply)
{
	char *lf = memchr(text, '\n', len);

	if (lf == NULL || strlen(text) != len)
		return -1;
	*lf = '\0';
	if (ctl_unframe_status(text, reply) != 0)
		return -1;
	char *p = lf + 1, *w = p, *end = text + len;
	reply->body = p;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return -1; /* cut mid-line */
		if (nl == p + 1 && p[0] == '.') {
			*w = '\0';
			reply->bodylen = (size_t)(w - reply->body);
			return nl + 1 == end ? 0 : -1;
		}
		if (p[0] == '.' && p[1] != '.')
			return -1;
		p += p[0] == '.';
		size_t n = (size_t)(nl + 1 - p);
		memmove(w, p, n);
		w += n;
		p = nl + 1;
	}
	return -1; /* no final "." */
}

void
ctl_json_string(struct textbuf *out, const char *value)
{
	textbuf_puts(out, "\"");
	for (const unsigned char *p = (const void *)value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			textbuf_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			textbuf_printf(out, "\\u%04x", *p);
		else
			textbuf_append(out, (const char *)p, 1);
	}
	textbuf_puts(out, "\"");
}
