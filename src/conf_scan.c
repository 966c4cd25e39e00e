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
	int quote_line;    /* where a quote still open began, else 0 */
	bool header_cut;   /* header[] could not hold the whole title */
	bool section_cut;  /* so section[] names no section at all */
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

	s->quote_line = s->line;

	for (; s->text[s->i] != '\0' && s->text[s->i] != quote; s->i++) {
		if (s->text[s->i] == '\\' && s->text[s->i + 1] != '\0')
			s->i++;
		if (s->text[s->i] == '\n')
			s->line++;
	}
	if (s->text[s->i] != '\0') {
		s->i++;
		s->quote_line = 0;
	}
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
		int n = snprintf(s->header + used, sizeof(s->header) - used,
		                 "%s%.*s", used ? " " : "", (int)(s->i - start),
		                 s->text + start);
		s->header_cut |= n < 0 || (size_t)n >= sizeof(s->header) - used;
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
		s->section_cut = s->header_cut;
		s->section_line = s->line;
	}
	if (c == '}' && s->depth > 0)
		s->depth--;
	if (c == '{' || c == '}' || c == '\n' || c == ';' || c == ',')
		s->at_statement = true;
	if ((c == '{' || c == '}' || c == '\n' || c == ';') && s->depth == 0) {
		s->header[0] = '\0';
		s->header_cut = false;
	}
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
conf_scan_unclosed(const char *text, char *section, size_t len, int *quote_line)
{
	struct conf_scan s;

	conf_scan_begin(&s, text);
	while (s.text[s.i] != '\0')
		conf_scan_step(&s);
	/* A quote never closed swallowed the rest, braces and all. */
	*quote_line = s.quote_line;
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
		if (section == NULL ? s.depth == 0
		                    : s.depth == 1 && !s.section_cut &&
		                          strcmp(s.section, section) == 0)
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

/*
 * Messages name an option's line for every service of a load (the port's
 * line is kept for a bind that fails later), so a file is scanned once
 * into a sorted index of (section, option, line) and looked up after.
 */
struct conf_scan_entry {
	char *section; /* "" outside any section */
	char option[64];
	int line;
};

static struct {
	char *file;
	struct conf_scan_entry *entries;
	size_t n;
} conf_scan_cache;

void
conf_scan_forget(void)
{
	for (size_t i = 0; i < conf_scan_cache.n; i++)
		free(conf_scan_cache.entries[i].section);
	free(conf_scan_cache.entries);
	free(conf_scan_cache.file);
	memset(&conf_scan_cache, 0, sizeof(conf_scan_cache));
}

static int
conf_scan_entry_cmp(const void *a, const void *b)
{
	const struct conf_scan_entry *x = a, *y = b;
	int c = strcmp(x->section, y->section);

	if (c == 0)
		c = strcmp(x->option, y->option);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Every "option =" at depth 0 or 1 of TEXT, sorted; -1 on no memory. */
static int
conf_scan_index(const char *text)
{
	struct conf_scan s;
	size_t cap = 0;

	conf_scan_begin(&s, text);
	while (s.text[s.i] != '\0') {
		size_t start = s.i;
		int line = s.line;
		size_t len = conf_scan_step(&s);
		/* A cut title would pass for any other it starts like. */
		if (len == 0 ||
		    len >= sizeof(conf_scan_cache.entries->option) ||
		    s.depth > 1 || (s.depth == 1 && s.section_cut))
			continue;
		if (conf_scan_cache.n == cap) {
			size_t want = cap ? cap * 2 : 64;
			void *p =
			    reallocarray(conf_scan_cache.entries, want,
			                 sizeof(*conf_scan_cache.entries));
			if (p == NULL)
				return -1;
			conf_scan_cache.entries = p;
			cap = want;
		}
		struct conf_scan_entry *e =
		    &conf_scan_cache.entries[conf_scan_cache.n];
		if ((e->section = strdup(s.depth ? s.section : "")) == NULL)
			return -1;
		memcpy(e->option, text + start, len);
		e->option[len] = '\0';
		e->line = line;
		conf_scan_cache.n++;
	}
	/* No option at all leaves ENTRIES null, which qsort may not take. */
	if (conf_scan_cache.n > 0)
		qsort(conf_scan_cache.entries, conf_scan_cache.n,
		      sizeof(*conf_scan_cache.entries), conf_scan_entry_cmp);
	return 0;
}

/*
 * The cache holds FILE as its first lookup of this load read it; -1 when
 * it cannot.  conf_load forgets it at the end, so a reload reads the file
 * again; within a load one snapshot serves every lookup (a stat per lookup
 * cost 1,000 services a tenth of their load time).
 */
static int
conf_scan_load(const char *file)
{
	size_t len;

	if (conf_scan_cache.file != NULL &&
	    strcmp(conf_scan_cache.file, file) == 0)
		return 0;
	conf_scan_forget();
	char *text = conf_text_read(file, &len);
	int rc = text != NULL && conf_scan_index(text) == 0 &&
	                 (conf_scan_cache.file = strdup(file)) != NULL
	             ? 0
	             : -1;
	free(text);
	if (rc == -1)
		conf_scan_forget();
	return rc;
}

int
conf_scan_file_line(const char *file, const char *section, const char *option)
{
	struct conf_scan_entry key = {.section =
	                                  (char *)(section ? section : "")};
	size_t lo = 0, hi;

	if (conf_scan_load(file) == -1 ||
	    strlcpy(key.option, option, sizeof(key.option)) >=
	        sizeof(key.option))
		return 0;
	/* The first entry not below (SECTION, OPTION, 0): the earliest line. */
	hi = conf_scan_cache.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (conf_scan_entry_cmp(&conf_scan_cache.entries[mid], &key) <
		    0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == conf_scan_cache.n)
		return 0;
	const struct conf_scan_entry *e = &conf_scan_cache.entries[lo];
	return strcmp(e->section, key.section) == 0 &&
	               strcmp(e->option, key.option) == 0
	           ? e->line
	           : 0;
}
