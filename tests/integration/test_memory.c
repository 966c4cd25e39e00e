/* SPDX-License-Identifier: ISC */
/* test_memory.c -- what the running master maps: its libraries, shared libc */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(memory, .fini = h_cleanup, .timeout = 60);

/* Whether any mapping of process PID names a file containing NEEDLE. */
static bool
memory_maps(pid_t pid, const char *needle)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * Built with the static archives (the default where they link), the
 * master maps none of libconfuse, libbsd or libmd: each would be pages
 * of its own, private to a daemon that is alone on the machine.  libc
 * stays shared, and NSS with it: user = "root" (H_DEFAULTS) is looked
 * up by name and /bin/cat runs.
 */
Test(memory, master_maps_only_libc)
{
#ifndef STATIC_LIBS
	cr_skip_test("configured with --disable-static-libs");
#else
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t n = 0;
	char *reply;

	h_start(&d, h_conf_cat(port));
	reply = h_roundtrip("127.0.0.1", port, "nss\n", 4, &n);
	cr_assert_eq(n, 4);
	cr_assert_arr_eq(reply, "nss\n", 4);
	free(reply);
	cr_assert(!memory_maps(d.pid, "libconfuse"));
	cr_assert(!memory_maps(d.pid, "libbsd"));
	cr_assert(!memory_maps(d.pid, "libmd"));
	cr_assert(memory_maps(d.pid, "libc.so"));
	h_stop(&d);
#endif
}
