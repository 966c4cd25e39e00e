/* SPDX-License-Identifier: ISC */
/* test_spawn.c -- a handler's start cannot be held up by its own user */
#include <config.h>

#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(spawn, .fini = h_cleanup, .timeout = 60);

/* How long the attacker and the clients run, in milliseconds. */
#define SPAWN_ATTACK_MS 4000

/*
 * As uid nobody, until DEADLINE: SIGSTOP every child of MASTER it may
 * signal.  A child is nobody's from its setresuid on, so some are hit
 * between that and their exec, while the master still waits for them.
 */
static void
spawn_stopper(pid_t master, long deadline)
{
	char path[64], buf[8192];

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	         (long)master, (long)master);
	if (setgid(65534) == -1 || setuid(65534) == -1)
		_exit(2);
	while (h_now_ms() < deadline) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd == -1 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd != -1)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
			(void)kill((pid_t)strtol(p, NULL, 10), SIGSTOP);
	}
	_exit(0);
}

/* Clients start handlers of PORT as fast as they are let, until DEADLINE. */
static int
spawn_clients(uint16_t port, long deadline)
{
	int n = 0;

	while (h_now_ms() < deadline && n < 20000) {
		int fd = h_connect("127.0.0.1", port);
		if (fd == -1)
			break;
		close(fd);
		n++;
	}
	return n;
}

/* The internal echo on PORT answers within a second or two. */
static bool
spawn_echo_answers(uint16_t port)
{
	char got[8];
	int fd = h_connect("127.0.0.1", port);

	if (fd == -1)
		return false;
	bool ok = h_write_all(fd, "ping\n", 5) == 0 &&
	          h_read_all(fd, got, 5, 2000) == 5 &&
	          memcmp(got, "ping\n", 5) == 0;
	close(fd);
	return ok;
}

/*
 * Local user nobody stops each handler of a "user = nobody" service it
 * can.  One stopped after dropping to nobody but before its exec must
 * not hold the master (which waits for that exec): every other service
 * goes on answering.
 */
Test(spawn, handler_stopped_before_exec_does_not_hold_the_master)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), echo = h_free_port();
	pid_t kids[4096];

	h_start(&d, h_conf("service t {\n port = %u\n bind = \"127.0.0.1\"\n"
	                   " server = \"/bin/true\"\n user = \"nobody\"\n"
	                   " instances = 4000\n}\n"
	                   "service echo {\n port = %u\n bind = \"127.0.0.1\"\n"
	                   " type = internal\n}\n",
	                   port, echo));
	long deadline = h_now_ms() + SPAWN_ATTACK_MS;
	pid_t stopper = fork();
	cr_assert_neq(stopper, -1);
	if (stopper == 0)
		spawn_stopper(d.pid, deadline);
	h_track(stopper);
	int n = spawn_clients(port, deadline);
	cr_assert(h_wait_gone(stopper, SPAWN_ATTACK_MS + 5000));
	cr_assert_eq(waitpid(stopper, NULL, 0), stopper);
	h_untrack(stopper);
	bool ok = spawn_echo_answers(echo);
	/* Stopped handlers would outlive SIGTERM: they are ours to kill. */
	int k = h_children(d.pid, kids, 4096);
	for (int i = 0; i < k; i++)
		kill(kids[i], SIGKILL);
	cr_assert(ok, "the master hangs after %d clients", n);
	h_stop(&d);
}
