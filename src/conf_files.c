/* SPDX-License-Identifier: ISC */
/* conf_files.c -- which files a load reads, and the text libConfuse gets */
#include <config.h>

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_error.h"
#include "conf_files.h"
#include "conf_scan.h"
#include "conf_text.h"

static int
conf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What editors and package managers leave beside a config file. */
static bool
conf_is_leftover(const char *name)
{
	size_t len = strlen(name);

	return name[0] == '.' || name[len - 1] == '~' ||
	       (name[0] == '#' && name[len - 1] == '#') ||
	       strstr(name, ".dpkg-") != NULL ||
	       strstr(name, ".ucf-") != NULL || strstr(name, ".rpm") != NULL;
}

/* A regular file of DIR whose name matches PATTERN and is no leftover. */
static bool
conf_is_fragment(int dirfd, const char *name, const char *pattern)
{
	struct stat st;

	return !conf_is_leftover(name) && fnmatch(pattern, name, 0) == 0 &&
	       fstatat(dirfd, name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

/* DIR's files matching PATTERN, as full paths, sorted; NULL and errno. */
char **
conf_files_list_dir(const char *dir, const char *pattern, size_t *count)
{
	char **names = calloc(1, sizeof(*names));
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (names == NULL || (d = opendir(dir)) == NULL) {
		free(names);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX * 2];
		if (!conf_is_fragment(dirfd(d), de->d_name, pattern))
			continue;
		char **p = reallocarray(names, n + 2, sizeof(*p));
		if (p == NULL)
			break;
		names = p;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		names[n++] = strdup(path);
		names[n] = NULL;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), conf_name_cmp);
	*count = n;
	return names;
}

/*
 * The text libConfuse gets: comments blanked (conf_text.c), "+=" and
 * "-=" spelled as options (conf_scan.c), and refused when a section is
 * never closed, which libConfuse would read as complete.
 */
char *
conf_files_text(const char *file, size_t *len)
{
	char section[300];
	char *text = conf_text_read(file, len), *ops;
	int line, quote;

	if (text == NULL) {
		conf_errorf(file, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	const char *nul = memchr(text, '\0', *len);
	if (nul != NULL) {
		line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		conf_errorf(file, line, "a NUL byte: not a text file");
		free(text);
		return NULL;
	}
	line = conf_scan_unclosed(text, section, sizeof(section), &quote);
	if (quote > 0) {
		conf_errorf(file, quote, "a quote opened here is never closed");
		free(text);
		return NULL;
	}
	if (line > 0) {
		conf_errorf(file, line,
		            "%s { is never closed: a '}' is missing before the "
		            "end of the file",
		            section);
		free(text);
		return NULL;
	}
	ops = conf_scan_rewrite_ops(text, len);
	free(text);
	if (ops == NULL)
		conf_errorf(file, 0, "out of memory");
	return ops;
}
