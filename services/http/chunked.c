/* SPDX-License-Identifier: ISC */
/* chunked.c -- decode a chunked request body (RFC 9112 section 7.1) */
#include <config.h>

#include <string.h>

#include "http.h"

/* Past 15 hex digits a size no longer fits well below 2^63. */
#define CHUNKED_MAX_DIGITS 15
/* Extensions and trailers are read and dropped, within these bounds. */
#define CHUNKED_MAX_LINE 4096

enum {
	CHUNKED_SIZE,       /* hex digits of the next chunk's size */
	CHUNKED_SIZE_SPACE, /* blanks after the size */
	CHUNKED_EXTENSION,  /* ";name=value" after the size, ignored */
	CHUNKED_SIZE_LF,    /* the LF after the size line's CR */
	CHUNKED_DATA,       /* chunk bytes */
	CHUNKED_DATA_CR,    /* the CRLF after the data */
	CHUNKED_DATA_LF,
	CHUNKED_TRAILER,  /* at the start of a trailer line, or the end */
	CHUNKED_FIELD,    /* inside a trailer field line, ignored */
	CHUNKED_FIELD_LF, /* the LF ending a trailer line */
	CHUNKED_END_LF,   /* the LF of the final empty line */
	CHUNKED_DONE,
};

void
chunked_init(struct chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int
chunked_hex(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* One byte of the size line; -1 when it breaks the grammar. */
static int
chunked_size_byte(struct chunked *c, unsigned char ch)
{
	int v = chunked_hex(ch);

	if (c->state == CHUNKED_SIZE && v >= 0) {
		if (++c->digits > CHUNKED_MAX_DIGITS)
			return -1;
		c->left = c->left * 16 + (uint64_t)v;
		return 0;
	}
	if (c->digits == 0 || ++c->line > CHUNKED_MAX_LINE)
		return -1;
	if (ch == '\r') {
		c->state = CHUNKED_SIZE_LF;
		return 0;
	}
	if (c->state == CHUNKED_EXTENSION)
		return (ch < 0x20 && ch != '\t') || ch == 0x7f ? -1 : 0;
	/* chunk-size BWS ";" chunk-ext: only blanks before the ';'. */
	if (ch == ';')
		c->state = CHUNKED_EXTENSION;
	else if (ch == ' ' || ch == '\t')
		c->state = CHUNKED_SIZE_SPACE;
	else
		return -1;
	return 0;
}

/* One byte of a trailer line; -1 when it breaks the grammar. */
static int
chunked_trailer_byte(struct chunked *c, unsigned char ch)
{
	if (++c->line > CHUNKED_MAX_LINE * 8)
		return -1;
	if (ch == '\r') {
		c->state = c->state == CHUNKED_TRAILER ? CHUNKED_END_LF
		                                       : CHUNKED_FIELD_LF;
		return 0;
	}
	if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
		return -1;
	c->state = CHUNKED_FIELD;
	return 0;
}

/* A byte that must be EXPECT, then state NEXT. */
static int
chunked_expect(struct chunked *c, unsigned char ch, unsigned char expect,
               int next)
{
	if (ch != expect)
		return -1;
	c->state = next;
	return 0;
}

static int
chunked_byte(struct chunked *c, unsigned char ch)
{
	switch (c->state) {
	case CHUNKED_SIZE:
	case CHUNKED_SIZE_SPACE:
	case CHUNKED_EXTENSION:
		return chunked_size_byte(c, ch);
	case CHUNKED_SIZE_LF:
		c->digits = 0;
		c->line = 0;
		return chunked_expect(c, ch, '\n',
		                      c->left ? CHUNKED_DATA : CHUNKED_TRAILER);
	case CHUNKED_DATA_CR:
		return chunked_expect(c, ch, '\r', CHUNKED_DATA_LF);
	case CHUNKED_DATA_LF:
		return chunked_expect(c, ch, '\n', CHUNKED_SIZE);
	case CHUNKED_TRAILER:
	case CHUNKED_FIELD:
		return chunked_trailer_byte(c, ch);
	case CHUNKED_FIELD_LF:
		return chunked_expect(c, ch, '\n', CHUNKED_TRAILER);
	case CHUNKED_END_LF:
		return chunked_expect(c, ch, '\n', CHUNKED_DONE);
	default:
		return -1;
	}
}

long
chunked_decode(struct chunked *c, const char *in, size_t len, char *out,
               size_t *out_len)
{
	size_t i = 0;

	*out_len = 0;
	while (i < len && c->state != CHUNKED_DONE) {
		if (c->state == CHUNKED_DATA) {
			size_t n =
			    len - i < c->left ? len - i : (size_t)c->left;
			memcpy(out + *out_len, in + i, n);
			*out_len += n;
			i += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CHUNKED_DATA_CR;
			continue;
		}
		if (chunked_byte(c, (unsigned char)in[i++]) == -1)
			return -1;
	}
	return (long)i;
}

bool
chunked_is_done(const struct chunked *c)
{
	return c->state == CHUNKED_DONE;
}
