/* SPDX-License-Identifier: ISC */
/* fuzz_ctl.c -- libFuzzer target: control request reader and framing */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The request reader, fed in two pieces split where byte 0 says. */
static void
fuzz_reader(const char *text, size_t size)
{
	struct ctl_reader r;
	struct ctl_request req;
	char err[128];
	size_t cut = size > 0 ? (unsigned char)text[0] % (size + 1) : 0;

	ctl_reader_init(&r);
	enum ctl_status st =
	    ctl_reader_feed(&r, text, cut, &req, err, sizeof(err));
	if (st == CTL_MORE)
		st = ctl_reader_feed(&r, text + cut, size - cut, &req, err,
		                     sizeof(err));
	if (st == CTL_REQUEST &&
	    strcmp(ctl_command_name(req.command), "?") == 0)
		abort();
	if (r.len >= CTL_LINE_MAX)
		abort();
}

/* Any body survives framing and unframing (plus a final newline). */
static void
fuzz_frame(const char *text, size_t size)
{
	struct textbuf tb;
	struct ctl_reply reply;
	size_t len = strnlen(text, size);

	textbuf_init(&tb, 1 << 20);
	if (ctl_frame(&tb, len % 2 == 0, text, text, len) != 0)
		abort();
	if (ctl_unframe(tb.data, tb.len, &reply) != 0)
		abort();
	size_t want = len + (len > 0 && text[len - 1] != '\n');
	if (reply.bodylen != want || memcmp(reply.body, text, len) != 0 ||
	    strchr(reply.message, '\n') != NULL)
		abort();
	textbuf_free(&tb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ctl_reply reply;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_reader(text, size);
	fuzz_frame(text, size);
	/* Unframing arbitrary answers never reads out of bounds. */
	if (strlen(text) == size)
		ctl_unframe(text, size, &reply);
	free(text);
	return 0;
}
