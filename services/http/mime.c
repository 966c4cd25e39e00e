/* SPDX-License-Identifier: ISC */
/* mime.c -- Content-Type by file extension, from mime.types or a small table */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"

struct mime_entry {
	char *ext;
	char *type;
};

static struct mime_entry *table;
static size_t table_len;
static bool is_loaded;

static const struct {
	const char *ext;
	const char *type;
} builtin[] = {
    {"html", "text/html"},        {"htm", "text/html"},
    {"css", "text/css"},          {"js", "text/javascript"},
    {"txt", "text/plain"},        {"json", "application/json"},
    {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
    {"svg", "image/svg+xml"},     {"ico", "image/vnd.microsoft.icon"},
    {"pdf", "application/pdf"},   {"xml", "application/xml"},
    {"wasm", "application/wasm"}, {"webp", "image/webp"},
};

static int
mime_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct mime_entry *)a)->ext,
	                  ((const struct mime_entry *)b)->ext);
}

static void
mime_add(const char *ext, const char *type)
{
	struct mime_entry *t = reallocarray(table, table_len + 1, sizeof(*t));

	if (t == NULL)
		return;
	table = t;
	table[table_len].ext = strdup(ext);
	table[table_len].type = strdup(type);
	table_len++;
}

/*
 * Read mime.types once, on the first file served (listings and CGI never
 * pay for it), then look extensions up with a binary search.
 */
static void
mime_load(const char *file)
{
	FILE *fp = file ? fopen(file, "re") : NULL;
	char line[1024];

	is_loaded = true;
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		char *save = NULL, *type = strtok_r(line, " \t\r\n", &save);
		if (type == NULL || type[0] == '#')
			continue;
		for (char *ext; (ext = strtok_r(NULL, " \t\r\n", &save));)
			mime_add(ext, type);
	}
	if (fp != NULL)
		fclose(fp);
	if (table_len == 0)
		for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]);
		     i++)
			mime_add(builtin[i].ext, builtin[i].type);
	qsort(table, table_len, sizeof(*table), mime_cmp);
}

/*
 * One process usually serves a few files: scan mime.types only up to the
 * first line naming the extension (the whole file is ~1,800 lines), and
 * only load and sort it all once a connection has asked often.
 */
#define MIME_SCANS_BEFORE_LOAD 4

static const char *
mime_scan(const char *file, const char *ext)
{
	static char found[128];
	char line[1024];
	FILE *fp = fopen(file, "re");
	const char *type = NULL;

	while (fp != NULL && type == NULL && fgets(line, sizeof(line), fp)) {
		char *save = NULL, *t = strtok_r(line, " \t\r\n", &save);
		if (t == NULL || t[0] == '#')
			continue;
		for (char *e; (e = strtok_r(NULL, " \t\r\n", &save));)
			if (strcasecmp(e, ext) == 0) {
				strlcpy(found, t, sizeof(found));
				type = found;
				break;
			}
	}
	if (fp != NULL)
		fclose(fp);
	return type;
}

const char *
mime_type(const char *path, const char *mime_file)
{
	static int scans;
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	if (!is_loaded && dot != NULL && dot[1] != '\0' && mime_file &&
	    scans++ < MIME_SCANS_BEFORE_LOAD && access(mime_file, R_OK) == 0) {
		const char *t = mime_scan(mime_file, dot + 1);
		return t ? t : "application/octet-stream";
	}
	if (!is_loaded)
		mime_load(mime_file);
	if (dot == NULL || dot[1] == '\0')
		return "application/octet-stream";
	struct mime_entry key = {(char *)dot + 1, NULL};
	struct mime_entry *e =
	    bsearch(&key, table, table_len, sizeof(*table), mime_cmp);
	return e ? e->type : "application/octet-stream";
}
