/* SPDX-License-Identifier: ISC */
/* test_harden.c -- respawn storms and descriptor exhaustion stay bounded */
#include <config.h>

#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(harden, .fini = h_cleanup, .timeout = 120);

/* The summary of refused datagrams comes every 10 s (connlog.h). */
#define CONNLOG_WAIT_MS 15000

/* What the daemon does in a fixed window: an observation, not a wait. */
static void
watch_for(int ms)
{
	long end = h_now_ms() + ms;

	while (h_now_ms() < end)
		poll(NULL, 0, (int)(end - h_now_ms()));
}

/* Replace the file NAME in D's dir by TEXT at once (rename). */
static void
swap_file(struct h_daemon *d, const char *name, const char *text)
{
	char tmp[64], from[PATH_MAX], to[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	h_write_file(d, tmp, text, 0755);
	snprintf(from, sizeof(from), "%s/%s", d->dir, tmp);
	snprintf(to, sizeof(to), "%s/%s", d->dir, name);
	cr_assert_eq(rename(from, to), 0);
}

/*
 * Start D on CONF with a handler that then goes missing: -C and the start
 * refuse a server that is not there, so it vanishes after the start.
 */
static void
start_then_lose_handler(struct h_daemon *d, const char *conf)
{
	char path[PATH_MAX];

	h_write_file(d, "handler", "#!/bin/sh\nexit 0\n", 0755);
	h_start(d, conf);
	snprintf(path, sizeof(path), "%s/handler", d->dir);
	cr_assert_eq(unlink(path), 0);
}

/* Ask udpecho on PORT every 200 ms for up to TIMEOUT_MS. */
static bool
udp_answers(uint16_t port, int timeout_ms)
{
	char buf[256];
	long end = h_now_ms() + timeout_ms;

	while (h_now_ms() < end)
		if (h_udp_exchange("127.0.0.1", port, "hi", 2, buf, sizeof(buf),
		                   200) > 0)
			return true;
	return false;
}

static const char *
udp_wait_conf(uint16_t port, const char *dir)
{
	return h_conf(H_DEFAULTS "service storm {\n port = %u\n"
	                         " bind = \"127.0.0.1\"\n protocol = udp\n"
	                         " socket_type = dgram\n wait = yes\n"
	                         " log_on_success = {PID}\n"
	                         " server = \"%s/handler\"\n}\n",
	              port, dir);
}

/*
 * A wait = yes datagram service whose handler fails at once would be
 * started again for the same datagram forever (14,000 forks in 2 s).
 * With FIRST_TEXT as the handler (NULL: missing), the starts in 3 s stay
 * a handful, one line says why it pauses, and once the handler is fixed
 * the service answers by itself.
 */
static void
storm_then_fix(const char *first_text)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[64];

	h_mkdir(&d);
	if (first_text != NULL) {
		h_write_file(&d, "handler", first_text, 0755);
		h_start(&d, udp_wait_conf(port, d.dir));
	} else
		start_then_lose_handler(&d, udp_wait_conf(port, d.dir));
	cr_assert_lt(
	    h_udp_exchange("127.0.0.1", port, "x", 1, buf, sizeof(buf), 100),
	    0);
	watch_for(3000);
	int starts = h_log_count(&d, "storm: START");
	int pauses = h_log_count(&d, "failed at once");
	cr_assert_geq(starts, 5, "only %d starts", starts);
	cr_assert_leq(starts, 12, "%d starts in 3 s: a respawn storm", starts);
	cr_assert_geq(pauses, 1);
	cr_assert_leq(pauses, 3, "%d pause lines", pauses);
	char fixed[PATH_MAX + 32];
	snprintf(fixed, sizeof(fixed), "#!/bin/sh\nexec %s\n",
	         H_HELPER("udpecho"));
	swap_file(&d, "handler", fixed);
	cr_assert(udp_answers(port, 20000), "never served once fixed");
	h_stop(&d);
}

Test(harden, wait_yes_missing_handler_backs_off_and_resumes)
{
	storm_then_fix(NULL);
}

Test(harden, wait_yes_handler_leaving_its_datagram_backs_off)
{
	storm_then_fix("#!/bin/sh\nexit 0\n");
}

Test(harden, wait_yes_handler_exiting_111_backs_off)
{
	storm_then_fix("#!/bin/sh\nexit 111\n");
}

Test(harden, wait_yes_handler_killed_by_signal_backs_off)
{
	storm_then_fix("#!/bin/sh\nkill -KILL $$\n");
}

/* A stream wait = yes handler that never accepts: the same storm. */
Test(harden, wait_yes_stream_handler_not_accepting_backs_off)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, h_conf(H_DEFAULTS "service storm {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n wait = yes\n"
	                              " log_on_success = {PID}\n"
	                              " server = \"/bin/true\"\n}\n",
	                   port));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_neq(fd, -1);
	watch_for(3000);
	int starts = h_log_count(&d, "storm: START");
	cr_assert_geq(starts, 5, "only %d starts", starts);
	cr_assert_leq(starts, 12, "%d starts in 3 s: a respawn storm", starts);
	cr_assert(h_log_contains(&d, "(input left unread)"));
	close(fd);
	h_stop(&d);
}

/* A wait = yes handler that does its work is never paused. */
Test(harden, wait_yes_handler_serving_one_datagram_each_is_not_paused)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char text[PATH_MAX + 64], buf[64];

	h_mkdir(&d);
	/* Read one datagram, answer it, exit at once: quick but fine. */
	snprintf(text, sizeof(text), "#!/bin/sh\nexec %s -1\n",
	         H_HELPER("udpecho"));
	h_write_file(&d, "handler", text, 0755);
	h_start(&d, udp_wait_conf(port, d.dir));
	/*
	 * Two identical datagrams from one socket at once: when the first
	 * handler exits, the second waits, same sender, same bytes.  It is
	 * not the one the handler was started for (the kernel's timestamp
	 * tells them apart), so nothing failed.
	 */
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(fd, -1);
	for (int i = 0; i < 8; i++) {
		for (int k = 0; k < 2; k++)
			cr_assert_eq(sendto(fd, "same", 4, 0,
			                    (struct sockaddr *)&to, sizeof(to)),
			             4);
		for (int k = 0; k < 2; k++) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			cr_assert_eq(poll(&pfd, 1, 5000), 1,
			             "round %d: datagram %d not answered", i,
			             k);
			cr_assert_gt(recv(fd, buf, sizeof(buf), 0), 4);
		}
	}
	close(fd);
	cr_assert_not(h_log_contains(&d, "failed at once"));
	h_stop(&d);
}

/* wait = no: a client flood against a handler that cannot exec. */
Test(harden, wait_no_exec_failure_backs_off_and_resumes)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	int fds[100];
	size_t n;

	h_mkdir(&d);
	start_then_lose_handler(
	    &d, h_conf(H_DEFAULTS "service storm {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n backlog = 200\n"
	                          " server = \"%s/handler\"\n}\n",
	               port, d.dir));
	for (int i = 0; i < 100; i++)
		cr_assert_neq(fds[i] = h_connect("127.0.0.1", port), -1);
	watch_for(3000);
	int fails = h_log_count(&d, "exited with status 111");
	cr_assert_leq(fails, 12, "%d exec failures in 3 s", fails);
	cr_assert(h_log_contains(&d, "(exec failed)"));
	for (int i = 0; i < 100; i++)
		close(fds[i]);
	swap_file(&d, "handler", "#!/bin/sh\necho ok\n");
	long end = h_now_ms() + 30000;
	char *out = NULL;
	while (h_now_ms() < end) {
		free(out);
		out = h_roundtrip("127.0.0.1", port, "", 0, &n);
		if (strcmp(out, "ok\n") == 0)
			break;
	}
	cr_assert_str_eq(out, "ok\n", "never served once fixed");
	free(out);
	h_stop(&d);
}

static int
count_lines(struct h_daemon *d)
{
	return h_log_count(d, "\n");
}

#define EXHAUST_CLIENTS 60

/*
 * D running an internal echo service on PORT, its descriptor limit then
 * set to LIMIT, and N clients of it connected into FDS: enough to take
 * every descriptor the master has, or every one select(2) can watch.
 */
static void
echo_flooded(struct h_daemon *d, uint16_t port, rlim_t limit, int *fds, int n)
{
	struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};

	h_start(d,
	        h_conf(H_DEFAULTS "service echo {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n type = internal\n"
	                          " internal_max = 2000\n backlog = 2000\n}\n",
	               port));
	cr_assert_eq(prlimit(d->pid, RLIMIT_NOFILE, &rl, NULL), 0);
	for (int i = 0; i < n; i++)
		cr_assert_neq(fds[i] = h_connect("127.0.0.1", port), -1);
}

/*
 * With its descriptors used up, accept(2) fails and the listener stays
 * readable: the master must neither spin nor log each time, must serve
 * what is open, and must take new clients once descriptors are free.
 */
Test(harden, descriptor_exhaustion_pauses_then_recovers)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	int fds[EXHAUST_CLIENTS];
	char buf[16];

	echo_flooded(&d, port, 32, fds, EXHAUST_CLIENTS);
	cr_assert(h_log_wait(&d, "Too many open files", 5000));
	/* An open connection is still served. */
	cr_assert_eq(h_write_all(fds[0], "a\n", 2), 0);
	cr_assert_eq(h_read_all(fds[0], buf, 2, 5000), 2);
	long ticks = h_cpu_ticks(d.pid);
	int lines = count_lines(&d);
	watch_for(2000);
	ticks = h_cpu_ticks(d.pid) - ticks;
	lines = count_lines(&d) - lines;
	cr_assert_leq(ticks, 40, "%ld ticks of CPU in 2 s", ticks);
	cr_assert_leq(lines, 12, "%d log lines in 2 s", lines);
	for (int i = 0; i < EXHAUST_CLIENTS; i++)
		close(fds[i]);
	long end = h_now_ms() + 10000;
	ssize_t n = -1;
	while (n != 3 && h_now_ms() < end) {
		int fd = h_connect("127.0.0.1", port);
		n = -1;
		if (fd != -1 && h_write_all(fd, "ok\n", 3) == 0)
			n = h_read_all(fd, buf, 3, 1000);
		if (fd != -1)
			close(fd);
	}
	cr_assert_eq(n, 3, "never served again");
	cr_assert_arr_eq(buf, "ok\n", 3);
	h_stop(&d);
}

/* How many descriptors process PID has open, and the highest into HIGH.
 * From the directory: readlink(2) fails on some (trim.c's userfaultfd). */
static int
open_descriptors(pid_t pid, int *high)
{
	char path[64];
	struct dirent *e;
	int count = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	DIR *dir = opendir(path);
	cr_assert_not_null(dir);
	*high = -1;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		count++;
		if (atoi(e->d_name) > *high)
			*high = atoi(e->d_name);
	}
	closedir(dir);
	return count;
}

/* The lowest descriptor number PID has free (below FD_SETSIZE). */
static int
lowest_free_fd(pid_t pid)
{
	char path[64], target[64];
	int fd = 0;

	for (; fd < FD_SETSIZE; fd++) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		if (readlink(path, target, sizeof(target)) == -1)
			break;
	}
	return fd;
}

#define PAUSE_HELD 24
/* What the hard limit leaves above where the table ended. */
#define TABLE_ROOM 64

/*
 * PAUSE_HELD clients of D's internal echo on HELD_PORT, into HELD, fill
 * the gaps in the master's table, and then the limit is where the table
 * ends: none free.  Returns that limit.
 */
static rlim_t
table_filled(struct h_daemon *d, uint16_t held_port, int *held)
{
	int high, count = open_descriptors(d->pid, &high);

	for (int i = 0; i < PAUSE_HELD; i++)
		cr_assert_neq(held[i] = h_connect("127.0.0.1", held_port), -1);
	for (long end = h_now_ms() + 5000;
	     open_descriptors(d->pid, &high) < count + PAUSE_HELD &&
	     h_now_ms() < end;)
		watch_for(1);
	count = open_descriptors(d->pid, &high);
	cr_assert_eq(count, high + 1, "%d open, up to %d", count, high);
	struct rlimit rl = {.rlim_cur = (rlim_t)count,
	                    .rlim_max = (rlim_t)count + TABLE_ROOM};
	cr_assert_eq(prlimit(d->pid, RLIMIT_NOFILE, &rl, NULL), 0);
	return (rlim_t)count;
}

/*
 * With one descriptor free, accept(2) works and the handler's spawn
 * fails: every pause must double, as when accept(2) itself fails, and
 * not start short again because the client was accepted.
 */
Test(harden, pauses_grow_while_only_the_accept_works)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), held_port = h_free_port();
	int held[PAUSE_HELD], fds[8];

	h_start(&d, h_conf(H_DEFAULTS "service cat {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/cat\"\n}\n"
	                              "service echo {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " type = internal\n}\n",
	                   port, held_port));
	table_filled(&d, held_port, held);
	/* The first client has trim's descriptor given back, takes it, and
	 * is reset for want of one to spawn with, which leaves one free;
	 * then each takes that one and is reset, one a pause, as the rest
	 * wait in the backlog. */
	for (int i = 0; i < 8; i++)
		cr_assert_neq(fds[i] = h_connect("127.0.0.1", port), -1);
	cr_assert(h_log_wait(&d, "admitting no client for 0.4 s", 5000),
	          "the pause never grew");
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	for (int i = 0; i < PAUSE_HELD; i++)
		close(held[i]);
	h_stop(&d);
}

/* Refused clients that come while a shortage ends, then nothing else. */
#define QUIET_REFUSED 20

/*
 * A shortage over, the pause must start short again even when no client
 * was served meanwhile (only refused ones came: a scanner only_from turns
 * away): a later, unrelated shortage must not stop every service for the
 * 0.8 s the last one had grown to, but 0.1 s.
 */
Test(harden, pauses_start_short_again_once_a_shortage_is_over)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), held_port = h_free_port(),
	         closed_port = h_free_port();
	int held[PAUSE_HELD + 1], refused[QUIET_REFUSED];
	char buf[4];

	h_start(&d, h_conf(H_DEFAULTS "service cat {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/cat\"\n}\n"
	                              "service echo {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " type = internal\n}\n"
	                              "service closed {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " only_from = {\"10.0.0.0/8\"}\n"
	                              " server = \"/bin/cat\"\n}\n",
	                   port, held_port, closed_port));
	/* None free; then one more client of the echo takes the descriptor
	 * trim.c gives back, so that accept(2) itself fails. */
	rlim_t count = table_filled(&d, held_port, held);
	cr_assert_neq(held[PAUSE_HELD] = h_connect("127.0.0.1", held_port), -1);
	cr_assert_eq(h_write_all(held[PAUSE_HELD], "a", 1), 0);
	cr_assert_eq(h_read_all(held[PAUSE_HELD], buf, 1, 5000), 1);
	/* Refused clients wait out pauses that grow, until the shortage
	 * ends; then they are all refused, and nothing else comes. */
	for (int i = 0; i < QUIET_REFUSED; i++)
		cr_assert_neq(refused[i] = h_connect("127.0.0.1", closed_port),
		              -1);
	cr_assert(h_log_wait(&d, "admitting no client for 0.4 s", 5000));
	for (int i = 0; i <= PAUSE_HELD; i++)
		close(held[i]);
	cr_assert(h_log_wait_count(&d, "closed: FAIL", QUIET_REFUSED, 10000));
	for (int i = 0; i < QUIET_REFUSED; i++)
		close(refused[i]);
	watch_for(2000); /* quiet: longer than the longest pause */
	/* A shortage again, and a client of another service. */
	int pauses = h_log_count(&d, "admitting no client");
	int short_pauses = h_log_count(&d, "admitting no client for 0.1 s");
	struct rlimit rl = {.rlim_cur = (rlim_t)lowest_free_fd(d.pid),
	                    .rlim_max = count + TABLE_ROOM};
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &rl, NULL), 0);
	int client = h_connect("127.0.0.1", port);
	cr_assert_neq(client, -1);
	cr_assert(
	    h_log_wait_count(&d, "admitting no client", pauses + 1, 5000));
	cr_assert_eq(h_log_count(&d, "admitting no client for 0.1 s"),
	             short_pauses + 1, "the pause did not start short");
	rl.rlim_cur = rl.rlim_max;
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &rl, NULL), 0);
	close(client);
	h_stop(&d);
}

/* Shortages in a row, each with a client served before the next. */
#define SERVED_ROUNDS 5

/*
 * A client served between two pauses ends the shortage as far as the
 * doubling goes: the table was full, a descriptor came free, a client
 * took it.  Else one client a round (a descriptor freed, a client in
 * the backlog) keeps every service stopped 1.6 s at a time, though all
 * are served as fast as descriptors come free.
 */
Test(harden, pauses_stay_short_while_clients_are_served_between)
{
	struct h_daemon d = {0};
	uint16_t held_port = h_free_port();
	int held[PAUSE_HELD + 1], waiting[SERVED_ROUNDS + 1];
	char buf[4];

	h_start(&d, h_conf(H_DEFAULTS "service echo {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " type = internal\n}\n",
	                   held_port));
	/* None free; one more client takes trim.c's descriptor. */
	table_filled(&d, held_port, held);
	cr_assert_neq(held[PAUSE_HELD] = h_connect("127.0.0.1", held_port), -1);
	cr_assert_eq(h_write_all(held[PAUSE_HELD], "a", 1), 0);
	cr_assert_eq(h_read_all(held[PAUSE_HELD], buf, 1, 5000), 1);
	int pauses = h_log_count(&d, "admitting no client");
	/* Each round: a client waits out a pause, a held one leaves, and
	 * the waiting one is served as the pause ends; the next waits. */
	cr_assert_neq(waiting[0] = h_connect("127.0.0.1", held_port), -1);
	for (int i = 0; i < SERVED_ROUNDS; i++) {
		cr_assert(h_log_wait_count(&d, "admitting no client",
		                           pauses + i + 1, 5000),
		          "no pause (%d)", i);
		close(held[i]);
		cr_assert_eq(h_write_all(waiting[i], "b", 1), 0);
		cr_assert_eq(h_read_all(waiting[i], buf, 1, 5000), 1,
		             "never served (%d)", i);
		cr_assert_neq(
		    waiting[i + 1] = h_connect("127.0.0.1", held_port), -1);
	}
	cr_assert(h_log_wait_count(&d, "admitting no client",
	                           pauses + SERVED_ROUNDS + 1, 5000));
	cr_assert_eq(h_log_count(&d, "admitting no client for 0.4 s"), 0,
	             "pauses grew while every round served a client");
	for (int i = 0; i <= SERVED_ROUNDS; i++)
		close(waiting[i]);
	for (int i = SERVED_ROUNDS; i <= PAUSE_HELD; i++)
		close(held[i]);
	h_stop(&d);
}

/* A connection to D's control socket, or -1. */
static int
control_connect(struct h_daemon *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", d->ctl);
	if (ctl != -1 &&
	    connect(ctl, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(ctl);
		ctl = -1;
	}
	return ctl;
}

/* Send "status" on D's control socket; the first 3 bytes of the answer
 * into BUF, or how many came. */
static ssize_t
control_status(struct h_daemon *d, char *buf)
{
	int ctl = control_connect(d);
	ssize_t n = -1;

	if (ctl != -1 && h_write_all(ctl, "status\n", 7) == 0)
		n = h_read_all(ctl, buf, 3, 5000);
	if (ctl != -1)
		close(ctl);
	return n;
}

/* Two "status" in a row on D's control socket (to see what goes on,
 * then to stop it), each answered "OK". */
static void
control_answers_twice(struct h_daemon *d)
{
	char buf[4];

	for (int i = 0; i < 2; i++) {
		cr_assert_eq(control_status(d, buf), 3, "no answer (%d)", i);
		cr_assert_arr_eq(buf, "OK\n", 3);
	}
}

/*
 * The control socket's listener, too, stays readable while accept(2)
 * fails for want of a descriptor: a portierctl waiting then must not
 * make the master spin, and is answered once descriptors are free.
 */
Test(harden, control_socket_waits_out_descriptor_exhaustion)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	int fds[EXHAUST_CLIENTS];
	char buf[4];

	echo_flooded(&d, port, 32, fds, EXHAUST_CLIENTS);
	/* A pause: no descriptor is left, the userfaultfd's included. */
	cr_assert(h_log_wait(&d, "admitting no client", 5000));
	int ctl = control_connect(&d);
	cr_assert_neq(ctl, -1);
	cr_assert_eq(h_write_all(ctl, "status\n", 7), 0);
	long ticks = h_cpu_ticks(d.pid);
	watch_for(2000);
	ticks = h_cpu_ticks(d.pid) - ticks;
	cr_assert_leq(ticks, 40, "%ld ticks of CPU in 2 s", ticks);
	for (int i = 0; i < EXHAUST_CLIENTS; i++)
		close(fds[i]);
	cr_assert_eq(h_read_all(ctl, buf, 3, 10000), 3, "no answer");
	cr_assert_arr_eq(buf, "OK\n", 3);
	close(ctl);
	h_stop(&d);
}

/* D started, its descriptors all taken by clients of a service: status
 * is answered twice in a row all the same. */
static void
control_answers_out_of_descriptors(struct h_daemon *d)
{
	uint16_t port = h_free_port();
	int fds[EXHAUST_CLIENTS];

	echo_flooded(d, port, 32, fds, EXHAUST_CLIENTS);
	cr_assert(h_log_wait(d, "admitting no client", 5000));
	control_answers_twice(d);
	for (int i = 0; i < EXHAUST_CLIENTS; i++)
		close(fds[i]);
	h_stop(d);
}

/*
 * Clients of a service can take every descriptor the master has: the
 * admin must still be answered while they hold them, twice in a row (to
 * see what goes on, or to stop it), not once they let go.
 */
Test(harden, control_socket_answers_while_clients_hold_every_descriptor)
{
	struct h_daemon d = {0};

	control_answers_out_of_descriptors(&d);
}

/*
 * The spare is no file opened: with no /dev/null to open (a /dev of its
 * own, empty, as in a bare chroot or container), the admin must still
 * be answered while clients hold every descriptor.
 */
Test(harden, control_spare_needs_no_dev_null)
{
	/* unshare(1) makes the mounts private: the empty /dev is its own. */
	static const char *const no_dev[] = {
	    "unshare",
	    "-m",
	    "sh",
	    "-c",
	    "mount -t tmpfs none /dev && exec \"$0\" \"$@\"",
	    NULL};
	struct h_daemon d = {.wrapper = no_dev};

	if (system("unshare -m mount -t tmpfs none /dev 2>/dev/null") != 0)
		cr_skip_test("no mount namespace for an empty /dev");
	control_answers_out_of_descriptors(&d);
}

/*
 * An upgrade asked for while clients hold every descriptor cannot hand
 * the admin's connection on: the admin is told why, not hung up on.
 */
Test(harden, control_upgrade_out_of_descriptors_is_answered)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	static const char want[] = "ERR upgrade: Too many open files\n.\n";
	int fds[EXHAUST_CLIENTS];
	char buf[64];

	echo_flooded(&d, port, 32, fds, EXHAUST_CLIENTS);
	cr_assert(h_log_wait(&d, "admitting no client", 5000));
	int ctl = control_connect(&d);
	cr_assert_neq(ctl, -1);
	cr_assert_eq(h_write_all(ctl, "upgrade\n", 8), 0);
	ssize_t n = h_read_all(ctl, buf, sizeof(buf), 5000);
	cr_assert_eq(n, (ssize_t)sizeof(want) - 1, "%zd bytes", n);
	cr_assert_arr_eq(buf, want, sizeof(want) - 1);
	close(ctl);
	cr_assert_eq(control_status(&d, buf), 3, "no answer after");
	cr_assert_arr_eq(buf, "OK\n", 3);
	for (int i = 0; i < EXHAUST_CLIENTS; i++)
		close(fds[i]);
	h_stop(&d);
}

/*
 * An upgrade whose state finds a descriptor for the memfd but none for
 * the stream that writes it must not exec with an empty state: the new
 * image would bind beside the listeners it was not told of and exit.
 * The limit is lowered while the upgrade drains an open connection, the
 * check done, so that one number is left.
 */
Test(harden, upgrade_with_no_descriptor_for_its_state_serves_on)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	static const char want[] = "ERR state: Too many open files\n.\n";
	int client;
	char buf[64];

	echo_flooded(&d, port, FD_SETSIZE, &client, 1);
	int ctl = control_connect(&d);
	cr_assert_neq(ctl, -1);
	cr_assert_eq(h_write_all(ctl, "upgrade\n", 8), 0);
	cr_assert(h_log_wait(&d, "pause: upgrade", 15000));
	rlim_t one_left = (rlim_t)lowest_free_fd(d.pid) + 1;
	struct rlimit rl = {.rlim_cur = one_left, .rlim_max = FD_SETSIZE};
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &rl, NULL), 0);
	ssize_t n = h_read_all(ctl, buf, sizeof(buf), 10000);
	cr_assert_eq(n, (ssize_t)sizeof(want) - 1, "%zd bytes", n);
	cr_assert_arr_eq(buf, want, sizeof(want) - 1);
	close(ctl);
	cr_assert(h_alive(d.pid), "the master is gone");
	cr_assert_eq(h_write_all(client, "a\n", 2), 0);
	cr_assert_eq(h_read_all(client, buf, 2, 5000), 2);
	close(client);
	rl.rlim_cur = FD_SETSIZE;
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &rl, NULL), 0);
	cr_assert_eq(control_status(&d, buf), 3, "no answer after");
	cr_assert_arr_eq(buf, "OK\n", 3);
	h_stop(&d);
}

/* As many clients as select(2) has room for: the master's own
 * descriptors past FD_SETSIZE are no use to the admin's client. */
#define SETSIZE_CLIENTS (FD_SETSIZE + 64)

/* This process's limit raised for SETSIZE_CLIENTS, or the test skipped. */
static void
setsize_room(void)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= SETSIZE_CLIENTS + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur < SETSIZE_CLIENTS + 64 ||
	    setrlimit(RLIMIT_NOFILE, &rl) == -1)
		cr_skip_test("too few descriptors for the test");
}

Test(harden, control_socket_answers_past_fd_setsize)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	static int fds[SETSIZE_CLIENTS];

	setsize_room();
	echo_flooded(&d, port, 4 * FD_SETSIZE, fds, SETSIZE_CLIENTS);
	/* The first past FD_SETSIZE: every one below is taken. */
	cr_assert(h_log_wait(&d, "connection refused", 5000));
	control_answers_twice(&d);
	for (int i = 0; i < SETSIZE_CLIENTS; i++)
		close(fds[i]);
	h_stop(&d);
}

/*
 * A second admin client while the first holds the spare's number would
 * get a descriptor past FD_SETSIZE: it waits in the backlog (as under
 * EMFILE) and is answered once the first is done, not hung up on.  And
 * the spare must never be taken back up there, where it is no use to
 * the next admin for good.
 */
Test(harden, control_spare_stays_below_fd_setsize)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	static int fds[SETSIZE_CLIENTS];
	char buf[4];

	setsize_room();
	echo_flooded(&d, port, 4 * FD_SETSIZE, fds, SETSIZE_CLIENTS - 1);
	cr_assert(h_log_wait(&d, "connection refused", 5000));
	/* A takes the spare's number and says nothing; B asks and waits. */
	int first = control_connect(&d);
	cr_assert_neq(first, -1);
	int second = control_connect(&d);
	cr_assert_neq(second, -1);
	cr_assert_eq(h_write_all(second, "status\n", 7), 0);
	struct pollfd pfd = {.fd = second, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 1000), 0, "B hung up on while A holds");
	close(first);
	cr_assert_eq(h_read_all(second, buf, 3, 5000), 3, "B not answered");
	cr_assert_arr_eq(buf, "OK\n", 3);
	close(second);
	/* Then a client of the service comes, and an admin is answered
	 * twice. */
	int last = SETSIZE_CLIENTS - 1;
	cr_assert_neq(fds[last] = h_connect("127.0.0.1", port), -1);
	cr_assert_eq(h_write_all(fds[last], "x\n", 2), 0);
	(void)h_read_all(fds[last], buf, 2, 2000);
	control_answers_twice(&d);
	for (int i = 0; i < SETSIZE_CLIENTS; i++)
		close(fds[i]);
	h_stop(&d);
}

/* The names (abstract ones with a leading '@') of PID's UNIX sockets. */
static int
unix_names_of(pid_t pid, char names[][108], int max)
{
	char path[64], line[512], link[64];
	unsigned long inodes[256];
	int ninodes = 0, n = 0;

	for (int fd = 0; fd < 256 && ninodes < 256; fd++) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inodes[ninodes]) == 1)
			ninodes++;
	}
	FILE *fp = fopen("/proc/net/unix", "r");
	cr_assert_not_null(fp);
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		unsigned long inode;
		char name[256] = "";
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %255s", &inode,
		           name) != 2)
			continue;
		for (int i = 0; i < ninodes; i++)
			if (inodes[i] == inode)
				strlcpy(names[n++], name, 108);
	}
	fclose(fp);
	return n;
}

/* Send TEXT to the UNIX socket NAME every way a datagram or stream can. */
static void
send_to_name(const char *name, const char *text)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	socklen_t slen =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET};

	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	for (int t = 0; t < 3; t++) {
		int fd = socket(AF_UNIX, types[t] | SOCK_NONBLOCK, 0);
		if (fd == -1)
			continue;
		if (types[t] == SOCK_DGRAM)
			(void)sendto(fd, text, strlen(text), 0,
			             (struct sockaddr *)&sun, slen);
		else if (connect(fd, (struct sockaddr *)&sun, slen) == 0)
			(void)!write(fd, text, strlen(text));
		close(fd);
	}
}

/* As uid nobody: bind NAME (abstract) and send TEXT from it to TARGET. */
static void
send_from_name(const char *name, const char *target, const char *text)
{
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	struct sockaddr_un to = {.sun_family = AF_UNIX};
	size_t n = strlen(name), t = strlen(target);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memcpy(me.sun_path + 1, name, n);
	memcpy(to.sun_path, target, t);
	if (target[0] == '@')
		to.sun_path[0] = '\0';
	if (fd == -1)
		return;
	if (bind(fd, (struct sockaddr *)&me,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) ==
	    0)
		(void)sendto(
		    fd, text, strlen(text), 0, (struct sockaddr *)&to,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + t));
	close(fd);
}

/*
 * A local user must not put lines into the log under a service's name:
 * uid nobody tries every UNIX socket the master holds, plain and from
 * the names handlers' sockets have (or had), while a handler runs.
 */
Test(harden, other_users_cannot_write_handler_log_lines)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char names[32][108], buf[32];

	h_start(&d, h_conf(H_DEFAULTS "service www {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"echo $$; read "
	                              "x; echo handler-says-bye >&2\"}\n}\n",
	                   port));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_neq(fd, -1);
	cr_assert_gt(h_read_all(fd, buf, 6, 5000), 0);
	long handler = strtol(buf, NULL, 10);
	int n = unix_names_of(d.pid, names, 32);
	cr_assert_gt(n, 0, "the master holds no UNIX socket?");
	pid_t child = fork();
	if (child == 0) {
		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(2);
		char name[108];
		for (int i = 0; i < n; i++) {
			send_to_name(names[i], "FORGED plain\n");
			snprintf(name, sizeof(name), "portier-%ld-%ld",
			         (long)d.pid, handler);
			send_from_name(name, names[i], "FORGED old name\n");
			for (int seq = 1; seq <= 20; seq++) {
				snprintf(name, sizeof(name), "portierd-%ld-%d",
				         (long)d.pid, seq);
				send_from_name(name, names[i], "FORGED seq\n");
			}
		}
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert_eq(status, 0, "could not become nobody");
	/* The handler's own line comes after anything queued before it. */
	cr_assert_eq(h_write_all(fd, "x\n", 2), 0);
	close(fd);
	char want[64];
	snprintf(want, sizeof(want), "www[%ld]: handler-says-bye", handler);
	cr_assert(h_log_wait(&d, want, 5000), "no %s", want);
	cr_assert_not(h_log_contains(&d, "FORGED"), "a forged line was logged");
	h_stop(&d);
}

/* A handler's background job writes after the handler is gone. */
Test(harden, a_background_childs_line_carries_the_handlers_pid)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char want[96];
	size_t n;

	h_start(&d,
	        h_conf(H_DEFAULTS "service bg {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/sh\"\n"
	                          " server_args = {\"-c\", \"(sleep 0.3; "
	                          "echo late-line >&2) </dev/null >/dev/null "
	                          "& echo $$\"}\n}\n",
	               port));
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	long handler = strtol(out, NULL, 10);
	free(out);
	cr_assert_gt(handler, 0);
	snprintf(want, sizeof(want), "\nbg[%ld] child ", handler);
	cr_assert(h_log_wait(&d, "late-line", 5000), "no late line");
	cr_assert(h_log_contains(&d, want), "late line not tagged %s",
	          want + 1);
	h_stop(&d);
}

#define REFUSED_DATAGRAMS 1000

/*
 * Refused datagrams cost a spoofer nothing: one FAIL line each would let
 * anyone flood the log.  The first gets its line, the rest one summary
 * naming the prefix they came from.
 */
Test(harden, refused_datagrams_are_summed_up)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	h_start(&d, h_conf(H_DEFAULTS "service echo {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n protocol = udp\n"
	                              " type = internal\n"
	                              " only_from = {\"10.0.0.0/8\"}\n}\n",
	                   port));
	/* From 127.0.0.1 .. 127.0.3.232: every one is refused. */
	for (int i = 0; i < REFUSED_DATAGRAMS; i++) {
		struct sockaddr_in from = {.sin_family = AF_INET};
		from.sin_addr.s_addr = htonl(0x7f000001 + (uint32_t)i);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		cr_assert_neq(fd, -1);
		cr_assert_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)),
		             0);
		cr_assert_eq(
		    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)),
		    1);
		close(fd);
	}
	cr_assert(h_log_wait(&d, "datagrams from", CONNLOG_WAIT_MS),
	          "no summary");
	cr_assert_eq(h_log_count(&d, "echo: FAIL"), 2, "%d FAIL lines",
	             h_log_count(&d, "echo: FAIL"));
	cr_assert(h_log_contains(&d, "echo: FAIL reason=only_from host="
	                             "127.0.0.1 port="));
	/* A few may be lost to a full socket buffer, never logged apart. */
	char *log = h_log_read(&d);
	const char *at = strstr(log, "echo: FAIL reason=only_from refused ");
	cr_assert_not_null(at, "%s", log);
	char *end;
	long n = strtol(at + 36, &end, 10);
	cr_assert(n > REFUSED_DATAGRAMS / 2 && n < REFUSED_DATAGRAMS, "%ld", n);
	cr_assert_eq(strncmp(end, " datagrams from 127.0.0.0/22 in 10 s\n", 37),
	             0, "%s", at);
	free(log);
	h_stop(&d);
}

/*
 * The attacker, as uid nobody, owns the directory the UNIX socket goes
 * into.  When the socket's name appears it puts a symlink to VICTIM in
 * its place; when a private directory appears it swaps in one of its own
 * holding such a symlink.  Ends after 10 s or once both were tried.
 */
static void
attacker_run(const char *pub, const char *victim, int ready)
{
	char buf[4096], path[PATH_MAX], away[PATH_MAX];
	int in = inotify_init1(IN_CLOEXEC), tries = 0;

	if (setgid(65534) == -1 || setuid(65534) == -1 || in == -1 ||
	    inotify_add_watch(in, pub, IN_CREATE) == -1)
		_exit(2);
	(void)!write(ready, "r", 1);
	long end = h_now_ms() + 10000;
	while (tries < 2 && h_now_ms() < end) {
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (poll(&pfd, 1, 100) != 1)
			continue;
		ssize_t n = read(in, buf, sizeof(buf));
		for (char *p = buf; n > 0 && p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->len == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", pub, ev->name);
			if (strcmp(ev->name, "sock") == 0) {
				unlink(path);
				(void)!symlink(victim, path);
				tries++;
			} else if (strncmp(ev->name, ".portier-", 9) == 0) {
				snprintf(away, sizeof(away), "%s/stolen", pub);
				if (rename(path, away) == 0 &&
				    mkdir(path, 0755) == 0) {
					strlcat(path, "/s", sizeof(path));
					(void)!symlink(victim, path);
				}
				tries++;
			}
		}
	}
	_exit(0);
}

/* portierd on CONF under strace, each bind(2) returning 200 ms late. */
static pid_t
start_slow_binds(struct h_daemon *d)
{
	char bin[PATH_MAX];
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		snprintf(bin, sizeof(bin), "%s/src/portierd", TOP_BUILDDIR);
		/* LeakSanitizer cannot work under ptrace: no leak check here.
		 */
		char asan[1024];
		const char *was = getenv("ASAN_OPTIONS");
		snprintf(asan, sizeof(asan), "%s%sdetect_leaks=0",
		         was ? was : "", was ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
		execlp("strace", "strace", "-f", "-qq", "-o", "/dev/null", "-e",
		       "trace=bind", "-e", "inject=bind:delay_exit=200000", bin,
		       "-n", "-f", d->conf, (char *)NULL);
		_exit(127);
	}
	h_track(pid);
	return pid;
}

/*
 * chmod and chown by path after bind followed a symlink swapped in by
 * whoever may write in the socket's directory: root's 0600 file became
 * 0666 and nobody's.  Every bind is slowed so the attacker surely wins
 * any such race.
 */
Test(harden, unix_socket_mode_and_owner_follow_no_planted_symlink)
{
	struct h_daemon d = {0};
	char pub[PATH_MAX], victim[PATH_MAX], sock[PATH_MAX + 8];
	int ready[2];
	struct stat st;

	h_mkdir(&d);
	cr_assert_eq(chmod(d.dir, 0755), 0);
	snprintf(pub, sizeof(pub), "%s/pub", d.dir);
	cr_assert_eq(mkdir(pub, 0755), 0);
	cr_assert_eq(chown(pub, 65534, 65534), 0);
	snprintf(victim, sizeof(victim), "%s",
	         h_write_file(&d, "victim", "secret\n", 0600));
	snprintf(sock, sizeof(sock), "%s/sock", pub);
	cr_assert_eq(pipe(ready), 0);
	pid_t attacker = fork();
	if (attacker == 0)
		attacker_run(pub, victim, ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "attacker not ready");
	h_write_file(&d, "portier.conf",
	             h_conf(H_DEFAULTS
	                    "service u {\n protocol = unix\n"
	                    " socket = \"%s\"\n socket_mode = \"0666\"\n"
	                    " socket_owner = \"nobody:nogroup\"\n"
	                    " server = \"/bin/cat\"\n}\n",
	                    sock),
	             0644);
	snprintf(d.conf, sizeof(d.conf), "%s/portier.conf", d.dir);
	snprintf(d.log, sizeof(d.log), "%s/portierd.log", d.dir);
	pid_t tracer = start_slow_binds(&d);
	bool started = h_log_wait(&d, "portierd: ready", 20000);
	pid_t daemon_pid = 0;
	h_children(tracer, &daemon_pid, 1);
	if (daemon_pid > 0)
		h_track(daemon_pid); /* strace, killed, would leave it */
	int status;
	waitpid(attacker, &status, 0);
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "victim's mode is now %o",
	             st.st_mode & 07777);
	cr_assert_eq(st.st_uid, 0, "victim now belongs to %u", st.st_uid);
	if (started) {
		/* Where the attacker did nothing after the rename: ours. */
		cr_assert_eq(lstat(sock, &st), 0);
		cr_assert(S_ISSOCK(st.st_mode), "%s is not a socket", sock);
		cr_assert_eq(st.st_mode & 07777, 0666);
		cr_assert_eq(st.st_uid, 65534);
	}
	if (daemon_pid > 0)
		kill(daemon_pid, SIGTERM);
	cr_assert(h_wait_gone(tracer, 10000));
	waitpid(tracer, &status, 0);
	h_untrack(tracer);
	if (daemon_pid > 0)
		h_untrack(daemon_pid);
}
