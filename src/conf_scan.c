/* SPDX-License-Identifier: ISC */
/* conf_scan.c -- a light look at config text: sections, option lines, += */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_scan.h"
#include "conf_text.h"

/*
 * Why: libConfuse keeps no line per option and reads "service x {" with
 * no "}" as a complete file.  The text handed to these functions has its
 * comments blanked (conf_text.c), so only quotes need care here.
 */
struct conf_scan {
	const char *text;
	size_t i;
	int line;
	int depth;
	char header[300];  /* the words before the last '{' at depth 0 */
	char section[300]; /* the section we are in, at depth >= 1 */
	int section_line;  /* where that section's '{' is */
	bool at_statement; /* nothing but blanks since the last separator */
};

static bool
conf_scan_is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	       c == ':';
}

/* Skip a quoted string starting at s->i; lines inside it count. */
static void
conf_scan_quoted(struct conf_scan *s)
{
	char quote = s->text[s->i++];

	for (; s->text[s->i] != '\0' && s->text[s->i] != quote; s->i++) {
		if (s->text[s->i] == '\\' && s->text[s->i + 1] != '\0')
			s->i++;
		if (s->text[s->i] == '\n')
			s->line++;
	}
	if (s->text[s->i] != '\0')
		s->i++;
}

/* One word at s->i, appended to the header when at depth 0. */
static size_t
conf_scan_word(struct conf_scan *s)
{
	size_t start = s->i;

	while (conf_scan_is_word(s->text[s->i]))
		s->i++;
	if (s->depth == 0) {
		size_t used = strlen(s->header);
		snprintf(s->header + used, sizeof(s->header) - used, "%s%.*s",
		         used ? " " : "", (int)(s->i - start), s->text + start);
	}
	return s->i - start;
}

/*
 * Advance past one token; return the length of an option name that
 * starts a statement ("name =", "name +=", "name -="), else 0.
 */
static size_t
conf_scan_step(struct conf_scan *s)
{
	char c = s->text[s->i];

	if (c == '"' || c == '\'') {
		s->at_statement = false;
		conf_scan_quoted(s);
		return 0;
	}
	if (conf_scan_is_word(c)) {
		bool starts = s->at_statement;
		size_t len = conf_scan_word(s);
		size_t j = s->i;
		while (s->text[j] == ' ' || s->text[j] == '\t')
			j++;
		s->at_statement = false;
		if (starts && (s->text[j] == '=' ||
		               ((s->text[j] == '+' || s->text[j] == '-') &&
		                s->text[j + 1] == '=')))
			return len;
		return 0;
	}
	s->i++;
	if (c == '\n')
		s->line++;
	if (c == '{' && s->depth++ == 0) {
		strlcpy(s->section, s->header, sizeof(s->section));
		s->section_line = s->line;
	}
	if (c == '}' && s->depth > 0)
		s->depth--;
	if (c == '{' || c == '}' || c == '\n' || c == ';' || c == ',')
		s->at_statement = true;
	if ((c == '{' || c == '}' || c == '\n' || c == ';') && s->depth == 0)
		s->header[0] = '\0';
	return 0;
}

static void
conf_scan_begin(struct conf_scan *s, const char *text)
{
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->line = 1;
	s->at_statement = true;
}

int
conf_scan_unclosed(const char *text, char *section, size_t len)
{
	struct conf_scan s;

	conf_scan_begin(&s, text);
	while (s.text[s.i] != '\0')
		conf_scan_step(&s);
	if (s.depth == 0)
		return 0;
	strlcpy(section, s.section, len);
	return s.section_line;
}

int
conf_scan_option_line(const char *text, const char *section, const char *option)
{
	struct conf_scan s;
	size_t want = strlen(option);

	conf_scan_begin(&s, text);
	while (s.text[s.i] != '\0') {
		size_t start = s.i;
		int line = s.line;
		size_t len = conf_scan_step(&s);
		if (len != want || strncmp(text + start, option, len) != 0)
			continue;
		if (section == NULL
		        ? s.depth == 0
		        : s.depth == 1 && strcmp(s.section, section) == 0)
			return line;
	}
	return 0;
}

/* Append N bytes of FROM to the growing OUT. */
static int
conf_scan_put(char **out, size_t *used, size_t *cap, const char *from, size_t n)
{
	if (*used + n + 1 > *cap) {
		size_t want = (*used + n + 1) * 2;
		char *p = realloc(*out, want);
		if (p == NULL)
			return -1;
		*out = p;
		*cap = want;
	}
	memcpy(*out + *used, from, n);
	*used += n;
	(*out)[*used] = '\0';
	return 0;
}

char *
conf_scan_rewrite_ops(const char *text, size_t *len)
{
	struct conf_scan s;
	char *out = NULL;
	size_t used = 0, cap = 0, copied = 0;

	conf_scan_begin(&s, text);
	while (s.text[s.i] != '\0') {
		size_t name = conf_scan_step(&s);
		if (name == 0)
			continue;
		size_t j = s.i;
		while (text[j] == ' ' || text[j] == '\t')
			j++;
		if (text[j] == '=')
			continue;
		/* "name += {" becomes "name" CONF_SCAN_ADD " = {" */
		const char *suffix =
		    text[j] == '+' ? CONF_SCAN_ADD : CONF_SCAN_REMOVE;
		if (conf_scan_put(&out, &used, &cap, text + copied,
		                  s.i - copied) == -1 ||
		    conf_scan_put(&out, &used, &cap, suffix, strlen(suffix)) ==
		        -1 ||
		    conf_scan_put(&out, &used, &cap, text + s.i, j - s.i) == -1)
			goto fail;
		copied = j + 1; /* drop the '+' or '-', keep the '=' */
	}
	if (conf_scan_put(&out, &used, &cap, text + copied,
	                  strlen(text + copied)) == -1)
		goto fail;
	*len = used;
	return out;
fail:
	free(out);
	return NULL;
}

int
conf_scan_file_line(const char *file, const char *section, const char *option)
{
	size_t len;
	char *text = conf_text_read(file, &len);
	int line = text ? conf_scan_option_line(text, section, option) : 0;

	free(text);
	return line;
}
