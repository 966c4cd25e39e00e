/* SPDX-License-Identifier: ISC */
/* mime.c -- Content-Type by file extension: a built-in table, then mime.types
 */
#include <config.h>

#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"

/*
 * The types most sites serve, sorted by extension for bsearch: a one-shot
 * handler answers these without opening mime.types (~70 KB) at all.
 */
static const struct mime_builtin {
	const char *ext;
	const char *type;
} mime_builtins[] = {
    {"avif", "image/avif"},     {"css", "text/css"},
    {"csv", "text/csv"},        {"gif", "image/gif"},
    {"gz", "application/gzip"}, {"htm", "text/html"},
    {"html", "text/html"},      {"ico", "image/vnd.microsoft.icon"},
    {"jpeg", "image/jpeg"},     {"jpg", "image/jpeg"},
    {"js", "text/javascript"},  {"json", "application/json"},
    {"md", "text/markdown"},    {"mjs", "text/javascript"},
    {"mp3", "audio/mpeg"},      {"mp4", "video/mp4"},
    {"ogg", "audio/ogg"},       {"otf", "font/otf"},
    {"pdf", "application/pdf"}, {"png", "image/png"},
    {"svg", "image/svg+xml"},   {"ttf", "font/ttf"},
    {"txt", "text/plain"},      {"wasm", "application/wasm"},
    {"webm", "video/webm"},     {"webp", "image/webp"},
    {"woff", "font/woff"},      {"woff2", "font/woff2"},
    {"xml", "application/xml"}, {"zip", "application/zip"},
};

#define MIME_DEFAULT "application/octet-stream"
/* A mime.types larger than this is not one: ignore it. */
#define MIME_FILE_MAX (4 << 20)

/* mime.types, read whole on the first extension the table lacks. */
static char *mime_text;
static size_t mime_text_len;
static bool mime_text_tried;

static int
mime_builtin_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct mime_builtin *)elem)->ext);
}

static const char *
mime_builtin_find(const char *ext)
{
	const struct mime_builtin *b =
	    bsearch(ext, mime_builtins,
	            sizeof(mime_builtins) / sizeof(mime_builtins[0]),
	            sizeof(mime_builtins[0]), mime_builtin_cmp);
	return b ? b->type : NULL;
}

/* One read of the whole file (its size from fstat), not a stdio loop. */
static void
mime_read(const char *file)
{
	struct stat st;
	int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : -1;

	mime_text_tried = true;
	if (fd == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= MIME_FILE_MAX &&
	    (mime_text = malloc((size_t)st.st_size + 1)) != NULL) {
		ssize_t n;
		while (mime_text_len < (size_t)st.st_size &&
		       (n = read(fd, mime_text + mime_text_len,
		                 (size_t)st.st_size - mime_text_len)) > 0)
			mime_text_len += (size_t)n;
		mime_text[mime_text_len] = '\0';
	}
	close(fd);
}

static bool
mime_is_space(char c)
{
	/* '\0' too: a found type is cut out in place (see mime_text_find). */
	return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

/* The next token of the line [*p, end), or NULL; *len is its length. */
static char *
mime_token(char **p, const char *end, size_t *len)
{
	char *s = *p;

	while (s < end && mime_is_space(*s))
		s++;
	char *e = s;
	while (e < end && !mime_is_space(*e))
		e++;
	*p = e;
	*len = (size_t)(e - s);
	return e > s ? s : NULL;
}

/* Whether the line [line, end) lists EXT after its type. */
static char *
mime_line_match(char *line, const char *end, const char *ext, size_t extlen)
{
	size_t tlen, len;
	char *p = line, *type = mime_token(&p, end, &tlen), *tok;

	if (type == NULL || type[0] == '#')
		return NULL;
	while ((tok = mime_token(&p, end, &len)) != NULL)
		if (len == extlen && strncasecmp(tok, ext, len) == 0) {
			/* Cut the type out in place: the pointer stays valid
			 * for the life of the process, as callers expect. */
			type[tlen] = '\0';
			return type;
		}
	return NULL;
}

static const char *
mime_text_find(const char *ext)
{
	size_t extlen = strlen(ext);
	char *end = mime_text + mime_text_len;

	for (char *line = mime_text; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *stop = nl ? nl : end;
		char *type = mime_line_match(line, stop, ext, extlen);
		if (type != NULL)
			return type;
		line = stop + 1;
	}
	return NULL;
}

const char *
mime_type(const char *path, const char *mime_file)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	const char *type;

	if (dot == NULL || dot[1] == '\0')
		return MIME_DEFAULT;
	if ((type = mime_builtin_find(dot + 1)) != NULL)
		return type;
	if (!mime_text_tried)
		mime_read(mime_file);
	type = mime_text ? mime_text_find(dot + 1) : NULL;
	return type ? type : MIME_DEFAULT;
}
