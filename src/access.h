/* SPDX-License-Identifier: ISC */
/* access.h -- who may connect, and how often: checks made before fork */
#ifndef PORTIER_ACCESS_H
#define PORTIER_ACCESS_H

#include <sys/socket.h>
#include <stdbool.h>

#include "service.h"

struct child;

/* Prepare a service's access state at load; -1 with ERR on failure. */
int access_service_init(struct service *, char *err, size_t errlen);
void access_service_fini(struct service *);

/*
 * 0 when PEER may be served now; -1 with *REASON naming the rule
 * (only_from, no_access, per_source, cps, max_load, access_times).
 */
int access_check(struct service *, const struct sockaddr *peer,
    socklen_t peerlen, const char **reason);
/* banner, then banner_success or banner_fail, without blocking. */
void access_greet(struct service *, int conn, bool granted);
/* Log a refusal and send banner_fail; the caller closes CONN. */
void access_refuse(struct service *, int conn, const struct sockaddr *peer,
    socklen_t peerlen, const char *reason);
/* A handler started / ended: counters and the START / EXIT log lines. */
void access_on_start(struct service *, struct child *);
void access_on_exit(struct service *, struct child *, int status);
/* True while a limit (cps) holds the service paused. */
bool access_must_pause(const struct service *);

#endif
