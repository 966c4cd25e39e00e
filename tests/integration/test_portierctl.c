/* SPDX-License-Identifier: ISC */
/* test_portierctl.c -- the real portierctl against a scripted control
 * socket that reads requests with the server side of ctlproto */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ctlproto.h"
#include "harness.h"

TestSuite(portierctl, .fini = h_cleanup, .timeout = 30);

struct fake {
	struct h_daemon d; /* only its temp dir */
	char path[108];
	pid_t pid;
};

/* Serve one client: read its request, send ANSWER (NULL: stay silent
 * until it leaves); exit 2 * command + json, or 99 on a bad request. */
static void
fake_serve(int lfd, const char *answer)
{
	struct ctl_reader r;
	struct ctl_request req;
	char buf[256], err[128];
	enum ctl_status st = CTL_MORE;
	int fd = accept(lfd, NULL, NULL);

	ctl_reader_init(&r);
	while (st == CTL_MORE) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			_exit(98);
		st =
		    ctl_reader_feed(&r, buf, (size_t)n, &req, err, sizeof(err));
	}
	if (answer != NULL)
		h_write_all(fd, answer, strlen(answer));
	else
		while (read(fd, buf, sizeof(buf)) > 0)
			continue;
	close(fd);
	_exit(st == CTL_REQUEST ? 2 * (int)req.command + req.is_json : 99);
}

static void
fake_start(struct fake *f, const char *answer)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	h_mkdir(&f->d);
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->d.dir);
	strcpy(sun.sun_path, f->path);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	f->pid = fork();
	cr_assert_neq(f->pid, -1);
	if (f->pid == 0)
		fake_serve(lfd, answer);
	h_track(f->pid);
	close(lfd);
}

/* Run portierctl ARGS against F; its stdout, its exit status in *RC. */
static char *
ctl_run(struct fake *f, const char *args, int *rc)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -s %s %s", TOP_BUILDDIR,
	         f->path, args);
	return h_run(cmd, rc);
}

/* What the fake server made of the request (see fake_serve). */
static int
fake_end(struct fake *f)
{
	int status;

	cr_assert_eq(waitpid(f->pid, &status, 0), f->pid);
	h_untrack(f->pid);
	h_remove_dir(&f->d);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The fake daemon answers ANSWER; portierctl ARGS must exit RC with
 * stdout OUT, and the fake must have read request REQUEST.
 */
static void
expect_ctl(const char *answer, const char *args, int rc, const char *out,
           int request)
{
	struct fake f = {0};
	int got;

	fake_start(&f, answer);
	long t0 = h_now_ms();
	char *text = ctl_run(&f, args, &got);
	cr_assert_eq(got, rc, "portierctl %s: exit %d", args, got);
	cr_assert_str_eq(text, out, "portierctl %s", args);
	cr_assert_eq(fake_end(&f), request, "portierctl %s", args);
	cr_assert_lt(h_now_ms() - t0, 10000);
	free(text);
}

Test(portierctl, status_prints_the_unstuffed_body)
{
	expect_ctl("OK\nservice echo tcp 127.0.0.1:7\n..dotted\n.\n", "status",
	           0, "service echo tcp 127.0.0.1:7\n.dotted\n",
	           2 * CTL_STATUS);
}

Test(portierctl, json_error_exits_1_with_the_document_on_stdout)
{
	expect_ctl("ERR portier.conf:3: bad\n{\"ok\":false}\n.\n",
	           "--json reload 2>/dev/null", 1, "{\"ok\":false}\n",
	           2 * CTL_RELOAD + 1);
}

Test(portierctl, error_message_goes_to_stderr)
{
	expect_ctl("ERR portier.conf:3: bad\n.\n", "reload 2>&1 >/dev/null", 1,
	           "portierctl: portier.conf:3: bad\n", 2 * CTL_RELOAD);
}

Test(portierctl, cut_answer_is_a_temporary_failure)
{
	expect_ctl("OK\nhalf a bo", "metrics 2>/dev/null", 111, "",
	           2 * CTL_METRICS);
}

/* A daemon that never answers: portierctl gives up after -t. */
Test(portierctl, silent_daemon_times_out)
{
	expect_ctl(NULL, "-t 1 stop 2>/dev/null", 111, "", 2 * CTL_STOP);
}

Test(portierctl, usage_errors_never_connect)
{
	struct fake f = {0};
	int rc;

	h_mkdir(&f.d);
	snprintf(f.path, sizeof(f.path), "%s/none.sock", f.d.dir);
	free(ctl_run(&f, "frobnicate 2>/dev/null", &rc));
	cr_assert_eq(rc, 100);
	free(ctl_run(&f, "--json metrics 2>/dev/null", &rc));
	cr_assert_eq(rc, 100);
	free(ctl_run(&f, "status 2>/dev/null", &rc));
	cr_assert_eq(rc, 111); /* no daemon there */
	h_remove_dir(&f.d);
}

/*
 * A wedged daemon that no longer accepts: once its backlog is full a
 * blocking connect waits for ever, so -t must bound the connect too.
 */
Test(portierctl, full_backlog_of_a_wedged_daemon_times_out)
{
	struct fake f = {0};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd, held[64], n = 0, rc;
	char cmd[512];

	h_mkdir(&f.d);
	snprintf(f.path, sizeof(f.path), "%s/ctl.sock", f.d.dir);
	strcpy(sun.sun_path, f.path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(lfd, 0), 0);
	for (; n < 64; n++) {
		held[n] = socket(AF_UNIX,
		                 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (connect(held[n], (struct sockaddr *)&sun, sizeof(sun)) ==
		    -1)
			break;
	}
	cr_assert_lt(n, 64, "the backlog never filled");
	/* timeout(1) only keeps a failure from hanging the suite. */
	snprintf(cmd, sizeof(cmd),
	         "timeout 20 %s/src/portierctl -s %s -t 1 status 2>/dev/null",
	         TOP_BUILDDIR, f.path);
	long t0 = h_now_ms();
	free(h_run(cmd, &rc));
	cr_assert_eq(rc, 111, "exit %d", rc);
	cr_assert_lt(h_now_ms() - t0, 5000);
	for (int i = 0; i <= n; i++)
		close(held[i]);
	close(lfd);
	h_remove_dir(&f.d);
}
