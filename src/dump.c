/* SPDX-License-Identifier: ISC */
/* dump.c -- SIGUSR1: the daemon's state for an admin, one line at a time */
#include <config.h>

#include <stdio.h>
#include <time.h>

#include "access.h"
#include "children.h"
#include "dump.h"
#include "listen.h"
#include "log.h"

static const char *
dump_protocol(const struct service *svc)
{
	static const char *names[] = {"tcp", "udp", "unix"};

	return names[svc->protocol];
}

/* "only_from=3 cps=1", or "none". */
static void
dump_counts(const struct metrics_counts *t, char *out, size_t len)
{
	size_t used = 0;

	snprintf(out, len, "none");
	for (size_t i = 0; i < t->n && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%s=%llu",
		                 i ? " " : "", t->item[i].label,
		                 (unsigned long long)t->item[i].count);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void
dump_counters(const struct service *svc)
{
	static const struct metrics none;
	const struct metrics *m = svc->metrics ? svc->metrics : &none;
	char refused[512], exits[512];

	dump_counts(&m->refused, refused, sizeof(refused));
	dump_counts(&m->exits, exits, sizeof(exits));
	log_info("  accepted %llu; refused: %s; exited: %s; running %d",
	         (unsigned long long)m->accepted, refused, exits, svc->running);
}

static void
dump_service(const struct service *svc)
{
	const struct listener *l;

	if (svc->is_disabled) {
		log_info("service %s: disabled", svc->name);
		return;
	}
	log_info("service %s: %s, %d running%s", svc->name,
	         svc->is_internal ? "internal" : svc->server, svc->running,
	         svc->is_paused ? ", paused" : "");
	TAILQ_FOREACH(l, &svc->listeners, entry)
	log_info("  listener %s %s %s (fd %d%s)", l->text, dump_protocol(svc),
	         svc->is_wait ? "wait" : "nowait", l->fd,
	         l->is_watched ? "" : ", not watched");
	dump_counters(svc);
	access_dump(svc);
}

/* "3d 04:05:06" since START (CLOCK_MONOTONIC seconds). */
static void
dump_uptime(long long start, char *out, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long up = now.tv_sec - start;
	snprintf(out, len, "%lldd %02lld:%02lld:%02lld", up / 86400,
	         up / 3600 % 24, up / 60 % 60, up % 60);
}

void
dump_state(const char *config_file, long long start)
{
	const struct service *svc;
	char uptime[64];

	dump_uptime(start, uptime, sizeof(uptime));
	log_info("portierd %s, up %s, config %s, %d handler%s running",
	         PACKAGE_VERSION, uptime, config_file, children_count(),
	         children_count() == 1 ? "" : "s");
	TAILQ_FOREACH(svc, &svc_running()->services, entry)
	dump_service(svc);
	children_dump();
}
