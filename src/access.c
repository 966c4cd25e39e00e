/* SPDX-License-Identifier: ISC */
/* access.c -- who may connect, and how often: checks made before fork */
#include <config.h>

#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "acl.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"

/* Banners are sent by the master without blocking: keep them small. */
#define ACCESS_BANNER_MAX 4096

/* Running handlers per client address (per_source). */
struct source {
	RB_ENTRY(source) node;
	uint8_t addr[16];
	int count;
};

RB_HEAD(source_tree, source);

static int
source_cmp(struct source *a, struct source *b)
{
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

RB_GENERATE_STATIC(source_tree, source, node, source_cmp)

struct banner {
	char *text;
	size_t len;
};

struct access_state {
	struct service *svc;
	struct acl *acl;
	struct source_tree sources;
	time_t cps_second;   /* the second being counted */
	int cps_count;
	bool is_cps_paused;
	struct loop_timer cps_timer;
	struct banner banner, banner_success, banner_fail;
};

static int
banner_load(const char *file, struct banner *b, char *err, size_t errlen)
{
	if (file == NULL)
		return 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || (b->text = malloc(ACCESS_BANNER_MAX)) == NULL) {
		snprintf(err, errlen, "banner %s: %s", file, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	ssize_t n = read(fd, b->text, ACCESS_BANNER_MAX);
	close(fd);
	b->len = n > 0 ? (size_t)n : 0;
	return 0;
}

/* Non-blocking: a banner that does not fit the socket buffer is cut. */
static void
banner_send(int conn, const struct banner *b)
{
	if (b->len > 0)
		(void)send(conn, b->text, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int
access_service_init(struct service *svc, char *err, size_t errlen)
{
	struct access_state *st = calloc(1, sizeof(*st));
	char why[256];

	if (st == NULL)
		return -1;
	st->svc = svc;
	RB_INIT(&st->sources);
	svc->access = st;
	if (svc->has_only_from || svc->no_access != NULL) {
		st->acl = acl_new(svc->has_only_from, svc->only_from,
		    svc->no_access, why, sizeof(why));
		if (st->acl == NULL) {
			snprintf(err, errlen, "service %s: %s", svc->name, why);
			access_service_fini(svc);
			return -1;
		}
	}
	if (banner_load(svc->banner, &st->banner, why, sizeof(why)) == -1 ||
	    banner_load(svc->banner_success, &st->banner_success, why,
		sizeof(why)) == -1 ||
	    banner_load(svc->banner_fail, &st->banner_fail, why,
		sizeof(why)) == -1) {
		snprintf(err, errlen, "service %s: %s", svc->name, why);
		access_service_fini(svc);
		return -1;
	}
	return 0;
}

void
access_service_fini(struct service *svc)
{
	struct access_state *st = svc->access;
	struct source *s, *next;

	if (st == NULL)
		return;
	loop_timer_cancel(&st->cps_timer);
	acl_free(st->acl);
	RB_FOREACH_SAFE(s, source_tree, &st->sources, next) {
		RB_REMOVE(source_tree, &st->sources, s);
		free(s);
	}
	free(st->banner.text);
	free(st->banner_success.text);
	free(st->banner_fail.text);
	free(st);
	svc->access = NULL;
}

static bool
access_time_allowed(const struct service *svc)
{
	time_t now = time(NULL);
	struct tm tm;

	if (svc->n_access_times == 0)
		return true;
	localtime_r(&now, &tm);
	int minute = tm.tm_hour * 60 + tm.tm_min;
	for (int i = 0; i < svc->n_access_times; i++) {
		const struct svc_time_window *w = &svc->access_times[i];
		bool inside = w->start_minute <= w->end_minute
		    ? minute >= w->start_minute && minute <= w->end_minute
		    : minute >= w->start_minute || minute <= w->end_minute;
		if (inside)
			return true;
	}
	return false;
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
	st->cps_count = 0;
	log_notice("service %s: cps pause over, accepting again",
	    st->svc->name);
	spawn_update(st->svc);
}

/* Over cps_rate new connections in one second: pause cps_pause seconds. */
static bool
access_cps_ok(struct access_state *st)
{
	struct service *svc = st->svc;
	time_t now = time(NULL);

	if (svc->cps_rate <= 0)
		return true;
	if (now != st->cps_second) {
		st->cps_second = now;
		st->cps_count = 0;
	}
	if (++st->cps_count <= svc->cps_rate)
		return true;
	st->is_cps_paused = true;
	log_warnx("service %s: more than %d connections a second, pausing "
	    "for %d s", svc->name, svc->cps_rate, svc->cps_pause);
	loop_timer_set(&st->cps_timer, (uint64_t)svc->cps_pause * 1000,
	    access_cps_resume, st);
	return false;
}

static struct source *
access_source(struct access_state *st, const struct sockaddr *peer,
    bool create)
{
	struct source key, *s;

	acl_key(peer, key.addr);
	s = RB_FIND(source_tree, &st->sources, &key);
	if (s != NULL || !create)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	memcpy(s->addr, key.addr, sizeof(s->addr));
	RB_INSERT(source_tree, &st->sources, s);
	return s;
}

int
access_check(struct service *svc, const struct sockaddr *peer,
    socklen_t peerlen, const char **reason)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	if (st == NULL)
		return 0;
	if (st->acl != NULL) {
		acl_key(peer, key);
		enum acl_verdict v = acl_check(st->acl, key);
		if (v == ACL_DENY)
			return (*reason = "no_access", -1);
		if (v == ACL_NOT_LISTED)
			return (*reason = "only_from", -1);
	}
	if (!access_time_allowed(svc))
		return (*reason = "access_times", -1);
	if (!access_load_ok(svc))
		return (*reason = "max_load", -1);
	if (svc->per_source > 0) {
		struct source *s = access_source(st, peer, false);
		if (s != NULL && s->count >= svc->per_source)
			return (*reason = "per_source", -1);
	}
	if (!access_cps_ok(st))
		return (*reason = "cps", -1);
	return 0;
}

void
access_greet(struct service *svc, int conn, bool granted)
{
	struct access_state *st = svc->access;

	if (st == NULL)
		return;
	banner_send(conn, &st->banner);
	banner_send(conn, granted ? &st->banner_success : &st->banner_fail);
}

static void
access_peer_text(const struct sockaddr *peer, socklen_t len, char *ip,
    uint16_t *port)
{
	if (peer == NULL || addr_format(peer, len, ip, port) == -1) {
		strlcpy(ip, "-", ADDR_TEXT_MAX);
		*port = 0;
	}
}

void
access_refuse(struct service *svc, int conn, const struct sockaddr *peer,
    socklen_t peerlen, const char *reason)
{
	char ip[ADDR_TEXT_MAX];
	uint16_t port;

	access_greet(svc, conn, false);
	access_peer_text(peer, peerlen, ip, &port);
	log_info("%s: FAIL reason=%s host=%s port=%u", svc->name, reason, ip,
	    port);
	if (svc->is_paused)
		return;
	spawn_update(svc); /* cps may have just tripped */
}

void
access_on_start(struct service *svc, struct child *c)
{
	struct access_state *st = svc->access;
	char ip[ADDR_TEXT_MAX], line[512];
	uint16_t port;
	int n;

	if (st != NULL && svc->per_source > 0 && c->peerlen > 0) {
		struct source *s = access_source(st, (void *)&c->peer, true);
		if (s != NULL)
			s->count++;
	}
	if (svc->log_on_success == 0)
		return;
	n = snprintf(line, sizeof(line), "%s: START", svc->name);
	if (svc->log_on_success & LOGF_PID)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " pid=%ld",
		    (long)c->pid);
	if ((svc->log_on_success & LOGF_HOST) && c->peerlen > 0) {
		access_peer_text((void *)&c->peer, c->peerlen, ip, &port);
		snprintf(line + n, sizeof(line) - (size_t)n,
		    " host=%s port=%u", ip, port);
	}
	log_info("%s", line);
}

void
access_on_exit(struct service *svc, struct child *c, int status)
{
	struct access_state *st = svc->access;
	char line[512];
	int n;

	if (st != NULL && c->peerlen > 0) {
		struct source *s = access_source(st, (void *)&c->peer, false);
		if (s != NULL && --s->count <= 0) {
			RB_REMOVE(source_tree, &st->sources, s);
			free(s);
		}
	}
	if (svc->log_on_success == 0)
		return;
	n = snprintf(line, sizeof(line), "%s: EXIT", svc->name);
	if (svc->log_on_success & LOGF_PID)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " pid=%ld",
		    (long)c->pid);
	if ((svc->log_on_success & LOGF_EXIT) && WIFEXITED(status))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " status=%d",
		    WEXITSTATUS(status));
	if ((svc->log_on_success & LOGF_EXIT) && WIFSIGNALED(status))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " signal=%d",
		    WTERMSIG(status));
	if (svc->log_on_success & LOGF_DURATION)
		snprintf(line + n, sizeof(line) - (size_t)n, " duration=%.3fs",
		    (double)(loop_now_ms() - c->start_ms) / 1000.0);
	log_info("%s", line);
}

bool
access_must_pause(const struct service *svc)
{
	const struct access_state *st = svc->access;

	return st != NULL && st->is_cps_paused;
}
