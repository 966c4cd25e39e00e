/* SPDX-License-Identifier: ISC */
/* access.c -- who may connect, and how often: checks made before fork */
#include <config.h>

#include <sys/wait.h>

#include "access.h"
#include "log.h"
#include "spawn.h"

int
access_service_init(struct service *svc, char *err, size_t errlen)
{
	return 0;
}

void
access_service_fini(struct service *svc)
{
}

int
access_check(struct service *svc, const struct sockaddr *peer,
    socklen_t peerlen, const char **reason)
{
	return 0;
}

void
access_refuse(struct service *svc, int conn, const struct sockaddr *peer,
    socklen_t peerlen, const char *reason)
{
	log_info("%s: FAIL reason=%s", svc->name, reason);
}

void
access_on_start(struct service *svc, struct child *c)
{
}

void
access_on_exit(struct service *svc, struct child *c, int status)
{
}

bool
access_must_pause(const struct service *svc)
{
	return false;
}
