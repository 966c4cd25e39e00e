/* SPDX-License-Identifier: ISC */
/* connlog.h -- the connection log: START, EXIT, FAIL, PAUSE and RESUME lines
 */
#ifndef PORTIER_CONNLOG_H
#define PORTIER_CONNLOG_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"

/*
 * What the START and EXIT lines say about one connection.  PID is 0 for
 * a connection served inside the master (internal services); STATUS is
 * a wait(2) status, or -1 when there is none.
 */
struct connlog_conn {
	long pid;
	const struct sockaddr *peer; /* NULL: no peer (wait = yes) */
	socklen_t peerlen;
	uint64_t start_ms;
	int status;
	bool has_traffic;
	uint64_t bytes_in;  /* from the client */
	uint64_t bytes_out; /* to the client */
};

/* START and EXIT, with the fields log_on_success selects. */
void connlog_start(const struct service *, const struct connlog_conn *);
void connlog_exit(const struct service *, const struct connlog_conn *);
/* A handler that died of a signal or exited non-zero (always logged). */
void connlog_handler_status(const struct service *, long pid, int status);
/* FAIL: a refused client, with the fields log_on_failure selects. */
void connlog_fail(const struct service *, const struct sockaddr *peer,
                  socklen_t peerlen, const char *reason);
/*
 * FAIL for a refused datagram: anyone can send them with any source, so
 * only the first of a burst gets its line; the rest are summed up every
 * CONNLOG_SUMMARY_MS as "refused N datagrams from PREFIX in S s".
 */
#define CONNLOG_SUMMARY_MS 10000
void connlog_fail_datagram(struct service *, const struct sockaddr *peer,
                           socklen_t peerlen, const char *reason);
/* Log what is still summed up for SVC and forget it (SVC goes away). */
void connlog_service_fini(struct service *);
/*
 * PAUSE when a limit the user set (IS_LIMIT) stops the service, at most
 * once a second per service; RESUME when such a pause ends.
 */
void connlog_pause(struct service *, const char *reason, bool is_limit);
void connlog_resume(struct service *);

/*
 * Parse the relay handler's last stderr line "traffic in=N out=M" (LEN
 * bytes, not NUL-terminated); 0 and the counts, or -1.
 */
int connlog_parse_traffic(const char *line, size_t len, uint64_t *in,
                          uint64_t *out);

#endif
