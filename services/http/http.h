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
 * for a bad request, 404 for a hidden (dot) segment, 414 if too long,
 * 500 out of memory.  *TRAILING_SLASH says whether the request ended in '/'.
 */
int http_path_normalize(const char *target, char *out, size_t outsize,
                        const char **query, bool *trailing_slash);

/* Each path of a struct http_resolved holds less than this. */
#define HTTP_RESOLVED_PART 4096

/* A resolved request path inside the document root. */
struct http_resolved {
	struct stat st;
	const char *file;        /* real path on disk */
	const char *script_name; /* the URL part naming the file */
	const char *path_info;   /* what follows a CGI script, or "" */
	/* The three, one after the other: a one-shot handler pays a page
	 * fault for each page of stack it touches, and three 4 KiB arrays
	 * cost three pages where a short path needs a few bytes of one.
	 * The pointers are into the struct itself: never copy it. */
	char buf[3 * HTTP_RESOLVED_PART];
};

/*
 * The real path of the document root DIR as http_resolve takes it ("" for
 * "/"), malloc'd, with the descriptor every lookup starts from opened.
 * NULL / errno.
 */
char *http_root_open(const char *dir);

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
	off_t length; /* the script's Content-Length, or -1 */
	struct http_header other[HTTP_MAX_HEADER_FIELDS];
	int n_other;
	size_t head_len;
	char *raw;
};

/* 0 complete, 1 need more, -1 malformed (502). */
int cgi_parse_response(const char *buf, size_t len, struct cgi_response *);
void cgi_response_free(struct cgi_response *);
/* Whether a response with STATUS may carry a body at all. */
bool cgi_status_has_body(int status);
enum cgi_action {
	CGI_BAD_GATEWAY,    /* 502: nothing the client may see */
	CGI_LOCAL_REDIRECT, /* serve r->location instead */
	CGI_RESPOND,        /* send *STATUS with the script's fields */
};
enum cgi_action cgi_response_action(const struct cgi_response *,
                                    bool may_redirect, int *status);
/*
 * A non-parsed-header script's head in BUF: its status (100-599) with
 * *HEAD_LEN its length, 0 when more is needed, -1 when malformed.
 */
int cgi_nph_status(const char *buf, size_t len, size_t *head_len);

/* A chunked body's decoder (RFC 9112 7.1): strict CRLFs, bounded sizes,
 * extensions and trailers read and dropped. */
struct chunked {
	int state;
	uint64_t left; /* bytes of the current chunk still to come */
	size_t digits; /* in the size being read */
	size_t line;   /* bytes of the extension or trailer being read */
};
void chunked_init(struct chunked *);
/*
 * Decode LEN bytes of IN; the data goes to OUT (room for LEN bytes) and
 * its length to *OUT_LEN.  Returns the bytes of IN used -- fewer than LEN
 * only when the body ended before them -- or -1 for a malformed body.
 */
long chunked_decode(struct chunked *, const char *in, size_t len, char *out,
                    size_t *out_len);
bool chunked_is_done(const struct chunked *);

/* Where the -c PATTERN puts REL, a real path below the root ("/a/b"). */
enum cgi_place {
	CGI_OUTSIDE, /* an ordinary file or directory */
	CGI_SCRIPT,  /* a script: run it if it is an executable file */
	CGI_INSIDE,  /* inside a script directory: never served */
};
enum cgi_place cgi_match(const char *pattern, const char *rel);

/* mime.c */
const char *mime_type(const char *path, const char *mime_file);

/* date helpers (response.c) */
void http_format_date(char *buf, size_t size, time_t t);
bool http_parse_date(const char *value, time_t *t);

#endif
