/* SPDX-License-Identifier: ISC */
/* internal.c -- classic services answered inside the master's loop */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include "internal.h"

bool
internal_is_known(const char *name)
{
	static const char *names[] = { "echo", "discard", "daytime",
		"chargen", "time" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

void
internal_accept(struct service *svc, struct listener *l, int conn,
    const struct sockaddr *peer, socklen_t peerlen)
{
	close(conn);
}

void
internal_datagram(struct service *svc, struct listener *l)
{
}

void
internal_service_fini(struct service *svc)
{
}

void
internal_adopt(struct service *old, struct service *new)
{
}
