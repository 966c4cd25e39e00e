/* SPDX-License-Identifier: ISC */
/* import_read.c -- read xinetd.conf (with includes) and inetd.conf as is */
#include <config.h>

#include <sys/stat.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* xinetd reads includes of includes; a loop must end somewhere. */
#define IMPORT_MAX_DEPTH 8
/* Far beyond any real configuration file. */
#define IMPORT_MAX_FILE (16 * 1024 * 1024)

/* Where the xinetd parser is: outside, after a section's name, inside. */
struct import_parse {
	struct import_config *cfg;
	const char *file;
	int line;
	int depth;
	struct import_section *open; /* inside { } */
	bool wants_brace;            /* saw `service x`, waiting for { */
};

int
import_error(struct import_config *cfg, const char *file, int line,
             const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(cfg->err, sizeof(cfg->err), "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(cfg->err))
		vsnprintf(cfg->err + n, sizeof(cfg->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

struct import_section *
import_section_add(struct import_config *cfg, const char *name,
                   const char *file, int line)
{
	struct import_section *v = reallocarray(
	    cfg->sections, cfg->n_sections + 1, sizeof(*cfg->sections));

	if (v == NULL)
		return NULL;
	cfg->sections = v;
	struct import_section *s = &v[cfg->n_sections];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->file = strdup(file);
	s->line = line;
	if (s->name == NULL || s->file == NULL) {
		free(s->name);
		free(s->file);
		return NULL;
	}
	cfg->n_sections++;
	return s;
}

struct import_attr *
import_attr_add(struct import_section *s, const char *name, enum import_op op,
                int line)
{
	struct import_attr *v =
	    reallocarray(s->attrs, s->n_attrs + 1, sizeof(*s->attrs));

	if (v == NULL)
		return NULL;
	s->attrs = v;
	struct import_attr *a = &v[s->n_attrs];
	memset(a, 0, sizeof(*a));
	if ((a->name = strdup(name)) == NULL)
		return NULL;
	a->op = op;
	a->line = line;
	s->n_attrs++;
	return a;
}

int
import_value_add(struct import_attr *a, const char *value, size_t len)
{
	char **v = reallocarray(a->values, a->n_values + 2, sizeof(*v));

	if (v == NULL)
		return -1;
	a->values = v;
	if ((v[a->n_values] = strndup(value, len)) == NULL)
		return -1;
	v[++a->n_values] = NULL;
	return 0;
}

/* The last assignment of NAME wins, as later lines override earlier. */
struct import_attr *
import_find(const struct import_section *s, const char *name)
{
	for (size_t i = s->n_attrs; i > 0; i--)
		if (strcmp(s->attrs[i - 1].name, name) == 0)
			return &s->attrs[i - 1];
	return NULL;
}

bool
import_has_value(const struct import_attr *a, const char *value)
{
	for (size_t i = 0; a != NULL && i < a->n_values; i++)
		if (strcasecmp(a->values[i], value) == 0)
			return true;
	return false;
}

/* Every blank-separated word of TEXT onto A. */
static int
import_split(struct import_attr *a, const char *text)
{
	for (const char *p = text; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		size_t n = 0;
		while (p[n] != '\0' && !isspace((unsigned char)p[n]))
			n++;
		if (n > 0 && import_value_add(a, p, n) == -1)
			return -1;
		p += n;
	}
	return 0;
}

/* PATH below cfg->root when one is given (a copy of an old system). */
static void
import_path(const struct import_config *cfg, const char *path, char *out,
            size_t len)
{
	if (cfg->root != NULL && path[0] == '/')
		snprintf(out, len, "%s%s", cfg->root, path);
	else
		snprintf(out, len, "%s", path);
}

/* A regular file, at most IMPORT_MAX_FILE bytes: an include of a device
 * or a huge file is refused, not read forever. */
static char *
import_slurp(const char *path)
{
	struct stat st;
	FILE *fp = fopen(path, "re");
	char *text = NULL;

	if (fp == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > IMPORT_MAX_FILE) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		fclose(fp);
		return NULL;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (text != NULL &&
	    fread(text, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		free(text);
		text = NULL;
	}
	fclose(fp);
	return text;
}

/* import_slurp's refusals in words an admin reads at once. */
static const char *
import_strerror(int e)
{
	if (e == EINVAL)
		return "not a regular file";
	if (e == EFBIG)
		return "larger than 16 MiB, not a configuration file";
	return strerror(e);
}

static int import_xinetd_file(struct import_config *, const char *path,
                              int depth, const char *from, int line);

static int
import_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* xinetd's includedir: names with a '.' or ending in '~' are skipped. */
static int
import_xinetd_dir(struct import_parse *ps, const char *dir)
{
	char full[PATH_MAX], path[PATH_MAX * 2];
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int rc = 0;

	import_path(ps->cfg, dir, full, sizeof(full));
	DIR *d = opendir(full);
	if (d == NULL)
		return import_error(ps->cfg, ps->file, ps->line,
		                    "includedir %s: %s", full, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (strchr(de->d_name, '.') || de->d_name[len - 1] == '~')
			continue;
		char **v = reallocarray(names, n + 1, sizeof(*names));
		if (v == NULL || (v[n] = strdup(de->d_name)) == NULL)
			break;
		names = v;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), import_name_cmp);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0)
			rc = import_xinetd_file(ps->cfg, path, ps->depth + 1,
			                        ps->file, ps->line);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* `include FILE`, `includedir DIR`, `service NAME` or `defaults`. */
static int
import_xinetd_top(struct import_parse *ps, char *word, char *rest)
{
	if (strcmp(word, "include") == 0 && *rest != '\0')
		return import_xinetd_file(ps->cfg, rest, ps->depth + 1,
		                          ps->file, ps->line);
	if (strcmp(word, "includedir") == 0 && *rest != '\0')
		return import_xinetd_dir(ps, rest);
	bool is_defaults = strcmp(word, "defaults") == 0;
	if (!is_defaults && (strcmp(word, "service") != 0 || *rest == '\0'))
		return import_error(ps->cfg, ps->file, ps->line,
		                    "expected service NAME, defaults, include "
		                    "or includedir, not '%s'",
		                    word);
	ps->open = import_section_add(ps->cfg, is_defaults ? "defaults" : rest,
	                              ps->file, ps->line);
	if (ps->open == NULL)
		return import_error(ps->cfg, ps->file, ps->line,
		                    "out of memory");
	ps->open->is_defaults = is_defaults;
	ps->wants_brace = true;
	return 0;
}

/* `name = values`, `name += values`, `name -= values`. */
static int
import_xinetd_attr(struct import_parse *ps, char *text)
{
	size_t n = strspn(text, "abcdefghijklmnopqrstuvwxyz"
	                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	char *p = text + n;
	enum import_op op = IMPORT_SET;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+' || *p == '-') {
		op = *p == '+' ? IMPORT_ADD : IMPORT_REMOVE;
		p++;
	}
	if (n == 0 || *p != '=')
		return import_error(ps->cfg, ps->file, ps->line,
		                    "expected NAME = VALUE, not '%s'", text);
	text[n] = '\0';
	struct import_attr *a = import_attr_add(ps->open, text, op, ps->line);
	if (a == NULL || import_split(a, p + 1) == -1)
		return import_error(ps->cfg, ps->file, ps->line,
		                    "out of memory");
	return 0;
}

/* Trim blanks around TEXT in place. */
static char *
import_trim(char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t n = strlen(text);
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		text[--n] = '\0';
	return text;
}

static int
import_xinetd_line(struct import_parse *ps, char *line)
{
	line = import_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if (ps->wants_brace) {
		if (*line != '{')
			return import_error(ps->cfg, ps->file, ps->line,
			                    "expected '{' after service %s",
			                    ps->open->name);
		ps->wants_brace = false;
		line = import_trim(line + 1);
		if (*line == '\0')
			return 0;
	}
	if (ps->open != NULL && *line == '}') {
		ps->open = NULL;
		return 0;
	}
	if (ps->open != NULL)
		return import_xinetd_attr(ps, line);
	char *word = line;
	size_t n = strcspn(line, " \t{");
	char *rest = line + n;
	bool has_brace = *rest == '{' || strchr(rest, '{') != NULL;
	if (*rest != '\0')
		*rest++ = '\0';
	rest = import_trim(rest);
	size_t len = strlen(rest);
	if (has_brace && len > 0 && rest[len - 1] == '{')
		rest[len - 1] = '\0';
	if (import_xinetd_top(ps, word, import_trim(rest)) == -1)
		return -1;
	if (has_brace && ps->wants_brace)
		ps->wants_brace = false;
	return 0;
}

int
import_parse_xinetd_text(struct import_config *cfg, const char *file,
                         const char *text)
{
	struct import_parse ps = {.cfg = cfg, .file = file};
	char *copy = strdup(text), *save = NULL;
	int rc = copy == NULL ? -1 : 0;

	/* strtok_r would drop empty lines and with them the line count. */
	for (char *line = copy; rc == 0 && line != NULL; line = save) {
		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		ps.line++;
		rc = import_xinetd_line(&ps, line);
	}
	free(copy);
	/* Name where the section starts: that is where '}' is missing. */
	if (rc == 0 && (ps.open != NULL || ps.wants_brace))
		rc = import_error(cfg, file, ps.open->line,
		                  "service %s is never closed with '}'",
		                  ps.open->name);
	return rc;
}

static int
import_xinetd_file(struct import_config *cfg, const char *path, int depth,
                   const char *from, int line)
{
	char full[PATH_MAX];

	if (depth > IMPORT_MAX_DEPTH)
		return import_error(cfg, from, line,
		                    "includes nested deeper than %d",
		                    IMPORT_MAX_DEPTH);
	import_path(cfg, path, full, sizeof(full));
	char *text = import_slurp(full);
	if (text == NULL)
		return from ? import_error(cfg, from, line, "%s: %s", full,
		                           import_strerror(errno))
		            : import_error(cfg, full, 0, "%s",
		                           import_strerror(errno));
	/* Messages and comments name the file as the admin knows it. */
	int rc = import_parse_xinetd_text(cfg, path, text);
	free(text);
	return rc;
}

int
import_read_xinetd(struct import_config *cfg, const char *file)
{
	return import_xinetd_file(cfg, file, 0, NULL, 0);
}

int
import_read_inetd(struct import_config *cfg, const char *file)
{
	char full[PATH_MAX];

	import_path(cfg, file, full, sizeof(full));
	char *text = import_slurp(full);
	if (text == NULL)
		return import_error(cfg, full, 0, "%s", import_strerror(errno));
	int rc = import_parse_inetd_text(cfg, file, text);
	free(text);
	return rc;
}

void
import_config_free(struct import_config *cfg)
{
	for (size_t i = 0; i < cfg->n_sections; i++) {
		struct import_section *s = &cfg->sections[i];
		for (size_t j = 0; j < s->n_attrs; j++) {
			for (size_t k = 0; k < s->attrs[j].n_values; k++)
				free(s->attrs[j].values[k]);
			free(s->attrs[j].values);
			free(s->attrs[j].name);
		}
		free(s->attrs);
		free(s->name);
		free(s->file);
	}
	free(cfg->sections);
	cfg->sections = NULL;
	cfg->n_sections = 0;
}
