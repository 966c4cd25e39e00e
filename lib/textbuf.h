/* SPDX-License-Identifier: ISC */
/* textbuf.h -- a growing text buffer with a hard size cap */
#ifndef PORTIER_TEXTBUF_H
#define PORTIER_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

/* DATA is NUL-terminated whenever it is not NULL. */
struct textbuf {
	char *data;
	size_t len, cap;
	size_t max;   /* never holds more than this many bytes */
	bool is_full; /* an append was refused: the text is incomplete */
};

void textbuf_init(struct textbuf *, size_t max);
/* 0, or -1 (and is_full set) when the cap or memory ran out. */
int textbuf_append(struct textbuf *, const char *text, size_t len);
int textbuf_puts(struct textbuf *, const char *text);
int textbuf_printf(struct textbuf *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* TEXT with each byte found in CHARS replaced by WITH[its index]. */
int textbuf_escape(struct textbuf *, const char *text, const char *chars,
                   const char *const with[]);
void textbuf_free(struct textbuf *);

#endif
