/* SPDX-License-Identifier: ISC */
/* test_notify.c -- notify_send: path and abstract sockets, unset, full queue */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "notify.h"

static void
setup(void)
{
	unsetenv("NOTIFY_SOCKET");
}

TestSuite(notify, .init = setup);

/* A receiver bound to NAME as $NOTIFY_SOCKET spells it ('@' = abstract). */
static int
receiver(const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	memcpy(addr.sun_path, name, n);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	cr_assert_eq(
	    bind(fd, (struct sockaddr *)&addr,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
	    0, "bind %s: %s", name, strerror(errno));
	cr_assert_eq(setenv("NOTIFY_SOCKET", name, 1), 0);
	return fd;
}

/* The next datagram on FD, exactly. */
static void
expect_datagram(int fd, const char *want)
{
	char buf[512];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	cr_assert_eq(poll(&pfd, 1, 5000), 1, "no datagram");
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	cr_assert_eq(n, (ssize_t)strlen(want));
	cr_assert_eq(memcmp(buf, want, (size_t)n), 0, "%.*s", (int)n, buf);
}

/* The lowest free descriptor: equal before and after means none leaked. */
static int
lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

Test(notify, unset_is_a_quiet_no_op)
{
	int before = lowest_free_fd();

	cr_assert_eq(notify_send("READY=1"), 0);
	cr_assert_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	cr_assert_eq(notify_send("READY=1"), 0);
	cr_assert_eq(lowest_free_fd(), before);
}

Test(notify, path_socket_gets_the_exact_bytes)
{
	char dir[] = "/tmp/portier-notify.XXXXXX", path[64];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = receiver(path);
	int before = lowest_free_fd();
	cr_assert_eq(notify_send("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	cr_assert_eq(notify_send("RELOADING=1\nSTATUS=reloading"), 0);
	expect_datagram(fd, "RELOADING=1\nSTATUS=reloading");
	cr_assert_eq(lowest_free_fd(), before, "the socket is closed");
	close(fd);
	unlink(path);
	rmdir(dir);
}

Test(notify, abstract_socket)
{
	char name[64];

	snprintf(name, sizeof(name), "@portier-test-notify-%ld",
	         (long)getpid());
	int fd = receiver(name);
	cr_assert_eq(notify_send("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}

Test(notify, bad_or_absent_socket_is_an_error_not_a_crash)
{
	cr_assert_eq(setenv("NOTIFY_SOCKET", "relative/path", 1), 0);
	cr_assert_eq(notify_send("READY=1"), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(setenv("NOTIFY_SOCKET", "/nonexistent-portier/notify", 1),
	             0);
	cr_assert_eq(notify_send("READY=1"), -1);
	cr_assert_eq(errno, ENOENT);
}

/* A receiver that never reads: once its queue is full, notify_send
 * fails at once with EAGAIN instead of waiting for room. */
Test(notify, full_receiver_never_blocks)
{
	char name[64];
	int i, rc = 0;

	snprintf(name, sizeof(name), "@portier-test-full-%ld", (long)getpid());
	int fd = receiver(name);
	for (i = 0; i < 100000 && rc == 0; i++)
		rc = notify_send("STATUS=filling the queue");
	cr_assert_eq(rc, -1, "queue never filled after %d datagrams", i);
	cr_assert_eq(errno, EAGAIN, "%s", strerror(errno));
	close(fd);
}
