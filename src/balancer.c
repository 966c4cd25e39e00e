/* SPDX-License-Identifier: ISC */
/* balancer.c -- connections from a trusted balancer, until their PROXY header
 * is read */
#include <config.h>

#include <sys/socket.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balancer.h"
#include "log.h"
#include "loop.h"
#include "proxy.h"

static const struct balancer_hooks *hooks;

struct balancer_conn;

/* Per service: the connections whose header is still being read. */
struct balancer_state {
	struct service *svc;
	int pending;
	LIST_HEAD(, balancer_conn) conns;
};

struct balancer_conn {
	LIST_ENTRY(balancer_conn) entry;
	struct balancer_state *st;
	struct listener *l;
	struct loop_timer timer;
	struct sockaddr_storage peer; /* the balancer's own address */
	socklen_t peerlen;
	struct proxy_conn pc;
};

void
balancer_init(const struct balancer_hooks *h)
{
	hooks = h;
}

static struct balancer_state *
balancer_state(struct service *svc)
{
	struct balancer_state *st = svc->proxy;

	if (st != NULL)
		return st;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->svc = svc;
	LIST_INIT(&st->conns);
	svc->proxy = st;
	return st;
}

/* Stop watching C and free it; its descriptor is the caller's. */
static void
balancer_forget(struct balancer_conn *c)
{
	loop_unwatch_read(c->pc.fd);
	loop_timer_cancel(&c->timer);
	LIST_REMOVE(c, entry);
	c->st->pending--;
	free(c);
}

static void
balancer_fail(struct balancer_conn *c, const char *reason, const char *why)
{
	struct service *svc = c->st->svc;
	struct sockaddr_storage peer = c->peer;
	socklen_t peerlen = c->peerlen;

	close(c->pc.fd);
	balancer_forget(c);
	hooks->failed(svc, (struct sockaddr *)&peer, peerlen, reason, why);
	hooks->freed(svc);
}

static void
balancer_on_timeout(void *arg)
{
	balancer_fail(arg, "proxy_timeout", "no complete header in time");
}

/*
 * The header named the real endpoints, or (LOCAL, UNKNOWN: a health
 * check) the connection's own are the truth.
 */
static void
balancer_done(struct balancer_conn *c, const struct proxy_result *r)
{
	struct service *svc = c->st->svc;
	struct listener *l = c->l;
	int conn = c->pc.fd;
	struct sockaddr_storage client = c->peer, local;
	socklen_t clientlen = c->peerlen, locallen = sizeof(local);

	if (r->is_local) {
		if (getsockname(conn, (struct sockaddr *)&local, &locallen) ==
		    -1)
			locallen = 0;
	} else {
		client = r->src;
		local = r->dst;
		clientlen = locallen = r->addrlen;
	}
	balancer_forget(c);
	hooks->done(svc, l, conn, (struct sockaddr *)&client, clientlen,
	            locallen > 0 ? (struct sockaddr *)&local : NULL, locallen);
	hooks->freed(svc);
}

static void
balancer_on_read(int fd, void *arg)
{
	struct balancer_conn *c = arg;
	struct proxy_result r;

	(void)fd;
	switch (proxy_conn_read(&c->pc, &r)) {
	case PROXY_NEED_MORE:
		return;
	case PROXY_DONE:
		balancer_done(c, &r);
		return;
	default:
		balancer_fail(c, "proxy_header", r.error);
	}
}

int
balancer_start(struct service *svc, struct listener *l, int conn,
               const struct sockaddr *peer, socklen_t peerlen)
{
	struct balancer_state *st = balancer_state(svc);
	struct balancer_conn *c = NULL;

	if (st == NULL || peerlen > sizeof(c->peer) ||
	    (c = calloc(1, sizeof(*c))) == NULL ||
	    loop_watch_read(conn, balancer_on_read, c) == -1) {
		log_warn("service %s: PROXY header", svc->name);
		free(c);
		close(conn);
		return -1;
	}
	c->st = st;
	c->l = l;
	memcpy(&c->peer, peer, peerlen);
	c->peerlen = peerlen;
	proxy_conn_init(&c->pc, conn, loop_now_ms());
	loop_timer_set(&c->timer, PROXY_TIMEOUT_MS, balancer_on_timeout, c);
	LIST_INSERT_HEAD(&st->conns, c, entry);
	st->pending++;
	return 0;
}

int
balancer_pending(const struct service *svc)
{
	const struct balancer_state *st = svc->proxy;

	return st != NULL ? st->pending : 0;
}

bool
balancer_is_full(const struct service *svc)
{
	return balancer_pending(svc) >= BALANCER_PENDING_MAX;
}

void
balancer_adopt(struct service *old, struct service *new)
{
	struct balancer_state *st = old->proxy;

	if (st == NULL)
		return;
	st->svc = new;
	new->proxy = st;
	old->proxy = NULL;
}

void
balancer_service_fini(struct service *svc)
{
	struct balancer_state *st = svc->proxy;
	struct balancer_conn *c;

	if (st == NULL)
		return;
	while ((c = LIST_FIRST(&st->conns)) != NULL) {
		close(c->pc.fd);
		balancer_forget(c);
	}
	free(st);
	svc->proxy = NULL;
}
