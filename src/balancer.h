/* SPDX-License-Identifier: ISC */
/* balancer.h -- connections from a trusted balancer, until their PROXY header
 * is read */
#ifndef PORTIER_BALANCER_H
#define PORTIER_BALANCER_H

#include <sys/socket.h>
#include <stdbool.h>

#include "listen.h"
#include "service.h"

/* Headers being read at once per service; more wait in the backlog. */
#define BALANCER_PENDING_MAX 64

/*
 * What balancer.c tells the gate.  DONE: the header was read, CONN is
 * positioned at the client's first byte; CLIENT and LOCAL are the real
 * endpoints (the connection's own for LOCAL/UNKNOWN headers).  FAILED:
 * CONN is already closed; REASON is proxy_header or proxy_timeout, WHY
 * the detail.  FREED: one fewer header pending.
 */
struct balancer_hooks {
	void (*done)(struct service *, struct listener *, int conn,
	             const struct sockaddr *client, socklen_t clientlen,
	             const struct sockaddr *local, socklen_t locallen);
	void (*failed)(struct service *, const struct sockaddr *balancer,
	               socklen_t balancerlen, const char *reason,
	               const char *why);
	void (*freed)(struct service *);
};

void balancer_init(const struct balancer_hooks *);
/*
 * Take CONN, accepted on L from the balancer PEER, and read its header
 * without blocking; the hooks say how it ended.  -1 (CONN closed) when
 * it cannot be watched.
 */
int balancer_start(struct service *, struct listener *l, int conn,
                   const struct sockaddr *peer, socklen_t peerlen);
/* At BALANCER_PENDING_MAX headers pending. */
bool balancer_is_full(const struct service *);
int balancer_pending(const struct service *);
/* A reload kept the service: its pending headers move to NEW. */
void balancer_adopt(struct service *old, struct service *new);
/* The service closes: drop its pending connections, unlogged. */
void balancer_service_fini(struct service *);

#endif
