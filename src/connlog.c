/* SPDX-License-Identifier: ISC */
/* connlog.c -- the connection log: START, EXIT, FAIL, PAUSE and RESUME lines
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "connlog.h"
#include "log.h"
#include "loop.h"

/* A log line built field by field, cut (never overrun) when too long. */
struct connlog_line {
	char text[512];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
connlog_add(struct connlog_line *l, const char *fmt, ...)
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

/* " host=IP port=N", or "-" and 0 for a peer that has no address. */
static void
connlog_add_host(struct connlog_line *l, const struct sockaddr *peer,
                 socklen_t peerlen)
{
	char ip[ADDR_TEXT_MAX];
	uint16_t port;

	if (peer == NULL || addr_format(peer, peerlen, ip, &port) == -1) {
		strlcpy(ip, "-", sizeof(ip));
		port = 0;
	}
	connlog_add(l, " host=%s port=%u", ip, port);
}

static void
connlog_add_pid_host(struct connlog_line *l, int bits,
                     const struct connlog_conn *c)
{
	if ((bits & LOGF_PID) && c->pid != 0)
		connlog_add(l, " pid=%ld", c->pid);
	if ((bits & LOGF_HOST) && c->peer != NULL)
		connlog_add_host(l, c->peer, c->peerlen);
}

void
connlog_start(const struct service *svc, const struct connlog_conn *c)
{
	struct connlog_line l = {.len = 0};

	if (svc->log_on_success == 0)
		return;
	connlog_add(&l, "%s: START", svc->name);
	connlog_add_pid_host(&l, svc->log_on_success, c);
	log_info("%s", l.text);
}

void
connlog_exit(const struct service *svc, const struct connlog_conn *c)
{
	int bits = svc->log_on_success;
	struct connlog_line l = {.len = 0};

	if (bits == 0)
		return;
	connlog_add(&l, "%s: EXIT", svc->name);
	connlog_add_pid_host(&l, bits, c);
	if ((bits & LOGF_EXIT) && c->status != -1 && WIFEXITED(c->status))
		connlog_add(&l, " status=%d", WEXITSTATUS(c->status));
	if ((bits & LOGF_EXIT) && c->status != -1 && WIFSIGNALED(c->status))
		connlog_add(&l, " signal=%d", WTERMSIG(c->status));
	if (bits & LOGF_DURATION)
		connlog_add(&l, " duration=%.3fs",
		            (double)(loop_now_ms() - c->start_ms) / 1000.0);
	if ((bits & LOGF_TRAFFIC) && c->has_traffic)
		connlog_add(&l, " bytes_in=%" PRIu64 " bytes_out=%" PRIu64,
		            c->bytes_in, c->bytes_out);
	log_info("%s", l.text);
}

void
connlog_handler_status(const struct service *svc, long pid, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("service %s: handler %ld killed by signal %d%s",
		          svc->name, pid, WTERMSIG(status),
		          WCOREDUMP(status) ? " (core dumped)" : "");
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_info("service %s: handler %ld exited with status %d",
		         svc->name, pid, WEXITSTATUS(status));
}

/* Unset, log_on_failure means {HOST}: the FAIL line names the client. */
void
connlog_fail(const struct service *svc, const struct sockaddr *peer,
             socklen_t peerlen, const char *reason)
{
	int bits = svc->log_on_failure ? svc->log_on_failure : LOGF_HOST;
	struct connlog_line l = {.len = 0};

	connlog_add(&l, "%s: FAIL reason=%s", svc->name, reason);
	if (bits & LOGF_HOST)
		connlog_add_host(&l, peer, peerlen);
	log_info("%s", l.text);
}

/* Refused datagrams of one service being summed up. */
struct connlog_refusals {
	struct service *svc;
	struct loop_timer timer;
	uint64_t since_ms;
	uint64_t count;
	const char *reason; /* NULL once they differ */
	int family;         /* AF_INET, AF_INET6, or AF_UNSPEC once mixed */
	unsigned char addr[16];
	int bits; /* how many leading bits all sources share */
};

/* PEER's address as AF_INET (v4-mapped too) or AF_INET6 bytes, or 0. */
static int
connlog_addr_bytes(const struct sockaddr *peer, unsigned char out[16])
{
	if (peer != NULL && peer->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		return AF_INET;
	}
	if (peer == NULL || peer->sa_family != AF_INET6)
		return 0;
	const struct in6_addr *a =
	    &((const struct sockaddr_in6 *)peer)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(out, a->s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, a->s6_addr, 16);
	return AF_INET6;
}

/* Narrow R's prefix until it covers PEER too. */
static void
connlog_refusals_add(struct connlog_refusals *r, const struct sockaddr *peer)
{
	unsigned char b[16] = {0};
	int family = connlog_addr_bytes(peer, b);

	if (r->count++ == 0) {
		r->family = family;
		memcpy(r->addr, b, sizeof(b));
		r->bits = family == AF_INET ? 32 : 128;
		return;
	}
	if (family != r->family) {
		r->family = AF_UNSPEC;
		return;
	}
	int same = 0;
	while (same < r->bits &&
	       ((r->addr[same / 8] ^ b[same / 8]) & (0x80 >> (same % 8))) == 0)
		same++;
	r->bits = same;
}

/* "10.0.0.0/8", or "anywhere" when the families were mixed. */
static void
connlog_refusals_prefix(const struct connlog_refusals *r, char *buf,
                        size_t size)
{
	unsigned char masked[16] = {0};
	char ip[INET6_ADDRSTRLEN];

	if (r->family != AF_INET && r->family != AF_INET6) {
		strlcpy(buf, "anywhere", size);
		return;
	}
	for (int i = 0; i < r->bits; i++)
		masked[i / 8] |= r->addr[i / 8] & (0x80 >> (i % 8));
	inet_ntop(r->family, masked, ip, sizeof(ip));
	snprintf(buf, size, "%s/%d", ip, r->bits);
}

static void
connlog_refusals_report(struct connlog_refusals *r)
{
	char prefix[INET6_ADDRSTRLEN + 8];

	if (r->count == 0)
		return;
	connlog_refusals_prefix(r, prefix, sizeof(prefix));
	log_info("%s: FAIL reason=%s refused %" PRIu64
	         " datagram%s from %s in %.0f s",
	         r->svc->name, r->reason ? r->reason : "several", r->count,
	         r->count == 1 ? "" : "s", prefix,
	         (double)(loop_now_ms() - r->since_ms) / 1000.0);
	r->count = 0;
	r->reason = NULL;
}

/* The summing-up period ended: report it; a quiet one ends the burst. */
static void
connlog_refusals_due(void *arg)
{
	struct connlog_refusals *r = arg;

	if (r->count == 0) {
		r->svc->refusals = NULL;
		free(r);
		return;
	}
	connlog_refusals_report(r);
	r->since_ms = loop_now_ms();
	loop_timer_set(&r->timer, CONNLOG_SUMMARY_MS, connlog_refusals_due, r);
}

void
connlog_fail_datagram(struct service *svc, const struct sockaddr *peer,
                      socklen_t peerlen, const char *reason)
{
	struct connlog_refusals *r = svc->refusals;

	if (r == NULL) {
		/* The first of a burst: a line of its own, as for a client. */
		connlog_fail(svc, peer, peerlen, reason);
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return;
		r->svc = svc;
		r->since_ms = loop_now_ms();
		svc->refusals = r;
		loop_timer_set(&r->timer, CONNLOG_SUMMARY_MS,
		               connlog_refusals_due, r);
		return;
	}
	if (r->count == 0)
		r->reason = reason;
	else if (r->reason != NULL && strcmp(r->reason, reason) != 0)
		r->reason = NULL;
	connlog_refusals_add(r, peer);
}

void
connlog_service_fini(struct service *svc)
{
	struct connlog_refusals *r = svc->refusals;

	if (r == NULL)
		return;
	connlog_refusals_report(r);
	loop_timer_cancel(&r->timer);
	free(r);
	svc->refusals = NULL;
}

/* At most one PAUSE line a second per service: a flood against
 * instances pauses and resumes once per handler. */
void
connlog_pause(struct service *svc, const char *reason, bool is_limit)
{
	uint64_t now = loop_now_ms();

	if (svc->is_paused || !is_limit || now - svc->limit_logged_ms < 1000)
		return;
	log_info("%s: PAUSE reason=%s running=%d", svc->name, reason,
	         svc->running);
	svc->limit_logged_ms = now;
	svc->was_limited = true;
}

void
connlog_resume(struct service *svc)
{
	if (svc->is_paused && svc->was_limited)
		log_info("%s: RESUME running=%d", svc->name, svc->running);
	svc->was_limited = false;
}

static int
connlog_parse_count(const char **p, const char *end, const char *key,
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
connlog_parse_traffic(const char *line, size_t len, uint64_t *in, uint64_t *out)
{
	const char *p = line, *end = line + len;

	if (connlog_parse_count(&p, end, "traffic in=", in) == -1 ||
	    connlog_parse_count(&p, end, " out=", out) == -1 || p != end)
		return -1;
	return 0;
}
