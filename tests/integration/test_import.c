/* SPDX-License-Identifier: ISC */
/* test_import.c -- portier-import on real and hand-written files, then -C */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(import, .fini = h_cleanup, .timeout = 60);

#define IMPORT_BIN TOP_BUILDDIR "/contrib/portier-import"
#define PORTIERD TOP_BUILDDIR "/src/portierd"
#define DATA TOP_SRCDIR "/tests/data/import"

static char *
read_text(const char *path)
{
	FILE *fp = fopen(path, "re");
	cr_assert_not_null(fp, "%s", path);
	char *text = NULL;
	size_t len = 0;
	cr_assert_neq(getdelim(&text, &len, '\0', fp), -1, "%s", path);
	fclose(fp);
	return text;
}

/* Import the copy of a system under DATA/NAME; compare with the expected
 * text; the output must pass portierd -C as written. */
static void
import_and_check(const char *name, const char *summary)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 3], out[PATH_MAX], expected[PATH_MAX];
	int status;

	h_mkdir(&d);
	snprintf(out, sizeof(out), "%s/portier.conf", d.dir);
	snprintf(cmd, sizeof(cmd), "%s -R %s/%s -o %s 2>&1", IMPORT_BIN, DATA,
	         name, out);
	char *msg = h_run(cmd, &status);
	cr_assert_eq(status, 0, "%s: %s", cmd, msg);
	char want_msg[PATH_MAX * 2];
	snprintf(want_msg, sizeof(want_msg),
	         "portier-import: %s; read them, then: portierd -C -f %s\n",
	         summary, out);
	cr_assert_str_eq(msg, want_msg);
	free(msg);
	snprintf(expected, sizeof(expected), "%s/%s.expected", DATA, name);
	char *want = read_text(expected), *got = read_text(out);
	cr_assert_str_eq(got, want, "%s differs from %s", out, expected);
	free(want);
	free(got);
	snprintf(cmd, sizeof(cmd), "%s -C -f %s 2>&1", PORTIERD, out);
	msg = h_run(cmd, &status);
	cr_assert_eq(status, 0, "%s", msg);
	cr_assert_str_eq(msg, "configuration OK\n");
	free(msg);
	h_remove_dir(&d);
}

Test(import, debian_example_files)
{
	import_and_check(
	    "debian",
	    "15 services written, 2 commented out, 0 comments on attributes");
}

Test(import, every_attribute_by_hand)
{
	import_and_check("hand", "15 services written, 2 commented out, "
	                         "24 comments on attributes");
}

/* An admin's file is never overwritten. */
Test(import, output_file_is_never_replaced)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 3];
	int status;

	const char *out = h_write_file(&d, "mine.conf", "# mine\n", 0644);
	snprintf(cmd, sizeof(cmd), "%s -R %s/debian -o %s 2>&1", IMPORT_BIN,
	         DATA, out);
	char *msg = h_run(cmd, &status);
	cr_assert_neq(status, 0);
	cr_assert(strstr(msg, "mine.conf: File exists"), "%s", msg);
	free(msg);
	char *text = read_text(out);
	cr_assert_str_eq(text, "# mine\n");
	free(text);
	h_remove_dir(&d);
}

/* A broken input names its file and line; nothing is written. */
Test(import, errors_name_file_and_line)
{
	struct h_daemon d = {0};
	char cmd[PATH_MAX * 3];
	int status;

	const char *x =
	    h_write_file(&d, "xinetd.conf", "service a\n{\n\tport = 1\n", 0644);
	snprintf(cmd, sizeof(cmd), "%s -x %s 2>&1", IMPORT_BIN, x);
	char *msg = h_run(cmd, &status);
	cr_assert_eq(status, 1, "%s", msg);
	cr_assert(strstr(msg, "xinetd.conf:1: service a is never closed"), "%s",
	          msg);
	free(msg);
	const char *i =
	    h_write_file(&d, "inetd.conf", "echo stream tcp\n", 0644);
	snprintf(cmd, sizeof(cmd), "%s -i %s 2>&1", IMPORT_BIN, i);
	msg = h_run(cmd, &status);
	cr_assert_neq(status, 0);
	cr_assert(strstr(msg, "inetd.conf:1: expected SERVICE SOCKET_TYPE"),
	          "%s", msg);
	free(msg);
	/* A device is refused, not read for ever. */
	x = h_write_file(&d, "dev.conf", "include /dev/zero\n", 0644);
	snprintf(cmd, sizeof(cmd), "%s -x %s 2>&1", IMPORT_BIN, x);
	msg = h_run(cmd, &status);
	cr_assert_eq(status, 1, "%s", msg);
	cr_assert(strstr(msg, "dev.conf:1: /dev/zero: not a regular file"),
	          "%s", msg);
	free(msg);
	snprintf(cmd, sizeof(cmd), "%s -R %s 2>&1", IMPORT_BIN, d.dir);
	msg = h_run(cmd, &status);
	cr_assert(strstr(msg, "neither /etc/xinetd.conf nor /etc/inetd.conf"),
	          "%s", msg);
	free(msg);
	h_remove_dir(&d);
}
