/* SPDX-License-Identifier: ISC */
/* access.h -- who may connect, and how often: checks made before fork */
#ifndef PORTIER_ACCESS_H
#define PORTIER_ACCESS_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"

struct child;

/*
 * What the START and EXIT lines say about one connection.  PID is 0 for
 * a connection served inside the master (internal services); STATUS is
 * a wait(2) status, or -1 when there is none.
 */
struct access_conn {
	long pid;
	const struct sockaddr *peer; /* NULL: no peer (wait = yes) */
	socklen_t peerlen;
	uint64_t start_ms;
	int status;
	bool has_traffic;
	uint64_t bytes_in;  /* from the client */
	uint64_t bytes_out; /* to the client */
};

/*
 * Prepare a service's access state (rules, host names resolved now,
 * banners read now); -1 with ERR on failure.  Calling it again on a
 * prepared service does nothing.
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
                 socklen_t peerlen, const char **reason);
/* banner, then banner_success or banner_fail, without blocking. */
void access_greet(struct service *, int conn, bool granted);
/* Log a refusal and send banner_fail; the caller closes CONN. */
void access_refuse(struct service *, int conn, const struct sockaddr *peer,
                   socklen_t peerlen, const char *reason);
/* A connection started / ended: per-source counts, START / EXIT lines. */
void access_conn_start(struct service *, const struct access_conn *);
void access_conn_end(struct service *, const struct access_conn *);
/* The same for a spawned handler. */
void access_on_start(struct service *, struct child *);
void access_on_exit(struct service *, struct child *, int status);
/* SIGUSR1: per-source counts and the cps state, one line each. */
void access_dump(const struct service *);
/* True while a limit (cps) holds the service paused. */
bool access_must_pause(const struct service *);

/*
 * Parse the relay handler's last stderr line "traffic in=N out=M" (LEN
 * bytes, not NUL-terminated); 0 and the counts, or -1.
 */
int access_parse_traffic(const char *line, size_t len, uint64_t *in,
                         uint64_t *out);

#endif
