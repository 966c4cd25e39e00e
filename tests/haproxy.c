/* SPDX-License-Identifier: ISC */
/* haproxy.c -- run a real HAProxy on loopback in front of test servers */
#include <config.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "haproxy.h"

#define H_HAPROXY_BIN "/usr/sbin/haproxy"
#define H_HAPROXY_START_MS 20000

bool
h_haproxy_available(void)
{
	return access(H_HAPROXY_BIN, X_OK) == 0;
}

/* The config of shared/reference/scale-out.md, with our ports. */
static void
h_haproxy_write_config(struct h_haproxy *hp, const char *const servers[])
{
	char text[4096];
	int n = snprintf(text, sizeof(text),
	                 "global\n    maxconn 256\n"
	                 "    stats socket %s/admin.sock mode 600\n"
	                 "defaults\n    mode tcp\n    timeout connect 2s\n"
	                 "    timeout client 10s\n    timeout server 10s\n"
	                 "frontend f\n    bind 127.0.0.1:%u\n"
	                 "    default_backend b\n"
	                 "backend b\n    balance roundrobin\n",
	                 hp->d.dir, hp->port);
	for (int i = 0; servers[i] != NULL; i++) {
		cr_assert_lt((size_t)n, sizeof(text));
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		              "    server s%d %s\n", i, servers[i]);
	}
	cr_assert_lt((size_t)n, sizeof(text), "haproxy config too long");
	h_write_file(&hp->d, "haproxy.cfg", text, 0644);
}

static void
h_haproxy_exec(struct h_haproxy *hp)
{
	int fd = open(hp->d.log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	dup2(fd, 1);
	dup2(fd, 2);
	execl(H_HAPROXY_BIN, "haproxy", "-db", "-f", hp->d.conf, (char *)NULL);
	_exit(127);
}

/*
 * Ready once its command socket answers: that is served by the event
 * loop, which runs only after every listener is bound.  (A probe of the
 * frontend would reach a backend and disturb what a test counts there;
 * /proc/net/tcp is slow and unreliable when the host holds thousands of
 * TIME_WAIT sockets.)
 */
static bool
h_haproxy_is_ready(struct h_haproxy *hp)
{
	char path[PATH_MAX + 16], info[64];

	snprintf(path, sizeof(path), "%s/admin.sock", hp->d.dir);
	int fd = h_connect_unix(path, SOCK_STREAM);
	if (fd == -1)
		return false;
	bool ok = h_write_all(fd, "show info\n", 10) == 0 &&
	          h_read_all(fd, info, sizeof(info), 2000) > 0 &&
	          strncmp(info, "Name: HAProxy", 13) == 0;
	close(fd);
	return ok;
}

void
h_haproxy_start(struct h_haproxy *hp, const char *const servers[])
{
	h_mkdir(&hp->d);
	snprintf(hp->d.conf, sizeof(hp->d.conf), "%s/haproxy.cfg", hp->d.dir);
	snprintf(hp->d.log, sizeof(hp->d.log), "%s/haproxy.log", hp->d.dir);
	hp->port = h_free_port();
	h_haproxy_write_config(hp, servers);
	hp->d.pid = fork();
	cr_assert_neq(hp->d.pid, -1);
	if (hp->d.pid == 0)
		h_haproxy_exec(hp);
	h_track(hp->d.pid);
	long deadline = h_now_ms() + H_HAPROXY_START_MS;
	while (!h_haproxy_is_ready(hp)) {
		if (!h_alive(hp->d.pid) || h_now_ms() > deadline) {
			char *log = h_log_read(&hp->d);
			cr_assert_fail("haproxy did not start:\n%s",
			               log ? log : "");
		}
		poll(NULL, 0, 5);
	}
}

void
h_haproxy_stop(struct h_haproxy *hp)
{
	if (hp->d.pid <= 0)
		return;
	kill(hp->d.pid, SIGTERM);
	if (!h_wait_gone(hp->d.pid, 5000))
		kill(hp->d.pid, SIGKILL);
	waitpid(hp->d.pid, NULL, 0);
	h_untrack(hp->d.pid);
	hp->d.pid = 0;
	h_remove_dir(&hp->d);
}
