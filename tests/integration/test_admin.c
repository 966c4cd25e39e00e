/* SPDX-License-Identifier: ISC */
/* test_admin.c -- what an admin meets: -C, -P, -A, relative -f, logs, dump */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(admin, .fini = h_cleanup, .timeout = 90);

#define PORTIERD TOP_BUILDDIR "/src/portierd"

/* A TCP socket listening on 127.0.0.1:PORT, so that it is in use. */
static int
hold_port(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	return fd;
}

/* Two cat services, on HELD (line 3 of the file) and FREE. */
static const char *
conf_held_and_free(uint16_t held, uint16_t free_port)
{
	return h_conf(H_DEFAULTS
	              "service held {\n port = %u\n"
	              " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n"
	              "}\nservice free {\n port = %u\n"
	              " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n"
	              "}\n",
	              held, free_port);
}

/* Run portierd ARGS on D's config; stdout and stderr together. */
static char *
run_portierd(struct h_daemon *d, const char *args, int *status)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "%s %s -f %s 2>&1", PORTIERD, args, d->conf);
	return h_run(cmd, status);
}

Test(admin, check_reports_a_port_in_use_at_its_line)
{
	struct h_daemon d = {0};
	uint16_t held = h_free_port(), other = h_free_port();
	int fd = hold_port(held), status;
	char want[PATH_MAX + 128];

	h_write_file(&d, "portier.conf", conf_held_and_free(held, other), 0644);
	char *out = run_portierd(&d, "-C", &status);
	snprintf(want, sizeof(want),
	         "%s:3: service held: 127.0.0.1:%u: Address already in use\n",
	         d.conf, held);
	cr_assert_eq(status, 1);
	cr_assert_str_eq(out, want);
	free(out);
	close(fd);
	h_remove_dir(&d);
}

/* As xinetd: one line for the service that cannot listen, the rest run. */
Test(admin, port_in_use_skips_only_that_service)
{
	struct h_daemon d = {0};
	uint16_t held = h_free_port(), other = h_free_port();
	int fd = hold_port(held);
	char want[PATH_MAX + 128];
	size_t n;

	h_start(&d, conf_held_and_free(held, other));
	snprintf(want, sizeof(want),
	         "portierd: %s:3: service held: 127.0.0.1:%u: Address already "
	         "in use: not started, the others are\n",
	         d.conf, held);
	cr_assert(h_log_contains(&d, want), "%s", h_log_read(&d));
	char *out = h_roundtrip("127.0.0.1", other, "ok\n", 3, &n);
	cr_assert_str_eq(out, "ok\n");
	free(out);
	close(fd);
	h_stop(&d);
}

Test(admin, all_or_nothing_refuses_to_start)
{
	struct h_daemon d = {0};
	uint16_t held = h_free_port(), other = h_free_port();
	int fd = hold_port(held);
	const char *wrap[] = {"sh", "-c", "exec \"$0\" -A \"$@\"", NULL};

	d.wrapper = wrap;
	cr_assert_not(h_try_start(&d, conf_held_and_free(held, other)));
	cr_assert(h_log_contains(&d, "service held: 127.0.0.1"));
	cr_assert_eq(h_connect("127.0.0.1", other), -1);
	close(fd);
	h_remove_dir(&d);
}

/* -P prints every service with defaults applied; it loads back as is. */
Test(admin, print_round_trips)
{
	struct h_daemon d = {0};
	int status;

	h_write_file(
	    &d, "portier.conf",
	    h_conf(
	        "log_level = \"info\"\nmax_children = 40\n"
	        "defaults {\n user = \"root\"\n only_from = {\"127.0.0.1\"}\n"
	        " log_on_success = {PID, HOST, DURATION}\n"
	        " rlimit_cpu = 10\n instances = 7\n}\n"
	        "service cat {\n port = %u\n bind = \"127.0.0.1\"\n"
	        " server = \"/bin/sh\"\n server_args = {\"-c\", \"say "
	        "\\\"hi\\\"\"}\n"
	        " env = {\"A=1\"}\n only_from += {\"::1\"}\n"
	        " access_times = {\"08:00-17:30\"}\n cps = {5, 2}\n"
	        " rlimit_files = unlimited\n umask = 027\n nice = 5\n"
	        " banner = \"/etc/hostname\"\n}\n"
	        "service echo {\n type = internal\n port = %u\n"
	        " socket_type = dgram\n reply_rate = {500}\n}\n"
	        "service u {\n socket = \"/tmp/x.sock\"\n"
	        " server = \"/bin/cat\"\n socket_mode = 0600\n}\n"
	        "service r {\n port = %u\n redirect = \"127.0.0.1 80\"\n"
	        " disable = yes\n}\n",
	        h_free_port(), h_free_port(), h_free_port()),
	    0644);
	char *first = run_portierd(&d, "-P", &status);
	cr_assert_eq(status, 0, "%s", first);
	cr_assert(strstr(first, "\tonly_from = {\"127.0.0.1\", \"::1\"}\n"),
	          "%s", first);
	cr_assert(strstr(first, "\tserver_args = {\"-c\", \"say \\\"hi\\\"\"}"),
	          "%s", first);
	cr_assert(strstr(first, "\treply_rate = {500, 32}\n"), "%s", first);
	/* The printed text, loaded again, prints the same. */
	h_write_file(&d, "portier.conf", strchr(first, '\n') + 1, 0644);
	char *second = run_portierd(&d, "-P", &status);
	cr_assert_eq(status, 0, "%s", second);
	cr_assert_str_eq(strchr(second, '\n') + 1, strchr(first, '\n') + 1);
	free(first);
	free(second);
	h_remove_dir(&d);
}

/* A relative -f is absolute from the start: reloads after chdir work. */
Test(admin, relative_config_is_made_absolute)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 2], want[PATH_MAX + 64];
	int status;

	h_write_file(&d, "portier.conf", h_conf_cat(h_free_port()), 0644);
	snprintf(cmd, sizeof(cmd), "cd %s && %s -P -f ./portier.conf", d.dir,
	         PORTIERD);
	char *out = h_run(cmd, &status);
	snprintf(want, sizeof(want),
	         "# the effective configuration of %s/./portier.conf,", d.dir);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
	free(out);
	h_remove_dir(&d);
}

/* log_type = file: every line starts with its time and zone. */
Test(admin, log_file_lines_carry_a_timestamp)
{
	struct h_daemon d = {0};
	char path[PATH_MAX + 16], conf[PATH_MAX + 1024];
	regex_t re;

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/file.log", d.dir);
	/* Started on stderr (the harness waits for "ready" there), then
	 * moved to the file by a reload. */
	uint16_t port = h_free_port();
	h_start(&d, h_conf_cat(port));
	snprintf(conf, sizeof(conf), "log_type = \"file %s\"\n%s", path,
	         h_conf_cat(port));
	h_write_file(&d, "portier.conf", conf, 0644);
	kill(d.pid, SIGHUP);
	struct h_daemon view = {0};
	strlcpy(view.log, path, sizeof(view.log));
	cr_assert(h_log_wait(&view, "portierd: reloaded", 5000));
	kill(d.pid, SIGUSR1);
	cr_assert(h_log_wait(&view, "handlers running", 5000));
	cr_assert_eq(regcomp(&re,
	                     "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
	                     "[0-9]{2}[+-][0-9]{4} portierd: ",
	                     REG_EXTENDED | REG_NEWLINE | REG_NOSUB),
	             0);
	char *log = h_log_read(&view);
	int lines = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		cr_assert_eq(regexec(&re, line, 0, NULL, 0), 0, "'%s'", line);
		lines++;
	}
	cr_assert_geq(lines, 3);
	free(log);
	regfree(&re);
	h_stop(&d);
}

Test(admin, log_type_stderr_writes_to_stderr)
{
	struct h_daemon d = {0};
	char conf[1024];

	snprintf(conf, sizeof(conf), "log_type = \"stderr\"\n%s",
	         h_conf_cat(h_free_port()));
	h_start(&d, conf);
	kill(d.pid, SIGUSR1);
	cr_assert(h_log_wait(&d, "portierd: service cat: /bin/cat", 5000));
	h_stop(&d);
}

/* The dump: version, uptime, config; per listener the protocol; counts. */
Test(admin, dump_shows_version_listeners_and_counters)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char want[PATH_MAX + 128];
	size_t n;

	h_start(&d, h_conf(H_DEFAULTS "service sh {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"exit 3\"}\n"
	                              " only_from = {\"127.0.0.1\"}\n}\n",
	                   port));
	free(h_roundtrip("127.0.0.1", port, "", 0, &n));
	free(h_roundtrip("127.0.0.1", port, "", 0, &n));
	int fd = h_connect_from("127.0.0.2", "127.0.0.1", port);
	cr_assert(h_log_wait(&d, "FAIL reason=only_from", 5000));
	close(fd);
	cr_assert(h_log_wait_count(&d, "exited with status 3", 2, 5000));
	kill(d.pid, SIGUSR1);
	/* The dump is written a line at a time: wait for its last line. */
	cr_assert(h_log_wait(&d,
	                     "portierd:   accepted 2; refused: "
	                     "only_from=1; exited: 3=2; running 0\n",
	                     5000),
	          "%s", h_log_read(&d));
	snprintf(want, sizeof(want),
	         "portierd: portierd %s, up 0d 00:00:", PACKAGE_VERSION);
	cr_assert(h_log_contains(&d, want), "%s", h_log_read(&d));
	snprintf(want, sizeof(want), ", config %s, 0 handlers running\n",
	         d.conf);
	cr_assert(h_log_contains(&d, want), "%s", h_log_read(&d));
	snprintf(want, sizeof(want),
	         "portierd:   listener 127.0.0.1:%u tcp nowait (fd ", port);
	cr_assert(h_log_contains(&d, want), "%s", h_log_read(&d));
	h_stop(&d);
}

/* -l debug: each gate decision, spawn and reap. */
Test(admin, debug_logs_decisions_spawns_and_reaps)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t n;

	h_start(&d, h_conf_cat(port)); /* the harness runs -l debug */
	free(h_roundtrip("127.0.0.1", port, "x", 1, &n));
	cr_assert(h_log_wait(&d, "gate: service cat: reap PID ", 5000));
	cr_assert(h_log_contains(&d, "portierd: gate: service cat: admit "
	                             "127.0.0.1:"));
	cr_assert(h_log_contains(&d, "portierd: gate: service cat: spawn "
	                             "/bin/cat as PID "));
	cr_assert(h_log_contains(&d, ", exit 0, 0 running\n"));
	h_stop(&d);
}

/* Without /dev/log, syslog(3) loses every line: said once on stderr. */
Test(admin, unreachable_syslog_is_said_once)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX,
	                          .sun_path = "/dev/log"};
	int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool reachable =
	    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(probe);
	if (reachable)
		cr_skip_test("a syslog daemon listens on /dev/log here");
	struct h_daemon d = {0};
	int pipefd[2];
	char buf[1024];
	size_t got = 0;

	h_write_file(&d, "portier.conf", h_conf_cat(h_free_port()), 0644);
	cr_assert_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		execl(PORTIERD, "portierd", "-n", "-s", "-S", "", "-f", d.conf,
		      (char *)NULL);
		_exit(127);
	}
	h_track(pid);
	close(pipefd[1]);
	/* stderr hears nothing more once it has warned: read until then. */
	long deadline = h_now_ms() + 5000;
	while (h_now_ms() < deadline && !memchr(buf, '\n', got)) {
		struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
		if (poll(&pfd, 1, 100) == 1) {
			ssize_t n =
			    read(pipefd[0], buf + got, sizeof(buf) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	buf[got] = '\0';
	cr_assert_eq(
	    strncmp(buf, "portierd: syslog is unreachable (/dev/log: ", 43), 0,
	    "'%s'", buf);
	kill(pid, SIGTERM);
	cr_assert(h_wait_gone(pid, 5000));
	waitpid(pid, NULL, 0);
	h_untrack(pid);
	close(pipefd[0]);
	h_remove_dir(&d);
}
