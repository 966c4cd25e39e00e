/* SPDX-License-Identifier: ISC */
/* test_control.c -- the daemon's control socket: portierctl, and clients
 * that misbehave */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ctlproto.h"
#include "harness.h"

TestSuite(control, .fini = h_cleanup, .timeout = 60);

static char conf_text[4096];

/* "cat" (/bin/cat, only_from .1 and .3) and "false" (exits 1). */
static const char *
conf_two(uint16_t cat, uint16_t fail, const char *extra)
{
	snprintf(conf_text, sizeof(conf_text),
	         H_DEFAULTS "service cat {\n port = %u\n bind = 127.0.0.1\n"
	                    " server = /bin/cat\n"
	                    " only_from = {127.0.0.1, 127.0.0.3}\n"
	                    " log_on_success = {PID, EXIT}\n}\n"
	                    "service false {\n port = %u\n bind = 127.0.0.1\n"
	                    " server = /bin/false\n"
	                    " log_on_success = {PID, EXIT}\n}\n%s",
	         cat, fail, extra);
	return conf_text;
}

/* portierctl ARGS against D's socket: its stdout; *STATUS its exit. */
static char *
ctl(const struct h_daemon *d, const char *args, int *status)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -t 20 -s %s %s 2>&1",
	         TOP_BUILDDIR, d->ctl, args);
	return h_run(cmd, status);
}

static void
expect(const char *text, const char *needle)
{
	cr_assert(strstr(text, needle), "no '%s' in:\n%s", needle, text);
}

static bool
served(const char *src, uint16_t port)
{
	char buf[8];
	int fd = h_connect_from(src, "127.0.0.1", port);

	if (fd == -1)
		return false;
	h_write_all(fd, "ping", 4);
	shutdown(fd, SHUT_WR);
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 5000);
	close(fd);
	return n == 4;
}

Test(control, status_counts_what_happened)
{
	struct h_daemon d = {0};
	uint16_t cat = h_free_port(), fail = h_free_port();
	struct stat st;
	int status;

	h_start(&d, conf_two(cat, fail, ""));
	cr_assert_eq(stat(d.ctl, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	for (int i = 0; i < 3; i++)
		cr_assert(served("127.0.0.3", cat));
	cr_assert_not(served("127.0.0.2", cat));
	cr_assert_not(served("127.0.0.2", cat));
	close(h_connect("127.0.0.1", fail));
	cr_assert(h_log_wait_count(&d, "cat: EXIT", 3, 5000));
	cr_assert(h_log_wait(&d, "false: EXIT", 5000));
	char *out = ctl(&d, "status", &status);
	cr_assert_eq(status, 0, "%s", out);
	expect(out, "portierd " PACKAGE_VERSION ", pid ");
	expect(out, "config ");
	expect(out, "service cat: running 0, accepted 3, failed 0\n");
	char want[128];
	snprintf(want, sizeof(want), "  listen 127.0.0.1:%u tcp\n", cat);
	expect(out, want);
	expect(out, "  refused only_from=2\n  exited 0=3\n  paused no\n");
	expect(out, "service false: running 0, accepted 1, failed 0\n");
	expect(out, "  exited 1=1\n");
	free(out);
	out = ctl(&d, "--json status", &status);
	cr_assert_eq(status, 0, "%s", out);
	expect(out,
	       "{\"name\":\"cat\",\"listeners\":[{\"address\":\"127.0.0.1:");
	expect(out, "\"running\":0,\"accepted\":3,\"failed\":0,\"refused\":{"
	            "\"only_from\":2},\"exited\":{\"0\":3},\"paused\":null}");
	free(out);
	h_stop(&d);
}

Test(control, reload_says_what_changed_or_where_it_failed)
{
	struct h_daemon d = {0};
	uint16_t cat = h_free_port(), fail = h_free_port(),
	         more = h_free_port();
	char extra[256];
	int status;

	h_start(&d, conf_two(cat, fail, ""));
	snprintf(extra, sizeof(extra),
	         "service more {\n port = %u\n bind = 127.0.0.1\n"
	         " server = /bin/cat\n}\n",
	         more);
	h_write_file(&d, "portier.conf", conf_two(cat, fail, extra), 0644);
	char *out = ctl(&d, "reload", &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert_str_eq(out, "+more (3 services)\n");
	free(out);
	cr_assert(served("127.0.0.1", more));
	/* Broken: the FILE:LINE error, non-zero, and the old config serves. */
	h_write_file(&d, "portier.conf",
	             conf_two(cat, fail, "service bad {\n port = x\n}\n"),
	             0644);
	out = ctl(&d, "reload", &status);
	cr_assert_eq(status, 1, "%s", out);
	expect(out, "/portier.conf:");
	free(out);
	cr_assert(served("127.0.0.1", more));
	cr_assert(served("127.0.0.1", cat));
	/* Back to two services. */
	h_write_file(&d, "portier.conf", conf_two(cat, fail, ""), 0644);
	out = ctl(&d, "reload", &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert_str_eq(out, "-more (2 services)\n");
	free(out);
	/* A new service whose port is taken: the rest serve, and the admin
	 * is told which did not start and why, as the log says. */
	int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(more),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(taken, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(taken, 1), 0);
	h_write_file(&d, "portier.conf", conf_two(cat, fail, extra), 0644);
	out = ctl(&d, "reload", &status);
	cr_assert_eq(status, 0, "%s", out);
	expect(out, "+more (3 services); 1 not started: ");
	expect(out, "/portier.conf:");
	expect(out, "service more: ");
	expect(out, "Address already in use\n");
	free(out);
	cr_assert(served("127.0.0.1", cat));
	close(taken);
	h_stop(&d);
}

Test(control, stop_and_off_when_empty)
{
	struct h_daemon d = {0}, off = {0};
	uint16_t cat = h_free_port(), fail = h_free_port();
	int status;

	h_start(&d, conf_two(cat, fail, ""));
	char *out = ctl(&d, "stop", &status);
	cr_assert_eq(status, 0, "%s", out);
	free(out);
	cr_assert(h_wait_gone(d.pid, 5000));
	waitpid(d.pid, &status, 0);
	h_untrack(d.pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	cr_assert_neq(stat(d.ctl, &st), 0, "socket left behind");
	h_remove_dir(&d);
	/* control_socket = "" in the file turns it off (-S set it here, so
	 * the file's value is only checked by -C). */
	h_write_file(&off, "portier.conf",
	             conf_two(cat, fail, "control_socket = \"\"\n"), 0644);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "%s/src/portierd -C -f %s", TOP_BUILDDIR,
	         off.conf);
	free(h_run(cmd, &status));
	cr_assert_eq(status, 0);
	h_remove_dir(&off);
}

/* Connect to the control socket; -1 when that fails. */
static int
raw(const struct h_daemon *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strlcpy(sun.sun_path, d->ctl, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Slow, silent, huge, early-closing clients: the services go on. */
Test(control, misbehaving_clients_do_not_stall_the_loop)
{
	struct h_daemon d = {0};
	uint16_t cat = h_free_port(), fail = h_free_port();
	int silent[CTL_CLIENTS_MAX + 2], status;
	char buf[256];

	h_start(&d, conf_two(cat, fail, ""));
	for (int i = 0; i < CTL_CLIENTS_MAX + 2; i++)
		cr_assert_neq(silent[i] = raw(&d), -1);
	long t0 = h_now_ms();
	cr_assert(served("127.0.0.1", cat));
	cr_assert_lt(h_now_ms() - t0, 1000);
	/* A huge line: ERR, closed. */
	int huge = raw(&d);
	char big[8192];
	memset(big, 'a', sizeof(big));
	(void)send(huge, big, sizeof(big), MSG_NOSIGNAL);
	/* Early close, and half a request then close. */
	for (int i = 0; i < 20; i++) {
		int fd = raw(&d);
		if (i % 2)
			(void)send(fd, "sta", 3, MSG_NOSIGNAL);
		close(fd);
	}
	cr_assert(served("127.0.0.1", cat));
	/* The silent ones lose their slots after CTL_TIMEOUT_MS. */
	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		ssize_t n = h_read_all(silent[i], buf, sizeof(buf), 8000);
		cr_assert_eq(n, 0, "silent client %d got %zd bytes", i, n);
	}
	ssize_t n = h_read_all(huge, buf, sizeof(buf) - 1, 8000);
	cr_assert_gt(n, 4);
	buf[n] = '\0';
	cr_assert(strncmp(buf, "ERR ", 4) == 0, "%s", buf);
	close(huge);
	long waited = h_now_ms() - t0;
	cr_assert(waited >= CTL_TIMEOUT_MS - 500, "%ld ms", waited);
	/* portierctl still gets its answer. */
	char *out = ctl(&d, "status", &status);
	cr_assert_eq(status, 0, "%s", out);
	free(out);
	for (int i = 0; i < CTL_CLIENTS_MAX + 2; i++)
		close(silent[i]);
	cr_assert(served("127.0.0.1", cat));
	h_stop(&d);
}
