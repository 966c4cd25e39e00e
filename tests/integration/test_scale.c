/* SPDX-License-Identifier: ISC */
/* test_scale.c -- 1,000 services near select's FD_SETSIZE: load, serve, reload
 */
#include <config.h>

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(scale, .fini = h_cleanup, .timeout = 120);

/* Close to FD_SETSIZE (1,024) once stdio, the log and the loop's own
 * descriptors are counted: the most one portierd is documented to hold. */
#define SCALE_SERVICES 1000

static uint16_t scale_ports[SCALE_SERVICES];

/* SCALE_SERVICES distinct ports free on 127.0.0.1 right now. */
static void
scale_pick_ports(void)
{
	static bool taken[65536];

	memset(taken, 0, sizeof(taken));
	for (int i = 0; i < SCALE_SERVICES; i++) {
		uint16_t p;
		int tries = 0;
		do {
			p = h_free_port();
			cr_assert_lt(++tries, 100, "no free port");
		} while (taken[p]);
		taken[p] = true;
		scale_ports[i] = p;
	}
}

/*
 * Internal echo services s0 .. s998, then LAST_SERVER (/bin/cat by
 * default) as the last one, so both an in-loop and an exec'd connection
 * are tried; SKIP leaves one out (-1: none) and TAG changes one value,
 * for the reload.
 */
static const char *scale_last_server = "/bin/cat";

static char *
scale_conf(int skip, const char *tag)
{
	size_t size = 128 * (SCALE_SERVICES + 2), used = 0;
	char *text = malloc(size);

	cr_assert_not_null(text);
	used += (size_t)snprintf(
	    text, size, H_DEFAULTS "defaults { bind = \"127.0.0.1\" }\n");
	for (int i = 0; i < SCALE_SERVICES - 1; i++) {
		if (i == skip)
			continue;
		used += (size_t)snprintf(text + used, size - used,
		                         "service s%d { type = internal "
		                         "internal = echo port = %u }\n",
		                         i, scale_ports[i]);
	}
	snprintf(text + used, size - used,
	         "service last { port = %u server = \"%s\" "
	         "env = {\"TAG=%s\"} }\n",
	         scale_ports[SCALE_SERVICES - 1], scale_last_server, tag);
	return text;
}

static void
scale_echo(uint16_t port, const char *msg)
{
	size_t n;
	char *out = h_roundtrip("127.0.0.1", port, msg, strlen(msg), &n);

	cr_assert_eq(n, strlen(msg), "port %u: %zu bytes back", port, n);
	cr_assert_arr_eq(out, msg, n);
	free(out);
}

/* Another program may take one of 1,000 ports before the daemon binds
 * them all: pick again once. */
static void
scale_start(struct h_daemon *d)
{
	char *conf;

	scale_pick_ports();
	conf = scale_conf(-1, "one");
	if (!h_try_start(d, conf)) {
		free(conf);
		scale_pick_ports();
		conf = scale_conf(-1, "one");
		h_start(d, conf);
	}
	free(conf);
}

Test(scale, thousand_services_load_serve_and_reload)
{
	struct h_daemon d = {0};
	uint16_t first, last;
	char *conf;

	scale_start(&d);
	first = scale_ports[0];
	last = scale_ports[SCALE_SERVICES - 1];
	scale_echo(first, "first\n");
	scale_echo(last, "last\n");
	unsigned long inode = h_listen_inode(first);
	cr_assert_neq(inode, 0);

	/* Drop one service, change another: the rest keep their sockets. */
	conf = scale_conf(500, "two");
	h_reload(&d, conf, "reloaded");
	free(conf);
	cr_assert_eq(h_listen_inode(first), inode, "s0's socket was replaced");
	cr_assert_eq(h_listen_inode(scale_ports[500]), 0, "s500 still listens");
	scale_echo(first, "first again\n");
	scale_echo(last, "last again\n");
	h_stop(&d);
}

/*
 * A handler starts on the master's descriptor table and takes a private
 * one holding only what it needs (spawn.c): it must see exactly fds 0,
 * 1 and 2 among 1,000 listeners, and the master must lose none of its
 * own, however many handlers came and went.
 */
Test(scale, handler_among_thousand_listeners_holds_only_its_own)
{
	struct h_daemon d = {0};
	uint16_t last;

	scale_last_server = H_HELPER("envdump");
	scale_start(&d);
	last = scale_ports[SCALE_SERVICES - 1];
	int fds = h_count_fds(d.pid);
	cr_assert_gt(fds, SCALE_SERVICES);
	for (int i = 0; i < 20; i++) {
		size_t n;
		char *out = h_roundtrip("127.0.0.1", last, "", 0, &n);
		cr_assert_not_null(strstr(out, "\nfd 0\nfd 1\nfd 2\nuid "),
		                   "handler %d: %.*s", i, (int)n, out);
		free(out);
	}
	/* Its handlers reaped, the master holds what it held before. */
	for (int i = 0; i < 500 && h_count_children(d.pid) > 0; i++)
		poll(NULL, 0, 10);
	cr_assert_eq(h_count_children(d.pid), 0, "handlers not reaped");
	cr_assert_eq(h_count_fds(d.pid), fds, "master's descriptors changed");
	scale_echo(scale_ports[0], "first\n");
	scale_echo(scale_ports[SCALE_SERVICES / 2], "middle\n");
	h_stop(&d);
}

/*
 * An upgrade first runs the new binary's -C beside the daemon, which
 * must tell the daemon's 1,000 ports from ports in use within the time
 * the upgrade gives it (UPGRADE_CHECK_MS, 10 s); then every socket is
 * the new image's to serve on.
 */
Test(scale, thousand_services_upgrade)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 2];
	int status;

	scale_start(&d);
	snprintf(cmd, sizeof(cmd), "%s/src/portierctl -t 60 -s %s upgrade 2>&1",
	         TOP_BUILDDIR, d.ctl);
	char *out = h_run(cmd, &status);
	cr_assert_eq(status, 0, "upgrade: %s", out);
	free(out);
	scale_echo(scale_ports[0], "first\n");
	scale_echo(scale_ports[SCALE_SERVICES - 1], "last\n");
	h_stop(&d);
}
