/* SPDX-License-Identifier: ISC */
/* test_systemd.c -- portierd under systemd: Type=notify, socket activation */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(systemd, .fini = h_cleanup, .timeout = 90);

/* A service manager's end of NOTIFY_SOCKET: a datagram socket in DIR. */
static int
notify_listen(struct h_daemon *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_neq(fd, -1);
	h_mkdir(d);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", d->dir);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	return fd;
}

/* The next notification, NUL-terminated in a static buffer. */
static const char *
notify_next(int fd)
{
	static char msg[512];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	cr_assert_eq(poll(&pfd, 1, 10000), 1, "no notification in 10 s");
	ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);
	cr_assert_gt(n, 0);
	msg[n] = '\0';
	return msg;
}

static const char *
conf_two_cats(uint16_t p1, uint16_t p2)
{
	return h_conf(H_DEFAULTS
	              "service a {\n port = %u\n"
	              " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n"
	              "}\nservice b {\n port = %u\n"
	              " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n"
	              "}\n",
	              p1, p2);
}

Test(systemd, notify_ready_reload_stopping)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	int fd = notify_listen(&d);

	h_start(&d, h_conf_cat(p1));
	cr_assert_str_eq(notify_next(fd),
	                 "READY=1\nSTATUS=1 service, 1 listener, "
	                 "0 handlers running");
	h_reload(&d, conf_two_cats(p1, p2), "reloaded");
	const char *msg = notify_next(fd);
	cr_assert_eq(strncmp(msg, "RELOADING=1\nMONOTONIC_USEC=", 27), 0,
	             "got '%s'", msg);
	cr_assert_gt(strtoull(msg + 27, NULL, 10), 0);
	cr_assert_str_eq(notify_next(fd),
	                 "READY=1\nSTATUS=2 services, 2 listeners, "
	                 "0 handlers running");
	h_stop(&d);
	cr_assert_str_eq(notify_next(fd),
	                 "STOPPING=1\nSTATUS=2 services, 2 listeners, "
	                 "0 handlers running");
	close(fd);
}

/* The reload line names what changed: +added ~changed -removed. */
Test(systemd, reload_line_names_changes)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();

	h_start(&d, conf_two_cats(p1, p2));
	h_reload(&d,
	         h_conf(H_DEFAULTS "service a {\n port = %u\n"
	                           " bind = \"127.0.0.1\"\n"
	                           " server = \"/bin/cat\"\n"
	                           " server_args = {\"-u\"}\n}\n"
	                           "service c {\n port = %u\n"
	                           " bind = \"127.0.0.1\"\n"
	                           " server = \"/bin/cat\"\n}\n",
	                p1, p2),
	         "reloaded");
	cr_assert(h_log_contains(&d, "portierd: reloaded: +c -b ~a (2 "
	                             "services)\n"),
	          "%s", h_log_read(&d));
	h_stop(&d);
}

/*
 * systemd-socket-activate execs portierd only when the first client
 * arrives.  That client, in a child process, waits for the socket, is
 * served by portierd once it has started, and exits 0 if the answer
 * was right.
 */
static void
activate_poke(struct h_daemon *d, uint16_t port, bool is_udp)
{
	long deadline = h_now_ms() + 10000;
	char reply[256];
	size_t n = 0;

	while (h_now_ms() < deadline && !h_log_contains(d, "Listening on"))
		usleep(10000);
	if (is_udp) {
		_exit(h_udp_exchange("127.0.0.1", port, "ping", 4, reply,
		                     sizeof(reply), 8000) > 0
		          ? 0
		          : 1);
	}
	char *out = h_roundtrip("127.0.0.1", port, "first\n", 6, &n);
	_exit(out != NULL && n == 6 && memcmp(out, "first\n", 6) == 0 ? 0 : 1);
}

static void
activate_start(struct h_daemon *d, const char *const *wrapper, const char *conf,
               uint16_t port, bool is_udp)
{
	int status = -1;

	h_mkdir(d);
	unlink(d->log);
	pid_t poker = fork();
	cr_assert_neq(poker, -1);
	if (poker == 0)
		activate_poke(d, port, is_udp);
	h_track(poker);
	d->wrapper = wrapper;
	h_start(d, conf);
	cr_assert(h_wait_gone(poker, 10000), "the first client hangs");
	cr_assert_eq(waitpid(poker, &status, 0), poker);
	h_untrack(poker);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the first client got no answer");
}

static void
assert_cat(uint16_t port, const char *text)
{
	size_t n;
	char *out = h_roundtrip("127.0.0.1", port, text, strlen(text), &n);

	cr_assert_not_null(out, "no answer on port %u", port);
	cr_assert_str_eq(out, text);
	free(out);
}

/* FileDescriptorName = the service's name wins over its own port. */
Test(systemd, activation_tcp_by_name)
{
	struct h_daemon d = {0};
	uint16_t passed = h_free_port(), own = h_free_port();
	char listen_arg[64];

	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%u", passed);
	const char *wrap[] = {"systemd-socket-activate", "-l", listen_arg,
	                      "--fdname=cat", NULL};
	activate_start(&d, wrap, h_conf_cat(own), passed, false);
	assert_cat(passed, "by name\n");
	cr_assert_eq(h_connect("127.0.0.1", own), -1,
	             "portierd bound its own port too");
	h_stop(&d);
}

/* Unnamed: matched by address; a reload that reopens it keeps it. */
Test(systemd, activation_tcp_by_address_survives_reload)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char listen_arg[64];

	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%u", port);
	const char *wrap[] = {"systemd-socket-activate", "-l", listen_arg,
	                      NULL};
	activate_start(&d, wrap, h_conf_cat(port), port, false);
	unsigned long inode = h_listen_inode(port);
	cr_assert_neq(inode, 0);
	assert_cat(port, "by address\n");
	/* backlog changes the socket: the service reopens it, and gets the
	 * passed one back rather than binding a new one. */
	h_reload(&d,
	         h_conf(H_DEFAULTS "service cat {\n port = %u\n"
	                           " bind = \"127.0.0.1\"\n backlog = 7\n"
	                           " server = \"/bin/cat\"\n}\n",
	                port),
	         "reloaded");
	cr_assert_eq(h_listen_inode(port), inode);
	assert_cat(port, "after reload\n");
	h_stop(&d);
}

/* A udpecho service on OWN, run on the datagram socket passed on
 * PASSED, named FDNAME or matched by address (PASSED == OWN). */
static void
activation_udp(uint16_t passed, uint16_t own, const char *fdname)
{
	struct h_daemon d = {0};
	char listen_arg[64];

	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%u", passed);
	const char *wrap[] = {"systemd-socket-activate",
	                      "--datagram",
	                      "-l",
	                      listen_arg,
	                      fdname,
	                      NULL};
	activate_start(&d, wrap,
	               h_conf(H_DEFAULTS "service u {\n socket_type = dgram\n"
	                                 " protocol = udp\n port = %u\n"
	                                 " bind = \"127.0.0.1\"\n wait = yes\n"
	                                 " server = \"%s\"\n}\n",
	                      own, H_HELPER("udpecho")),
	               passed, true);
	cr_assert_gt(h_udpecho_ask(passed, "ping"), 0);
	h_stop(&d);
}

Test(systemd, activation_udp_by_address)
{
	uint16_t port = h_free_port();

	activation_udp(port, port, NULL);
}

Test(systemd, activation_udp_by_name)
{
	activation_udp(h_free_port(), h_free_port(), "--fdname=u");
}

/*
 * A passed socket is fd 3 in portierd and FD_CLOEXEC there: a wait = yes
 * handler must still find it at fd 3 (LISTEN_FDS=1), not only on 0 and 1.
 */
Test(systemd, activation_wait_handler_has_fd_3)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char listen_arg[64], reply[4096];

	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%u", port);
	const char *wrap[] = {"systemd-socket-activate", "--datagram", "-l",
	                      listen_arg, NULL};
	activate_start(&d, wrap,
	               h_conf(H_DEFAULTS "service u {\n socket_type = dgram\n"
	                                 " protocol = udp\n port = %u\n"
	                                 " bind = \"127.0.0.1\"\n wait = yes\n"
	                                 " server = \"%s\"\n}\n",
	                      port, H_HELPER("envdump")),
	               port, true);
	ssize_t n = h_udp_exchange("127.0.0.1", port, "again", 5, reply,
	                           sizeof(reply) - 1, 5000);
	cr_assert_gt(n, 0, "no report from the second handler");
	reply[n] = '\0';
	cr_assert_not_null(strstr(reply, "\nfd 3\n"), "%s", reply);
	cr_assert_null(strstr(reply, "\nfd 4\n"), "%s", reply);
	h_stop(&d);
}

/* A passed socket no service wants is said so and closed. */
Test(systemd, activation_unmatched_is_closed)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), stray = h_free_port();
	char arg1[64], arg2[64], want[160];

	snprintf(arg1, sizeof(arg1), "127.0.0.1:%u", port);
	snprintf(arg2, sizeof(arg2), "127.0.0.1:%u", stray);
	const char *wrap[] = {
	    "systemd-socket-activate", "-l", arg1, "-l", arg2, NULL};
	activate_start(&d, wrap, h_conf_cat(port), port, false);
	snprintf(want, sizeof(want),
	         "portierd: passed socket fd 4 (127.0.0.1:%u/tcp): no "
	         "service matches it by name or address: closed\n",
	         stray);
	cr_assert(h_log_contains(&d, want), "%s", h_log_read(&d));
	cr_assert_eq(h_connect("127.0.0.1", stray), -1);
	assert_cat(port, "still here\n");
	h_stop(&d);
}
