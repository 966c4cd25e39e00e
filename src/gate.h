/* SPDX-License-Identifier: ISC */
/* gate.h -- admission: accept, datagram readiness, every pause and resume */
#ifndef PORTIER_GATE_H
#define PORTIER_GATE_H

#include <sys/socket.h>
#include <stdint.h>

#include "service.h"

/* What the service table asks of the gate (see struct svc_hooks). */
extern const struct svc_hooks gate_svc_hooks;

/* Wire the layers below to the gate; once, after loop_init. */
int gate_init(void);

/*
 * Why SVC's listeners go unwatched now (retired, max_children, wait,
 * instances, internal_max, proxy_pending, cps), or NULL.
 */
const char *gate_pause_reason(const struct service *);

/*
 * Upgrade: hold every listener (clients wait in the backlogs) until the
 * exec, or undo that when it failed; idle when no connection is served
 * inside the loop and no PROXY header is being read.
 */
void gate_hold(bool on);
bool gate_is_idle(void);

/*
 * Upgrade: a handler the previous image started, now this one's to reap
 * and log (its START line was written already).
 */
void gate_adopt_handler(struct service *svc, pid_t pid,
                        const struct sockaddr *peer, socklen_t peerlen,
                        uint64_t start_ms);

/* SIGCHLD: reap the handlers, and let waiting services in again. */
void gate_reap(void);

#endif
