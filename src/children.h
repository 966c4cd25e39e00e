/* SPDX-License-Identifier: ISC */
/* children.h -- the running handlers: their table, reaping, their stderr */
#ifndef PORTIER_CHILDREN_H
#define PORTIER_CHILDREN_H

#include "connlog.h"
#include "service.h"

struct child;

/* The largest stderr datagram the master reads at once. */
#define CHILDREN_DGRAM_MAX (1 << 18)

/*
 * A handler of SVC exited with STATUS and is out of the table (its
 * service's running count is down already).  The callee may free a
 * retired SVC.
 */
typedef void children_exit_fn(struct service *svc,
                              const struct connlog_conn *facts);

/*
 * Open the handlers' stderr collector and remember ON_EXIT; once, after
 * loop_init.
 */
int children_init(children_exit_fn *on_exit);

/*
 * A new stderr for the handler about to start: a datagram socket (CLOEXEC)
 * connected to the master's collector, bound to a name that the next
 * children_insert ties to that handler.  -1 with errno.
 */
int children_log_socket(void);

/*
 * A slot for the handler about to start (NULL when out of memory), then
 * either children_insert once it runs, or children_discard.
 */
struct child *children_new(void);
void children_discard(struct child *);
void children_insert(struct child *, pid_t pid, struct service *svc,
                     const struct sockaddr *peer, socklen_t peerlen);

/* SIGCHLD: reap every exited handler, calling ON_EXIT for each. */
void children_reap(void);

/*
 * Move running handlers from OLD to NEW after a reload merge; those whose
 * reply_rate changed get SIGTERM, to be started anew with NEW's.
 */
void children_adopt(struct service *old, struct service *new);

/* Send SIG to every handler; return how many there are. */
int children_signal_all(int sig);
int children_count(void);
void children_dump(void);

/*
 * Upgrade: the table, the stderr socket to hand over, and in the next
 * image the inherited socket (before children_init) and a handler's
 * original start time (after children_insert).
 */
typedef void children_visit_fn(pid_t, const struct service *,
                               const struct sockaddr *peer, socklen_t peerlen,
                               uint64_t start_ms, void *arg);
void children_foreach(children_visit_fn *, void *arg);
int children_stderr_fd(void);
void children_use_stderr(int fd);
void children_started_at(struct child *, uint64_t start_ms);

#endif
