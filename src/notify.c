/* SPDX-License-Identifier: ISC */
/* notify.c -- one datagram to $NOTIFY_SOCKET, the protocol of sd_notify(3) */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

/*
 * Fill ADDR from $NOTIFY_SOCKET: a path ("/run/systemd/notify") or, with
 * a leading '@', a name in the abstract namespace, whose sun_path starts
 * with a NUL and whose length is exact (no terminating NUL counted).
 */
static int
notify_address(const char *name, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || n < 2 ||
	    n >= sizeof(addr->sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, name, n);
	if (name[0] == '@')
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int
notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr;
	socklen_t len;
	int fd, saved;
	ssize_t n;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (notify_address(name, &addr, &len) == -1)
		return -1;
	/* Non-blocking: a stalled service manager must not stall the loop. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	           (struct sockaddr *)&addr, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(state) ? 0 : -1;
}
