/* SPDX-License-Identifier: ISC */
/* test_cgi_match.c -- where the -c pattern puts a path (CGI or not) */
#include <config.h>

#include <string.h>

#include <criterion/criterion.h>

#include "http.h"

struct place_case {
	const char *pattern, *rel;
	enum cgi_place want;
};

static void
check(const struct place_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(cgi_match(c[i].pattern, c[i].rel), c[i].want,
		             "%s on %s", c[i].pattern, c[i].rel);
}

Test(cgimatch, a_file_name_pattern)
{
	static const struct place_case c[] = {
	    {"*.cgi", "/a/b.cgi", CGI_SCRIPT},
	    {"*.cgi", "/b.cgi", CGI_SCRIPT},
	    {"*.cgi", "/a/b.txt", CGI_OUTSIDE},
	    {"*.cgi", "/a/b.cgi.txt", CGI_OUTSIDE},
	    /* A directory it names is a script directory. */
	    {"*.cgi", "/d.cgi/readme", CGI_SCRIPT},
	};
	check(c, sizeof(c) / sizeof(*c));
}

/* Everything in a script directory runs or is refused: never sent. */
Test(cgimatch, a_path_pattern_is_a_script_directory)
{
	static const struct place_case c[] = {
	    {"/cgi-bin/*.cgi", "/cgi-bin/a.cgi", CGI_SCRIPT},
	    {"/cgi-bin/*.cgi", "/cgi-bin/config.inc", CGI_INSIDE},
	    {"/cgi-bin/*.cgi", "/cgi-bin", CGI_INSIDE},
	    {"/cgi-bin/*.cgi", "/cgi-bin/sub/a.cgi", CGI_SCRIPT},
	    {"/cgi-bin/*.cgi", "/cgi-bin/sub/lib.pl", CGI_INSIDE},
	    {"/cgi-bin/*.cgi", "/cgi-bin/sub", CGI_INSIDE},
	    {"/cgi-bin/*.cgi", "/cgi-binx/a.txt", CGI_OUTSIDE},
	    {"/cgi-bin/*.cgi", "/docs/a.cgi", CGI_OUTSIDE},
	    {"/cgi-bin/*.cgi", "/a/cgi-bin/x", CGI_OUTSIDE},
	    /* "*" does not cross a "/", but the directory still holds. */
	    {"/run/*", "/run/plain", CGI_SCRIPT},
	    {"/run/*", "/run/sub/x", CGI_SCRIPT},
	    {"/run/*", "/run", CGI_INSIDE},
	    {"/run/*", "/running", CGI_OUTSIDE},
	    {"/*/bin/?.sh", "/x/bin/a.sh", CGI_SCRIPT},
	    {"/*/bin/?.sh", "/x/bin/ab.sh", CGI_INSIDE},
	};
	check(c, sizeof(c) / sizeof(*c));
}

/* A pattern naming a directory itself, like a ScriptAlias. */
Test(cgimatch, a_pattern_naming_a_directory)
{
	static const struct place_case c[] = {
	    {"/scripts", "/scripts/x", CGI_SCRIPT},
	    {"/scripts", "/scripts/a/b", CGI_SCRIPT},
	    {"/scripts/", "/scripts/x", CGI_SCRIPT},
	    {"/scripts/", "/scripts", CGI_INSIDE},
	    {"/scripts", "/scripts.txt", CGI_OUTSIDE},
	    /* Top-level scripts do not make the whole root a script dir. */
	    {"/*.cgi", "/a.cgi", CGI_SCRIPT},
	    {"/*.cgi", "/index.html", CGI_OUTSIDE},
	};
	check(c, sizeof(c) / sizeof(*c));
}

/* A script's backup copy is its source: refused, never sent. */
Test(cgimatch, a_copy_of_a_script_is_never_sent)
{
	static const struct place_case c[] = {
	    {"*.cgi", "/a/b.cgi~", CGI_INSIDE},
	    {"*.cgi", "/b.cgi.bak", CGI_INSIDE},
	    {"*.cgi", "/a/b.cgi.orig", CGI_INSIDE},
	    {"*.cgi", "/a/b.cgi.old", CGI_INSIDE},
	    {"*.cgi", "/a/b.cgi.save", CGI_INSIDE},
	    {"*.cgi", "/a/#b.cgi#", CGI_INSIDE},
	    {"/cgi-bin/*.cgi", "/cgi-bin/a.cgi~", CGI_INSIDE},
	    {"/*.cgi", "/a.cgi.swp", CGI_INSIDE},
	    /* Files that only look alike stay ordinary. */
	    {"*.cgi", "/a/b.txt~", CGI_OUTSIDE},
	    {"*.cgi", "/a/b.cgi.txt", CGI_OUTSIDE},
	    {"*.cgi", "/a/~", CGI_OUTSIDE},
	    {"*.pl", "/a/data.plist", CGI_OUTSIDE},
	};
	check(c, sizeof(c) / sizeof(*c));
}

/* The path is matched whole, however long: no copy of it is cut short
 * (past 4 KiB one once matched nothing; httpd's real paths are shorter). */
Test(cgimatch, a_long_path_is_matched_whole)
{
	static char rel[6000];

	memset(rel, 'a', 5000);
	rel[0] = '/';
	strcpy(rel + 5000, ".cgi");
	cr_assert_eq(cgi_match("*.cgi", rel), CGI_SCRIPT);
	strcpy(rel + 5000, ".cgi~");
	cr_assert_eq(cgi_match("*.cgi", rel), CGI_INSIDE);
	strcpy(rel + 5000, "/x.txt");
	memcpy(rel, "/cgi-bin/", 9);
	cr_assert_eq(cgi_match("/cgi-bin/*.cgi", rel), CGI_INSIDE);
}
