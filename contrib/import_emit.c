/* SPDX-License-Identifier: ISC */
/* import_emit.c -- the sections read, written out as portier.conf text */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

/* portier's internal services; xinetd's `services`, `servers` are not. */
static const char *import_internals[] = {"echo", "discard", "daytime",
                                         "chargen", "time"};

struct import_names {
	char **v;
	size_t n;
};

/* Apply one =, += or -= line to the values so far. */
static int
import_apply(struct import_attr *to, const struct import_attr *line)
{
	if (line->op == IMPORT_SET) {
		for (size_t i = 0; i < to->n_values; i++)
			free(to->values[i]);
		to->n_values = 0;
	}
	for (size_t i = 0; i < line->n_values; i++) {
		const char *v = line->values[i];
		if (line->op == IMPORT_REMOVE) {
			for (size_t k = 0; k < to->n_values; k++)
				if (strcmp(to->values[k], v) == 0) {
					free(to->values[k]);
					memmove(&to->values[k],
					        &to->values[k + 1],
					        (to->n_values - k) *
					            sizeof(*to->values));
					to->n_values--;
					break;
				}
		} else if (line->op == IMPORT_SET || !import_has_value(to, v)) {
			if (import_value_add(to, v, strlen(v)) == -1)
				return -1;
		}
	}
	to->line = line->line;
	return 0;
}

/*
 * S with one attribute per name, its lines applied in order; a service's
 * += and -= start from what defaults{} (DEFS) says, as in xinetd, since
 * portier's own defaults{} does not know += yet.
 */
static int
import_resolve(const struct import_section *s,
               const struct import_section *defs, struct import_section *eff)
{
	memset(eff, 0, sizeof(*eff));
	eff->name = s->name;
	eff->file = s->file;
	eff->line = s->line;
	eff->is_defaults = s->is_defaults;
	eff->is_inetd = s->is_inetd;
	for (size_t i = 0; i < s->n_attrs; i++) {
		const struct import_attr *line = &s->attrs[i];
		struct import_attr *to = import_find(eff, line->name);
		if (to == NULL) {
			to = import_attr_add(eff, line->name, IMPORT_SET,
			                     line->line);
			const struct import_attr *base =
			    defs ? import_find(defs, line->name) : NULL;
			if (to == NULL || (line->op != IMPORT_SET && base &&
			                   import_apply(to, base) == -1))
				return -1;
		}
		if (import_apply(to, line) == -1)
			return -1;
	}
	return 0;
}

/* Only the attributes are owned: the names point into the source. */
static void
import_resolved_free(struct import_section *eff)
{
	for (size_t j = 0; j < eff->n_attrs; j++) {
		for (size_t k = 0; k < eff->attrs[j].n_values; k++)
			free(eff->attrs[j].values[k]);
		free(eff->attrs[j].values);
		free(eff->attrs[j].name);
	}
	free(eff->attrs);
}

static bool
import_name_taken(const struct import_names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return true;
	return false;
}

/*
 * xinetd's id, else its name, made a portier name: one word, unique
 * (xinetd tells echo over tcp and udp apart by id, inetd not at all).
 */
static char *
import_name(struct import_names *names, const struct import_section *s)
{
	const struct import_attr *id = import_find(s, "id");
	const struct import_attr *proto = import_find(s, "protocol");
	const char *want = id && id->n_values ? id->values[0] : s->name;
	const char *slash = strrchr(want, '/');
	char base[256], name[300];

	snprintf(base, sizeof(base), "%s",
	         slash && slash[1] ? slash + 1
	         : want[0]         ? want
	                           : "service");
	for (char *p = base; *p != '\0'; p++)
		if (strchr("_.-", *p) == NULL && !isalnum((unsigned char)*p))
			*p = '-';
	snprintf(name, sizeof(name), "%s", base);
	if (import_name_taken(names, name) && proto && proto->n_values)
		snprintf(name, sizeof(name), "%s-%s", base, proto->values[0]);
	for (int i = 2; import_name_taken(names, name); i++)
		snprintf(name, sizeof(name), "%s-%d", base, i);
	char **v = reallocarray(names->v, names->n + 1, sizeof(*v));
	if (v == NULL || (v[names->n] = strdup(name)) == NULL)
		return NULL;
	names->v = v;
	return names->v[names->n++];
}

/* What the attributes imply for one another, known before any is mapped. */
static void
import_facts(struct import_ctx *c, const struct import_section *eff)
{
	const struct import_attr *a;

	c->has_bind = import_find(eff, "bind") || import_find(eff, "interface");
	c->has_port = import_find(eff, "port") || import_find(eff, "socket");
	c->has_server = import_find(eff, "server") != NULL;
	a = import_find(eff, "type");
	c->is_internal = import_has_value(a, "INTERNAL");
	c->is_unlisted = import_has_value(a, "UNLISTED");
	c->names_in_args =
	    import_has_value(import_find(eff, "flags"), "NAMEINARGS");
	c->is_dgram =
	    import_has_value(import_find(eff, "socket_type"), "dgram") ||
	    import_has_value(import_find(eff, "protocol"), "udp");
}

static bool
import_is_internal_name(const char *name)
{
	for (size_t i = 0; i < sizeof(import_internals) / sizeof(char *); i++)
		if (strcmp(name, import_internals[i]) == 0)
			return true;
	return false;
}

/* What the name, defaults' enabled/disabled and the kind still need. */
static void
import_finish(struct import_ctx *c, const struct import_section *eff,
              const struct import_section *defs)
{
	const char *xname = eff->name;
	const struct import_attr *en = defs ? import_find(defs, "enabled") : 0;
	const struct import_attr *dis =
	    defs ? import_find(defs, "disabled") : NULL;
	const struct import_attr *id = import_find(eff, "id");
	const char *key = id && id->n_values ? id->values[0] : xname;

	if (c->is_internal && !import_is_internal_name(xname))
		snprintf(c->reason, sizeof(c->reason),
		         "type = INTERNAL: portier has no internal service %s",
		         xname);
	else if (c->is_internal && strcmp(c->name, xname) != 0)
		fprintf(c->out, "\tinternal = %s\n", xname);
	if (!c->is_internal && !c->has_server &&
	    import_find(eff, "redirect") == NULL && c->reason[0] == '\0')
		snprintf(c->reason, sizeof(c->reason),
		         "no server, redirect or type = INTERNAL");
	if (!c->has_port && strcmp(c->name, xname) != 0)
		fprintf(c->out, "\tport = %s\n", xname);
	if (import_has_value(import_find(eff, "disable"), "yes"))
		return;
	if ((dis && import_has_value(dis, key)) ||
	    (en && !import_has_value(en, key)))
		fprintf(c->out, "\tdisable = yes\t# defaults' %s\n",
		        dis && import_has_value(dis, key) ? "disabled"
		                                          : "enabled");
}

/* TEXT with "# " in front of each line: a service portier cannot run. */
static void
import_comment_out(FILE *out, const char *text)
{
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		fprintf(out, "# %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static int
import_emit_service(FILE *out, const struct import_section *s,
                    const struct import_section *defs,
                    struct import_names *names)
{
	struct import_section eff;
	struct import_ctx c = {0};
	char *body = NULL;
	size_t len = 0;

	if (import_resolve(s, defs, &eff) == -1 ||
	    (c.name = import_name(names, &eff)) == NULL ||
	    (c.out = open_memstream(&body, &len)) == NULL) {
		import_resolved_free(&eff);
		return -1;
	}
	c.s = &eff;
	import_facts(&c, &eff);
	fprintf(c.out, "service ");
	import_put_value(c.out, c.name);
	fprintf(c.out, " {\n");
	for (size_t i = 0; i < eff.n_attrs; i++)
		import_map_attr(&c, &eff.attrs[i]);
	import_finish(&c, &eff, defs);
	fprintf(c.out, "}\n");
	fclose(c.out);
	fprintf(out, "\n# %s:%d\n", s->file, s->line);
	if (c.reason[0] != '\0') {
		fprintf(out, "# not imported: %s\n", c.reason);
		import_comment_out(out, body);
	} else {
		fputs(body, out);
	}
	free(body);
	import_resolved_free(&eff);
	return 0;
}

/* defaults{}, and the global log_type it may carry; xinetd's cps of 50
 * a second for 10 seconds applies where nothing else says. */
static int
import_emit_defaults(FILE *out, const struct import_section *defs,
                     bool is_xinetd)
{
	static const struct import_section none;
	const struct import_section *eff = defs ? defs : &none;
	struct import_ctx c = {.is_defaults = true};
	char *body = NULL;
	size_t len = 0;

	if ((c.out = open_memstream(&body, &len)) == NULL)
		return -1;
	c.s = eff;
	for (size_t i = 0; i < eff->n_attrs; i++)
		import_map_attr(&c, &eff->attrs[i]);
	if (import_find(eff, "cps") == NULL && is_xinetd)
		fputs("\tcps = {50, 10}\t# xinetd's built-in default\n", c.out);
	fclose(c.out);
	if (c.log_type != NULL) {
		fputs("\nlog_type = ", out);
		import_put_value(out, c.log_type);
		fputc('\n', out);
	}
	if (len > 0) {
		fputc('\n', out);
		if (defs != NULL)
			fprintf(out, "# %s:%d\n", defs->file, defs->line);
		fprintf(out, "defaults {\n%s}\n", body);
	}
	free(body);
	free(c.log_type);
	return 0;
}

char *
import_emit(const struct import_config *cfg)
{
	const struct import_section *defs = NULL;
	struct import_section resolved = {0};
	struct import_names names = {0};
	bool is_xinetd = false;
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	FILE *out = open_memstream(&text, &len);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_sections; i++) {
		if (cfg->sections[i].is_defaults && defs == NULL)
			defs = &cfg->sections[i];
		is_xinetd |= !cfg->sections[i].is_inetd;
	}
	/* defaults{} may use += and -= on itself too. */
	if (defs != NULL) {
		rc = import_resolve(defs, NULL, &resolved);
		defs = &resolved;
	}
	if (rc == 0)
		rc = import_emit_defaults(out, defs, is_xinetd);
	for (size_t i = 0; rc == 0 && i < cfg->n_sections; i++)
		if (!cfg->sections[i].is_defaults)
			rc = import_emit_service(out, &cfg->sections[i], defs,
			                         &names);
	fclose(out);
	import_resolved_free(&resolved);
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	if (rc == -1) {
		free(text);
		return NULL;
	}
	return text;
}
