/* SPDX-License-Identifier: ISC */
/* test_access.c -- only_from, no_access, limits that pause, credentials, logs
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(access, .fini = h_cleanup, .timeout = 120);

static char conf[8192];

/* /bin/cat holds each connection open until the client closes it. */
static const char *
conf_cat(uint16_t port, const char *extra)
{
	snprintf(conf, sizeof(conf),
	         "service cat {\n port = %u\n user = \"root\"\n"
	         " server = \"/bin/cat\"\n log_on_success = {PID, HOST, EXIT, "
	         "DURATION}\n%s\n}\n",
	         port, extra);
	return conf;
}

/* True if a connection from SRC gets an echo of a probe. */
static bool
served_from(const char *src, const char *host, uint16_t port)
{
	char buf[16];
	int fd = h_connect_from(src, host, port);

	if (fd == -1)
		return false;
	h_write_all(fd, "probe", 5);
	shutdown(fd, SHUT_WR);
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 5000);
	close(fd);
	return n == 5 && memcmp(buf, "probe", 5) == 0;
}

/* An open connection that has been echoed once (so a handler runs). */
static int
open_held(const char *src, uint16_t port)
{
	char buf[8];
	int fd = h_connect_from(src, "127.0.0.1", port);

	cr_assert_neq(fd, -1);
	h_write_all(fd, "held", 4);
	cr_assert_eq(h_read_all(fd, buf, 4, 5000), 4, "not served");
	return fd;
}

static bool
gets_nothing_for_a_moment(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 300) == 0;
}

Test(access, only_from_and_no_access_most_specific_wins)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(
	    &d,
	    conf_cat(port,
	             " only_from = {\"127.0.0.0/8\", \"127.0.0.5\", \"::1\"}\n"
	             " no_access = {\"127.0.0.0/24\", \"127.0.1.0/24\"}\n"
	             " bind = \"::\""));
	/* /8 allows, /24 denies (more specific), /32 allows again. */
	cr_assert_not(served_from("127.0.0.2", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=no_access host=127.0.0.2", 5000));
	cr_assert(served_from("127.0.0.5", "127.0.0.1", port));
	cr_assert(served_from("127.0.2.1", "127.0.0.1", port));
	cr_assert_not(served_from("127.0.1.9", "127.0.0.1", port));
	cr_assert(served_from("::1", "::1", port));
	h_stop(&d);
}

Test(access, only_from_names_and_empty_list)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	char both[8192];

	snprintf(
	    both, sizeof(both),
	    "service named {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " server = \"/bin/cat\"\n only_from = {\"localhost\"}\n}\n"
	    "service nobody {\n port = %u\n bind = \"127.0.0.1\"\n user = "
	    "root\n"
	    " server = \"/bin/cat\"\n only_from = {}\n}\n",
	    p1, p2);
	h_start(&d, both);
	cr_assert(served_from("127.0.0.1", "127.0.0.1", p1));
	cr_assert_not(served_from("127.0.0.3", "127.0.0.1", p1));
	cr_assert(h_log_wait(&d, "named: FAIL reason=only_from host=127.0.0.3",
	                     5000));
	cr_assert_not(served_from("127.0.0.1", "127.0.0.1", p2));
	cr_assert(h_log_wait(&d, "nobody: FAIL reason=only_from", 5000));
	h_stop(&d);
}

/* log_on_failure = {ATTEMPT}: the FAIL line, without the client's address. */
Test(access, log_on_failure_selects_the_fail_fields)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " no_access = {\"127.0.0.2\"}\n"
	                           " log_on_failure = {ATTEMPT}"));
	cr_assert_not(served_from("127.0.0.2", "127.0.0.1", port));
	cr_assert(h_log_wait(&d, "cat: FAIL reason=no_access", 5000));
	char *log = h_log_read(&d);
	cr_assert_not_null(log);
	cr_assert_not_null(strstr(log, "cat: FAIL reason=no_access\n"), "%s",
	                   log);
	free(log);
	h_stop(&d);
}

Test(access, per_source_refuses_the_third_from_one_address)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " per_source = 2"));
	int a = open_held("127.0.0.2", port);
	int b = open_held("127.0.0.2", port);
	cr_assert_not(served_from("127.0.0.2", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=per_source host=127.0.0.2", 5000));
	cr_assert(served_from("127.0.0.3", "127.0.0.1", port));
	/* One handler fewer (its EXIT logged): welcome again. */
	cr_assert(h_log_wait(&d, "cat: EXIT", 5000));
	int exits = h_log_count(&d, "cat: EXIT");
	close(a);
	for (int i = 0; i < 1000 && h_log_count(&d, "cat: EXIT") == exits; i++)
		poll(NULL, 0, 5);
	cr_assert(served_from("127.0.0.2", "127.0.0.1", port));
	close(b);
	h_stop(&d);
}

Test(access, instances_defer_in_the_backlog)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[8];

	h_start(&d, conf_cat(port, " instances = 2"));
	int a = open_held("127.0.0.2", port);
	int b = open_held("127.0.0.3", port);
	int c = h_connect("127.0.0.1", port); /* accepted by the kernel */
	cr_assert_neq(c, -1);
	h_write_all(c, "third", 5);
	cr_assert(gets_nothing_for_a_moment(c), "served past instances");
	close(a);
	cr_assert_eq(h_read_all(c, buf, 5, 5000), 5, "never served");
	cr_assert_arr_eq(buf, "third", 5);
	close(b);
	close(c);
	cr_assert_not(h_log_contains(&d, "FAIL"), "instances refused someone");
	h_stop(&d);
}

Test(access, max_children_holds_every_service)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	char both[8192], buf[8];

	snprintf(
	    both, sizeof(both),
	    "max_children = 1\n"
	    "service one {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " server = \"/bin/cat\"\n}\n"
	    "service two {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " server = \"/bin/cat\"\n}\n",
	    p1, p2);
	h_start(&d, both);
	int a = open_held("127.0.0.1", p1);
	int b = h_connect("127.0.0.1", p2);
	h_write_all(b, "wait", 4);
	cr_assert(gets_nothing_for_a_moment(b));
	close(a);
	cr_assert_eq(h_read_all(b, buf, 4, 5000), 4);
	close(b);
	h_stop(&d);
}

Test(access, cps_pauses_then_resumes_by_itself)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	int fds[8];

	h_start(&d, conf_cat(port, " cps = {3, 1}"));
	/* Eight at once: more than three land in one second, however
	 * slow the machine, since only the connects are timed. */
	for (int i = 0; i < 8; i++)
		fds[i] = h_connect("127.0.0.1", port);
	cr_assert(h_log_wait(&d, "pausing for 1 s", 5000));
	cr_assert(h_log_contains(&d, "cat: FAIL reason=cps"));
	for (int i = 0; i < 8; i++)
		if (fds[i] != -1)
			close(fds[i]);
	cr_assert(h_log_wait(&d, "cps pause over", 5000));
	cr_assert(served_from("127.0.0.1", "127.0.0.1", port));
	h_stop(&d);
}

Test(access, access_times_outside_the_window)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char window[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	/* A window two to three hours from now never holds "now". */
	snprintf(window, sizeof(window),
	         " access_times = {\"%02d:%02d-%02d:"
	         "%02d\"}",
	         (tm.tm_hour + 2) % 24, tm.tm_min, (tm.tm_hour + 3) % 24,
	         tm.tm_min);
	h_start(&d, conf_cat(port, window));
	cr_assert_not(served_from("127.0.0.1", "127.0.0.1", port));
	cr_assert(h_log_wait(&d, "cat: FAIL reason=access_times", 5000));
	h_stop(&d);
}

Test(access, max_load_refuses_when_loaded)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " max_load = 0.000001"));
	double load;
	getloadavg(&load, 1);
	if (load < 0.000001)
		cr_skip_test("the machine is perfectly idle");
	cr_assert_not(served_from("127.0.0.1", "127.0.0.1", port));
	cr_assert(h_log_wait(&d, "cat: FAIL reason=max_load", 5000));
	h_stop(&d);
}

Test(access, banners)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char extra[PATH_MAX * 3], buf[256];

	h_mkdir(&d);
	h_write_file(&d, "hello.txt", "welcome\n", 0644);
	h_write_file(&d, "ok.txt", "granted\n", 0644);
	h_write_file(&d, "no.txt", "go away\n", 0644);
	snprintf(
	    extra, sizeof(extra),
	    " banner = \"%s/hello.txt\"\n"
	    " banner_success = \"%s/ok.txt\"\n banner_fail = \"%s/no.txt\"\n"
	    " no_access = {\"127.0.0.9\"}",
	    d.dir, d.dir, d.dir);
	h_start(&d, conf_cat(port, extra));
	int fd = h_connect_from("127.0.0.1", "127.0.0.1", port);
	ssize_t n = h_read_all(fd, buf, 16, 5000);
	cr_assert_eq(n, 16);
	cr_assert_arr_eq(buf, "welcome\ngranted\n", 16);
	close(fd);
	fd = h_connect_from("127.0.0.9", "127.0.0.1", port);
	n = h_read_all(fd, buf, sizeof(buf), 5000);
	cr_assert_eq(n, 16);
	cr_assert_arr_eq(buf, "welcome\ngo away\n", 16);
	close(fd);
	h_stop(&d);
}

/* A negative nice needs root: set before the switch to nobody. */
Test(access, credentials_and_resources_reach_the_handler)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t n;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	snprintf(
	    conf, sizeof(conf),
	    "service creds {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = nobody\n group = nogroup\n groups = no\n nice = -3\n"
	    " umask = \"027\"\n rlimit_files = 77\n rlimit_as = 512M\n"
	    " server = \"/bin/sh\"\n server_args = {\"-c\", \"id -u; id -G; "
	    "ulimit -n; umask; cut -d' ' -f19 /proc/self/stat; ulimit -v\"}\n"
	    "}\n",
	    port);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	cr_assert_str_eq(out, "65534\n65534\n77\n0027\n-3\n524288\n");
	free(out);
	h_stop(&d);
}

Test(access, start_exit_and_fail_log_lines)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " no_access = {\"127.0.0.7\"}"));
	cr_assert(served_from("127.0.0.4", "127.0.0.1", port));
	cr_assert(h_log_wait(&d, "cat: EXIT pid=", 5000));
	char *log = h_log_read(&d);
	char *start = strstr(log, "cat: START pid=");
	cr_assert_not_null(start, "%s", log);
	cr_assert(strstr(start, " host=127.0.0.4 port="), "%s", log);
	char *exit_line = strstr(log, "cat: EXIT pid=");
	cr_assert(strstr(exit_line, " status=0 duration="), "%s", log);
	free(log);
	cr_assert_not(served_from("127.0.0.7", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=no_access host=127.0.0.7", 5000));
	h_stop(&d);
}

/* 2,000 connections, 64 at once, instances = 8: all served, nothing leaks. */
Test(access, flood_against_instances)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	pid_t workers[64];

	snprintf(
	    conf, sizeof(conf),
	    "service flood {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " server = \"/bin/echo\"\n server_args = {\"ok\"}\n"
	    " instances = 8\n backlog = 1024\n}\n",
	    port);
	h_start(&d, conf);
	int fds_before = h_count_fds(d.pid);
	for (int w = 0; w < 64; w++) {
		if ((workers[w] = fork()) == 0) {
			int bad = 0;
			for (int i = 0; i < 2000 / 64 + 1; i++) {
				char buf[8];
				int fd = h_connect("127.0.0.1", port);
				if (fd == -1 || h_read_all(fd, buf, sizeof(buf),
				                           20000) != 3)
					bad++;
				if (fd != -1)
					close(fd);
			}
			_exit(bad > 200 ? 200 : bad);
		}
	}
	int failed = 0;
	for (int w = 0; w < 64; w++) {
		int status;
		waitpid(workers[w], &status, 0);
		failed += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	}
	cr_assert_eq(failed, 0, "%d connections not served", failed);
	/* Handlers finish on their own; poll until the master has reaped. */
	for (int i = 0; i < 400 && h_count_children(d.pid) > 0; i++)
		poll(NULL, 0, 10);
	cr_assert_eq(h_count_children(d.pid), 0, "zombies or stragglers");
	cr_assert_eq(h_count_fds(d.pid), fds_before, "descriptor leak");
	cr_assert_eq(kill(d.pid, 0), 0, "master died");
	h_stop(&d);
}

Test(access, redirect_relays_both_ways_with_half_close)
{
	struct h_daemon d = {0};
	uint16_t back = h_free_port(), front = h_free_port();
	char big[200000];
	size_t n;

	snprintf(
	    conf, sizeof(conf),
	    "service backend {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = root\n server = \"/bin/cat\"\n}\n"
	    "service front {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " redirect = \"127.0.0.1 %u\"\n}\n",
	    back, front, back);
	h_start(&d, conf);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	/* The client's half-close reaches cat, cat's EOF comes back. */
	char *out = h_roundtrip("127.0.0.1", front, big, sizeof(big), &n);
	cr_assert_eq(n, sizeof(big));
	cr_assert_eq(memcmp(out, big, sizeof(big)), 0);
	free(out);
	cr_assert(h_log_wait(&d, "]: traffic in=200000 out=200000", 5000));
	h_stop(&d);
}

Test(access, log_type_file_is_reopened_on_sigusr2)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char logfile[PATH_MAX + 16], rotated[PATH_MAX + 16], with_log[9000];

	h_start(&d, conf_cat(port, ""));
	snprintf(logfile, sizeof(logfile), "%s/service.log", d.dir);
	snprintf(rotated, sizeof(rotated), "%s/service.log.1", d.dir);
	snprintf(with_log, sizeof(with_log), "log_type = \"file %s\"\n%s",
	         logfile, conf_cat(port, ""));
	h_write_file(&d, "portier.conf", with_log, 0644);
	kill(d.pid, SIGHUP);
	struct h_daemon file_view = d;
	strlcpy(file_view.log, logfile, sizeof(file_view.log));
	cr_assert(h_log_wait(&file_view, "portierd: reloaded", 5000));
	cr_assert(served_from("127.0.0.1", "127.0.0.1", port));
	cr_assert(h_log_wait(&file_view, "cat: EXIT", 5000));
	/* logrotate: move the file away, SIGUSR2, a new file appears. */
	cr_assert_eq(rename(logfile, rotated), 0);
	kill(d.pid, SIGUSR2);
	for (int i = 0; i < 500 && access(logfile, F_OK) != 0; i++)
		poll(NULL, 0, 10);
	cr_assert(served_from("127.0.0.1", "127.0.0.1", port));
	cr_assert(h_log_wait(&file_view, "cat: START", 5000));
	h_stop(&d);
}

Test(access, chroot_view_of_the_handler)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char jail[PATH_MAX + 16], cmd[PATH_MAX * 3];
	size_t n;
	int status;

	if (geteuid() != 0)
		cr_skip_test("chroot needs root");
	h_mkdir(&d);
	snprintf(jail, sizeof(jail), "%s/jail", d.dir);
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p %s && cp %s/tests/lsroot %s/ && "
	         "touch %s/marker",
	         jail, TOP_BUILDDIR, jail, jail);
	free(h_run(cmd, &status));
	cr_assert_eq(status, 0);
	snprintf(conf, sizeof(conf),
	         "service jailed {\n port = %u\n bind = \"127.0.0.1\"\n"
	         " user = nobody\n chroot = \"%s\"\n server = \"/lsroot\"\n}\n",
	         port, jail);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	cr_assert_str_eq(out, "lsroot\nmarker\nuid 65534\n");
	free(out);
	h_stop(&d);
}

Test(access, ipv6_prefixes_and_mapped_ipv4_peers)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	if (!h_have_ipv6())
		cr_skip_test("no IPv6 loopback");
	/* ::/1 holds ::ffff:127.0.0.0/104 and ::1; ::1 itself is denied. */
	h_start(&d, conf_cat(port, " only_from = {\"::/1\"}\n"
	                           " no_access = {\"::1/128\", "
	                           "\"::ffff:127.0.0.9\"}\n"
	                           " bind = \"::\""));
	cr_assert(served_from("127.0.0.2", "127.0.0.1", port),
	          "a mapped IPv4 peer meets the IPv6 prefix");
	cr_assert_not(served_from("::1", "::1", port));
	cr_assert(h_log_wait(&d, "cat: FAIL reason=no_access host=::1", 5000));
	cr_assert_not(served_from("127.0.0.9", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=no_access host=127.0.0.9", 5000));
	h_stop(&d);
}

/* A handler that says "started" and then blocks until the test writes
 * one line into FIFO (each line releases exactly one handler). */
static const char *
conf_fifo(uint16_t port, const char *fifo, const char *extra)
{
	snprintf(
	    conf, sizeof(conf),
	    "service gate {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = \"root\"\n server = \"/bin/sh\"\n server_args = {\"-c\", "
	    "\"echo started; read line < %s; echo done\"}\n"
	    " log_on_success = {PID, HOST, EXIT, DURATION}\n%s\n}\n",
	    port, fifo, extra);
	return conf;
}

static int
fifo_make(struct h_daemon *d, char *path, size_t size)
{
	h_mkdir(d);
	snprintf(path, size, "%s/gate", d->dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	/* Held open for writing (and reading, so open does not block):
	 * a handler's open for reading never waits for a writer. */
	int fd = open(path, O_RDWR | O_CLOEXEC);
	cr_assert_neq(fd, -1);
	return fd;
}

static void
expect_line(int fd, const char *line)
{
	char buf[64];
	size_t len = strlen(line);

	cr_assert_eq(h_read_all(fd, buf, len, 5000), (ssize_t)len, "no '%s'",
	             line);
	cr_assert_arr_eq(buf, line, len);
}

Test(access, instances_wait_in_the_backlog_until_a_fifo_releases_one)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char fifo[PATH_MAX];
	int gate = fifo_make(&d, fifo, sizeof(fifo));

	h_start(&d, conf_fifo(port, fifo, " instances = 2"));
	int a = h_connect_from("127.0.0.2", "127.0.0.1", port);
	expect_line(a, "started\n");
	int b = h_connect_from("127.0.0.3", "127.0.0.1", port);
	expect_line(b, "started\n");
	cr_assert(
	    h_log_wait(&d, "gate: PAUSE reason=instances running=2", 5000));
	int c = h_connect_from("127.0.0.4", "127.0.0.1", port);
	cr_assert_neq(c, -1, "the kernel's backlog takes the third");
	cr_assert(gets_nothing_for_a_moment(c), "served past instances");
	cr_assert_eq(h_count_children(d.pid), 2);
	/* Release one handler: the third is served by a new one. */
	cr_assert_eq(write(gate, "go\n", 3), 3);
	cr_assert(h_log_wait(&d, "gate: RESUME", 5000));
	expect_line(c, "started\n");
	cr_assert_eq(write(gate, "go\ngo\n", 6), 6);
	expect_line(c, "done\n");
	cr_assert(h_log_wait_count(&d, "gate: EXIT pid=", 3, 5000));
	cr_assert_not(h_log_contains(&d, "FAIL"), "instances refused someone");
	close(a);
	close(b);
	close(c);
	close(gate);
	h_stop(&d);
}

Test(access, per_source_counts_survive_a_reload)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " per_source = 2"));
	int a = open_held("127.0.0.2", port);
	int b = open_held("127.0.0.2", port);
	h_reload(&d, conf_cat(port, " per_source = 2\n instances = 50"),
	         "reloaded");
	cr_assert_not(served_from("127.0.0.2", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=per_source host=127.0.0.2", 5000));
	cr_assert(served_from("127.0.0.3", "127.0.0.1", port));
	close(a);
	close(b);
	h_stop(&d);
}

Test(access, a_name_that_stops_resolving_keeps_the_old_rules)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " only_from = {\"127.0.0.2\"}"));
	h_write_file(&d, "portier.conf",
	             conf_cat(port, " only_from = {\"no-such-host.invalid\"}"),
	             0644);
	kill(d.pid, SIGHUP);
	cr_assert(h_log_wait(&d, "reload failed: ", 10000));
	cr_assert(h_log_contains(&d, "no-such-host.invalid"));
	cr_assert(served_from("127.0.0.2", "127.0.0.1", port));
	cr_assert_not(served_from("127.0.0.3", "127.0.0.1", port));
	cr_assert(
	    h_log_wait(&d, "cat: FAIL reason=only_from host=127.0.0.3", 5000));
	h_stop(&d);
}

/* One datagram from SRC; the reply's length, 0 when none came. */
static ssize_t
udp_from(const char *src, uint16_t port, const char *msg, char *reply,
         size_t size)
{
	struct sockaddr_in me = {.sin_family = AF_INET}, to = me;
	struct pollfd pfd;
	ssize_t n = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_neq(fd, -1);
	inet_pton(AF_INET, src, &me.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	to.sin_port = htons(port);
	cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	cr_assert_eq(
	    sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)strlen(msg));
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) == 1)
		n = recv(fd, reply, size, 0);
	close(fd);
	return n;
}

Test(access, datagrams_are_checked_before_the_handler_gets_the_socket)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), internal = h_free_port();
	char reply[256];

	snprintf(
	    conf, sizeof(conf),
	    "service uecho {\n socket_type = dgram\n protocol = udp\n"
	    " port = %u\n bind = \"127.0.0.1\"\n wait = yes\n user = root\n"
	    " server = \"%s\"\n only_from = {\"127.0.0.5\"}\n}\n"
	    "service iecho {\n type = internal\n internal = echo\n"
	    " socket_type = dgram\n protocol = udp\n port = %u\n"
	    " bind = \"127.0.0.1\"\n wait = yes\n"
	    " no_access = {\"127.0.0.6\"}\n}\n",
	    port, H_HELPER("udpecho"), internal);
	h_start(&d, conf);
	/* The refused datagram comes first, while no handler runs. */
	cr_assert_eq(udp_from("127.0.0.2", port, "no", reply, sizeof(reply)),
	             0);
	cr_assert(h_log_wait(&d, "uecho: FAIL reason=only_from host=127.0.0.2",
	                     5000));
	cr_assert_eq(h_count_children(d.pid), 0, "a refused datagram forked");
	ssize_t n = udp_from("127.0.0.5", port, "yes", reply, sizeof(reply));
	cr_assert_gt(n, 0);
	cr_assert(memmem(reply, (size_t)n, ": yes", 5) != NULL);
	/* Internal services answer in the master: the same rules apply. */
	cr_assert_eq(
	    udp_from("127.0.0.6", internal, "no", reply, sizeof(reply)), 0);
	cr_assert(h_log_wait(&d, "iecho: FAIL reason=no_access host=127.0.0.6",
	                     5000));
	cr_assert_eq(
	    udp_from("127.0.0.7", internal, "hi", reply, sizeof(reply)), 2);
	cr_assert_arr_eq(reply, "hi", 2);
	h_stop(&d);
}

Test(access, wait_yes_stream_outside_access_times_is_refused_by_the_master)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	snprintf(
	    conf, sizeof(conf),
	    "service acc {\n port = %u\n bind = \"127.0.0.1\"\n wait = yes\n"
	    " user = root\n server = \"%s\"\n"
	    " access_times = {\"%02d:%02d-%02d:%02d\"}\n}\n",
	    port, H_HELPER("accepter"), (tm.tm_hour + 2) % 24, tm.tm_min,
	    (tm.tm_hour + 3) % 24, tm.tm_min);
	h_start(&d, conf);
	int fd = h_connect_from("127.0.0.2", "127.0.0.1", port);
	cr_assert_neq(fd, -1);
	h_write_all(fd, "hi\n", 3);
	cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 0,
	             "closed without an answer");
	close(fd);
	cr_assert(h_log_wait(&d,
	                     "acc: FAIL reason=access_times "
	                     "host=127.0.0.2",
	                     5000));
	cr_assert_eq(h_count_children(d.pid), 0, "a refused client forked");
	h_stop(&d);
}

Test(access, traffic_in_the_exit_line_of_redirect_and_internal)
{
	struct h_daemon d = {0};
	uint16_t back = h_free_port(), front = h_free_port(),
	         echo = h_free_port();
	size_t n;

	snprintf(
	    conf, sizeof(conf),
	    "defaults {\n log_on_success = {PID, HOST, EXIT, DURATION, "
	    "TRAFFIC}\n}\n"
	    "service backend {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = root\n server = \"/bin/cat\"\n}\n"
	    "service front {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " redirect = \"127.0.0.1 %u\"\n}\n"
	    "service iecho {\n type = internal\n internal = echo\n"
	    " port = %u\n bind = \"127.0.0.1\"\n}\n",
	    back, front, back, echo);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", front, "twelve bytes", 12, &n);
	cr_assert_eq(n, 12);
	free(out);
	cr_assert(h_log_wait(&d, " bytes_in=12 bytes_out=12", 5000));
	char *log = h_log_read(&d);
	char *line = strstr(log, "front: EXIT pid=");
	cr_assert_not_null(line, "%s", log);
	cr_assert(strncmp(strstr(line, " host=127.0.0.1 port="), " host=", 6) ==
	          0);
	cr_assert_not_null(strstr(line, " status=0 duration="), "%s", log);
	cr_assert_null(strstr(log, "]: traffic in="), "counted twice: %s", log);
	free(log);
	out = h_roundtrip("127.0.0.1", echo, "hello", 5, &n);
	cr_assert_eq(n, 5);
	free(out);
	cr_assert(h_log_wait(&d, "iecho: START host=127.0.0.1 port=", 5000));
	cr_assert(h_log_wait(&d, "iecho: EXIT host=127.0.0.1 port=", 5000));
	cr_assert(h_log_wait(&d, "s bytes_in=5 bytes_out=5", 5000));
	h_stop(&d);
}

/* A user who is a member of some group besides its primary one. */
static bool
find_member(char *user, size_t size, gid_t *primary, gid_t *extra)
{
	struct group *gr;
	bool found = false;

	setgrent();
	while (!found && (gr = getgrent()) != NULL) {
		for (char **m = gr->gr_mem; *m != NULL && !found; m++) {
			struct passwd *pw = getpwnam(*m);
			if (pw == NULL || pw->pw_uid == 0 ||
			    pw->pw_gid == gr->gr_gid)
				continue;
			strlcpy(user, *m, size);
			*primary = pw->pw_gid;
			*extra = gr->gr_gid;
			found = true;
		}
	}
	endgrent();
	return found;
}

Test(access, groups_yes_gives_the_supplementary_groups_and_no_drops_them)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	char user[64], want[64];
	gid_t primary, extra;
	size_t n;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	if (!find_member(user, sizeof(user), &primary, &extra))
		cr_skip_test("no user with a supplementary group here");
	snprintf(conf, sizeof(conf),
	         "service with {\n port = %u\n bind = \"127.0.0.1\"\n user = "
	         "\"%s\"\n"
	         " groups = yes\n server = \"/usr/bin/id\"\n server_args = "
	         "{\"-G\"}\n"
	         "}\n"
	         "service without {\n port = %u\n bind = \"127.0.0.1\"\n"
	         " user = \"%s\"\n groups = no\n server = \"/usr/bin/id\"\n"
	         " server_args = {\"-G\"}\n}\n",
	         p1, user, p2, user);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", p1, "", 0, &n);
	snprintf(want, sizeof(want), " %u", (unsigned)extra);
	cr_assert_not_null(strstr(out, want), "%s: '%s' lacks %u", user, out,
	                   (unsigned)extra);
	free(out);
	out = h_roundtrip("127.0.0.1", p2, "", 0, &n);
	snprintf(want, sizeof(want), "%u\n", (unsigned)primary);
	cr_assert_str_eq(out, want);
	free(out);
	h_stop(&d);
}

/* One flood client: 's' served ("ok\n"), 'r' refused (closed at once),
 * 'x' anything else. */
static char
flood_one(const char *src, uint16_t port)
{
	char buf[8];
	int fd = h_connect_from(src, "127.0.0.1", port);

	if (fd == -1)
		return 'x';
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 20000);
	close(fd);
	if (n == 3 && memcmp(buf, "ok\n", 3) == 0)
		return 's';
	return n == 0 ? 'r' : 'x';
}

/*
 * 2,000 connections, 64 at once, from two addresses, against
 * instances = 8 and per_source = 4: each client is served or refused
 * with a logged reason, and the master ends as it began.
 */
Test(access, flood_with_refusals_accounts_for_every_client)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	pid_t workers[64];
	int report[2];
	int served = 0, refused = 0, other = 0;

	snprintf(
	    conf, sizeof(conf),
	    "service flood {\n port = %u\n bind = \"127.0.0.1\"\n user = root\n"
	    " server = \"/bin/echo\"\n server_args = {\"ok\"}\n"
	    " instances = 8\n per_source = 4\n backlog = 1024\n}\n",
	    port);
	h_start(&d, conf);
	int fds_before = h_count_fds(d.pid);
	cr_assert_eq(pipe(report), 0);
	for (int w = 0; w < 64; w++) {
		if ((workers[w] = fork()) == 0) {
			const char *src = w % 2 ? "127.0.0.2" : "127.0.0.3";
			int count = w < 2000 % 64 ? 2000 / 64 + 1 : 2000 / 64;
			for (int i = 0; i < count; i++) {
				char r = flood_one(src, port);
				(void)write(report[1], &r, 1);
			}
			_exit(0);
		}
	}
	close(report[1]);
	char r;
	while (read(report[0], &r, 1) == 1)
		*(r == 's' ? &served : r == 'r' ? &refused : &other) += 1;
	close(report[0]);
	for (int w = 0; w < 64; w++)
		waitpid(workers[w], NULL, 0);
	cr_log_info("flood: %d served, %d refused (per_source)", served,
	            refused);
	cr_assert_eq(served + refused + other, 2000);
	cr_assert_eq(other, 0, "%d clients neither served nor refused", other);
	cr_assert_gt(served, 0);
	cr_assert(h_log_wait_count(&d, "flood: FAIL reason=", refused, 10000));
	cr_assert_eq(h_log_count(&d, "flood: FAIL reason=per_source"), refused,
	             "every refusal logged once, with its reason");
	for (int i = 0; i < 400 && h_count_children(d.pid) > 0; i++)
		poll(NULL, 0, 10);
	cr_assert_eq(h_count_children(d.pid), 0, "zombies or stragglers");
	cr_assert_eq(h_count_fds(d.pid), fds_before, "descriptor leak");
	cr_assert(h_alive(d.pid), "master died");
	h_stop(&d);
}

/* -C does what a start does with the rules: bad ones are refused. */
Test(access, check_flag_resolves_rules_and_reads_banners)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 2], bad[2048];
	int status;
	static const char *rules[] = {
	    " only_from = {\"10.0.0.0/33\"}",
	    " no_access = {\"no-such-host.invalid\"}",
	    " banner_fail = \"/nonexistent/banner\"",
	};
	static const char *why[] = {
	    "only_from: '10.0.0.0/33' is not an address",
	    "no_access: 'no-such-host.invalid' is not an address",
	    "banner /nonexistent/banner: No such file",
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(bad, sizeof(bad),
		         "service x {\n port = 7999\n"
		         " server = \"/bin/cat\"\n%s\n}\n",
		         rules[i]);
		const char *file = h_write_file(&d, "bad.conf", bad, 0644);
		snprintf(cmd, sizeof(cmd), "%s/src/portierd -C -f %s 2>&1",
		         TOP_BUILDDIR, file);
		char *out = h_run(cmd, &status);
		cr_assert_eq(status, 1, "%s", out);
		cr_assert(strstr(out, file) == out && strstr(out, why[i]), "%s",
		          out);
		free(out);
	}
	h_write_file(&d, "ok.conf",
	             "service x {\n port = 7999\n"
	             " server = \"/bin/cat\"\n only_from = {\"localhost\", "
	             "\"::1/128\"}\n}\n",
	             0644);
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -C -f %s/ok.conf 2>&1",
	         TOP_BUILDDIR, d.dir);
	char *out = h_run(cmd, &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert_str_eq(out, "configuration OK\n");
	free(out);
	h_remove_dir(&d);
}

Test(access, sigusr1_shows_the_per_source_counts)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, conf_cat(port, " per_source = 5"));
	int a = open_held("127.0.0.2", port);
	int b = open_held("127.0.0.2", port);
	int c = open_held("127.0.0.3", port);
	kill(d.pid, SIGUSR1);
	cr_assert(h_log_wait(&d, "  source 127.0.0.2: 2 running", 5000));
	cr_assert(h_log_wait(&d, "  source 127.0.0.3: 1 running", 5000));
	close(a);
	close(b);
	close(c);
	h_stop(&d);
}

/*
 * A banner that is a FIFO blocked the start (and a reload: the whole
 * daemon) in open(2) for ever, deaf even to SIGTERM: it is refused.
 */
Test(access, a_banner_must_not_be_a_fifo)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 2], bad[PATH_MAX + 128], fifo[PATH_MAX];
	char want[PATH_MAX + 64];
	int status;

	h_mkdir(&d);
	snprintf(fifo, sizeof(fifo), "%s/banner.fifo", d.dir);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	snprintf(bad, sizeof(bad),
	         "service x {\n port = 7999\n server = \"/bin/cat\"\n"
	         " banner = \"%s\"\n}\n",
	         fifo);
	const char *file = h_write_file(&d, "bad.conf", bad, 0644);
	snprintf(cmd, sizeof(cmd), "timeout 10 %s/src/portierd -C -f %s 2>&1",
	         TOP_BUILDDIR, file);
	char *out = h_run(cmd, &status);
	snprintf(want, sizeof(want), "banner %s: a FIFO, not a file", fifo);
	cr_assert_eq(status, 1, "exit %d: %s", status, out);
	cr_assert(strstr(out, want), "%s", out);
	free(out);
	h_remove_dir(&d);
}
