/* SPDX-License-Identifier: ISC */
/* http.h -- portier's HTTP/1.1 handler: shared types and the parsers' API */
#ifndef PORTIER_HTTP_H
#define PORTIER_HTTP_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Hard limits on what a client may send (issue: 414, 431). */
#define HTTP_MAX_REQUEST_LINE 8192
#define HTTP_MAX_HEADER_BYTES 32768
#define HTTP_MAX_HEADER_FIELDS 100

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	char *raw; /* owned copy of the head; every pointer below is into it */
	const char *method;
	const char *target;
	const char *version;
	int minor; /* HTTP/1.MINOR */
	struct http_header headers[HTTP_MAX_HEADER_FIELDS];
	int n_headers;
	size_t head_len;      /* bytes of input the head took */
	off_t content_length; /* -1: none given */
	bool is_chunked;      /* Transfer-Encoding ends in chunked */
};

/*
 * Parse one request head from BUF.  Returns 0 when complete (REQ filled,
 * free with http_request_free), 1 when more bytes are needed, or an HTTP
 * status (400, 414, 431, 501, 505) for a request to refuse.  The body's
 * framing is checked here too (RFC 9112 6.3): one valid Content-Length,
 * or Transfer-Encoding ending in chunked, never both; one Host.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *);
void http_request_free(struct http_request *);
/* The value of header NAME (case-insensitive), or NULL. */
const char *http_header(const struct http_request *, const char *name);
/* True when a comma-separated header holds TOKEN (case-insensitive). */
bool http_header_has_token(const struct http_request *, const char *name,
                           const char *token);
/* Whether the client asked to keep the connection (RFC 9112 9.3). */
bool http_wants_keep_alive(const struct http_request *);

/*
 * Decode TARGET's path exactly once, refuse NUL, encoded '/', backslash
 * and control bytes, remove dot segments and empty segments.  Writes the
 * normalised path (always starting with '/') to OUT and points *QUERY at
 * the raw query in TARGET (or NULL).  Returns 0 or an HTTP status: 400
 * for a bad request, 404 for a hidden (dot) segment, 414 if too long.
 * *TRAILING_SLASH says whether the request ended in '/'.
 */
int http_path_normalize(const char *target, char *out, size_t outsize,
                        const char **query, bool *trailing_slash);

/* A resolved request path inside the document root. */
struct http_resolved {
	char file[4096];        /* real path on disk */
	char script_name[4096]; /* the URL part naming the file */
	char path_info[4096];   /* what follows a CGI script, or "" */
	struct stat st;
};

/*
 * Map the normalised PATH to a file under ROOT (a realpath).  Refuses
 * (403) anything whose real path leaves ROOT, including through symlinks.
 * A path continuing past a regular file is accepted only when
 * IS_SCRIPT(file, ARG) says that file is a CGI script: the rest becomes
 * PATH_INFO.  Returns 0 or 403 / 404 / 414.
 */
int http_resolve(const char *root, const char *path,
                 bool (*is_script)(const char *file, const void *arg),
                 const void *arg, struct http_resolved *);

/*
 * Open FILE, a real path http_resolve found inside ROOT, refusing any
 * symlink met on the way (one swapped in since the check): -1 / errno.
 */
int http_open_beneath(const char *root, const char *file, int flags);

/* Range: bytes=... for a SIZE-byte file. */
enum http_range_result {
	RANGE_NONE,          /* no usable single range: send everything */
	RANGE_OK,            /* *FIRST .. *LAST inclusive */
	RANGE_UNSATISFIABLE, /* 416 */
};
enum http_range_result http_parse_range(const char *value, off_t size,
                                        off_t *first, off_t *last);

/* The CGI response head (RFC 3875 section 6). */
struct cgi_response {
	int status; /* 0 if the script gave none */
	char reason[64];
	const char *location; /* into the buffer */
	const char *content_type;
	struct http_header other[HTTP_MAX_HEADER_FIELDS];
	int n_other;
	size_t head_len;
	char *raw;
};

/* 0 complete, 1 need more, -1 malformed (502). */
int cgi_parse_response(const char *buf, size_t len, struct cgi_response *);
void cgi_response_free(struct cgi_response *);

/* mime.c */
const char *mime_type(const char *path, const char *mime_file);

/* date helpers (response.c) */
void http_format_date(char *buf, size_t size, time_t t);
bool http_parse_date(const char *value, time_t *t);

#endif
