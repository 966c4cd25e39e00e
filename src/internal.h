/* SPDX-License-Identifier: ISC */
/* internal.h -- classic services answered inside the master's loop */
#ifndef PORTIER_INTERNAL_H
#define PORTIER_INTERNAL_H

#include <sys/socket.h>
#include <stdbool.h>

#include "connlog.h"
#include "listen.h"
#include "service.h"

/*
 * What internal.c tells the layer above it (gate.c), which decides what
 * follows: per-source counts, log lines, pausing and resuming.
 */
struct internal_hooks {
	/* May this datagram's sender be answered?  A refusal is logged. */
	bool (*admit)(struct service *, const struct sockaddr *peer,
	              socklen_t peerlen);
	/* A connection began, or ended (its EXIT facts). */
	void (*started)(struct service *, const struct connlog_conn *);
	void (*ended)(struct service *, const struct connlog_conn *);
	/* A connection closed: one fewer towards internal_max. */
	void (*freed)(struct service *);
};

void internal_init(const struct internal_hooks *);
/* Take over an accepted stream connection; closes CONN when done.  False
 * if it could not be served (no room: closed at once). */
bool internal_accept(struct service *, int conn, const struct sockaddr *peer,
                     socklen_t peerlen);
/* Answer what is waiting on a dgram listener, without blocking. */
void internal_datagram(struct service *, struct listener *);
int internal_service_init(struct service *);
/* Connections open now, and whether that is internal_max. */
int internal_open(const struct service *);
bool internal_is_full(const struct service *);
void internal_service_fini(struct service *);
/* A reload kept the service: its open connections move to NEW. */
void internal_adopt(struct service *old, struct service *new);

#endif
