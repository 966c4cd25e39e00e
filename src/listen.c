/* SPDX-License-Identifier: ISC */
/* listen.c -- passive sockets: resolve, bind, listen */
#include <config.h>

#include <sys/select.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activate.h"
#include "listen.h"

static const int one = 1;

static struct listener *
listen_new(struct service *svc, const struct sockaddr *sa, socklen_t len)
{
	struct listener *l = calloc(1, sizeof(*l));
	uint16_t port;

	if (l == NULL)
		return NULL;
	l->svc = svc;
	l->fd = -1;
	memcpy(&l->addr, sa, len);
	l->addrlen = len;
	addr_format(sa, len, l->local_ip, &port);
	snprintf(l->local_port, sizeof(l->local_port), "%u", port);
	if (sa->sa_family == AF_INET6)
		snprintf(l->text, sizeof(l->text), "[%s]:%u", l->local_ip,
		         port);
	else if (sa->sa_family == AF_INET)
		snprintf(l->text, sizeof(l->text), "%s:%u", l->local_ip, port);
	else
		strlcpy(l->text, l->local_ip, sizeof(l->text));
	return l;
}

static int
listen_inet_options(struct service *svc, int fd, const struct listener *l)
{
	int family = l->addr.ss_family;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		return -1;
	if (family == AF_INET6) {
		/* "::" (or no bind) is one dual-stack socket for v4 and v6
		 * unless v6only says so; a specific v6 address is v6 only. */
		const struct sockaddr_in6 *sin6 = (const void *)&l->addr;
		int v6only = svc->v6only == 1 ||
		             (svc->v6only == -1 &&
		              !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		               sizeof(v6only)) == -1)
			return -1;
	}
	if (svc->socket_type != SOCK_STREAM)
		return 0;
	if (svc->tcp_nodelay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		return -1;
	if (svc->keepalive &&
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == -1)
		return -1;
	return 0;
}

/*
 * A socket file left by a dead daemon is replaced; a live one (something
 * accepts on it) or a file that is not a socket is refused.
 */
static int
listen_unix_clear(const char *path, int type, const char **why)
{
	struct sockaddr_un sun;
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : (*why = strerror(errno), -1);
	if (!S_ISSOCK(st.st_mode)) {
		*why = "exists and is not a socket";
		return -1;
	}
	int probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (probe == -1)
		return (*why = strerror(errno), -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	int rc = connect(probe, (struct sockaddr *)&sun, sizeof(sun));
	int saved = errno;
	close(probe);
	if (rc == 0 || saved != ECONNREFUSED) {
		*why = "in use by a live socket";
		return -1;
	}
	return unlink(path) == -1 ? (*why = strerror(errno), -1) : 0;
}

/*
 * A UNIX socket gets its mode as it is created, and its owner through a
 * descriptor of the inode, never by path: chmod and chown by path after
 * bind would follow a symlink put there meanwhile by whoever may write
 * in its directory.  The umask makes bind(2) create it with exactly
 * socket_mode; O_PATH | O_NOFOLLOW then holds the inode the path names,
 * which must be a socket (a symlink swapped in is refused), and the
 * owner is set on that inode.  It stays bound to its own path, which an
 * upgrade recognises it by.
 */
static int
listen_bind_unix(struct listener *l, const char **why)
{
	const struct service *svc = l->svc;
	mode_t old = umask(~svc->socket_mode & 0777);
	int rc = bind(l->fd, (struct sockaddr *)&l->addr, l->addrlen);
	struct stat st;

	umask(old);
	if (rc == -1)
		return (*why = strerror(errno), -1);
	if (!svc->has_socket_owner)
		return 0;
	int fd = open(svc->socket_path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return (*why = strerror(errno), -1);
	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		*why = "replaced by something not a socket before its owner "
		       "was set";
		rc = -1;
	} else if (fchownat(fd, "", svc->socket_uid, svc->socket_gid,
	                    AT_EMPTY_PATH) == -1) {
		*why = strerror(errno);
		rc = -1;
	}
	close(fd);
	return rc;
}

static listen_inherit_fn *listen_inherit;

void
listen_set_inherit(listen_inherit_fn *fn)
{
	listen_inherit = fn;
}

/* The SO_PROTOCOL a socket of SVC has, to match passed sockets. */
static int
listen_protocol(const struct service *svc)
{
	if (svc->protocol == PROTO_TCP)
		return IPPROTO_TCP;
	return svc->protocol == PROTO_UDP ? IPPROTO_UDP : 0;
}

/*
 * Listeners live at LISTEN_FD_FLOOR and up, so the descriptors made per
 * connection (the connection, the handler's stderr socket) take the low
 * numbers: a handler's child then copies only those few into its own
 * table (spawn.c), however many services there are.  A listener that
 * finds no room up there below FD_SETSIZE stays where it was made.
 */
#define LISTEN_FD_FLOOR 16

static int
listen_raise(int fd)
{
	if (fd >= LISTEN_FD_FLOOR)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, LISTEN_FD_FLOOR);
	if (high == -1)
		return fd;
	if (high >= FD_SETSIZE) {
		close(high);
		return fd;
	}
	close(fd);
	return high;
}

static int
listen_bind_one(struct listener *l, const char **why)
{
	struct service *svc = l->svc;
	int family = l->addr.ss_family;

	/* An upgrade: the previous image's socket, its backlog intact. */
	if (listen_inherit != NULL &&
	    (l->fd = listen_inherit((struct sockaddr *)&l->addr, l->addrlen,
	                            svc->socket_type)) != -1)
		return 0;
	/* systemd bound it already (socket activation): use it as it is. */
	l->fd = activate_take_address(svc->socket_type, listen_protocol(svc),
	                              (struct sockaddr *)&l->addr, l->addrlen);
	if (l->fd != -1)
		return 0;
	l->fd =
	    socket(family, svc->socket_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1)
		return (*why = strerror(errno), -1);
	l->fd = listen_raise(l->fd);
	/* select(2) cannot hold it: refuse now, never FD_SET past the end. */
	if (l->fd >= FD_SETSIZE)
		return (*why = "descriptor past select()'s FD_SETSIZE (1024): "
		               "too many services",
		        -1);
	if (family != AF_UNIX && listen_inet_options(svc, l->fd, l) == -1)
		return (*why = strerror(errno), -1);
	if (family == AF_UNIX &&
	    (listen_unix_clear(svc->socket_path, svc->socket_type, why) == -1 ||
	     listen_bind_unix(l, why) == -1))
		return -1;
	if (family != AF_UNIX &&
	    bind(l->fd, (struct sockaddr *)&l->addr, l->addrlen) == -1)
		return (*why = strerror(errno), -1);
	if (svc->socket_type == SOCK_STREAM &&
	    listen(l->fd, svc->backlog) == -1)
		return (*why = strerror(errno), -1);
	return 0;
}

static int
listen_add(struct service *svc, const struct sockaddr *sa, socklen_t len,
           char *err, size_t errlen)
{
	const char *why = NULL;
	struct listener *l = listen_new(svc, sa, len);

	if (l == NULL) {
		snprintf(err, errlen, "service %s: out of memory", svc->name);
		return -1;
	}
	TAILQ_INSERT_TAIL(&svc->listeners, l, entry);
	if (listen_bind_one(l, &why) == -1) {
		snprintf(err, errlen, "service %s: %s: %s", svc->name, l->text,
		         why);
		return -1;
	}
	return 0;
}

static int
listen_open_unix(struct service *svc, char *err, size_t errlen)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, svc->socket_path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "service %s: socket path too long",
		         svc->name);
		return -1;
	}
	return listen_add(svc, (struct sockaddr *)&sun, sizeof(sun), err,
	                  errlen);
}

static int
listen_open_any(struct service *svc, char *err, size_t errlen)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (probe != -1) {
		close(probe);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		sin6.sin6_port = htons(svc->port_number);
		return listen_add(svc, (struct sockaddr *)&sin6, sizeof(sin6),
		                  err, errlen);
	}
	/* No IPv6 on this host: fall back to IPv4 only. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons(svc->port_number);
	return listen_add(svc, (struct sockaddr *)&sin, sizeof(sin), err,
	                  errlen);
}

static int
listen_open_host(struct service *svc, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = svc->socket_type;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", svc->port_number);
	rc = getaddrinfo(svc->bind, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "service %s: bind %s: %s", svc->name,
		         svc->bind, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (listen_add(svc, ai->ai_addr, ai->ai_addrlen, err, errlen) ==
		    -1)
			break;
	}
	freeaddrinfo(res);
	return ai == NULL ? 0 : -1;
}

/*
 * Sockets passed with FileDescriptorName = the service's name are all of
 * its listeners, wherever they are bound; nothing else is opened.
 */
static int
listen_open_named(struct service *svc, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	while ((fd = activate_take_named(svc->name, svc->socket_type,
	                                 listen_protocol(svc))) != -1) {
		len = sizeof(ss);
		struct listener *l = NULL;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			l = listen_new(svc, (struct sockaddr *)&ss, len);
		if (l == NULL) {
			activate_give_back(fd);
			snprintf(err, errlen, "service %s: passed socket: %s",
			         svc->name, strerror(errno));
			return -1;
		}
		l->fd = fd;
		TAILQ_INSERT_TAIL(&svc->listeners, l, entry);
	}
	if (TAILQ_EMPTY(&svc->listeners)) {
		snprintf(err, errlen,
		         "service %s: the sockets passed with its name are not "
		         "%s %s sockets",
		         svc->name,
		         svc->socket_type == SOCK_DGRAM ? "dgram" : "stream",
		         svc->protocol == PROTO_UNIX  ? "unix"
		         : svc->protocol == PROTO_UDP ? "udp"
		                                      : "tcp");
		return -1;
	}
	return 0;
}

int
listen_open(struct service *svc, char *err, size_t errlen)
{
	int rc;

	if (activate_has_name(svc->name))
		rc = listen_open_named(svc, err, errlen);
	else if (svc->protocol == PROTO_UNIX)
		rc = listen_open_unix(svc, err, errlen);
	else if (svc->bind == NULL)
		rc = listen_open_any(svc, err, errlen);
	else
		rc = listen_open_host(svc, err, errlen);
	if (rc == -1)
		listen_close_all(svc);
	return rc;
}

static void
listen_close(struct listener *l)
{
	if (l->fd != -1 && !activate_give_back(l->fd))
		close(l->fd);
	free(l);
}

void
listen_close_all(struct service *svc)
{
	struct listener *l;

	while ((l = TAILQ_FIRST(&svc->listeners)) != NULL) {
		TAILQ_REMOVE(&svc->listeners, l, entry);
		listen_close(l);
	}
}
