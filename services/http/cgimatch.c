/* SPDX-License-Identifier: ISC */
/* cgimatch.c -- where the -c pattern puts a path: outside CGI, a script,
 * or inside a script directory */
#include <config.h>

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/*
 * Whether PATTERN names the path S cut at LEN bytes.  S is a copy of the
 * path: cut in place for fnmatch and mended after, where a 4 KiB copy
 * per call would cost a fresh page of stack in a one-shot handler.
 */
static bool
cgimatch_names(const char *pattern, char *s, size_t len)
{
	char saved = s[len];
	bool match;

	s[len] = '\0';
	/* With a slash the pattern is a path below the root ("/cgi-bin/x.*"),
	 * without one a file name ("*.cgi"); '*' never crosses a '/'. */
	if (strchr(pattern, '/') != NULL) {
		match = fnmatch(pattern, s, FNM_PATHNAME) == 0;
	} else {
		const char *base = strrchr(s, '/');
		match = fnmatch(pattern, base ? base + 1 : s, 0) == 0;
	}
	s[len] = saved;
	return match;
}

/* Whether REL lies in or below a directory that DIR names. */
static bool
cgimatch_in_dir(const char *dir, char *rel)
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
cgimatch_is_copy(const char *pattern, char *rel, size_t len)
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

/* With "/cgi-bin/[a-z]*.cgi", the rest of /cgi-bin is never sent. */
static enum cgi_place
cgimatch_script_dir(const char *pattern, char *rel, size_t len)
{
	const char *slash = strrchr(pattern, '/');

	if (slash == NULL || slash == pattern)
		return CGI_OUTSIDE;
	char *dir = strndup(pattern, (size_t)(slash - pattern));
	if (dir == NULL)
		return CGI_INSIDE; /* unsure: refuse, never send */
	enum cgi_place place = CGI_OUTSIDE;
	const char *base = strrchr(rel, '/');
	if (!cgimatch_in_dir(dir, rel))
		place = CGI_OUTSIDE;
	else if (cgimatch_names(dir, rel, len))
		place = CGI_INSIDE; /* the directory itself: no listing */
	/* Deeper down, a name the pattern's last part takes still runs. */
	else if (slash[1] == '\0' ||
	         fnmatch(slash + 1, base ? base + 1 : rel, 0) == 0)
		place = CGI_SCRIPT;
	else
		place = CGI_INSIDE;
	free(dir);
	return place;
}

static enum cgi_place
cgimatch_place(const char *pattern, char *rel)
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
	return cgimatch_script_dir(pattern, rel, len);
}

enum cgi_place
cgi_match(const char *pattern, const char *rel)
{
	char *copy = strdup(rel);

	if (copy == NULL)
		return CGI_INSIDE; /* unsure: refuse, never send */
	enum cgi_place place = cgimatch_place(pattern, copy);
	free(copy);
	return place;
}
