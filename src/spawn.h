/* SPDX-License-Identifier: ISC */
/* spawn.h -- the one path from a connection to an exec'd handler */
#ifndef PORTIER_SPAWN_H
#define PORTIER_SPAWN_H

#include <sys/socket.h>
#include <sys/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "listen.h"
#include "service.h"

/* A running handler. */
struct child {
	RB_ENTRY(child) node;
	pid_t pid;
	struct service *svc;
	uint64_t start_ms;
	struct sockaddr_storage peer; /* ss_family 0 when there is none */
	socklen_t peerlen;
	/* redirect: the relay's byte counts, reported on its stderr */
	bool has_traffic;
	uint64_t bytes_in;
	uint64_t bytes_out;
};

/* Fill the handler environment (exposed for the unit tests). */
char **spawn_build_env(struct service *, struct listener *, int conn,
                       const struct sockaddr *peer, socklen_t peerlen);

/* Open the handlers' stderr socket; once, after loop_init. */
int spawn_init(void);

/* Start watching a service's listeners, or stop (limits, wait = yes). */
void spawn_resume(struct service *);
void spawn_pause(struct service *);
/* Watch or unwatch as the limits (instances, max_children, wait = yes,
 * internal_max, cps) say now. */
void spawn_update(struct service *);
void spawn_set_max_children(int);

/* SIGCHLD: reap every exited handler. */
void spawn_reap(int signo);

/* Move running handlers from OLD to NEW after a reload merge. */
void spawn_adopt(struct service *old, struct service *new);

/* Send SIG to every handler; return how many there are. */
int spawn_signal_all(int sig);
int spawn_count(void);
void spawn_dump(void);

#endif
