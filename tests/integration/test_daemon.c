/* SPDX-License-Identifier: ISC */
/* test_daemon.c -- the real portierd's life: reload, stop, -C, pidfile */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(daemon, .fini = h_cleanup, .timeout = 90);

Test(daemon, sigterm_leaves_no_child)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[64];
	int fds[3];
	pid_t pids[3];

	h_start(&d, h_conf(H_DEFAULTS "service slow {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"echo $$; exec "
	                              "sleep 60\"}\n}\n",
	                   port));
	for (int i = 0; i < 3; i++) {
		fds[i] = h_connect("127.0.0.1", port);
		cr_assert_neq(fds[i], -1);
		ssize_t n = h_read_all(fds[i], buf, 8, 2000);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		pids[i] = (pid_t)strtol(buf, NULL, 10);
	}
	cr_assert_eq(h_count_children(d.pid), 3);
	h_stop(&d); /* also asserts exit 0 and no handler left */
	for (int i = 0; i < 3; i++) {
		cr_assert_not(h_alive(pids[i]), "handler %d still alive",
		              pids[i]);
		/* The client sees its connection end. */
		cr_assert_eq(h_read_all(fds[i], buf, sizeof(buf), 5000), 0);
		close(fds[i]);
	}
}

/*
 * A handler's own children go with it: a shell script that started a
 * background job, or one that ignores SIGTERM (then SIGKILL after the
 * grace period), leaves nothing running once portierd has exited.
 */
static void
stop_kills_grandchild(const char *script)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[32];

	h_start(&d, h_conf(H_DEFAULTS "service sh {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"%s\"}\n}\n",
	                   port, script));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_neq(fd, -1);
	ssize_t n = h_read_all(fd, buf, sizeof(buf) - 1, 5000);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	pid_t grandchild = (pid_t)strtol(buf, NULL, 10);
	cr_assert_gt(grandchild, 1);
	h_track(grandchild); /* killed by h_cleanup if the daemon fails */
	h_stop(&d);
	close(fd);
	cr_assert(h_wait_gone(grandchild, 2000),
	          "the handler's child %ld outlived portierd",
	          (long)grandchild);
}

Test(daemon, sigterm_takes_down_a_handlers_children)
{
	stop_kills_grandchild("sleep 60 & echo $!; wait");
}

Test(daemon, sigterm_then_sigkill_for_a_handler_ignoring_it)
{
	stop_kills_grandchild("trap '' TERM; sleep 60 & echo $!; wait; wait");
}

/* "stay" on P1 always; "extra" on P2 when WITH_SECOND. */
static const char *
conf_two(uint16_t p1, uint16_t p2, bool with_second)
{
	if (!with_second)
		return h_conf_cat(p1);
	return h_conf(H_DEFAULTS "service cat {\n port = %u\n"
	                         " bind = \"127.0.0.1\"\n"
	                         " server = \"/bin/cat\"\n}\n"
	                         "service extra {\n port = %u\n"
	                         " bind = \"127.0.0.1\"\n"
	                         " server = \"/bin/echo\"\n"
	                         " server_args = {\"extra\"}\n}\n",
	              p1, p2);
}

/*
 * The hammer: a child that connects to PORT again and again until STOP
 * is readable (or 20000 connections / 60 s), reporting on REPORT first a
 * byte once it is going, then "served refused".
 */
static void
hammer_run(uint16_t port, int stop, int report)
{
	struct pollfd pfd = {.fd = stop, .events = POLLIN};
	int served = 0, refused = 0;
	long deadline = h_now_ms() + 60000;
	char buf[8], line[64];

	for (int i = 0; i < 20000 && h_now_ms() < deadline; i++) {
		if (poll(&pfd, 1, 0) == 1)
			break;
		int fd = h_connect("127.0.0.1", port);
		if (fd == -1) {
			refused++;
			continue;
		}
		if (h_write_all(fd, "ok\n", 3) == 0 &&
		    shutdown(fd, SHUT_WR) == 0 &&
		    h_read_all(fd, buf, sizeof(buf), 5000) == 3 &&
		    memcmp(buf, "ok\n", 3) == 0)
			served++;
		else
			refused++;
		close(fd);
		if (served == 20)
			(void)!write(report, "g", 1);
	}
	int len = snprintf(line, sizeof(line), "%d %d\n", served, refused);
	(void)!write(report, line, (size_t)len);
	_exit(0);
}

Test(daemon, reload_adds_and_removes_while_a_client_hammers)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	int stop[2], report[2], served = -1, refused = -1;
	char buf[64];
	size_t n;

	h_start(&d, conf_two(p1, p2, false));
	cr_assert_eq(pipe(stop), 0);
	cr_assert_eq(pipe(report), 0);
	pid_t hammer = fork();
	cr_assert_neq(hammer, -1);
	if (hammer == 0) {
		close(stop[1]);
		close(report[0]);
		hammer_run(p1, stop[0], report[1]);
	}
	h_track(hammer); /* bounded anyway; killed early if we fail */
	close(stop[0]);
	close(report[1]);
	/* Reload only once the hammer is really at work. */
	cr_assert_eq(h_read_all(report[0], buf, 1, 20000), 1);
	unsigned long inode = h_listen_inode(p1);
	cr_assert_neq(inode, 0);
	for (int i = 0; i < 8; i++) {
		bool with = i % 2 == 0;
		h_reload(&d, conf_two(p1, p2, with), "reloaded");
		if (with) {
			char *out = h_roundtrip("127.0.0.1", p2, "", 0, &n);
			cr_assert_str_eq(out, "extra\n");
			free(out);
		} else {
			cr_assert_eq(h_connect("127.0.0.1", p2), -1,
			             "removed service still listening");
		}
		/* The unchanged service kept its very socket. */
		cr_assert_eq(h_listen_inode(p1), inode);
	}
	close(stop[1]);
	ssize_t got = h_read_all(report[0], buf, sizeof(buf) - 1, 30000);
	close(report[0]);
	waitpid(hammer, NULL, 0);
	h_untrack(hammer);
	cr_assert_gt(got, 0);
	buf[got] = '\0';
	cr_assert_eq(sscanf(buf, "%d %d", &served, &refused), 2, "%s", buf);
	cr_assert_eq(refused, 0, "%d of %d connections failed during reloads",
	             refused, served + refused);
	cr_assert_geq(served, 20);
	h_stop(&d);
}

Test(daemon, reload_rebinds_a_changed_service)
{
	struct h_daemon d = {0};
	uint16_t p1 = h_free_port(), p2 = h_free_port();
	size_t n;

	h_start(&d, h_conf_cat(p1));
	h_reload(&d, h_conf_cat(p2), "reloaded");
	cr_assert_eq(h_connect("127.0.0.1", p1), -1, "old port still open");
	char *out = h_roundtrip("127.0.0.1", p2, "moved\n", 6, &n);
	cr_assert_str_eq(out, "moved\n");
	free(out);
	/* A changed handler takes effect for the next connection. */
	h_reload(&d,
	         h_conf(H_DEFAULTS
	                "service cat {\n port = %u\n"
	                " bind = \"127.0.0.1\"\n server = \"/bin/echo\"\n"
	                " server_args = {\"new\", \"handler\"}\n}\n",
	                p2),
	         "reloaded");
	out = h_roundtrip("127.0.0.1", p2, "", 0, &n);
	cr_assert_str_eq(out, "new handler\n");
	free(out);
	h_stop(&d);
}

static const char *
conf_accepter(uint16_t port, uint16_t other)
{
	return h_conf(H_DEFAULTS "service acc {\n port = %u\n"
	                         " bind = \"127.0.0.1\"\n wait = yes\n"
	                         " server = \"%s\"\n}\n"
	                         "service other {\n port = %u\n"
	                         " bind = \"127.0.0.1\"\n"
	                         " server = \"/bin/cat\"\n}\n",
	              port, H_HELPER("accepter"), other);
}

Test(daemon, reload_while_a_wait_yes_handler_runs)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), o1 = h_free_port(), o2 = h_free_port();

	h_start(&d, conf_accepter(port, o1));
	long first = h_accepter_ask(port, "before");
	/* Unchanged service, running handler: no second handler after. */
	h_reload(&d, conf_accepter(port, o2), "reloaded");
	cr_assert_eq(h_accepter_ask(port, "after"), first);
	cr_assert_eq(h_count_children(d.pid), 1);
	/* And once it has exited, the service is watched again. */
	cr_assert(h_wait_gone((pid_t)first, 5000));
	cr_assert_neq(h_accepter_ask(port, "again"), first);
	h_stop(&d);
}

Test(daemon, reload_removing_a_service_lets_its_handler_finish)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), other = h_free_port();
	char buf[64];

	h_start(&d, h_conf(H_DEFAULTS "service talk {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"echo hi; read "
	                              "x; echo got $x\"}\n}\n",
	                   port));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_neq(fd, -1);
	cr_assert_eq(h_read_all(fd, buf, 3, 5000), 3);
	cr_assert_arr_eq(buf, "hi\n", 3);
	h_reload(&d, h_conf_cat(other), "reloaded");
	cr_assert_eq(h_connect("127.0.0.1", port), -1, "removed, still open");
	/* The client already connected is served to the end. */
	cr_assert_eq(h_write_all(fd, "late\n", 5), 0);
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 5000);
	close(fd);
	cr_assert_eq(n, 9, "got %zd bytes", n);
	cr_assert_arr_eq(buf, "got late\n", 9);
	h_stop(&d);
}

Test(daemon, bad_reload_keeps_the_old_config)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), other = h_free_port();
	size_t n;

	h_start(&d, h_conf_cat(port));
	/* A good service before the bad line must not half-apply. */
	h_reload(&d,
	         h_conf(H_DEFAULTS
	                "service new {\n port = %u\n"
	                " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n"
	                "}\nservice broken {\n bogus = 1\n}\n",
	                other),
	         "reload failed");
	char *log = h_log_read(&d);
	cr_assert(strstr(log, "portier.conf:8: ") != NULL, "%s", log);
	cr_assert(strstr(log, "bogus") != NULL, "%s", log);
	free(log);
	cr_assert_eq(h_connect("127.0.0.1", other), -1,
	             "part of a refused config was applied");
	char *out = h_roundtrip("127.0.0.1", port, "alive\n", 6, &n);
	cr_assert_str_eq(out, "alive\n");
	free(out);
	/* And a later good reload still works. */
	h_reload(&d, h_conf_cat(other), "reloaded");
	out = h_roundtrip("127.0.0.1", other, "next\n", 5, &n);
	cr_assert_str_eq(out, "next\n");
	free(out);
	h_stop(&d);
}

Test(daemon, sigusr1_logs_the_state)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char want[128];

	h_start(&d, h_conf_cat(port));
	cr_assert_eq(kill(d.pid, SIGUSR1), 0);
	cr_assert(h_log_wait(&d, "service cat: /bin/cat", 5000));
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	cr_assert(h_log_wait(&d, want, 5000));
	h_stop(&d);
}

Test(daemon, port_in_use_names_service_and_address)
{
	struct h_daemon d = {0}, first = {0};
	uint16_t port = h_free_port();
	char want[128];

	h_start(&first, h_conf_cat(port));
	cr_assert_not(h_try_start(&d, h_conf_cat(port)));
	char *log = h_log_read(&d);
	snprintf(want, sizeof(want),
	         "service cat: 127.0.0.1:%u: Address already in use", port);
	cr_assert(strstr(log, want), "%s", log);
	free(log);
	/* The first one never noticed. */
	size_t n;
	char *out = h_roundtrip("127.0.0.1", port, "first\n", 6, &n);
	cr_assert_str_eq(out, "first\n");
	free(out);
	h_stop(&first);
}

Test(daemon, listener_past_fd_setsize_is_a_clear_error)
{
	/* -A: all or nothing, else the services below 1024 would start. */
	const char *wrap[] = {"sh", "-c", "exec \"$0\" -A \"$@\"", NULL};
	struct h_daemon d = {.inherit_fds = 1016, .wrapper = wrap};
	char *text = NULL;
	size_t len = 0;
	FILE *conf = open_memstream(&text, &len);

	/* select(2) cannot watch fd 1024 or above: refuse, do not corrupt. */
	fputs(H_DEFAULTS, conf);
	for (int i = 0; i < 12; i++)
		fprintf(conf,
		        "service s%d {\n port = %u\n bind = \"127.0.0.1\"\n"
		        " server = \"/bin/cat\"\n}\n",
		        i, h_free_port());
	fclose(conf);
	cr_assert_not(h_try_start(&d, text), "started with fds past 1023");
	free(text);
	char *log = h_log_read(&d);
	cr_assert(strstr(log, "portier.conf:") && strstr(log, ": service s") &&
	              strstr(log, "FD_SETSIZE"),
	          "%s", log);
	free(log);
}

/* portierd ARGS with stderr folded into the output. */
static char *
run_portierd(const char *args, int *status)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s/src/portierd %s 2>&1", TOP_BUILDDIR,
	         args);
	return h_run(cmd, status);
}

static void
check_refused(struct h_daemon *d, const char *text, int line, const char *what)
{
	char args[256], want[512];
	int status;
	const char *file = h_write_file(d, "bad.conf", text, 0644);

	snprintf(args, sizeof(args), "-C -f %s", file);
	snprintf(want, sizeof(want), "%s:%d: ", file, line);
	char *out = run_portierd(args, &status);
	cr_assert_eq(status, 1, "exit %d for\n%s", status, text);
	cr_assert(strncmp(out, want, strlen(want)) == 0 && strstr(out, what),
	          "want \"%s...%s\", got \"%s\"", want, what, out);
	free(out);
}

Test(daemon, check_flag_on_good_and_bad_files)
{
	struct h_daemon d = {0}, holder = {0};
	uint16_t port = h_free_port();
	char args[256];
	int status;

	/* -C reports a port in use, but not one a running portierd holds:
	 * it is run beside the daemon before a reload. */
	h_start(&holder, h_conf_cat(port));
	h_mkdir(&d);
	const char *good =
	    h_write_file(&d, "good.conf", h_conf_cat(port), 0644);
	snprintf(args, sizeof(args), "-C -f %s", good);
	char *out = run_portierd(args, &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert_str_eq(out, "configuration OK\n");
	free(out);
	h_stop(&holder);

	check_refused(
	    &d,
	    "service x {\n port = 7\n wait = no\n socket_type = dgram\n"
	    " server = \"/bin/cat\"\n}\n",
	    3, "wait = no");
	check_refused(&d,
	              "# comment\n\nservice x {\n port = 7000\n"
	              " frobnicate = yes\n server = \"/bin/cat\"\n}\n",
	              5, "frobnicate");
	check_refused(&d,
	              "service x {\n port = 7000\n server = \"/bin/cat\"\n}\n"
	              "service x {\n port = 7001\n server = \"/bin/cat\"\n}\n",
	              5, "already defined");
	/* Comments of every kind before the error do not shift its line. */
	check_refused(&d,
	              "/* header\n * lines\n */\nservice x { # open\n"
	              " server = \"/bin/cat\" // c\n env = {\"A=#b\"}\n"
	              " port = 7000\n frobnicate = 1\n}\n",
	              8, "frobnicate");
	check_refused(&d,
	              "service x {\n port = no-such-service-name\n"
	              " server = \"/bin/cat\"\n}\n",
	              2, "no-such-service-name");
	check_refused(&d, "service x {\n port = 7000\n}\n", 1, "server");
	snprintf(args, sizeof(args), "-C -f %s/missing.conf", d.dir);
	out = run_portierd(args, &status);
	cr_assert_eq(status, 1, "%s", out);
	cr_assert(strstr(out, "missing.conf"), "%s", out);
	free(out);
}

Test(daemon, command_line_flags)
{
	int status;
	char want[64];

	char *out = run_portierd("-v", &status);
	snprintf(want, sizeof(want), "portierd %s\n", PACKAGE_VERSION);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(out, want);
	free(out);
	out = run_portierd("-h", &status);
	cr_assert_eq(status, 0);
	cr_assert(strncmp(out, "usage: portierd", 15) == 0, "%s", out);
	free(out);
	/* Usage mistakes are permanent errors: 100, as for handlers. */
	out = run_portierd("-x", &status);
	cr_assert_eq(status, 100);
	cr_assert(strstr(out, "usage: portierd"), "%s", out);
	free(out);
	out = run_portierd("-n extra-argument", &status);
	cr_assert_eq(status, 100);
	free(out);
	out = run_portierd("-l bogus -f /dev/null", &status);
	cr_assert_eq(status, 100);
	cr_assert(strstr(out, "unknown log level: bogus"), "%s", out);
	free(out);
}

/* The PID in FILE once the daemon has written it (bounded), or 0. */
static long
pidfile_wait(const char *file)
{
	long deadline = h_now_ms() + 10000, pid = 0;

	while (pid == 0 && h_now_ms() < deadline) {
		FILE *fp = fopen(file, "r");
		if (fp != NULL) {
			if (fscanf(fp, "%ld", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid == 0)
			poll(NULL, 0, 5);
	}
	return pid;
}

Test(daemon, pidfile_refuses_a_second_instance)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char args[512], pidpath[128], want[64];
	int status;

	h_mkdir(&d);
	const char *cfg = h_write_file(&d, "p.conf", h_conf_cat(port), 0644);
	snprintf(pidpath, sizeof(pidpath), "%s/pid", d.dir);
	/* Without -n it forks away; the parent returns 0. */
	snprintf(args, sizeof(args), "-p %s -f %s", pidpath, cfg);
	free(run_portierd(args, &status));
	cr_assert_eq(status, 0);
	long pid = pidfile_wait(pidpath);
	cr_assert_gt(pid, 1, "no PID in %s", pidpath);
	h_track((pid_t)pid);
	snprintf(args, sizeof(args), "-n -p %s -f %s", pidpath, cfg);
	char *out = run_portierd(args, &status);
	cr_assert_eq(status, 1);
	snprintf(want, sizeof(want), "already running as PID %ld", pid);
	cr_assert(strstr(out, want), "%s", out);
	free(out);
	/* The first still serves, and removes its pidfile on SIGTERM. */
	size_t n;
	out = h_roundtrip("127.0.0.1", port, "daemon\n", 7, &n);
	cr_assert_str_eq(out, "daemon\n");
	free(out);
	cr_assert_eq(kill((pid_t)pid, SIGTERM), 0);
	cr_assert(h_wait_gone((pid_t)pid, 10000), "daemon ignored SIGTERM");
	cr_assert_eq(access(pidpath, F_OK), -1, "pidfile left behind");
}

/* The PID of the process holding the socket of INODE, from /proc; or 0. */
static long
holder_of_inode(unsigned long inode)
{
	char want[64], path[320], link[64];
	DIR *procs = opendir("/proc");
	struct dirent *p;
	long found = 0;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (found == 0 && procs != NULL && (p = readdir(procs)) != NULL) {
		long pid = strtol(p->d_name, NULL, 10);
		for (int fd = 0; pid > 0 && fd < 64 && found == 0; fd++) {
			snprintf(path, sizeof(path), "/proc/%ld/fd/%d", pid,
			         fd);
			ssize_t n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', strcmp(link, want) == 0))
				found = pid;
		}
	}
	if (procs != NULL)
		closedir(procs);
	return found;
}

/*
 * Started with fds 0 to 2 closed, the daemon still writes its PID and
 * hears SIGTERM: daemon(3)'s /dev/null must not land on its own pipes.
 */
Test(daemon, closed_standard_descriptors_at_start)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char cmd[1024], pidpath[128];
	int status;

	h_mkdir(&d);
	const char *cfg = h_write_file(&d, "p.conf", h_conf_cat(port), 0644);
	snprintf(pidpath, sizeof(pidpath), "%s/pid", d.dir);
	snprintf(cmd, sizeof(cmd),
	         "%s/src/portierd -S '' -p %s -f %s <&- >&- 2>&-", TOP_BUILDDIR,
	         pidpath, cfg);
	free(h_run(cmd, &status));
	cr_assert_eq(status, 0);
	unsigned long inode = h_listen_inode(port);
	long deadline = h_now_ms() + 10000;
	while (inode == 0 && h_now_ms() < deadline) {
		poll(NULL, 0, 5);
		inode = h_listen_inode(port);
	}
	long holder = holder_of_inode(inode);
	cr_assert_gt(holder, 1, "no daemon listens on %u", port);
	h_track((pid_t)holder);
	cr_assert_eq(pidfile_wait(pidpath), holder, "no PID in %s", pidpath);
	cr_assert_eq(kill((pid_t)holder, SIGTERM), 0);
	cr_assert(h_wait_gone((pid_t)holder, 10000), "daemon ignored SIGTERM");
	h_untrack((pid_t)holder);
	h_remove_dir(&d);
}
