/* SPDX-License-Identifier: ISC */
/* conf_error.c -- conf.c's messages: the first error of a load, at FILE:LINE
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_error.h"

/* Where a `service NAME` section starts, found by a pre-scan of the file. */
struct conf_section_line {
	char *name;
	char *file;
	int line;
};

/* One load: the first error wins, later ones are dropped. */
struct conf_error_state {
	char *err;
	size_t errlen;
	bool has_error;
	const char *current_file; /* sections have no filename while parsed */
	struct conf_section_line *sections;
	size_t n_sections;
};

static struct conf_error_state load;

void
conf_error_begin(char *err, size_t errlen)
{
	memset(&load, 0, sizeof(load));
	load.err = err;
	load.errlen = errlen;
	err[0] = '\0';
}

void
conf_error_end(void)
{
	for (size_t i = 0; i < load.n_sections; i++) {
		free(load.sections[i].name);
		free(load.sections[i].file);
	}
	free(load.sections);
	memset(&load, 0, sizeof(load));
}

void
conf_error_set_file(const char *file)
{
	load.current_file = file;
}

const char *
conf_error_file(void)
{
	return load.current_file;
}

bool
conf_error_happened(void)
{
	return load.has_error;
}

void
conf_errorf(const char *file, int line, const char *fmt, ...)
{
	struct conf_error_state *ld = &load;
	va_list ap;

	if (ld->has_error)
		return;
	ld->has_error = true;
	/* Line 0: the whole file (cannot read it, say), no line of it. */
	int n = line > 0 ? snprintf(ld->err, ld->errlen, "%s:%d: ", file, line)
	                 : snprintf(ld->err, ld->errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= ld->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * libConfuse gives a section the line where it ends; messages about a
 * whole service should point where it starts, so find `service NAME`
 * lines with a light scan of the file.
 */
/* The NAME of a line " service NAME ...", malloc'd; NULL if not one. */
static char *
conf_section_name(const char *line)
{
	line += strspn(line, " \t");
	if (strncmp(line, "service", 7) != 0 ||
	    strspn(line + 7, " \t\r\n\v\f") == 0)
		return NULL;
	line += 7 + strspn(line + 7, " \t\r\n\v\f");
	size_t n =
	    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789_.:-");
	return n > 0 ? strndup(line, n) : NULL;
}

/* Whole lines, however long: a cut name or a line counted twice would
 * make two services one, or point at the wrong line. */
static void
conf_scan_sections(struct conf_error_state *ld, const char *file)
{
	FILE *fp = fopen(file, "re");
	char *line = NULL, *name;
	size_t cap = 0;
	int lineno = 0;

	if (fp == NULL)
		return;
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((name = conf_section_name(line)) == NULL)
			continue;
		if (ld->n_sections == CONF_MAX_SERVICES) {
			conf_errorf(file, lineno, "more than %d services",
			            CONF_MAX_SERVICES);
			free(name);
			break;
		}
		struct conf_section_line *p =
		    reallocarray(ld->sections, ld->n_sections + 1, sizeof(*p));
		if (p == NULL) {
			free(name);
			break;
		}
		ld->sections = p;
		p[ld->n_sections].name = name;
		p[ld->n_sections].file = strdup(file);
		p[ld->n_sections].line = lineno;
		ld->n_sections++;
	}
	free(line);
	fclose(fp);
}

/* The first `service NAME` line in FILE, or FALLBACK. */
static int
conf_section_start(struct conf_error_state *ld, const char *file,
                   const char *name, int fallback)
{
	for (size_t i = 0; i < ld->n_sections; i++)
		if (ld->sections[i].name &&
		    strcmp(ld->sections[i].name, name) == 0 &&
		    strcmp(ld->sections[i].file, file) == 0)
			return ld->sections[i].line;
	return fallback;
}

static int
conf_cmp_section(const void *a, const void *b)
{
	const struct conf_section_line *x =
	    *(const struct conf_section_line *const *)a;
	const struct conf_section_line *y =
	    *(const struct conf_section_line *const *)b;
	int c = strcmp(x->name, y->name);

	/* Equal names stay in file order (the array's order). */
	return c != 0 ? c : (x > y) - (x < y);
}

/*
 * Two sections with one name: name the second, with its own line; of
 * several such, the first in the file.  Sorted, not pairwise: 1,000
 * services would be half a million comparisons.
 */
static int
conf_check_duplicate_names(struct conf_error_state *ld)
{
	const struct conf_section_line **v, *first = NULL, *second = NULL;
	size_t n = 0;

	if (ld->n_sections < 2)
		return 0;
	if ((v = calloc(ld->n_sections + 1, sizeof(*v))) == NULL) {
		conf_errorf(ld->sections[0].file, 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ld->n_sections; i++)
		if (ld->sections[i].name != NULL)
			v[n++] = &ld->sections[i];
	qsort(v, n, sizeof(*v), conf_cmp_section);
	for (size_t k = 1; k < n; k++) {
		bool starts = k == 1 || strcmp(v[k - 2]->name, v[k]->name) != 0;
		if (starts && strcmp(v[k - 1]->name, v[k]->name) == 0 &&
		    (second == NULL || v[k] < second)) {
			first = v[k - 1];
			second = v[k];
		}
	}
	free(v);
	if (second == NULL)
		return 0;
	conf_errorf(second->file, second->line,
	            "service %s is already defined at %s:%d", second->name,
	            first->file, first->line);
	return -1;
}

void
conf_service_error(cfg_t *sec, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *file = sec->filename ? sec->filename : "?";

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_errorf(file, conf_section_start((&load), file, name, sec->line),
	            "service %s: %s", name, msg);
}

int
conf_error_scan_sections(const char *file)
{
	conf_scan_sections((&load), file);
	if (conf_error_happened())
		return -1;
	return conf_check_duplicate_names((&load));
}
