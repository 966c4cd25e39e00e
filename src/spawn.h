/* SPDX-License-Identifier: ISC */
/* spawn.h -- start a handler: its environment, then vfork and exec */
#ifndef PORTIER_SPAWN_H
#define PORTIER_SPAWN_H

#include <sys/socket.h>
#include <stdbool.h>

#include "listen.h"
#include "service.h"

/*
 * The client and the address it connected to.  PEER NULL: no client
 * (wait = yes); LOCAL NULL: ask the connection (getsockname); a PROXY
 * header names both.
 */
struct spawn_ends {
	const struct sockaddr *peer;
	socklen_t peerlen;
	const struct sockaddr *local;
	socklen_t locallen;
};

/*
 * Start SVC's handler on CONN (the connection, or for wait = yes the
 * listener itself).  Returns its PID, or -1 (logged).
 */
pid_t spawn_exec(struct service *svc, struct listener *l, int conn,
                 const struct spawn_ends *ends);
/* Did the handler spawn_exec just started fail before its exec? */
bool spawn_failed_before_exec(void);

#endif
