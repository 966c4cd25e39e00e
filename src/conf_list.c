/* SPDX-License-Identifier: ISC */
/* conf_list.c -- a list attribute's values: the service's, or defaults' +/- */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_list.h"
#include "conf_scan.h"

/*
 * cfg_getopt compares NAME with each option of the section in turn, and
 * building 1,000 services asked it for 80 options each: a sixth of the
 * load.  Every section of one kind ("service", "defaults") is made from
 * one option table, so an option's index found once serves them all;
 * the name at that index is checked before the index is trusted.
 */
#define CONF_OPT_MEMO 512
#define CONF_OPT_NONE UINT_MAX /* the kind has no option of that name */

/* On the heap for one load only (conf_opt_forget), so an idle master
 * does not keep its 35 kB. */
static struct conf_opt_memo {
	char kind[16], name[48];
	unsigned idx;
} * conf_opt_memo;

void
conf_opt_forget(void)
{
	free(conf_opt_memo);
	conf_opt_memo = NULL;
}

/* The memo's slot for (SEC's kind, NAME), or NULL with no memory. */
static struct conf_opt_memo *
conf_opt_slot(cfg_t *sec, const char *name)
{
	unsigned h = 2166136261u; /* FNV-1a over the kind and the name */

	if (conf_opt_memo == NULL &&
	    (conf_opt_memo = calloc(CONF_OPT_MEMO, sizeof(*conf_opt_memo))) ==
	        NULL)
		return NULL;
	for (const char *p = sec->name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &conf_opt_memo[h % CONF_OPT_MEMO];
}

cfg_opt_t *
conf_opt(cfg_t *sec, const char *name)
{
	struct conf_opt_memo *m;

	if (sec == NULL)
		return NULL;
	/* A path ("a|b") names an option of a subsection: not memoized. */
	if (strchr(name, '|') != NULL || (m = conf_opt_slot(sec, name)) == NULL)
		return cfg_getopt(sec, name);
	if (strcmp(m->kind, sec->name) == 0 && strcmp(m->name, name) == 0) {
		if (m->idx == CONF_OPT_NONE)
			return NULL;
		if (strcmp(sec->opts[m->idx].name, name) == 0)
			return &sec->opts[m->idx];
	}
	cfg_opt_t *opt = cfg_getopt(sec, name);
	if (strlcpy(m->kind, sec->name, sizeof(m->kind)) < sizeof(m->kind) &&
	    strlcpy(m->name, name, sizeof(m->name)) < sizeof(m->name))
		m->idx = opt ? (unsigned)(opt - sec->opts) : CONF_OPT_NONE;
	else
		m->kind[0] = '\0';
	return opt;
}

bool
conf_is_set(cfg_t *sec, const char *name)
{
	cfg_opt_t *opt = conf_opt(sec, name);

	/* An empty list (only_from = {}) is set, though it has no values. */
	return opt != NULL &&
	       (cfg_opt_size(opt) > 0 || (opt->flags & CFGF_MODIFIED));
}

/* NAME followed by SUFFIX, the option "+=" or "-=" became. */
static bool
conf_list_op_set(cfg_t *sec, const char *name, const char *suffix, char *opt,
                 size_t len)
{
	strlcpy(opt, name, len);
	strlcat(opt, suffix, len);
	return conf_is_set(sec, opt);
}

bool
conf_list_is_set(cfg_t *sec, cfg_t *defs, const char *name)
{
	char opt[64];

	return conf_is_set(sec, name) || conf_is_set(defs, name) ||
	       conf_list_op_set(sec, name, CONF_SCAN_ADD, opt, sizeof(opt)) ||
	       conf_list_op_set(defs, name, CONF_SCAN_ADD, opt, sizeof(opt));
}

/* Append (ADD) or take out every value of SEC's option OPT to/from V. */
static char **
conf_list_apply(char **v, size_t *n, cfg_t *sec, const char *opt, bool add)
{
	cfg_opt_t *o = conf_opt(sec, opt);

	for (unsigned i = 0; v != NULL && i < cfg_opt_size(o); i++) {
		const char *value = cfg_opt_getnstr(o, i);
		if (add) {
			char **p = reallocarray(v, *n + 2, sizeof(*v));
			if (p == NULL)
				return v; /* out of memory: the value is lost */
			v = p;
			if ((v[*n] = strdup(value)) != NULL)
				++*n;
			v[*n] = NULL;
			continue;
		}
		for (size_t j = 0; j < *n;) {
			if (v[j] != NULL && strcasecmp(v[j], value) == 0) {
				free(v[j]);
				memmove(v + j, v + j + 1,
				        (*n - j) * sizeof(*v));
				--*n;
			} else {
				j++;
			}
		}
	}
	return v;
}

/* SEC's own "+=" then "-=" of NAME, applied to V. */
static char **
conf_list_ops(char **v, size_t *n, cfg_t *sec, const char *name)
{
	char opt[64];

	if (sec == NULL)
		return v;
	if (conf_list_op_set(sec, name, CONF_SCAN_ADD, opt, sizeof(opt)))
		v = conf_list_apply(v, n, sec, opt, true);
	if (conf_list_op_set(sec, name, CONF_SCAN_REMOVE, opt, sizeof(opt)))
		v = conf_list_apply(v, n, sec, opt, false);
	return v;
}

/* V with EXTRA empty slots in front (for argv[0]). */
static char **
conf_list_front(char **v, size_t n, size_t extra)
{
	if (extra == 0 || v == NULL)
		return v;
	char **p = calloc(n + extra + 1, sizeof(*p));
	if (p != NULL)
		memcpy(p + extra, v, n * sizeof(*v));
	else
		for (size_t i = 0; i < n; i++)
			free(v[i]);
	free(v);
	return p;
}

char **
conf_list(cfg_t *sec, cfg_t *defs, const char *name, size_t extra)
{
	bool own = conf_is_set(sec, name);
	cfg_t *from = own ? sec : conf_is_set(defs, name) ? defs : NULL;
	cfg_opt_t *opt = conf_opt(from, name);
	size_t n = cfg_opt_size(opt);
	char **v;

	if (!conf_list_is_set(sec, defs, name) && extra == 0)
		return NULL;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = strdup(cfg_opt_getnstr(opt, (unsigned)i));
	/* defaults' own += and -= count only when the service takes them */
	if (!own)
		v = conf_list_ops(v, &n, defs, name);
	v = conf_list_ops(v, &n, sec, name);
	return conf_list_front(v, n, extra);
}
