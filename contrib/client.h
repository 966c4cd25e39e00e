/* SPDX-License-Identifier: ISC */
/* client.h -- what the two seed clients share: options and connecting */
#ifndef PORTIER_CLIENT_H
#define PORTIER_CLIENT_H

#include <stdbool.h>

struct client_options {
	const char *host;
	const char *service;
	bool is_udp;
};

/* Parse "[-u] HOST [SERVICE]"; exits 100 with usage on a mistake. */
void client_options(int argc, char **argv, const char *default_service,
                    struct client_options *);
/* Resolve and connect (TCP or connected UDP); exits with a message. */
int client_connect(const struct client_options *);

#endif
