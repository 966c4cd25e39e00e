/* SPDX-License-Identifier: ISC */
/* textbuf.c -- a growing text buffer with a hard size cap */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

void
textbuf_init(struct textbuf *tb, size_t max)
{
	memset(tb, 0, sizeof(*tb));
	tb->max = max;
}

/* Room for LEN more bytes and the NUL, doubling to keep appends cheap. */
static int
textbuf_reserve(struct textbuf *tb, size_t len)
{
	if (tb->is_full || len > tb->max - tb->len) {
		tb->is_full = true;
		return -1;
	}
	if (tb->len + len + 1 <= tb->cap)
		return 0;
	size_t cap = tb->cap ? tb->cap : 256;
	while (cap < tb->len + len + 1)
		cap *= 2;
	char *data = realloc(tb->data, cap);
	if (data == NULL) {
		tb->is_full = true;
		return -1;
	}
	tb->data = data;
	tb->cap = cap;
	return 0;
}

int
textbuf_append(struct textbuf *tb, const char *text, size_t len)
{
	if (textbuf_reserve(tb, len) != 0)
		return -1;
	memcpy(tb->data + tb->len, text, len);
	tb->len += len;
	tb->data[tb->len] = '\0';
	return 0;
}

int
textbuf_puts(struct textbuf *tb, const char *text)
{
	return textbuf_append(tb, text, strlen(text));
}

int
textbuf_printf(struct textbuf *tb, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return textbuf_append(tb, small, (size_t)n);
	if (textbuf_reserve(tb, (size_t)n) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(tb->data + tb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tb->len += (size_t)n;
	return 0;
}

int
textbuf_escape(struct textbuf *tb, const char *text, const char *chars,
               const char *const with[])
{
	for (;;) {
		size_t n = strcspn(text, chars);
		textbuf_append(tb, text, n);
		if (text[n] == '\0')
			break;
		textbuf_puts(tb, with[strchr(chars, text[n]) - chars]);
		text += n + 1;
	}
	return tb->is_full ? -1 : 0;
}

void
textbuf_free(struct textbuf *tb)
{
	free(tb->data);
	textbuf_init(tb, tb->max);
}
