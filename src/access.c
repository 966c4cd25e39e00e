/* SPDX-License-Identifier: ISC */
/* access.c -- who may connect, and how often: checks made before fork */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "acl.h"
#include "addr.h"
#include "io.h"
#include "limit.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"

/*
 * Banners are read once at load and sent by the master with one
 * non-blocking send: a fresh socket's send buffer (at least 4 KiB on
 * Linux) takes them whole, and should it not, the rest is cut rather
 * than letting one client stall every other service.
 */
#define ACCESS_BANNER_MAX 4096

struct banner {
	char *text;
	size_t len;
};

struct access_state {
	struct service *svc;
	struct acl *acl;
	struct limit_source_tree sources;
	struct limit_cps cps;
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
	ssize_t n = io_read_full(fd, b->text, ACCESS_BANNER_MAX);
	close(fd);
	b->len = n > 0 ? (size_t)n : 0;
	return 0;
}

static void
banner_send(int conn, const struct banner *b)
{
	if (b->len > 0)
		(void)send(conn, b->text, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static int
access_load_rules(struct access_state *st, char *why, size_t whylen)
{
	struct service *svc = st->svc;

	if (svc->has_only_from || svc->no_access != NULL) {
		st->acl = acl_new(svc->has_only_from, svc->only_from,
		                  svc->no_access, why, whylen);
		if (st->acl == NULL)
			return -1;
	}
	if (banner_load(svc->banner, &st->banner, why, whylen) == -1 ||
	    banner_load(svc->banner_success, &st->banner_success, why,
	                whylen) == -1 ||
	    banner_load(svc->banner_fail, &st->banner_fail, why, whylen) == -1)
		return -1;
	return 0;
}

/* "FILE:LINE: service NAME: WHY", as conf.c words its errors. */
static void
access_error(const struct service *svc, const char *why, char *err,
             size_t errlen)
{
	if (svc->file != NULL)
		snprintf(err, errlen, "%s:%d: service %s: %s", svc->file,
		         svc->line, svc->name, why);
	else
		snprintf(err, errlen, "service %s: %s", svc->name, why);
}

int
access_service_init(struct service *svc, char *err, size_t errlen)
{
	struct access_state *st;
	char why[256] = "out of memory";

	if (svc->access != NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		access_error(svc, why, err, errlen);
		return -1;
	}
	st->svc = svc;
	limit_sources_init(&st->sources);
	svc->access = st;
	if (access_load_rules(st, why, sizeof(why)) == -1) {
		access_error(svc, why, err, errlen);
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
	limit_sources_clear(&st->sources);
	free(st->banner.text);
	free(st->banner_success.text);
	free(st->banner_fail.text);
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
	spawn_update(st->svc);
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

int
access_check(struct service *svc, const struct sockaddr *peer,
             socklen_t peerlen, const char **reason)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	(void)peerlen;
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
access_greet(struct service *svc, int conn, bool granted)
{
	struct access_state *st = svc->access;

	if (st == NULL || conn < 0)
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

/* A log line built field by field, cut (never overrun) when too long. */
struct access_line {
	char text[512];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
access_line_add(struct access_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

static void
access_line_host(struct access_line *l, const struct access_conn *c)
{
	char ip[ADDR_TEXT_MAX];
	uint16_t port;

	if (c->peer == NULL)
		return;
	access_peer_text(c->peer, c->peerlen, ip, &port);
	access_line_add(l, " host=%s port=%u", ip, port);
}

static void
access_log_start(const struct service *svc, const struct access_conn *c)
{
	int bits = svc->log_on_success;
	struct access_line l = {.len = 0};

	access_line_add(&l, "%s: START", svc->name);
	if ((bits & LOGF_PID) && c->pid != 0)
		access_line_add(&l, " pid=%ld", c->pid);
	if (bits & LOGF_HOST)
		access_line_host(&l, c);
	log_info("%s", l.text);
}

static void
access_log_exit(const struct service *svc, const struct access_conn *c)
{
	int bits = svc->log_on_success;
	struct access_line l = {.len = 0};

	access_line_add(&l, "%s: EXIT", svc->name);
	if ((bits & LOGF_PID) && c->pid != 0)
		access_line_add(&l, " pid=%ld", c->pid);
	if ((bits & LOGF_HOST))
		access_line_host(&l, c);
	if ((bits & LOGF_EXIT) && c->status != -1 && WIFEXITED(c->status))
		access_line_add(&l, " status=%d", WEXITSTATUS(c->status));
	if ((bits & LOGF_EXIT) && c->status != -1 && WIFSIGNALED(c->status))
		access_line_add(&l, " signal=%d", WTERMSIG(c->status));
	if (bits & LOGF_DURATION)
		access_line_add(&l, " duration=%.3fs",
		                (double)(loop_now_ms() - c->start_ms) / 1000.0);
	if ((bits & LOGF_TRAFFIC) && c->has_traffic)
		access_line_add(&l, " bytes_in=%" PRIu64 " bytes_out=%" PRIu64,
		                c->bytes_in, c->bytes_out);
	log_info("%s", l.text);
}

void
access_conn_start(struct service *svc, const struct access_conn *c)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	/* Counted always, so a reload that sets per_source sees the truth. */
	if (st != NULL && c->peer != NULL) {
		acl_key(c->peer, key);
		if (limit_source_enter(&st->sources, key) == -1)
			log_warn("service %s: per_source", svc->name);
	}
	if (svc->log_on_success != 0)
		access_log_start(svc, c);
}

void
access_conn_end(struct service *svc, const struct access_conn *c)
{
	struct access_state *st = svc->access;
	uint8_t key[16];

	if (st != NULL && c->peer != NULL) {
		acl_key(c->peer, key);
		limit_source_leave(&st->sources, key);
	}
	if (svc->log_on_success != 0)
		access_log_exit(svc, c);
}

static void
access_conn_of_child(const struct child *child, int status,
                     struct access_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->pid = (long)child->pid;
	if (child->peerlen > 0) {
		c->peer = (const struct sockaddr *)&child->peer;
		c->peerlen = child->peerlen;
	}
	c->start_ms = child->start_ms;
	c->status = status;
	c->has_traffic = child->has_traffic;
	c->bytes_in = child->bytes_in;
	c->bytes_out = child->bytes_out;
}

void
access_on_start(struct service *svc, struct child *child)
{
	struct access_conn c;

	access_conn_of_child(child, -1, &c);
	access_conn_start(svc, &c);
}

void
access_on_exit(struct service *svc, struct child *child, int status)
{
	struct access_conn c;

	access_conn_of_child(child, status, &c);
	access_conn_end(svc, &c);
}

/* The text of a 128-bit key: IPv4 for a mapped address. */
static void
access_key_text(const uint8_t key[16], char ip[ADDR_TEXT_MAX])
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	uint16_t port;

	memcpy(&sin6.sin6_addr, key, 16);
	access_peer_text((struct sockaddr *)&sin6, sizeof(sin6), ip, &port);
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

static int
access_parse_count(const char **p, const char *end, const char *key,
                   uint64_t *out)
{
	size_t keylen = strlen(key);
	uint64_t v = 0;
	const char *s = *p;

	if ((size_t)(end - s) <= keylen || memcmp(s, key, keylen) != 0)
		return -1;
	s += keylen;
	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int
access_parse_traffic(const char *line, size_t len, uint64_t *in, uint64_t *out)
{
	const char *p = line, *end = line + len;

	if (access_parse_count(&p, end, "traffic in=", in) == -1 ||
	    access_parse_count(&p, end, " out=", out) == -1 || p != end)
		return -1;
	return 0;
}
