/* SPDX-License-Identifier: ISC */
/* test_core.c -- the real portierd: the four shapes, reload, stop, logs */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(core, .fini = h_cleanup, .timeout = 60);

#define HELPER(name) TOP_BUILDDIR "/tests/" name
/* Tests run as root: say so, or handlers would run as nobody. */
#define DEFAULTS "defaults { user = \"root\" }\n"

static char conf[8192];

static const char *
conf_cat(uint16_t port)
{
	snprintf(conf, sizeof(conf), DEFAULTS
	    "service cat {\n"
	    "	socket_type = stream\n"
	    "	protocol = tcp\n"
	    "	port = %u\n"
	    "	bind = \"127.0.0.1\"\n"
	    "	wait = no\n"
	    "	server = \"/bin/cat\"\n"
	    "}\n", port);
	return conf;
}

Test(core, tcp_wait_no_roundtrip_is_exact)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char in[4096];
	size_t n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7); /* NUL bytes included */
	h_start(&d, conf_cat(port));
	char *out = h_roundtrip("127.0.0.1", port, in, sizeof(in), &n);
	cr_assert_eq(n, sizeof(in));
	cr_assert_arr_eq(out, in, sizeof(in));
	free(out);
	h_stop(&d);
}

Test(core, twenty_clients_at_once)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	int fds[20];
	char msg[64], buf[64];

	h_start(&d, conf_cat(port));
	for (int i = 0; i < 20; i++) {
		fds[i] = h_connect("127.0.0.1", port);
		cr_assert_neq(fds[i], -1);
	}
	for (int i = 0; i < 20; i++) {
		int len = snprintf(msg, sizeof(msg), "client %d\n", i);
		cr_assert_eq(h_write_all(fds[i], msg, (size_t)len), 0);
		shutdown(fds[i], SHUT_WR);
	}
	for (int i = 0; i < 20; i++) {
		int len = snprintf(msg, sizeof(msg), "client %d\n", i);
		ssize_t n = h_read_all(fds[i], buf, sizeof(buf), 5000);
		cr_assert_eq(n, len, "client %d got %zd bytes", i, n);
		cr_assert_arr_eq(buf, msg, (size_t)len);
		close(fds[i]);
	}
	h_stop(&d);
}

Test(core, tcp_wait_yes_handler_accepts_itself)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char buf[256];

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service acc {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " wait = yes\n server = \"%s\"\n}\n", port, HELPER("accepter"));
	h_start(&d, conf);
	for (int i = 0; i < 3; i++) {
		int fd = h_connect("127.0.0.1", port);
		cr_assert_neq(fd, -1);
		h_write_all(fd, "hi", 2);
		ssize_t n = h_read_all(fd, buf, sizeof(buf) - 1, 5000);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		cr_assert(strncmp(buf, "accepter ", 9) == 0, "got %s", buf);
		cr_assert(strstr(buf, ": hi") != NULL, "got %s", buf);
		close(fd);
	}
	h_stop(&d);
}

Test(core, udp_wait_yes_handler)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char buf[64];

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service u {\n socket_type = dgram\n protocol = udp\n"
	    " port = %u\n bind = \"127.0.0.1\"\n wait = yes\n"
	    " server = \"%s\"\n}\n", port, HELPER("udpecho"));
	h_start(&d, conf);
	for (int i = 0; i < 3; i++) {
		ssize_t n = h_udp_exchange("127.0.0.1", port, "ping", 4, buf,
		    sizeof(buf), 5000);
		cr_assert_eq(n, 8, "datagram %d: %zd", i, n);
		cr_assert_arr_eq(buf, "udp:ping", 8);
	}
	h_stop(&d);
}

Test(core, unix_stream_socket)
{
	struct h_daemon d = { 0 };
	char path[PATH_MAX + 16], buf[64];

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/cat.sock", d.dir);
	snprintf(conf, sizeof(conf), DEFAULTS
	    "service ucat {\n socket = \"%s\"\n socket_mode = \"0600\"\n"
	    " server = \"/bin/cat\"\n}\n", path);
	h_start(&d, conf);
	int fd = h_connect_unix(path, SOCK_STREAM);
	cr_assert_neq(fd, -1, "connect %s: %s", path, strerror(errno));
	h_write_all(fd, "over unix\n", 10);
	shutdown(fd, SHUT_WR);
	cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 10);
	cr_assert_arr_eq(buf, "over unix\n", 10);
	close(fd);
	h_stop(&d);
}

Test(core, ipv6_loopback)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	size_t n;
	int probe = socket(AF_INET6, SOCK_STREAM, 0);

	if (probe == -1)
		cr_skip_test("no IPv6");
	close(probe);
	snprintf(conf, sizeof(conf), DEFAULTS
	    "service cat6 {\n port = %u\n bind = \"::1\"\n"
	    " server = \"/bin/cat\"\n}\n", port);
	h_start(&d, conf);
	char *out = h_roundtrip("::1", port, "six\n", 4, &n);
	cr_assert_str_eq(out, "six\n");
	free(out);
	h_stop(&d);
}

Test(core, unset_bind_is_dual_stack)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	size_t n;

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service any {\n port = %u\n server = \"/bin/cat\"\n}\n", port);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", port, "four\n", 5, &n);
	cr_assert_str_eq(out, "four\n");
	free(out);
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	if (probe != -1) {
		close(probe);
		out = h_roundtrip("::1", port, "six\n", 4, &n);
		cr_assert_str_eq(out, "six\n");
		free(out);
	}
	h_stop(&d);
}

static char *
envdump_output(uint16_t port, const char *host)
{
	size_t n;

	return h_roundtrip(host, port, "", 0, &n);
}

Test(core, handler_environment_and_descriptors)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char want[128];

	setenv("PORTIER_SECRET", "must-not-leak", 1);
	setenv("PASSME", "passed", 1);
	snprintf(conf, sizeof(conf), DEFAULTS
	    "service envd {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"%s\"\n env = {\"GREETING=hello world\"}\n"
	    " passenv = {\"PASSME\"}\n}\n", port, HELPER("envdump"));
	h_start(&d, conf);
	char *out = envdump_output(port, "127.0.0.1");
	cr_assert(strstr(out, "env PROTO=TCP\n"), "%s", out);
	cr_assert(strstr(out, "env TCPREMOTEIP=127.0.0.1\n"), "%s", out);
	cr_assert(strstr(out, "env REMOTE_HOST=127.0.0.1\n"), "%s", out);
	cr_assert(strstr(out, "env TCPLOCALIP=127.0.0.1\n"), "%s", out);
	snprintf(want, sizeof(want), "env TCPLOCALPORT=%u\n", port);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "env TCPREMOTEPORT="), "%s", out);
	cr_assert(strstr(out, "env PORTIER_SERVICE=envd\n"), "%s", out);
	cr_assert(strstr(out, "env GREETING=hello world\n"), "%s", out);
	cr_assert(strstr(out, "env PASSME=passed\n"), "%s", out);
	cr_assert_null(strstr(out, "PORTIER_SECRET"), "%s", out);
	cr_assert_null(strstr(out, "LISTEN_FDS"), "%s", out);
	/* Exactly fds 0, 1 and 2. */
	cr_assert(strstr(out, "fd 0\nfd 1\nfd 2\nuid"), "%s", out);
	free(out);
	h_stop(&d);
}

Test(core, wait_yes_gets_systemd_variables)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char buf[256];

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service acc {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " wait = yes\n server = \"%s\"\n}\n", port, HELPER("accepter"));
	h_start(&d, conf);
	int fd = h_connect("127.0.0.1", port);
	h_write_all(fd, "x", 1);
	ssize_t n = h_read_all(fd, buf, sizeof(buf) - 1, 5000);
	/* accepter exits 100 unless LISTEN_FDS=1: a reply proves it. */
	cr_assert_gt(n, 0);
	close(fd);
	h_stop(&d);
}

Test(core, handler_stderr_goes_to_the_log_not_the_client)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	size_t n;

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service err {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/bin/sh\"\n"
	    " server_args = {\"-c\", \"echo secret-diagnostic >&2; echo ok\"}\n"
	    "}\n", port);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	cr_assert_str_eq(out, "ok\n");
	free(out);
	cr_assert(h_log_wait(&d, "]: secret-diagnostic", 5000));
	char *log = h_log_read(&d);
	char *at = strstr(log, "err[");
	cr_assert_not_null(at, "%s", log);
	long pid = strtol(at + 4, NULL, 10);
	cr_assert_gt(pid, 1);
	free(log);
	h_stop(&d);
}

Test(core, missing_handler_is_logged_and_next_connection_works)
{
	struct h_daemon d = { 0 };
	uint16_t bad = h_free_port(), good = h_free_port();
	size_t n;

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service nothere {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/nonexistent/handler\"\n}\n"
	    "service cat {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/bin/cat\"\n}\n", bad, good);
	h_start(&d, conf);
	char *out = h_roundtrip("127.0.0.1", bad, "x", 1, &n);
	cr_assert_eq(n, 0);
	free(out);
	cr_assert(h_log_wait(&d,
	    "exec /nonexistent/handler: No such file or directory", 5000));
	out = h_roundtrip("127.0.0.1", good, "still\n", 6, &n);
	cr_assert_str_eq(out, "still\n");
	free(out);
	out = h_roundtrip("127.0.0.1", bad, "x", 1, &n);
	free(out);
	cr_assert(h_log_wait(&d, "exited with status 111", 5000));
	h_stop(&d);
}

Test(core, crashing_handler_does_not_hurt_the_master)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	size_t n;

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service crash {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/bin/sh\"\n server_args = {\"-c\", \"kill -SEGV $$\"}\n"
	    "}\n", port);
	h_start(&d, conf);
	for (int i = 0; i < 5; i++)
		free(h_roundtrip("127.0.0.1", port, "", 0, &n));
	cr_assert(h_log_wait(&d, "killed by signal 11", 5000));
	h_stop(&d);
}

Test(core, sigterm_leaves_no_child)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	char buf[64];

	snprintf(conf, sizeof(conf), DEFAULTS
	    "service slow {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/bin/sh\"\n"
	    " server_args = {\"-c\", \"echo $$; exec sleep 60\"}\n}\n", port);
	h_start(&d, conf);
	int fds[3];
	pid_t pids[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = h_connect("127.0.0.1", port);
		ssize_t n = h_read_all(fds[i], buf, 8, 2000);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		pids[i] = (pid_t)strtol(buf, NULL, 10);
	}
	cr_assert_eq(h_count_children(d.pid), 3);
	h_stop(&d);
	for (int i = 0; i < 3; i++) {
		cr_assert(kill(pids[i], 0) == -1 && errno == ESRCH,
		    "handler %d still alive", pids[i]);
		close(fds[i]);
	}
}

static const char *
conf_two(uint16_t p1, uint16_t p2, bool with_second)
{
	int n = snprintf(conf, sizeof(conf), DEFAULTS
	    "service stay {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " server = \"/bin/cat\"\n}\n", p1);
	if (with_second)
		snprintf(conf + n, sizeof(conf) - (size_t)n,
		    "service extra {\n port = %u\n bind = \"127.0.0.1\"\n"
		    " server = \"/bin/echo\"\n server_args = {\"extra\"}\n}\n",
		    p2);
	return conf;
}

Test(core, reload_adds_and_removes_while_a_client_hammers)
{
	struct h_daemon d = { 0 };
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	int failures = 0, served = 0;
	size_t n;

	h_start(&d, conf_two(p1, p2, false));
	pid_t hammer = fork();
	if (hammer == 0) {
		/* Bounded: 400 connections; exit status = refused count. */
		int bad = 0;
		for (int i = 0; i < 400; i++) {
			int fd = h_connect("127.0.0.1", p1);
			char buf[8];
			if (fd == -1) {
				bad++;
				continue;
			}
			h_write_all(fd, "ok\n", 3);
			shutdown(fd, SHUT_WR);
			if (h_read_all(fd, buf, sizeof(buf), 5000) != 3)
				bad++;
			close(fd);
		}
		_exit(bad > 250 ? 250 : bad);
	}
	for (int i = 0; i < 6; i++) {
		h_reload(&d, conf_two(p1, p2, i % 2 == 0), "reloaded");
		if (i % 2 == 0) {
			char *out = h_roundtrip("127.0.0.1", p2, "", 0, &n);
			cr_assert_str_eq(out, "extra\n");
			free(out);
			served++;
		} else {
			cr_assert_eq(h_connect("127.0.0.1", p2), -1,
			    "removed service still listening");
		}
	}
	int status;
	waitpid(hammer, &status, 0);
	failures = WEXITSTATUS(status);
	cr_assert_eq(failures, 0, "%d connections refused during reload",
	    failures);
	cr_assert_eq(served, 3);
	h_stop(&d);
}

Test(core, bad_reload_keeps_the_old_config)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	size_t n;

	h_start(&d, conf_cat(port));
	h_reload(&d, "service broken {\n bogus = 1\n}\n", "reload failed");
	cr_assert(h_log_contains(&d, "portier.conf:2: no such option 'bogus'"));
	char *out = h_roundtrip("127.0.0.1", port, "alive\n", 6, &n);
	cr_assert_str_eq(out, "alive\n");
	free(out);
	h_stop(&d);
}

Test(core, port_in_use_names_service_and_address)
{
	struct h_daemon d = { 0 };
	uint16_t port = h_free_port();
	int holder = h_connect("127.0.0.1", port); /* nothing listens yet */

	cr_assert_eq(holder, -1);
	struct h_daemon first = { 0 };
	h_start(&first, conf_cat(port));
	cr_assert_not(h_try_start(&d, conf_cat(port)));
	char *log = h_log_read(&d);
	char want[128];
	snprintf(want, sizeof(want), "service cat: 127.0.0.1:%u: Address "
	    "already in use", port);
	cr_assert(strstr(log, want), "%s", log);
	free(log);
	h_stop(&first);
}

Test(core, check_flag_on_good_and_bad_files)
{
	struct h_daemon d = { 0 };
	char cmd[PATH_MAX * 2];
	int status;

	h_mkdir(&d);
	const char *good = h_write_file(&d, "good.conf", conf_cat(17), 0644);
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -C -f %s 2>&1",
	    TOP_BUILDDIR, good);
	char *out = h_run(cmd, &status);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(out, "configuration OK\n");
	free(out);
	const char *bad = h_write_file(&d, "bad.conf",
	    "service x {\n port = 7\n wait = no\n socket_type = dgram\n"
	    " server = \"/bin/cat\"\n}\n", 0644);
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -C -f %s 2>&1",
	    TOP_BUILDDIR, bad);
	out = h_run(cmd, &status);
	cr_assert_eq(status, 1);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "%s:1: service x: wait = no is not "
	    "possible with socket_type dgram\n", bad);
	cr_assert_str_eq(out, want);
	free(out);
}

Test(core, pidfile_refuses_a_second_instance)
{
	struct h_daemon d = { 0 };
	char cmd[PATH_MAX * 3];
	int status;

	h_mkdir(&d);
	const char *cfg = h_write_file(&d, "p.conf", "", 0644);
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -p %s/pid -f %s",
	    TOP_BUILDDIR, d.dir, cfg);
	char *out = h_run(cmd, &status); /* daemonizes */
	free(out);
	cr_assert_eq(status, 0);
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -n -p %s/pid -f %s 2>&1",
	    TOP_BUILDDIR, d.dir, cfg);
	out = h_run(cmd, &status);
	cr_assert_eq(status, 1);
	cr_assert(strstr(out, "already running as PID"), "%s", out);
	free(out);
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/pid", d.dir);
	FILE *fp = fopen(path, "r");
	cr_assert_not_null(fp);
	long pid = 0;
	cr_assert_eq(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	cr_assert_eq(kill((pid_t)pid, SIGTERM), 0);
}
