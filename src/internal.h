/* SPDX-License-Identifier: ISC */
/* internal.h -- classic services answered inside the master's loop */
#ifndef PORTIER_INTERNAL_H
#define PORTIER_INTERNAL_H

#include <sys/socket.h>
#include <stdbool.h>

#include "listen.h"
#include "service.h"

/* Take over an accepted stream connection; closes CONN when done. */
void internal_accept(struct service *, struct listener *, int conn,
                     const struct sockaddr *peer, socklen_t peerlen);
/* Answer what is waiting on a dgram listener, without blocking. */
void internal_datagram(struct service *, struct listener *);
int internal_service_init(struct service *);
/* At internal_max open connections. */
bool internal_is_full(const struct service *);
void internal_service_fini(struct service *);
/* A reload kept the service: its open connections move to NEW. */
void internal_adopt(struct service *old, struct service *new);

#endif
