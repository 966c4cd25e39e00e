/* SPDX-License-Identifier: ISC */
/* activate.c -- sockets handed over by systemd (LISTEN_FDS), kept for reuse */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activate.h"
#include "addr.h"
#include "log.h"

/* sd_listen_fds(3): passed descriptors start at 3. */
#define ACTIVATE_FIRST_FD 3
#define ACTIVATE_MAX 256

struct activate_socket {
	int fd;
	char name[256]; /* FileDescriptorName=, "" when not given */
	int type;       /* SO_TYPE */
	int protocol;   /* SO_PROTOCOL: IPPROTO_TCP, IPPROTO_UDP, 0 */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool is_taken;
};

static struct activate_socket passed[ACTIVATE_MAX];
static int n_passed;

/* The LISTEN_FDNAMES entry of descriptor I ("a:b:c"), into NAME. */
static void
activate_name(const char *names, int i, char *name, size_t len)
{
	name[0] = '\0';
	for (; names != NULL && i > 0; i--) {
		names = strchr(names, ':');
		if (names != NULL)
			names++;
	}
	if (names == NULL)
		return;
	size_t n = strcspn(names, ":");
	if (n >= len)
		n = len - 1;
	memcpy(name, names, n);
	name[n] = '\0';
	/* systemd's placeholder for "no name given" names nothing. */
	if (strcmp(name, "unknown") == 0 || strcmp(name, "stored") == 0)
		name[0] = '\0';
}

/* Record passed descriptor FD; -1 if it is not a socket we can use. */
static int
activate_add(int fd, const char *names, int i)
{
	struct activate_socket *s = &passed[n_passed];
	socklen_t len = sizeof(s->type);

	s->fd = fd;
	activate_name(names, i, s->name, sizeof(s->name));
	s->addrlen = sizeof(s->addr);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &s->type, &len) == -1 ||
	    getsockname(fd, (struct sockaddr *)&s->addr, &s->addrlen) == -1)
		return -1;
	len = sizeof(s->protocol);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &s->protocol, &len) == -1)
		s->protocol = 0;
	if (s->addr.ss_family == AF_UNIX)
		s->protocol = 0;
	/* Handlers must not inherit what they were not given. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		return -1;
	n_passed++;
	return 0;
}

int
activate_init(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	const char *errstr = NULL;
	int n;

	if (pid == NULL || fds == NULL ||
	    strtonum(pid, 1, LLONG_MAX, &errstr) != (long long)getpid())
		return 0; /* not for us: passed to some other process */
	n = (int)strtonum(fds, 0, ACTIVATE_MAX, &errstr);
	if (errstr != NULL) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (activate_add(ACTIVATE_FIRST_FD + i, names, i) == -1)
			return -1;
	/* The handlers portierd starts are not the activated process. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

static bool
activate_same_address(const struct activate_socket *s,
                      const struct sockaddr *sa, socklen_t len)
{
	if (s->addr.ss_family != sa->sa_family)
		return false;
	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *a = (const void *)&s->addr;
		const struct sockaddr_un *b = (const void *)sa;
		return strncmp(a->sun_path, b->sun_path, sizeof(a->sun_path)) ==
		       0;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&s->addr;
		const struct sockaddr_in *b = (const void *)sa;
		return a->sin_port == b->sin_port &&
		       a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *a = (const void *)&s->addr;
	const struct sockaddr_in6 *b = (const void *)sa;
	(void)len;
	return a->sin6_port == b->sin6_port &&
	       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

static bool
activate_fits(const struct activate_socket *s, int type, int protocol)
{
	return !s->is_taken && s->type == type && s->protocol == protocol;
}

int
activate_take_named(const char *service, int type, int protocol)
{
	for (int i = 0; i < n_passed; i++) {
		struct activate_socket *s = &passed[i];
		if (activate_fits(s, type, protocol) &&
		    strcmp(s->name, service) == 0) {
			s->is_taken = true;
			return s->fd;
		}
	}
	return -1;
}

bool
activate_has_name(const char *service)
{
	for (int i = 0; i < n_passed; i++)
		if (strcmp(passed[i].name, service) == 0)
			return true;
	return false;
}

int
activate_take_address(int type, int protocol, const struct sockaddr *sa,
                      socklen_t len)
{
	for (int i = 0; i < n_passed; i++) {
		struct activate_socket *s = &passed[i];
		if (activate_fits(s, type, protocol) && s->name[0] == '\0' &&
		    activate_same_address(s, sa, len)) {
			s->is_taken = true;
			return s->fd;
		}
	}
	return -1;
}

bool
activate_give_back(int fd)
{
	for (int i = 0; i < n_passed; i++) {
		if (passed[i].fd == fd && passed[i].is_taken) {
			passed[i].is_taken = false;
			return true;
		}
	}
	return false;
}

/* "fd 3 (echo, 127.0.0.1:7/tcp)", for the log. */
static void
activate_describe(const struct activate_socket *s, char *buf, size_t len)
{
	char ip[ADDR_TEXT_MAX];
	uint16_t port;

	addr_format((const struct sockaddr *)&s->addr, s->addrlen, ip, &port);
	if (s->addr.ss_family == AF_UNIX)
		snprintf(buf, len, "fd %d (%s%s%s%s)", s->fd,
		         s->name[0] ? "name " : "", s->name,
		         s->name[0] ? ", " : "", ip);
	else
		snprintf(buf, len, "fd %d (%s%s%s%s:%u/%s)", s->fd,
		         s->name[0] ? "name " : "", s->name,
		         s->name[0] ? ", " : "", ip, port,
		         s->protocol == IPPROTO_UDP ? "udp" : "tcp");
}

void
activate_close_unused(void)
{
	char what[512];

	for (int i = 0; i < n_passed; i++) {
		struct activate_socket *s = &passed[i];
		if (s->is_taken || s->fd == -1)
			continue;
		activate_describe(s, what, sizeof(what));
		log_warnx("passed socket %s: no service matches it by name or "
		          "address: closed",
		          what);
		close(s->fd);
		s->fd = -1;
	}
}
