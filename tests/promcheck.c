/* SPDX-License-Identifier: ISC */
/* promcheck.c -- a strict parser of the Prometheus text format (0.0.4) */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promcheck.h"

/* What the checker remembers while it reads the text. */
struct checker {
	char family[128], type[16];
	char closed[32][128]; /* families already ended */
	int nclosed;
	char series[256]; /* histogram: labels of the series, le aside */
	double last_le, last_bucket;
	bool saw_inf;
	char why[256];
};

static bool
bad(struct checker *c, const char *line, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%s: %.120s", why, line);
	return false;
}

static bool
name_char(char ch, bool first, bool label)
{
	if (isalpha((unsigned char)ch) || ch == '_' || (ch == ':' && !label))
		return true;
	return !first && isdigit((unsigned char)ch);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (LABEL: no colons); its length, 0 if none. */
static size_t
name_len(const char *p, bool label)
{
	size_t n = 0;

	while (p[n] != '\0' && name_char(p[n], n == 0, label))
		n++;
	return n;
}

/* "value" with only \\, \" and \n escapes; *P is past it after. */
static bool
label_value(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		char ch = *s++;
		if (ch == '\0' || ch == '\n')
			return false;
		if (ch == '\\') {
			ch = *s++;
			if (ch != '\\' && ch != '"' && ch != 'n')
				return false;
			ch = ch == 'n' ? '\n' : ch;
		}
		if (n + 1 < size)
			out[n++] = ch;
	}
	out[n] = '\0';
	*p = s + 1;
	return true;
}

/* {a="x",b="y"}: the set without le into SERIES, le's value into LE. */
static bool
labels(const char **p, char *series, size_t size, char *le, size_t lesize)
{
	const char *s = *p;
	char name[64], value[128];

	series[0] = le[0] = '\0';
	if (*s != '{')
		return true;
	s++;
	for (;;) {
		size_t n = name_len(s, true);
		if (n == 0 || n >= sizeof(name) || s[n] != '=')
			return false;
		memcpy(name, s, n);
		name[n] = '\0';
		s += n + 1;
		if (!label_value(&s, value, sizeof(value)))
			return false;
		if (strcmp(name, "le") == 0)
			snprintf(le, lesize, "%s", value);
		else
			snprintf(series + strlen(series), size - strlen(series),
			         "%s=%s;", name, value);
		if (*s == '}')
			break;
		if (*s++ != ',')
			return false;
	}
	*p = s + 1;
	return true;
}

static bool
number(const char *text, double *v)
{
	char *end;

	if (strcmp(text, "+Inf") == 0 || strcmp(text, "-Inf") == 0 ||
	    strcmp(text, "NaN") == 0) {
		*v = text[0] == '-'   ? -INFINITY
		     : text[0] == '+' ? INFINITY
		                      : NAN;
		return true;
	}
	*v = strtod(text, &end);
	return end != text && *end == '\0' && !isspace((unsigned char)*text);
}

/* A new family starts: the one before is over for good. */
static bool
enter_family(struct checker *c, const char *line, const char *name)
{
	for (int i = 0; i < c->nclosed; i++)
		if (strcmp(c->closed[i], name) == 0)
			return bad(c, line, "family seen twice");
	if (c->family[0] != '\0' && c->nclosed < 32)
		memcpy(c->closed[c->nclosed++], c->family, sizeof(c->family));
	snprintf(c->family, sizeof(c->family), "%s", name);
	c->type[0] = c->series[0] = '\0';
	return true;
}

static bool
check_comment(struct checker *c, const char *line)
{
	static const char *types[] = {"counter", "gauge", "histogram",
	                              "summary", "untyped"};
	char name[128];
	bool is_type = strncmp(line, "# TYPE ", 7) == 0;

	if (!is_type && strncmp(line, "# HELP ", 7) != 0)
		return true; /* other comments are allowed */
	const char *p = line + 7;
	size_t n = name_len(p, false);
	if (n == 0 || n >= sizeof(name) || p[n] != ' ')
		return bad(c, line, "bad metric name");
	memcpy(name, p, n);
	name[n] = '\0';
	p += n + 1;
	if (strcmp(name, c->family) != 0 && !enter_family(c, line, name))
		return false;
	if (!is_type)
		return true;
	if (c->type[0] != '\0')
		return bad(c, line, "second TYPE line");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(p, types[i]) == 0)
			snprintf(c->type, sizeof(c->type), "%s", p);
	return c->type[0] != '\0' ? true : bad(c, line, "unknown type");
}

static bool
check_bucket(struct checker *c, const char *line, const char *series,
             const char *le, double v)
{
	double bound;

	if (le[0] == '\0' || !number(le, &bound))
		return bad(c, line, "bucket without a numeric le");
	if (strcmp(series, c->series) != 0) {
		if (c->series[0] != '\0' && !c->saw_inf)
			return bad(c, line, "series ended without +Inf");
		snprintf(c->series, sizeof(c->series), "%s", series);
		c->last_le = -INFINITY;
		c->last_bucket = 0;
		c->saw_inf = false;
	}
	if (c->saw_inf || !(bound > c->last_le))
		return bad(c, line, "le not increasing");
	if (v < c->last_bucket)
		return bad(c, line, "buckets not cumulative");
	c->last_le = bound;
	c->last_bucket = v;
	c->saw_inf = isinf(bound);
	return true;
}

/* Is sample NAME one of the current family's, in the right order? */
static bool
check_member(struct checker *c, const char *line, const char *name,
             const char *series, const char *le, double v)
{
	size_t flen = strlen(c->family);

	if (strcmp(c->type, "histogram") != 0)
		return strcmp(name, c->family) == 0 && le[0] == '\0'
		           ? true
		           : bad(c, line, "sample outside its family");
	if (strncmp(name, c->family, flen) != 0)
		return bad(c, line, "sample outside its family");
	const char *suffix = name + flen;
	if (strcmp(suffix, "_bucket") == 0)
		return check_bucket(c, line, series, le, v);
	bool same = strcmp(series, c->series) == 0 && c->saw_inf;
	if (strcmp(suffix, "_sum") == 0)
		return same ? true : bad(c, line, "_sum before its +Inf");
	if (strcmp(suffix, "_count") == 0)
		return same && v == c->last_bucket
		           ? true
		           : bad(c, line, "_count is not the +Inf bucket");
	return bad(c, line, "sample outside its family");
}

static bool
check_sample(struct checker *c, const char *line)
{
	char name[160], series[256], le[64];
	size_t n = name_len(line, false);
	const char *p = line + n;
	double v;

	if (n == 0 || n >= sizeof(name))
		return bad(c, line, "bad sample name");
	memcpy(name, line, n);
	name[n] = '\0';
	if (!labels(&p, series, sizeof(series), le, sizeof(le)))
		return bad(c, line, "bad labels");
	if (*p++ != ' ' || !number(p, &v))
		return bad(c, line, "bad value (or a timestamp)");
	if (c->type[0] == '\0')
		return bad(c, line, "sample before its TYPE");
	return check_member(c, line, name, series, le, v);
}

const char *
promcheck_error(const char *text)
{
	static struct checker c;
	char line[1024];

	memset(&c, 0, sizeof(c));
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		if (nl == NULL)
			return "last line without a newline";
		size_t n = (size_t)(nl - text);
		if (n == 0 || n >= sizeof(line))
			return "empty or overlong line";
		memcpy(line, text, n);
		line[n] = '\0';
		text = nl + 1;
		bool ok = line[0] == '#' ? check_comment(&c, line)
		                         : check_sample(&c, line);
		if (!ok)
			return c.why;
	}
	if (strcmp(c.type, "histogram") == 0 && c.series[0] && !c.saw_inf)
		return "last histogram without +Inf";
	return NULL;
}
