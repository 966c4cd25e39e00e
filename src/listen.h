/* SPDX-License-Identifier: ISC */
/* listen.h -- passive sockets: resolve, bind, listen */
#ifndef PORTIER_LISTEN_H
#define PORTIER_LISTEN_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "service.h"

struct listener {
	TAILQ_ENTRY(listener) entry;
	struct service *svc;
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[ADDR_TEXT_MAX + 16]; /* "127.0.0.1:7", "[::1]:7", "/path" */
	char local_ip[ADDR_TEXT_MAX];  /* for TCPLOCALIP */
	char local_port[8];
	bool is_watched;
};

/*
 * Open every listener of SVC (one per address its bind resolves to, or a
 * dual-stack one when bind is unset).  On failure nothing stays open and
 * ERR says which service and address failed and why.
 */
int listen_open(struct service *svc, char *err, size_t errlen);
void listen_close_all(struct service *);

/*
 * Upgrade: FN names a descriptor the previous image listened on at ADDR
 * with TYPE (-1: none), so listen_open takes it instead of binding.
 */
typedef int listen_inherit_fn(const struct sockaddr *addr, socklen_t len,
                              int type);
void listen_set_inherit(listen_inherit_fn *fn);

#endif
