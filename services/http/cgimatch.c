/* SPDX-License-Identifier: ISC */
/* cgimatch.c -- where the -c pattern puts a path: outside CGI, a script,
 * or inside a script directory */
#include <config.h>

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

/* Whether PATTERN names the path P (LEN bytes of it). */
static bool
cgimatch_names(const char *pattern, const char *p, size_t len)
{
	char sub[4096];

	if (len >= sizeof(sub))
		return false;
	memcpy(sub, p, len);
	sub[len] = '\0';
	/* With a slash the pattern is a path below the root ("/cgi-bin/x.*"),
	 * without one a file name ("*.cgi"); '*' never crosses a '/'. */
	if (strchr(pattern, '/') != NULL)
		return fnmatch(pattern, sub, FNM_PATHNAME) == 0;
	const char *base = strrchr(sub, '/');
	return fnmatch(pattern, base ? base + 1 : sub, 0) == 0;
}

/* Whether REL lies in or below a directory that DIR names. */
static bool
cgimatch_in_dir(const char *dir, const char *rel)
{
	for (size_t end = 1; rel[end - 1] != '\0'; end++)
		if ((rel[end] == '/' || rel[end] == '\0') &&
		    cgimatch_names(dir, rel, end))
			return true;
	return false;
}

/*
 * Editors and admins leave copies beside a script: "x.cgi~", "x.cgi.bak",
 * "#x.cgi#".  They do not match the pattern, but their text is the
 * script's, with its secrets: never sent.
 */
static bool
cgimatch_is_copy(const char *pattern, const char *rel, size_t len)
{
	static const char *suffixes[] = {"~",     "#",     ".bak", ".old",
	                                 ".orig", ".save", ".swp", ".tmp"};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strcmp(rel + len - n, suffixes[i]) == 0 &&
		    rel[len - n - 1] != '/' &&
		    cgimatch_names(pattern, rel, len - n))
			return true;
	}
	return false;
}

enum cgi_place
cgi_match(const char *pattern, const char *rel)
{
	size_t len = strlen(rel);

	/* A directory the pattern names is a ScriptAlias: all below it. */
	for (size_t end = 1; end < len; end++)
		if (rel[end] == '/' && cgimatch_names(pattern, rel, end))
			return CGI_SCRIPT;
	if (cgimatch_names(pattern, rel, len))
		return CGI_SCRIPT;
	if (cgimatch_is_copy(pattern, rel, len))
		return CGI_INSIDE;
	/* With "/cgi-bin/[a-z]*.cgi", the rest of /cgi-bin is never sent. */
	const char *slash = strrchr(pattern, '/');
	if (slash == NULL || slash == pattern)
		return CGI_OUTSIDE;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pattern), pattern);
	if (!cgimatch_in_dir(dir, rel))
		return CGI_OUTSIDE;
	if (cgimatch_names(dir, rel, len))
		return CGI_INSIDE; /* the directory itself: no listing */
	/* Deeper down, a name the pattern's last part takes still runs. */
	const char *base = strrchr(rel, '/');
	if (slash[1] == '\0' ||
	    fnmatch(slash + 1, base ? base + 1 : rel, 0) == 0)
		return CGI_SCRIPT;
	return CGI_INSIDE;
}
