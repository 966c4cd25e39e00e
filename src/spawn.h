/* SPDX-License-Identifier: ISC */
/* spawn.h -- start a handler: its environment, then vfork and exec */
#ifndef PORTIER_SPAWN_H
#define PORTIER_SPAWN_H

#include <sys/socket.h>
#include <stdbool.h>

#include "listen.h"
#include "service.h"

/*
 * Start SVC's handler on CONN (the connection, or for wait = yes the
 * listener itself; PEER NULL then).  Returns its PID, or -1 (logged).
 */
pid_t spawn_exec(struct service *svc, struct listener *l, int conn,
                 const struct sockaddr *peer, socklen_t peerlen);
/* Did the handler spawn_exec just started fail before its exec? */
bool spawn_failed_before_exec(void);

#endif
