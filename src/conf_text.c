/* SPDX-License-Identifier: ISC */
/* conf_text.c -- read a config file with its comments blanked out */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf_text.h"

/*
 * Why: libConfuse 3.3 (Debian 12) adds one or two to its line counter for
 * every comment it lexes, so every FILE:LINE after a comment was wrong,
 * and the shipped portier.conf is mostly comments.  Handing it text with
 * the comments already turned into spaces keeps its count exact.
 */
enum conf_text_state {
	TEXT_CODE,
	TEXT_DOUBLE_QUOTED,
	TEXT_SINGLE_QUOTED,
	TEXT_LINE_COMMENT,
	TEXT_BLOCK_COMMENT,
};

static enum conf_text_state
conf_text_code(char *text, size_t *i, size_t len)
{
	char c = text[*i], next = *i + 1 < len ? text[*i + 1] : '\0';

	if (c == '"')
		return TEXT_DOUBLE_QUOTED;
	if (c == '\'')
		return TEXT_SINGLE_QUOTED;
	if (c == '#' || (c == '/' && next == '/')) {
		text[*i] = ' ';
		return TEXT_LINE_COMMENT;
	}
	if (c == '/' && next == '*') {
		text[*i] = text[*i + 1] = ' ';
		(*i)++;
		return TEXT_BLOCK_COMMENT;
	}
	return TEXT_CODE;
}

void
conf_text_strip_comments(char *text, size_t len)
{
	enum conf_text_state state = TEXT_CODE;

	for (size_t i = 0; i < len; i++) {
		char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';
		switch (state) {
		case TEXT_CODE:
			state = conf_text_code(text, &i, len);
			break;
		case TEXT_DOUBLE_QUOTED:
		case TEXT_SINGLE_QUOTED:
			if (c == '\\')
				i++; /* the escaped character, quote or not */
			else if (c ==
			         (state == TEXT_DOUBLE_QUOTED ? '"' : '\''))
				state = TEXT_CODE;
			break;
		case TEXT_LINE_COMMENT:
			if (c == '\n')
				state = TEXT_CODE;
			else
				text[i] = ' ';
			break;
		case TEXT_BLOCK_COMMENT:
			if (c == '*' && next == '/') {
				text[i] = text[i + 1] = ' ';
				i++;
				state = TEXT_CODE;
			} else if (c != '\n') {
				text[i] = ' ';
			}
			break;
		}
	}
}

char *
conf_text_read(const char *file, size_t *len)
{
	FILE *fp = fopen(file, "re");
	char *text = NULL;
	size_t used = 0, cap = 0;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - used < 4096) {
			char *p = NULL;
			if (cap >= CONF_TEXT_MAX)
				errno = EFBIG;
			else
				p = realloc(text, cap + 65536);
			if (p == NULL)
				goto fail;
			text = p;
			cap += 65536;
		}
		size_t n = fread(text + used, 1, cap - used - 1, fp);
		used += n;
		if (n == 0)
			break;
	}
	if (ferror(fp))
		goto fail;
	fclose(fp);
	text[used] = '\0';
	conf_text_strip_comments(text, used);
	*len = used;
	return text;
fail:;
	int saved = errno;
	free(text);
	fclose(fp);
	errno = saved;
	return NULL;
}
