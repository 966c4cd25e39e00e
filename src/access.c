/* SPDX-License-Identifier: ISC */
/* access.c -- who may connect, and how often: questions asked before fork */
#include <config.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "acl.h"
#include "addr.h"
#include "limit.h"
#include "log.h"
#include "loop.h"

struct access_state {
	struct service *svc;
	struct acl *acl;
	struct acl *balancers; /* proxy_from */
	struct limit_source_tree sources;
	struct limit_cps cps;
	bool is_cps_paused;
	struct loop_timer cps_timer;
};

static access_resume_fn *access_on_cps_resume;

void
access_init(access_resume_fn *on_cps_resume)
{
	access_on_cps_resume = on_cps_resume;
}

/* proxy_from: addresses and prefixes only, since a name that resolves
 * differently later would silently trust someone else. */
static int
access_load_balancers(struct access_state *st, char *why, size_t whylen)
{
	char **list = st->svc->proxy_from;
	uint8_t addr[16];
	int prefix;

	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (acl_parse_cidr(list[i], addr, &prefix) == -1) {
			snprintf(why, whylen,
			         "proxy_from: '%s' is not an address or prefix",
			         list[i]);
			return -1;
		}
	if (list != NULL &&
	    (st->balancers = acl_new(true, list, NULL, why, whylen)) == NULL)
		return -1;
	return 0;
}

static int
access_load_rules(struct access_state *st, char *why, size_t whylen)
{
	struct service *svc = st->svc;

	if (access_load_balancers(st, why, whylen) == -1)
		return -1;

	if (svc->has_only_from || svc->no_access != NULL) {
		st->acl = acl_new(svc->has_only_from, svc->only_from,
		                  svc->no_access, why, whylen);
		if (st->acl == NULL)
			return -1;
	}
	return 0;
}

int
access_service_init(struct service *svc, char *err, size_t errlen)
{
	struct access_state *st;
	char why[256] = "out of memory";

	if (svc->access != NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		svc_error(svc, why, err, errlen);
		return -1;
	}
	st->svc = svc;
	limit_sources_init(&st->sources);
	svc->access = st;
	if (access_load_rules(st, why, sizeof(why)) == -1) {
		svc_error(svc, why, err, errlen);
		access_service_fini(svc);
		return -1;
	}
	return 0;
}

void
access_service_fini(struct service *svc)
{
	struct access_state *st = svc->access;

	if (st == NULL)
		return;
	loop_timer_cancel(&st->cps_timer);
	acl_free(st->acl);
	acl_free(st->balancers);
	limit_sources_clear(&st->sources);
	free(st);
	svc->access = NULL;
}

static void access_cps_resume(void *arg);

static void
access_cps_pause(struct access_state *st)
{
	struct service *svc = st->svc;

	st->is_cps_paused = true;
	log_warnx("service %s: more than %d connections a second, pausing "
	          "for %d s",
	          svc->name, svc->cps_rate, svc->cps_pause);
	loop_timer_set(&st->cps_timer, (uint64_t)svc->cps_pause * 1000,
	               access_cps_resume, st);
}

void
access_adopt(struct service *old, struct service *new)
{
	struct access_state *from = old->access, *to = new->access;
	struct limit_source_tree swap;

	if (from == NULL || to == NULL)
		return;
	/* The handlers move to NEW, and so do their per-source counts. */
	swap = to->sources;
	to->sources = from->sources;
	from->sources = swap;
	to->cps = from->cps;
	if (from->is_cps_paused && new->cps_rate > 0)
		access_cps_pause(to);
}

static bool
access_time_ok(const struct service *svc)
{
	time_t now = time(NULL);
	struct tm tm;

	if (svc->n_access_times == 0)
		return true;
	localtime_r(&now, &tm);
	return limit_time_allowed(svc->access_times, svc->n_access_times,
	                          tm.tm_hour * 60 + tm.tm_min);
}

/* The 1-minute load average, read at most once a second. */
static bool
access_load_ok(const struct service *svc)
{
	static time_t read_at;
	static double load;
	time_t now = time(NULL);

	if (svc->max_load <= 0)
		return true;
	if (now != read_at) {
		if (getloadavg(&load, 1) != 1)
			load = 0;
		read_at = now;
	}
	return load < svc->max_load;
}

static void
access_cps_resume(void *arg)
{
	struct access_state *st = arg;

	st->is_cps_paused = false;
	st->cps.count = 0;
	log_notice("service %s: cps pause over, accepting again",
	           st->svc->name);
	access_on_cps_resume(st->svc);
}

/* Over cps_rate new connections in one second: pause cps_pause seconds. */
static bool
access_cps_ok(struct access_state *st)
{
	if (limit_cps_count(&st->cps, time(NULL), st->svc->cps_rate))
		return true;
	if (!st->is_cps_paused)
		access_cps_pause(st);
	return false;
}

/* The address rules alone. */
static const char *
access_check_address(struct access_state *st, const struct sockaddr *peer)
{
	uint8_t key[16];

	if (st->acl == NULL || peer == NULL)
		return NULL;
	acl_key(peer, key);
	switch (acl_check(st->acl, key)) {
	case ACL_DENY:
		return "no_access";
	case ACL_NOT_LISTED:
		return "only_from";
	default:
		return NULL;
	}
}

bool
access_is_balancer(const struct service *svc, const struct sockaddr *peer)
{
	const struct access_state *st = svc->access;
	uint8_t key[16];

	if (st == NULL || st->balancers == NULL || peer == NULL ||
	    (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
		return false;
	acl_key(peer, key);
	return acl_check(st->balancers, key) == ACL_ALLOW;
}

int
access_check(struct service *svc, const struct sockaddr *peer,
             const char **reason)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	/* No state means no rules were loaded: refuse, never fail open. */
	if (st == NULL)
		return (*reason = "no_access", -1);
	if ((*reason = access_check_address(st, peer)) != NULL)
		return -1;
	if (!access_time_ok(svc))
		return (*reason = "access_times", -1);
	if (!access_load_ok(svc))
		return (*reason = "max_load", -1);
	if (svc->per_source > 0 && peer != NULL) {
		acl_key(peer, key);
		if (limit_source_count(&st->sources, key) >= svc->per_source)
			return (*reason = "per_source", -1);
	}
	if (!access_cps_ok(st))
		return (*reason = "cps", -1);
	return 0;
}

void
access_enter(struct service *svc, const struct sockaddr *peer)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	/* Counted always, so a reload that sets per_source sees the truth. */
	if (st == NULL || peer == NULL)
		return;
	acl_key(peer, key);
	if (limit_source_enter(&st->sources, key) == -1)
		log_warn("service %s: per_source", svc->name);
}

void
access_leave(struct service *svc, const struct sockaddr *peer)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	if (st == NULL || peer == NULL)
		return;
	acl_key(peer, key);
	limit_source_leave(&st->sources, key);
}

/* The text of a 128-bit key: IPv4 for a mapped address. */
static void
access_key_text(const uint8_t key[16], char ip[ADDR_TEXT_MAX])
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	uint16_t port;

	memcpy(&sin6.sin6_addr, key, 16);
	if (addr_format((struct sockaddr *)&sin6, sizeof(sin6), ip, &port) ==
	    -1)
		strlcpy(ip, "-", ADDR_TEXT_MAX);
}

void
access_dump(const struct service *svc)
{
	struct access_state *st = svc->access;
	struct limit_source *s;
	char ip[ADDR_TEXT_MAX];
	int n = 0;

	if (st == NULL)
		return;
	if (st->is_cps_paused)
		log_info("  paused by cps (%d/s)", svc->cps_rate);
	for (s = limit_source_first(&st->sources); s != NULL;
	     s = limit_source_next(&st->sources, s)) {
		/* Bounded: a flood from many addresses must not flood the log.
		 */
		if (n++ == 32) {
			log_info("  ...");
			break;
		}
		access_key_text(s->addr, ip);
		log_info("  source %s: %d running", ip, s->count);
	}
}

bool
access_must_pause(const struct service *svc)
{
	const struct access_state *st = svc->access;

	return st != NULL && st->is_cps_paused;
}
