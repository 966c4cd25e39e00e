/* SPDX-License-Identifier: ISC */
/* service.c -- the running service table: start, reload by merging, stop */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "conf.h"
#include "internal.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"
#include "svc.h"

static struct config *running_config;

static void
svc_unwatch_listeners(struct service *svc)
{
	spawn_pause(svc);
	listen_close_all(svc);
}

/* Release a service's runtime resources; its memory goes with svc_free. */
static void
svc_shutdown(struct service *svc)
{
	svc_unwatch_listeners(svc);
	internal_service_fini(svc);
	access_service_fini(svc);
	svc->is_open = false;
}

static int
svc_open(struct service *svc, char *err, size_t errlen)
{
	svc->is_open = true;
	if (access_service_init(svc, err, errlen) == -1 ||
	    internal_service_init(svc) == -1 ||
	    listen_open(svc, err, errlen) == -1) {
		svc_shutdown(svc);
		return -1;
	}
	spawn_update(svc);
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

int
svc_start(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;

	spawn_set_max_children(cfg->max_children);
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		if (svc_open(svc, err, errlen) == -1) {
			TAILQ_FOREACH(svc, &cfg->services, entry)
			svc_shutdown(svc);
			return -1;
		}
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

static struct service *
svc_find_match(struct config *cfg, const struct service *want)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	if (!svc->is_disabled && svc_same_socket(svc, want))
		return svc;
	return NULL;
}

/* Move OLD's sockets, stderr and handlers over to NEW. */
static void
svc_adopt(struct service *old, struct service *new)
{
	struct listener *l;

	spawn_pause(old);
	while ((l = TAILQ_FIRST(&old->listeners)) != NULL) {
		TAILQ_REMOVE(&old->listeners, l, entry);
		l->svc = new;
		TAILQ_INSERT_TAIL(&new->listeners, l, entry);
	}
	old->is_open = false;
	new->is_open = true;
	spawn_adopt(old, new);
	internal_adopt(old, new);
	access_adopt(old, new);
	access_service_fini(old);
	/* wait = yes stays paused until its handler exits, and so on. */
	spawn_update(new);
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
		svc_unwatch_listeners(svc);
		internal_service_fini(svc);
		access_service_fini(svc);
		svc->is_open = false;
		if (svc->running > 0) {
			TAILQ_REMOVE(&old->services, svc, entry);
			svc->is_retired = true;
		}
	}
}

static int
svc_prepare_access(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		if (access_service_init(svc, err, errlen) == -1) {
			TAILQ_FOREACH(svc, &cfg->services, entry)
			access_service_fini(svc);
			return -1;
		}
	}
	return 0;
}

int
svc_check(struct config *cfg, char *err, size_t errlen)
{
	struct service *svc;

	if (svc_prepare_access(cfg, err, errlen) == -1)
		return -1;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	access_service_fini(svc);
	return 0;
}

int
svc_reload(const char *file)
{
	char err[1024];
	struct config *cfg = conf_load(file, err, sizeof(err));
	struct service *svc, *old;

	if (cfg == NULL) {
		log_warnx("reload failed: %s", err);
		return -1;
	}
	/* Rules are resolved (host names) before anything changes: a name
	 * that no longer resolves keeps the old configuration, and never
	 * leaves a service without its rules. */
	if (svc_prepare_access(cfg, err, sizeof(err)) == -1) {
		log_warnx("reload failed: %s", err);
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
		old =
		    running_config ? svc_find_match(running_config, svc) : NULL;
		if (old != NULL && old->is_open)
			svc_adopt(old, svc);
	}
	spawn_set_max_children(cfg->max_children);
	if (running_config != NULL) {
		svc_drop_old(running_config);
		config_free(running_config);
	}
	running_config = cfg;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled || svc->is_open)
			continue;
		if (svc_open(svc, err, sizeof(err)) == -1)
			log_warnx("%s", err);
	}
	log_info("reloaded");
	return 0;
}

void
svc_close_listeners(void)
{
	struct service *svc;

	if (running_config == NULL)
		return;
	TAILQ_FOREACH(svc, &running_config->services, entry)
	{
		svc_unwatch_listeners(svc);
		internal_service_fini(svc);
	}
}

void
svc_retired_done(struct service *svc)
{
	svc_free(svc);
}

void
svc_counts(int *services, int *listeners)
{
	struct service *svc;
	struct listener *l;

	*services = *listeners = 0;
	if (running_config == NULL)
		return;
	TAILQ_FOREACH(svc, &running_config->services, entry)
	{
		if (svc->is_disabled)
			continue;
		(*services)++;
		TAILQ_FOREACH(l, &svc->listeners, entry)
		(*listeners)++;
	}
}

void
svc_dump(void)
{
	struct service *svc;
	struct listener *l;

	if (running_config == NULL)
		return;
	TAILQ_FOREACH(svc, &running_config->services, entry)
	{
		if (svc->is_disabled) {
			log_info("service %s: disabled", svc->name);
			continue;
		}
		log_info("service %s: %s, %d running%s", svc->name,
		         svc->is_internal ? "internal" : svc->server,
		         svc->running, svc->is_paused ? ", paused" : "");
		TAILQ_FOREACH(l, &svc->listeners, entry)
		log_info("  listener %s (fd %d%s)", l->text, l->fd,
		         l->is_watched ? "" : ", not watched");
		access_dump(svc);
	}
	spawn_dump();
}
