/* SPDX-License-Identifier: ISC */
/* service.c -- the running service table: start, reload by merging, stop */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"

const char *const svc_rlimit_names[SVC_RLIMIT_COUNT] = {
    [SVC_RLIMIT_AS] = "rlimit_as",       [SVC_RLIMIT_CPU] = "rlimit_cpu",
    [SVC_RLIMIT_DATA] = "rlimit_data",   [SVC_RLIMIT_FILES] = "rlimit_files",
    [SVC_RLIMIT_STACK] = "rlimit_stack",
};

static struct config *running_config;
static const struct svc_hooks *hooks;

void
svc_init(const struct svc_hooks *h)
{
	hooks = h;
}

/* Release a service's runtime resources; its memory goes with svc_free. */
static void
svc_shutdown(struct service *svc)
{
	hooks->close(svc);
	hooks->unprepare(svc);
	svc->is_open = false;
}

static int
svc_open(struct service *svc, char *err, size_t errlen)
{
	svc->is_open = true;
	if (hooks->prepare(svc, err, errlen) == -1 ||
	    hooks->open(svc, err, errlen) == -1) {
		svc_shutdown(svc);
		return -1;
	}
	return 0;
}

void
svc_foreach(void (*fn)(struct service *))
{
	struct service *svc;

	if (running_config == NULL)
		return;
	TAILQ_FOREACH(svc, &running_config->services, entry)
	if (!svc->is_disabled)
		fn(svc);
}

void
svc_locate(const struct service *svc, char *err, size_t errlen)
{
	char msg[1024];

	if (svc->file == NULL ||
	    strncmp(err, svc->file, strlen(svc->file)) == 0)
		return;
	strlcpy(msg, err, sizeof(msg));
	snprintf(err, errlen, "%s:%d: %s", svc->file,
	         svc->port_line ? svc->port_line : svc->line, msg);
}

int
svc_start(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;
	int enabled = 0, opened = 0;

	hooks->set_max_children(cfg->max_children);
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		enabled++;
		if (svc_open(svc, err, errlen) == 0) {
			opened++;
			continue;
		}
		svc_locate(svc, err, errlen);
		if (cfg->is_all_or_nothing)
			break;
		log_warnx("%s: not started, the others are", err);
	}
	/* Like xinetd: nothing to serve is no start (the last error says
	 * why); -A asks for every service or none. */
	if (opened < enabled && (opened == 0 || cfg->is_all_or_nothing)) {
		TAILQ_FOREACH(svc, &cfg->services, entry)
		svc_shutdown(svc);
		return -1;
	}
	running_config = cfg;
	return 0;
}

static bool
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Same name, protocol and address: the listeners can be kept. */
static bool
svc_same_socket(const struct service *a, const struct service *b)
{
	return strcmp(a->name, b->name) == 0 && a->protocol == b->protocol &&
	       a->socket_type == b->socket_type && a->is_wait == b->is_wait &&
	       a->is_internal == b->is_internal &&
	       a->port_number == b->port_number && str_same(a->bind, b->bind) &&
	       str_same(a->socket_path, b->socket_path) &&
	       a->v6only == b->v6only && a->backlog == b->backlog;
}

/* Names are unique, so at most one service matches WANT. */
static struct service *
svc_find_match(struct config *cfg, const struct service *want,
               struct service **hint)
{
	struct service *svc;

	/* A reload mostly keeps the order: try after the last match first,
	 * or 1,000 services cost a million comparisons. */
	svc = *hint ? TAILQ_NEXT(*hint, entry) : TAILQ_FIRST(&cfg->services);
	if (svc != NULL && !svc->is_disabled && svc_same_socket(svc, want))
		return *hint = svc;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	if (!svc->is_disabled && svc_same_socket(svc, want))
		return *hint = svc;
	return NULL;
}

/* Move OLD's sockets, state and handlers over to NEW. */
static void
svc_adopt(struct service *old, struct service *new)
{
	old->is_open = false;
	new->is_open = true;
	hooks->adopt(old, new);
	hooks->unprepare(old);
}

/* Retire or release what the new configuration no longer has. */
static void
svc_drop_old(struct config *old)
{
	struct service *svc, *next;

	TAILQ_FOREACH_SAFE(svc, &old->services, entry, next)
	{
		if (svc->is_disabled || !svc->is_open)
			continue; /* never opened, or adopted */
		svc_shutdown(svc);
		if (svc->running > 0) {
			TAILQ_REMOVE(&old->services, svc, entry);
			svc->is_retired = true;
		}
	}
}

static int
svc_prepare_all(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		if (hooks->prepare(svc, err, errlen) == -1) {
			TAILQ_FOREACH(svc, &cfg->services, entry)
			hooks->unprepare(svc);
			return -1;
		}
	}
	return 0;
}

int
svc_check(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;

	if (svc_prepare_all(cfg, err, errlen) == -1)
		return -1;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	hooks->unprepare(svc);
	return 0;
}

int
svc_merge(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc, *old, *hint = NULL;
	char other[1024];
	int failed = 0;

	/* Rules are resolved (host names) before anything changes: a name
	 * that no longer resolves keeps the old configuration, and never
	 * leaves a service without its rules. */
	if (svc_prepare_all(cfg, err, errlen) == -1) {
		config_free(cfg);
		return -1;
	}
	if (cfg->log_type != NULL && log_configure(cfg->log_type) == -1)
		log_warn("log_type %s", cfg->log_type);
	/* Sockets that stay are moved first, so no client sees a refusal. */
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		old = running_config
		          ? svc_find_match(running_config, svc, &hint)
		          : NULL;
		if (old != NULL && old->is_open)
			svc_adopt(old, svc);
	}
	hooks->set_max_children(cfg->max_children);
	if (running_config != NULL) {
		svc_drop_old(running_config);
		config_free(running_config);
	}
	running_config = cfg;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled || svc->is_open)
			continue;
		/* The first failure's words are the caller's; later ones
		 * are only logged. */
		char *why = failed == 0 ? err : other;
		size_t whylen = failed == 0 ? errlen : sizeof(other);
		if (svc_open(svc, why, whylen) == -1) {
			svc_locate(svc, why, whylen);
			log_warnx("%s: not started, the others are", why);
			failed++;
		}
	}
	return failed;
}

void
svc_close_listeners(void)
{
	struct service *svc;

	if (running_config == NULL)
		return;
	TAILQ_FOREACH(svc, &running_config->services, entry)
	hooks->close(svc);
}

const struct config *
svc_running(void)
{
	return running_config;
}

/* "FILE:LINE: service NAME: WHY", as conf.c words its errors. */
void
svc_error(const struct service *svc, const char *why, char *err, size_t errlen)
{
	if (svc->file != NULL)
		snprintf(err, errlen, "%s:%d: service %s: %s", svc->file,
		         svc->line, svc->name, why);
	else
		snprintf(err, errlen, "service %s: %s", svc->name, why);
}

static void
svc_free_list(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
svc_free(struct service *svc)
{
	if (svc == NULL)
		return;
	free(svc->name);
	free(svc->file);
	free(svc->internal_name);
	free(svc->port);
	free(svc->bind);
	free(svc->socket_path);
	free(svc->server);
	svc_free_list(svc->argv);
	svc_free_list(svc->env);
	svc_free_list(svc->passenv);
	free(svc->user);
	free(svc->group);
	free(svc->groups);
	free(svc->chroot);
	svc_free_list(svc->only_from);
	svc_free_list(svc->no_access);
	free(svc->access_times);
	free(svc->banner);
	free(svc->banner_success);
	free(svc->banner_fail);
	free(svc->redirect_host);
	free(svc->redirect_port);
	free(svc->reply_env);
	svc_free_list(svc->proxy_from);
	free(svc->metrics);
	free(svc);
}

void
config_free(struct config *config)
{
	struct service *svc;

	if (config == NULL)
		return;
	while ((svc = TAILQ_FIRST(&config->services)) != NULL) {
		TAILQ_REMOVE(&config->services, svc, entry);
		svc_free(svc);
	}
	free(config->file);
	free(config->log_level);
	free(config->log_type);
	free(config->include_dir);
	free(config->control_socket);
	free(config);
}
