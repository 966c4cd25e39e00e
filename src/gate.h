/* SPDX-License-Identifier: ISC */
/* gate.h -- admission: accept, datagram readiness, every pause and resume */
#ifndef PORTIER_GATE_H
#define PORTIER_GATE_H

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

/* SIGCHLD: reap the handlers, and let waiting services in again. */
void gate_reap(void);

#endif
