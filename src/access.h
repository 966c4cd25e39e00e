/* SPDX-License-Identifier: ISC */
/* access.h -- who may connect, and how often: questions asked before fork */
#ifndef PORTIER_ACCESS_H
#define PORTIER_ACCESS_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>

#include "service.h"

/* A cps pause of SVC is over: it may be watched again. */
typedef void access_resume_fn(struct service *svc);

/* Remember whom to tell when a cps pause ends; once, at start. */
void access_init(access_resume_fn *on_cps_resume);

/*
 * Prepare a service's access state (rules, host names resolved now);
 * -1 with ERR on failure.  Calling it again on a prepared service does
 * nothing.
 */
int access_service_init(struct service *, char *err, size_t errlen);
void access_service_fini(struct service *);
/* A reload kept OLD's sockets for NEW: carry the per-source counts. */
void access_adopt(struct service *old, struct service *new);

/*
 * 0 when PEER may be served now; -1 with *REASON naming the rule
 * (only_from, no_access, access_times, max_load, per_source, cps).
 * PEER NULL (wait = yes stream) skips the rules about addresses.
 */
int access_check(struct service *, const struct sockaddr *peer,
                 const char **reason);
/* proxy_protocol: is PEER one of the balancers proxy_from trusts? */
bool access_is_balancer(const struct service *, const struct sockaddr *peer);
/* A connection from PEER (NULL: none) started or ended: per_source. */
void access_enter(struct service *, const struct sockaddr *peer);
void access_leave(struct service *, const struct sockaddr *peer);
/* True while a limit (cps) holds the service paused. */
bool access_must_pause(const struct service *);
/* SIGUSR1: per-source counts and the cps state, one line each. */
void access_dump(const struct service *);

#endif
