/* SPDX-License-Identifier: ISC */
/* svc_text.c -- services back in portier.conf's syntax: -P and reload diffs */
#include <config.h>

#include <sys/socket.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_text.h"

/* A libConfuse double-quoted string: only '"' and '\' need escaping. */
static void
svc_text_quote(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
svc_text_str(FILE *fp, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fprintf(fp, "\t%s = ", name);
	svc_text_quote(fp, value);
	fputc('\n', fp);
}

/* A list; FORCE prints an empty one (only_from = {} means nobody). */
static void
svc_text_list(FILE *fp, const char *name, char *const *v, bool force)
{
	if ((v == NULL || v[0] == NULL) && !force)
		return;
	fprintf(fp, "\t%s = {", name);
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		fputs(i ? ", " : "", fp);
		svc_text_quote(fp, v[i]);
	}
	fputs("}\n", fp);
}

static void
svc_text_bool(FILE *fp, const char *name, bool value)
{
	fprintf(fp, "\t%s = %s\n", name, value ? "yes" : "no");
}

static void
svc_text_kind(FILE *fp, const struct service *svc)
{
	static const char *protocols[] = {"tcp", "udp", "unix"};

	svc_text_bool(fp, "disable", svc->is_disabled);
	if (svc->is_internal || svc->is_unlisted)
		fprintf(fp, "\ttype = {%s%s%s}\n",
		        svc->is_internal ? "\"internal\"" : "",
		        svc->is_internal && svc->is_unlisted ? ", " : "",
		        svc->is_unlisted ? "\"unlisted\"" : "");
	svc_text_str(fp, "internal", svc->internal_name);
	fprintf(fp, "\tsocket_type = \"%s\"\n",
	        svc->socket_type == SOCK_DGRAM ? "dgram" : "stream");
	fprintf(fp, "\tprotocol = \"%s\"\n", protocols[svc->protocol]);
	svc_text_bool(fp, "wait", svc->is_wait);
}

static void
svc_text_address(FILE *fp, const struct service *svc)
{
	if (svc->protocol != PROTO_UNIX)
		fprintf(fp, "\tport = \"%u\"\n", svc->port_number);
	svc_text_str(fp, "bind", svc->bind);
	svc_text_str(fp, "socket", svc->socket_path);
	if (svc->protocol == PROTO_UNIX)
		fprintf(fp, "\tsocket_mode = \"%04o\"\n",
		        (unsigned)svc->socket_mode);
	if (svc->has_socket_owner) {
		struct passwd *pw = getpwuid(svc->socket_uid);
		struct group *gr = getgrgid(svc->socket_gid);
		fprintf(fp, "\tsocket_owner = \"%s:%s\"\n",
		        pw ? pw->pw_name : "?", gr ? gr->gr_name : "?");
	}
	fprintf(fp, "\tbacklog = %d\n", svc->backlog);
	if (svc->v6only != -1)
		svc_text_bool(fp, "v6only", svc->v6only == 1);
	svc_text_bool(fp, "tcp_nodelay", svc->tcp_nodelay);
	svc_text_bool(fp, "keepalive", svc->keepalive);
}

static void
svc_text_run(FILE *fp, const struct service *svc)
{
	if (svc->redirect_host != NULL) {
		fprintf(fp, "\tredirect = {");
		svc_text_quote(fp, svc->redirect_host);
		fputs(", ", fp);
		svc_text_quote(fp, svc->redirect_port);
		fputs("}\n", fp);
	} else if (!svc->is_internal) {
		svc_text_str(fp, "server", svc->server);
		if (svc->argv != NULL && svc->argv[0] != NULL)
			svc_text_list(fp, "server_args", svc->argv + 1, false);
	}
	svc_text_list(fp, "env", svc->env, false);
	svc_text_list(fp, "passenv", svc->passenv, false);
	svc_text_str(fp, "user", svc->has_user ? svc->user : NULL);
	svc_text_str(fp, "group", svc->has_group ? svc->group : NULL);
	svc_text_bool(fp, "groups", svc->use_groups);
	if (svc->has_nice)
		fprintf(fp, "\tnice = %d\n", svc->nice);
	if (svc->umask != -1)
		fprintf(fp, "\tumask = \"%03o\"\n", (unsigned)svc->umask);
	svc_text_str(fp, "chroot", svc->chroot);
}

static void
svc_text_rlimits(FILE *fp, const struct service *svc)
{
	for (int i = 0; i < SVC_RLIMIT_COUNT; i++) {
		if (!svc->rlimits[i].is_set)
			continue;
		if (svc->rlimits[i].value == RLIM_INFINITY)
			fprintf(fp, "\t%s = \"unlimited\"\n",
			        svc_rlimit_names[i]);
		else
			fprintf(fp, "\t%s = \"%llu\"\n", svc_rlimit_names[i],
			        (unsigned long long)svc->rlimits[i].value);
	}
}

static void
svc_text_log_bits(FILE *fp, const char *name, int bits)
{
	static const char *flags[] = {"PID",  "HOST",    "DURATION",
	                              "EXIT", "TRAFFIC", "ATTEMPT"};
	bool first = true;

	fprintf(fp, "\t%s = {", name);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!(bits & (1 << i)))
			continue;
		fprintf(fp, "%s\"%s\"", first ? "" : ", ", flags[i]);
		first = false;
	}
	fputs("}\n", fp);
}

static void
svc_text_access(FILE *fp, const struct service *svc)
{
	if (svc->has_only_from)
		svc_text_list(fp, "only_from", svc->only_from, true);
	svc_text_list(fp, "no_access", svc->no_access, false);
	if (svc->access_times != NULL) {
		fputs("\taccess_times = {", fp);
		for (int i = 0; i < svc->n_access_times; i++) {
			const struct svc_time_window *w = &svc->access_times[i];
			fprintf(fp, "%s\"%02d:%02d-%02d:%02d\"", i ? ", " : "",
			        w->start_minute / 60, w->start_minute % 60,
			        w->end_minute / 60, w->end_minute % 60);
		}
		fputs("}\n", fp);
	}
	fprintf(fp, "\tinstances = %d\n\tper_source = %d\n", svc->instances,
	        svc->per_source);
	if (svc->cps_rate > 0)
		fprintf(fp, "\tcps = {%d, %d}\n", svc->cps_rate,
		        svc->cps_pause);
	fprintf(fp, "\tmax_load = %g\n\tinternal_max = %d\n", svc->max_load,
	        svc->internal_max);
	if (svc->reply_env != NULL)
		fprintf(fp, "\treply_rate = {%u, %u}\n", svc->reply_rate,
		        svc->reply_burst);
	svc_text_str(fp, "banner", svc->banner);
	svc_text_str(fp, "banner_success", svc->banner_success);
	svc_text_str(fp, "banner_fail", svc->banner_fail);
	svc_text_log_bits(fp, "log_on_success", svc->log_on_success);
	svc_text_log_bits(fp, "log_on_failure", svc->log_on_failure);
}

void
svc_text_service(FILE *fp, const struct service *svc)
{
	fprintf(fp, "service %s {\n", svc->name);
	svc_text_kind(fp, svc);
	svc_text_address(fp, svc);
	svc_text_run(fp, svc);
	svc_text_rlimits(fp, svc);
	svc_text_access(fp, svc);
	fputs("}\n", fp);
}

void
svc_text_config(FILE *fp, const struct config *cfg)
{
	const struct service *svc;

	fprintf(fp, "# the effective configuration of %s, defaults applied\n",
	        cfg->file);
	svc_text_str(fp, "log_level", cfg->log_level);
	svc_text_str(fp, "log_type", cfg->log_type);
	fprintf(fp, "max_children = %d\n", cfg->max_children);
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		fputc('\n', fp);
		svc_text_service(fp, svc);
	}
}

/* The service as text, malloc'd; NULL when out of memory. */
static char *
svc_text_string(const struct service *svc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	if (fp == NULL)
		return NULL;
	svc_text_service(fp, svc);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static bool
svc_text_is(const struct service *svc, const char *name)
{
	return !svc->is_disabled && strcmp(svc->name, name) == 0;
}

/*
 * The enabled service NAME of CFG, or NULL.  The search starts after
 * *HINT, the last one found, and wraps: two configs mostly list their
 * services in one order, so a reload of 1,000 finds each at the first try
 * instead of walking half the list.
 */
static const struct service *
svc_text_find(const struct config *cfg, const char *name,
              const struct service **hint)
{
	const struct service *start =
	    *hint ? TAILQ_NEXT(*hint, entry) : TAILQ_FIRST(&cfg->services);
	const struct service *svc;

	/* From the one after the hint to the end, then from the first to it. */
	for (svc = start; svc != NULL; svc = TAILQ_NEXT(svc, entry))
		if (svc_text_is(svc, name))
			return *hint = svc;
	for (svc = TAILQ_FIRST(&cfg->services); svc != start;
	     svc = TAILQ_NEXT(svc, entry))
		if (svc_text_is(svc, name))
			return *hint = svc;
	return NULL;
}

/* Two services differ when any attribute would print differently. */
static bool
svc_text_differ(const struct service *a, const struct service *b)
{
	char *ta = svc_text_string(a), *tb = svc_text_string(b);
	bool differ = ta == NULL || tb == NULL || strcmp(ta, tb) != 0;

	free(ta);
	free(tb);
	return differ;
}

static void
svc_text_append(char *out, size_t outlen, char sign, const char *name)
{
	size_t used = strlen(out);

	if (used < outlen)
		snprintf(out + used, outlen - used, " %c%s", sign, name);
}

/* Services of CFG that are enabled and, if SIGN is '~', changed since
 * OTHER, or ('+') absent from OTHER, or ('-' on the old config) gone. */
static void
svc_text_mark(const struct config *cfg, const struct config *other, char sign,
              char *out, size_t outlen)
{
	const struct service *svc, *was, *hint = NULL;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		was = other ? svc_text_find(other, svc->name, &hint) : NULL;
		if ((sign != '~' && was == NULL) ||
		    (sign == '~' && was != NULL && svc_text_differ(was, svc)))
			svc_text_append(out, outlen, sign, svc->name);
	}
}

void
svc_text_changes(const struct config *old, const struct config *new, char *out,
                 size_t outlen)
{
	const struct service *svc;
	int n = 0;

	out[0] = '\0';
	svc_text_mark(new, old, '+', out, outlen);
	if (old != NULL) {
		svc_text_mark(old, new, '-', out, outlen);
		svc_text_mark(new, old, '~', out, outlen);
	}
	TAILQ_FOREACH(svc, &new->services, entry)
	n += !svc->is_disabled;
	size_t used = strlen(out);
	if (used < outlen)
		snprintf(out + used, outlen - used, " (%d service%s)", n,
		         n == 1 ? "" : "s");
}
