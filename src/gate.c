/* SPDX-License-Identifier: ISC */
/* gate.c -- admission: accept, datagram readiness, every pause and resume */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "backoff.h"
#include "balancer.h"
#include "banner.h"
#include "children.h"
#include "connlog.h"
#include "gate.h"
#include "internal.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "spawn.h"
#include "starve.h"
#include "tally.h"

/* Accepts per wakeup: enough to drain a burst, bounded to stay fair. */
#define GATE_ACCEPT_BURST 32

static int max_children; /* 0: no global cap */
static bool is_held;     /* an upgrade is about to re-execute */
static uint64_t
gate_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
gate_set_max_children(int n)
{
	max_children = n;
}

static bool
gate_is_full(void)
{
	return max_children > 0 && children_count() >= max_children;
}

/*
 * Every reason a service's listeners go unwatched, in one place: new
 * clients then wait in the kernel's backlog (a pause, never a refusal).
 * NULL: watch them.
 */
const char *
gate_pause_reason(const struct service *svc)
{
	if (svc->is_retired)
		return "retired";
	if (is_held)
		return "upgrade";
	if (starve_blocks(svc))
		return "descriptors";
	if (backoff_is_paused(svc))
		return "backoff";
	if (gate_is_full())
		return "max_children";
	if (svc->is_wait && !svc->is_internal && svc->running > 0)
		return "wait";
	if (svc->instances > 0 && svc->running >= svc->instances)
		return "instances";
	if (svc->is_internal && internal_is_full(svc))
		return "internal_max";
	if (balancer_is_full(svc))
		return "proxy_pending";
	return access_must_pause(svc) ? "cps" : NULL;
}

/* The limits a user set: their pauses are worth a log line each way. */
static bool
gate_is_limit(const char *reason)
{
	return strcmp(reason, "instances") == 0 ||
	       strcmp(reason, "max_children") == 0 ||
	       strcmp(reason, "internal_max") == 0;
}

static void gate_on_accept(int fd, void *arg);
static void gate_on_ready(int fd, void *arg);

static void
gate_resume(struct service *svc)
{
	bool accepts = svc->socket_type == SOCK_STREAM && !svc->is_wait;
	struct listener *l;

	svc->is_paused = false;
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		if (l->is_watched)
			continue;
		if (loop_watch_read(l->fd,
		                    accepts ? gate_on_accept : gate_on_ready,
		                    l) == -1) {
			log_warn("service %s: %s", svc->name, l->text);
			continue;
		}
		l->is_watched = true;
	}
}

static void
gate_pause(struct service *svc)
{
	struct listener *l;

	svc->is_paused = true;
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		if (l->is_watched)
			loop_unwatch_read(l->fd);
		l->is_watched = false;
	}
}

/* Watch or unwatch SVC's listeners as every limit says now. */
static void
gate_update(struct service *svc)
{
	const char *reason = gate_pause_reason(svc);

	if ((reason != NULL) != svc->is_paused)
		log_debug("gate: service %s: %s%s", svc->name,
		          reason ? "pause: " : "resume", reason ? reason : "");
	if (reason != NULL) {
		connlog_pause(svc, reason, gate_is_limit(reason));
		gate_pause(svc);
		return;
	}
	connlog_resume(svc);
	gate_resume(svc);
}

/* Something every service depends on changed: judge them all again. */
static void
gate_update_all(void)
{
	svc_foreach(gate_update);
}

/* "127.0.0.1:4711" for debug lines; "-" when there is no peer (wait). */
static const char *
gate_peer_text(const struct sockaddr *peer, socklen_t peerlen)
{
	static char text[ADDR_TEXT_MAX + 8];
	char ip[ADDR_TEXT_MAX];
	uint16_t port;

	if (!log_is_enabled(LOG_LEVEL_DEBUG))
		return "";
	if (peer == NULL || peerlen == 0)
		return "-";
	addr_format(peer, peerlen, ip, &port);
	snprintf(text, sizeof(text), "%s:%u", ip, port);
	return text;
}

/* Log a refusal and send banner_fail; the caller closes CONN. */
static void
gate_refuse(struct service *svc, int conn, const struct sockaddr *peer,
            socklen_t peerlen, const char *reason)
{
	log_debug("gate: service %s: refuse %s: %s", svc->name,
	          gate_peer_text(peer, peerlen), reason);
	banner_send(svc, conn, false);
	if (conn == -1 && svc->socket_type == SOCK_DGRAM)
		connlog_fail_datagram(svc, peer, peerlen, reason);
	else
		connlog_fail(svc, peer, peerlen, reason);
	metrics_refused(tally_metrics(svc), reason);
	if (!svc->is_paused)
		gate_update(svc); /* cps may have just tripped */
}

/* spawn_exec failed with ERR: out of descriptors, or a back-off count.
 * True if a descriptor was freed instead (starve.c): try again. */
static bool
gate_spawn_failed(struct service *svc, int err)
{
	if (err == EMFILE || err == ENFILE)
		return starve_begin(svc, "spawn", err);
	(void)backoff_failed(svc, "fork failed");
	return false;
}

/* Start SVC's handler on CONN; the gate keeps no copy of CONN. */
static void
gate_exec(struct service *svc, struct listener *l, int conn,
          const struct spawn_ends *ends)
{
	struct child *c = children_new();
	uint64_t began = gate_now_us();
	pid_t pid;

	if (c == NULL) {
		log_warn("service %s: spawn", svc->name);
		tally_metrics(svc)->failed++;
		return;
	}
	/* A descriptor freed for want of one is this client's: at most once,
	 * as there is only trim.c's to give back. */
	while ((pid = spawn_exec(svc, l, conn, ends)) == -1) {
		if (gate_spawn_failed(svc, errno))
			continue;
		children_discard(c);
		tally_metrics(svc)->failed++;
		return;
	}
	starve_served();
	metrics_observe_spawn(tally_metrics(svc), gate_now_us() - began);
	children_insert(c, pid, svc, ends->peer, ends->peerlen);
	if (!svc->is_wait)
		backoff_judge_spawn(svc, spawn_failed_before_exec());
	log_debug("gate: service %s: spawn %s as PID %ld", svc->name,
	          svc->server, (long)pid);
	struct connlog_conn facts = {.pid = (long)pid,
	                             .peer = ends->peer,
	                             .peerlen = ends->peerlen,
	                             .start_ms = loop_now_ms(),
	                             .status = -1};
	tally_started(svc, &facts);
}

void
gate_hold(bool on)
{
	is_held = on;
	gate_update_all();
}

bool
gate_is_idle(void)
{
	const struct config *cfg = svc_running();
	const struct service *svc;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	if (internal_open(svc) > 0 || balancer_pending(svc) > 0)
		return false;
	return true;
}

void
gate_adopt_handler(struct service *svc, pid_t pid, const struct sockaddr *peer,
                   socklen_t peerlen, uint64_t start_ms)
{
	struct child *c = children_new();

	if (c == NULL) {
		log_warn("service %s: handler %ld", svc->name, (long)pid);
		return;
	}
	children_insert(c, pid, svc, peer, peerlen);
	children_started_at(c, start_ms);
	access_enter(svc, peer);
	tally_metrics(svc)->running++;
}

/* The client is known (a PROXY header may have named it): admit it. */
static void
gate_admit(struct service *svc, struct listener *l, int conn,
           const struct spawn_ends *ends)
{
	const char *reason = NULL;

	if (access_check(svc, ends->peer, &reason) == -1) {
		gate_refuse(svc, conn, ends->peer, ends->peerlen, reason);
		close(conn);
		return;
	}
	log_debug("gate: service %s: admit %s", svc->name,
	          gate_peer_text(ends->peer, ends->peerlen));
	banner_send(svc, conn, true);
	if (svc->is_internal) {
		if (internal_accept(svc, conn, ends->peer, ends->peerlen))
			starve_served();
		if (internal_is_full(svc))
			gate_update(svc); /* internal_max: the rest wait */
		return;
	}
	bool was_full = gate_is_full();
	gate_exec(svc, l, conn, ends);
	close(conn);
	if (!was_full && gate_is_full())
		gate_update_all(); /* max_children: everyone waits */
	else
		gate_update(svc);
}

/* A balancer's header was read: from here on the client is the client.
 */
static void
gate_proxied(struct service *svc, struct listener *l, int conn,
             const struct sockaddr *client, socklen_t clientlen,
             const struct sockaddr *local, socklen_t locallen)
{
	struct spawn_ends ends = {client, clientlen, local, locallen};

	gate_admit(svc, l, conn, &ends);
}

static void
gate_proxy_failed(struct service *svc, const struct sockaddr *balancer,
                  socklen_t balancerlen, const char *reason, const char *why)
{
	log_info("%s: PROXY header: %s", svc->name, why);
	connlog_fail(svc, balancer, balancerlen, reason);
	metrics_refused(tally_metrics(svc), reason);
}

static void
gate_connection(struct service *svc, struct listener *l, int conn,
                const struct sockaddr *peer, socklen_t peerlen)
{
	struct spawn_ends ends = {peer, peerlen, NULL, 0};

	if (!svc->proxy_protocol) {
		gate_admit(svc, l, conn, &ends);
		return;
	}
	/* Only a trusted balancer may say who the client is. */
	if (!access_is_balancer(svc, peer)) {
		gate_refuse(svc, conn, peer, peerlen, "proxy_from");
		close(conn);
		return;
	}
	if (balancer_start(svc, l, conn, peer, peerlen) == 0 &&
	    balancer_is_full(svc))
		gate_update(svc); /* the rest wait in the backlog */
}

static void
gate_on_accept(int fd, void *arg)
{
	struct listener *l = arg;
	struct service *svc = l->svc;

	for (int i = 0; i < GATE_ACCEPT_BURST && !svc->is_paused; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int conn =
		    accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		if (conn == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				(void)starve_begin(svc, "accept", errno);
			return;
		}
		gate_connection(svc, l, conn, (struct sockaddr *)&peer, len);
	}
}

/*
 * wait = yes: the handler, not the master, takes the client, so the
 * master checks before handing the socket over.  A datagram's sender is
 * seen with MSG_PEEK and a refused datagram is dropped.  A stream's
 * client is unknown until accepted: the rules that need no address
 * (access_times, max_load, cps) are checked, and a refusal accepts one
 * client to close it, so the listener does not stay readable forever.
 */
static bool
gate_ready_refused(struct service *svc, struct listener *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	const char *reason;
	char byte;
	int conn = -1;

	if (svc->socket_type == SOCK_DGRAM) {
		if (recvfrom(l->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT,
		             (struct sockaddr *)&peer, &len) == -1)
			return errno == EAGAIN || errno == EINTR;
		if (access_check(svc, (struct sockaddr *)&peer, &reason) == 0)
			return false;
		(void)recv(l->fd, &byte, 1, MSG_DONTWAIT);
	} else {
		if (access_check(svc, NULL, &reason) == 0)
			return false;
		conn = accept4(l->fd, (struct sockaddr *)&peer, &len,
		               SOCK_CLOEXEC);
		if (conn == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				(void)starve_begin(svc, "accept", errno);
			return true;
		}
	}
	gate_refuse(svc, conn, (struct sockaddr *)&peer, len, reason);
	if (conn != -1)
		close(conn);
	return true;
}

/* wait = yes, and every dgram service: the handler gets the socket. */
static void
gate_on_ready(int fd, void *arg)
{
	struct listener *l = arg;
	struct service *svc = l->svc;

	if (svc->is_internal) {
		internal_datagram(svc, l);
		return;
	}
	if (gate_ready_refused(svc, l))
		return;
	struct spawn_ends none = {NULL, 0, NULL, 0};

	gate_pause(svc);
	backoff_mark_input(svc, fd);
	gate_exec(svc, l, fd, &none);
	gate_update(svc);
}

/* A handler exited: the log, per_source, and room for the next one. */
static void
gate_on_child_exit(struct service *svc, const struct connlog_conn *facts)
{
	connlog_handler_status(svc, facts->pid, facts->status);
	backoff_judge_exit(svc, facts->status, facts->start_ms);
	metrics_exited(tally_metrics(svc), facts->status);
	log_debug("gate: service %s: reap PID %ld, %s %d, %d running",
	          svc->name, facts->pid,
	          WIFSIGNALED(facts->status) ? "signal" : "exit",
	          WIFSIGNALED(facts->status) ? WTERMSIG(facts->status)
	                                     : WEXITSTATUS(facts->status),
	          svc->running);
	tally_ended(svc, facts);
	if (!svc->is_retired)
		gate_update(svc);
	else if (svc->running == 0)
		svc_free(svc); /* removed by a reload; its last handler
		                  left */
}

void
gate_reap(void)
{
	bool was_full = gate_is_full();

	children_reap();
	if (was_full && !gate_is_full())
		gate_update_all();
}

/* An internal service's datagram: admitted, or refused and logged. */
static bool
gate_admit_datagram(struct service *svc, const struct sockaddr *peer,
                    socklen_t peerlen)
{
	const char *reason;

	if (access_check(svc, peer, &reason) == 0) {
		tally_metrics(svc)->accepted++;
		return true;
	}
	gate_refuse(svc, -1, peer, peerlen, reason);
	return false;
}

/* An internal connection closed, or a header was read: below
 * internal_max or BALANCER_PENDING_MAX again. */
static void
gate_slot_freed(struct service *svc)
{
	if (svc->is_paused)
		gate_update(svc);
}

static const struct internal_hooks gate_internal_hooks = {
    .admit = gate_admit_datagram,
    .started = tally_started,
    .ended = tally_ended,
    .freed = gate_slot_freed,
};

static const struct balancer_hooks gate_balancer_hooks = {
    .done = gate_proxied,
    .failed = gate_proxy_failed,
    .freed = gate_slot_freed,
};

int
gate_init(void)
{
	access_init(gate_update);
	backoff_init(gate_update);
	starve_init(gate_update_all);
	internal_init(&gate_internal_hooks);
	balancer_init(&gate_balancer_hooks);
	return children_init(gate_on_child_exit);
}

static int
gate_prepare(struct service *svc, char *err, size_t errlen)
{
	if (access_service_init(svc, err, errlen) == -1 ||
	    banner_service_init(svc, err, errlen) == -1)
		return -1;
	if (backoff_service_init(svc) == -1) {
		svc_error(svc, "out of memory", err, errlen);
		return -1;
	}
	return 0;
}

static void
gate_unprepare(struct service *svc)
{
	access_service_fini(svc);
	banner_service_fini(svc);
	backoff_service_fini(svc);
	connlog_service_fini(svc);
}

static int
gate_open(struct service *svc, char *err, size_t errlen)
{
	if (svc->metrics == NULL)
		svc->metrics = calloc(1, sizeof(*svc->metrics));
	/* Internal services, and every UDP service for the loop guard.
	 */
	if (svc->metrics == NULL || internal_service_init(svc) == -1) {
		snprintf(err, errlen, "service %s: out of memory", svc->name);
		return -1;
	}
	if (listen_open(svc, err, errlen) == -1)
		return -1;
	gate_update(svc);
	return 0;
}

static void
gate_close(struct service *svc)
{
	gate_pause(svc);
	backoff_forget_input(svc);
	balancer_service_fini(svc);
	listen_close_all(svc);
	internal_service_fini(svc);
}

static void
gate_adopt(struct service *old, struct service *new)
{
	struct listener *l;

	gate_pause(old);
	while ((l = TAILQ_FIRST(&old->listeners)) != NULL) {
		TAILQ_REMOVE(&old->listeners, l, entry);
		l->svc = new;
		TAILQ_INSERT_TAIL(&new->listeners, l, entry);
	}
	children_adopt(old, new);
	internal_adopt(old, new);
	balancer_adopt(old, new);
	access_adopt(old, new);
	backoff_adopt(old, new);
	new->metrics = old->metrics;
	old->metrics = NULL;
	/* wait = yes stays paused until its handler exits, and so on.
	 */
	gate_update(new);
}

const struct svc_hooks gate_svc_hooks = {
    .prepare = gate_prepare,
    .unprepare = gate_unprepare,
    .open = gate_open,
    .close = gate_close,
    .adopt = gate_adopt,
    .set_max_children = gate_set_max_children,
};
