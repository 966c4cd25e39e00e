/* SPDX-License-Identifier: ISC */
/* test_upgrade.c -- re-executing portierd in place under a steady stream of
 * clients: nobody refused, every handler reaped and logged */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(upgrade, .fini = h_cleanup, .timeout = 120);

struct ports {
	uint16_t cat, echo, uecho, udp;
};

static const char *
conf_upgrade(const struct ports *p, const char *extra)
{
	return h_conf(H_DEFAULTS
	              "service cat {\n port = %u\n bind = 127.0.0.1\n"
	              " server = /bin/cat\n log_on_success = {PID, EXIT}\n}\n"
	              "service echo {\n type = internal\n port = %u\n"
	              " bind = 127.0.0.1\n log_on_success = {PID, EXIT}\n}\n"
	              "service uecho {\n type = internal\n internal = echo\n"
	              " socket_type = dgram\n port = %u\n bind = 127.0.0.1\n}\n"
	              "service udp {\n socket_type = dgram\n port = %u\n"
	              " bind = 127.0.0.1\n server = \"%s\"\n"
	              " log_on_success = {PID, EXIT}\n}\n%s",
	              p->cat, p->echo, p->uecho, p->udp, H_HELPER("udpecho"),
	              extra);
}

/* One short TCP exchange: exactly MSG back, or false. */
static bool
tcp_ok(uint16_t port, const char *msg)
{
	char buf[64];
	size_t len = strlen(msg);
	int fd = h_connect("127.0.0.1", port);

	if (fd == -1)
		return false;
	bool ok = h_write_all(fd, msg, len) == 0 &&
	          shutdown(fd, SHUT_WR) == 0 &&
	          h_read_all(fd, buf, sizeof(buf), 5000) == (ssize_t)len &&
	          memcmp(buf, msg, len) == 0;
	close(fd);
	return ok;
}

static bool
udp_ok(uint16_t port, const char *msg, bool is_helper)
{
	char buf[256];
	ssize_t n = h_udp_exchange("127.0.0.1", port, msg, strlen(msg), buf,
	                           sizeof(buf) - 1, 5000);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return is_helper
	           ? strstr(buf, msg) != NULL && strncmp(buf, "udp ", 4) == 0
	           : (size_t)n == strlen(msg) &&
	                 memcmp(buf, msg, (size_t)n) == 0;
}

/*
 * The client stream, in a child process: rounds of exec'd and internal,
 * TCP and UDP, until STOP is readable (bounded: 2000 rounds, 60 s).
 * Exit 0 and the round count on REPORT, or 1 naming the first failure.
 */
static void
stream(const struct ports *p, int stop, int report)
{
	struct pollfd pfd = {.fd = stop, .events = POLLIN};
	long deadline = h_now_ms() + 60000;
	int rounds = 0;
	char msg[32];

	while (rounds < 2000 && h_now_ms() < deadline &&
	       poll(&pfd, 1, 0) == 0) {
		snprintf(msg, sizeof(msg), "r%d", rounds);
		const char *bad = !tcp_ok(p->cat, msg)            ? "cat"
		                  : !tcp_ok(p->echo, msg)         ? "echo"
		                  : !udp_ok(p->uecho, msg, false) ? "uecho"
		                  : !udp_ok(p->udp, msg, true)    ? "udp"
		                                                  : NULL;
		if (bad != NULL) {
			dprintf(report, "round %d: %s failed\n", rounds, bad);
			_exit(1);
		}
		rounds++;
	}
	dprintf(report, "%d\n", rounds);
	_exit(0);
}

static void
ctl_upgrade(const struct h_daemon *d, int want_status, const char *want)
{
	char cmd[PATH_MAX * 2];
	int status;

	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -t 30 -s %s upgrade 2>&1",
	         TOP_BUILDDIR, d->ctl);
	char *out = h_run(cmd, &status);
	cr_assert_eq(status, want_status, "%s", out);
	cr_assert(strstr(out, want), "no '%s' in %s", want, out);
	free(out);
}

/* The counters went on across the upgrades: exactly N accepted. */
static void
expect_counted(const struct h_daemon *d, const char *service, int n)
{
	char cmd[PATH_MAX * 2], want[128];
	int status;

	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -s %s metrics",
	         TOP_BUILDDIR, d->ctl);
	char *text = h_run(cmd, &status);
	cr_assert_eq(status, 0);
	snprintf(want, sizeof(want),
	         "\nportier_connections_accepted_total{service=\"%s\"} %d\n",
	         service, n);
	cr_assert(strstr(text, want), "no%s in:\n%s", want, text);
	snprintf(want, sizeof(want),
	         "\nportier_handler_duration_seconds_count{service=\"%s\"} "
	         "%d\n",
	         service, n);
	cr_assert(strstr(text, want), "no%s in:\n%s", want, text);
	free(text);
}

/* No handler left, and nothing served in the loop: a quiet master. */
static void
wait_quiet(struct h_daemon *d)
{
	long deadline = h_now_ms() + 10000;

	while (h_count_children(d->pid) > 0 && h_now_ms() < deadline)
		poll(NULL, 0, 20);
	cr_assert_eq(h_count_children(d->pid), 0);
}

Test(upgrade, three_in_a_row_under_a_steady_stream)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};
	int stop[2], report[2];
	char want[64];

	h_start(&d, conf_upgrade(&p, ""));
	cr_assert(tcp_ok(p.cat, "warm") && udp_ok(p.udp, "warm", true));
	wait_quiet(&d);
	int fds_before = h_count_fds(d.pid);
	cr_assert(pipe(stop) == 0 && pipe(report) == 0);
	pid_t client = fork();
	cr_assert_neq(client, -1);
	if (client == 0) {
		close(stop[1]);
		close(report[0]);
		stream(&p, stop[0], report[1]);
	}
	close(stop[0]);
	close(report[1]);
	int seen = h_log_count(&d, "cat: EXIT");
	for (int i = 0; i < 3; i++) {
		/* The stream is flowing before each upgrade. */
		cr_assert(h_log_wait_count(&d, "cat: EXIT", seen + 10, 20000));
		snprintf(want, sizeof(want), "pid %ld: ", (long)d.pid);
		ctl_upgrade(&d, 0, want);
		seen = h_log_count(&d, "cat: EXIT");
	}
	cr_assert(h_log_wait_count(&d, "cat: EXIT", seen + 10, 20000));
	close(stop[1]);
	char out[128] = "";
	ssize_t n = h_read_all(report[0], out, sizeof(out) - 1, 70000);
	close(report[0]);
	int status;
	waitpid(client, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stream: %.*s",
	          (int)(n > 0 ? n : 0), out);
	cr_assert_eq(h_log_count(&d, "upgrade: portierd"), 3);
	wait_quiet(&d);
	cr_assert_eq(h_count_fds(d.pid), fds_before, "descriptors leaked");
	/* Every handler started was reaped and logged, by some image. */
	cr_assert_eq(h_log_count(&d, "cat: START"),
	             h_log_count(&d, "cat: EXIT"));
	cr_assert_eq(h_log_count(&d, "udp: START"),
	             h_log_count(&d, "udp: EXIT"));
	cr_assert_eq(h_log_count(&d, "echo: START"),
	             h_log_count(&d, "echo: EXIT"));
	cr_assert_eq(h_log_count(&d, " FAIL "), 0);
	cr_assert_eq(h_log_count(&d, "killed"), 0);
	expect_counted(&d, "cat", h_log_count(&d, "cat: START"));
	expect_counted(&d, "echo", h_log_count(&d, "echo: START"));
	h_stop(&d);
}

/* A configuration the new image would refuse: the old one serves on. */
Test(upgrade, bad_config_keeps_the_old_image)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};

	h_start(&d, conf_upgrade(&p, ""));
	h_write_file(&d, "portier.conf",
	             conf_upgrade(&p, "service bad {\n port = x\n}\n"), 0644);
	ctl_upgrade(&d, 1, "/portier.conf:");
	cr_assert(h_log_contains(&d, "upgrade failed: "));
	cr_assert(tcp_ok(p.cat, "still"));
	cr_assert(tcp_ok(p.echo, "here"));
	/* Fixed: the signal works as well as portierctl. */
	h_write_file(&d, "portier.conf", conf_upgrade(&p, ""), 0644);
	cr_assert_eq(kill(d.pid, SIGURG), 0);
	cr_assert(h_log_wait(&d, "upgrade: portierd", 10000));
	cr_assert(h_log_wait_count(&d, "portierd: ready", 2, 10000));
	cr_assert(tcp_ok(p.cat, "after"));
	h_stop(&d);
}

/* A handler that outlives the upgrade is reaped and logged by the new
 * image, even when the new configuration dropped its service. */
Test(upgrade, handlers_outlive_their_image)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};
	char held_msg[8];

	h_start(&d, conf_upgrade(&p, ""));
	int held = h_connect("127.0.0.1", p.cat);
	cr_assert_neq(held, -1);
	cr_assert_eq(h_write_all(held, "x", 1), 0);
	cr_assert_eq(h_read_all(held, held_msg, 1, 5000), 1);
	h_write_file(&d, "portier.conf",
	             h_conf(H_DEFAULTS "service echo {\n type = internal\n"
	                               " port = %u\n bind = 127.0.0.1\n}\n",
	                    p.echo),
	             0644);
	ctl_upgrade(&d, 0, "1 handler adopted, 3 listeners closed");
	cr_assert_eq(h_connect("127.0.0.1", p.cat), -1, "cat still listens");
	cr_assert(tcp_ok(p.echo, "new"));
	/* The held client is still served by its handler. */
	cr_assert_eq(h_write_all(held, "yz", 2), 0);
	shutdown(held, SHUT_WR);
	cr_assert_eq(h_read_all(held, held_msg, sizeof(held_msg), 5000), 2);
	close(held);
	cr_assert(h_log_wait(&d, "cat: EXIT", 5000));
	h_stop(&d);
}

/* Start D from a copy of the binary, so the test can break the file. */
static void
start_copy(struct h_daemon *d, const char *conf_text, char *bin, size_t size)
{
	char cmd[PATH_MAX * 3];
	int status;

	h_write_file(d, "portier.conf", conf_text, 0644);
	snprintf(bin, size, "%s/portierd", d->dir);
	snprintf(cmd, sizeof(cmd), "cp %s/src/portierd %s", TOP_BUILDDIR, bin);
	free(h_run(cmd, &status));
	cr_assert_eq(status, 0);
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl.sock", d->dir);
	d->pid = fork();
	cr_assert_neq(d->pid, -1);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, "portierd", "-n", "-f", d->conf, "-S", d->ctl,
		      (char *)NULL);
		_exit(127);
	}
	h_track(d->pid);
	cr_assert(h_log_wait(d, "portierd: ready", 10000));
}

/* The new binary cannot run, or is gone: the old image serves on. */
Test(upgrade, broken_binary_keeps_the_old_image)
{
	struct h_daemon d = {0};
	struct ports p = {h_free_port(), h_free_port(), h_free_port(),
	                  h_free_port()};
	char bin[PATH_MAX];

	h_mkdir(&d);
	start_copy(&d, conf_upgrade(&p, ""), bin, sizeof(bin));
	cr_assert_eq(unlink(bin), 0);
	h_write_file(&d, "portierd",
	             "#!/bin/sh\necho broken build >&2\nexit 3\n", 0755);
	ctl_upgrade(&d, 1, "broken build");
	cr_assert(tcp_ok(p.cat, "still"));
	cr_assert_eq(unlink(bin), 0);
	ctl_upgrade(&d, 1, "No such file");
	cr_assert(tcp_ok(p.echo, "here"));
	cr_assert(h_log_wait_count(&d, "upgrade failed: ", 2, 5000));
	h_stop(&d);
}
