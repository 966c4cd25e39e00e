/* SPDX-License-Identifier: ISC */
/* test_http_mime.c -- Content-Type: the built-in table first, then mime.types
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"

/* Criterion runs each test in its own process: mime.c's cache of the file
 * starts empty in every test. */
static char mime_test_file[] = "/tmp/portier-mime-XXXXXX";

static const char *
mime_test_write(const char *text)
{
	int fd = mkstemp(mime_test_file);

	cr_assert_neq(fd, -1);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return mime_test_file;
}

static void
mime_test_remove(void)
{
	if (strchr(mime_test_file, 'X') == NULL)
		unlink(mime_test_file);
}

Test(mime, builtin_types_without_any_file)
{
	const char *none = "/nonexistent/mime.types";

	cr_assert_str_eq(mime_type("/www/index.html", none), "text/html");
	cr_assert_str_eq(mime_type("/www/a.htm", none), "text/html");
	cr_assert_str_eq(mime_type("/www/app.js", none), "text/javascript");
	cr_assert_str_eq(mime_type("/www/logo.PNG", none), "image/png");
	cr_assert_str_eq(mime_type("/www/f.woff2", none), "font/woff2");
	cr_assert_str_eq(mime_type("/www/f.woff", none), "font/woff");
	cr_assert_str_eq(mime_type("/www/m.mp4", none), "video/mp4");
	cr_assert_str_eq(mime_type("/www/x.wasm", NULL), "application/wasm");
	cr_assert_str_eq(mime_type("readme.txt", NULL), "text/plain");
}

Test(mime, no_extension_is_octet_stream)
{
	const char *none = "/nonexistent/mime.types";

	cr_assert_str_eq(mime_type("/www/README", none),
	                 "application/octet-stream");
	cr_assert_str_eq(mime_type("/www/dir.html/README", none),
	                 "application/octet-stream");
	cr_assert_str_eq(mime_type("/www/trailing.", none),
	                 "application/octet-stream");
	cr_assert_str_eq(mime_type("/www/unknown.qqq", none),
	                 "application/octet-stream");
}

Test(mime, the_file_for_the_rest, .fini = mime_test_remove)
{
	const char *f = mime_test_write("# comment text/bad thg\n"
	                                "\n"
	                                "text/html\t\thtml weird\n"
	                                "application/x-thing\t\tthg2 thg\r\n"
	                                "text/x-last last");

	cr_assert_str_eq(mime_type("/a/b.THG", f), "application/x-thing");
	cr_assert_str_eq(mime_type("/a/b.thg2", f), "application/x-thing");
	cr_assert_str_eq(mime_type("/a/b.th", f), "application/octet-stream");
	cr_assert_str_eq(mime_type("/a/b.last", f), "text/x-last");
	/* The built-in table wins for the common types. */
	cr_assert_str_eq(mime_type("/a/b.png", f), "image/png");
	cr_assert_str_eq(mime_type("/a/b.weird", f), "text/html");
}

Test(mime, answers_stay_valid, .fini = mime_test_remove)
{
	const char *f = mime_test_write("a/one one\nb/two two\n");
	const char *one = mime_type("x.one", f);
	const char *two = mime_type("x.two", f);

	cr_assert_str_eq(one, "a/one");
	cr_assert_str_eq(two, "b/two");
	cr_assert_str_eq(mime_type("x.one", f), "a/one");
	cr_assert_str_eq(one, "a/one");
}

Test(mime, a_file_read_later_is_not_reread, .fini = mime_test_remove)
{
	const char *f = mime_test_write("a/one one\n");

	cr_assert_str_eq(mime_type("x.one", f), "a/one");
	unlink(f);
	cr_assert_str_eq(mime_type("x.one", f), "a/one");
}
