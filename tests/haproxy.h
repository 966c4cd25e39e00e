/* SPDX-License-Identifier: ISC */
/* haproxy.h -- run a real HAProxy on loopback in front of test servers */
#ifndef PORTIER_TEST_HAPROXY_H
#define PORTIER_TEST_HAPROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

struct h_haproxy {
	struct h_daemon d; /* its dir, config, log (haproxy.log) and PID */
	uint16_t port;     /* the TCP frontend, on 127.0.0.1 */
};

/* Is haproxy(1) installed (quickstart installs it)? */
bool h_haproxy_available(void);
/*
 * Write a config with one TCP frontend on a free port and one
 * roundrobin backend whose servers are SERVERS (NULL-terminated server
 * line tails, e.g. "127.0.0.1:4000 send-proxy-v2"), start haproxy -db on
 * it and wait (bounded) until the frontend listens.  Fails the test on
 * any problem.
 */
void h_haproxy_start(struct h_haproxy *, const char *const servers[]);
/* SIGTERM by PID, reap it, remove its dir. */
void h_haproxy_stop(struct h_haproxy *);

#endif
