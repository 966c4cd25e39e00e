/* SPDX-License-Identifier: ISC */
/* httpd.h -- the handler's connection state, shared by its parts */
#ifndef PORTIER_HTTPD_H
#define PORTIER_HTTPD_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

struct httpd {
	/* options */
	char *root;         /* realpath of -r, "" for "/" (http_root_open) */
	char **index_names; /* into index_buf */
	char *index_buf;
	const char *cgi_pattern;
	const char *mime_file;
	const char *server_name;
	int idle_timeout;   /* seconds waiting for a request */
	int header_timeout; /* seconds for a whole request head */
	int cgi_timeout;
	int write_timeout;
	off_t body_max;
	/* the connection, from the UCSPI environment */
	const char *remote_ip;
	const char *remote_port;
	const char *local_ip;
	const char *local_port;
	/* input buffer: the next request(s), pipelined */
	char *in;
	size_t in_len;
	size_t in_cap;
};

/* One request and what we answered. */
struct exchange {
	struct http_request req;
	int status;
	long long bytes;
	bool keep_alive;
	bool is_head;
	bool body_unread; /* a request body is still (partly) in the socket */
	int redirects;    /* CGI local redirects followed so far */
	/* Allocated when there is one (freed with the exchange): a one-shot
	 * handler pays a page fault for each page of stack it touches. */
	char *query;    /* the target's query, kept past the request */
	char *redirect; /* a local redirect's target */
};

/* io: bounded reads and writes on the connection (fd 0 / fd 1). */
/* Room for a full head plus what a pipelining client sends behind it. */
#define HTTPD_IN_MAX (HTTP_MAX_HEADER_BYTES + 16384)
long httpd_now_ms(void);
/* Read more into h->in; 1 read, 0 EOF, -1 timeout or error. */
int httpd_fill(struct httpd *, long deadline_ms);
void httpd_consume(struct httpd *, size_t n);
int httpd_write(struct httpd *, const void *buf, size_t len);
int httpd_sendfile(struct httpd *, int fd, off_t offset, off_t count);

/* response.c */
struct response {
	char *buf;
	size_t len, cap;
	bool failed;
};
void resp_init(struct response *);
void resp_add(struct response *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void resp_add_bytes(struct response *, const void *data, size_t len);
/* LEN bytes of room at the end, to be filled in place, or NULL (the
 * response failed); resp_took then counts what was put there. */
char *resp_room(struct response *, size_t len);
void resp_took(struct response *, size_t len);
void resp_add_html(struct response *, const char *text);
void resp_add_url(struct response *, const char *text);
void resp_add_url_path(struct response *, const char *path);
void resp_free(struct response *);
const char *http_reason(int status);
/* Status line, Date, Server, Connection; the caller adds the rest.  A
 * request body left unread closes the connection (smuggling). */
void resp_start(struct response *, struct exchange *, int status);
void resp_start_reason(struct response *, struct exchange *, int status,
                       const char *reason);
/* A small HTML error page, complete. */
int httpd_send_error(struct httpd *, struct exchange *, int status,
                     const char *extra_header);
int httpd_send_head_and_body(struct httpd *, struct exchange *,
                             struct response *head, const char *body,
                             size_t len);
/* The log keeps this much of a request line (escaped, so LINE's first
 * HTTPD_LOG_LINE bytes are all it can show). */
#define HTTPD_LOG_LINE 600
void httpd_log(struct httpd *, struct exchange *, const char *line);

/* file.c: a regular file, with conditionals and one range. */
int httpd_send_file(struct httpd *, struct exchange *, const char *path);

/* listing.c: DIR as HTML; URL is its (normalised) request path. */
int httpd_send_listing(struct httpd *, struct exchange *, const char *dir,
                       const char *url);

/* serve.c: answer EX's request, following CGI local redirects. */
int httpd_serve(struct httpd *, struct exchange *);

/* cgienv.c: the environment of one CGI script (RFC 3875 4.1). */
#define CGIENV_MAX (HTTP_MAX_HEADER_FIELDS + 32)
struct cgi_env {
	char *v[CGIENV_MAX + 1]; /* NULL-terminated, for execve */
	int n;
};
/* What one script is asked: after a local redirect, a GET without body. */
struct cgi_call {
	const char *method;
	const char *query;    /* or NULL */
	const char *uri;      /* REQUEST_URI */
	off_t content_length; /* of the body on stdin; -1 or 0: none */
	const char *content_type;
};
void cgienv_build(struct cgi_env *, const struct httpd *,
                  const struct http_request *, const struct cgi_call *,
                  const struct http_resolved *);
void cgienv_free(struct cgi_env *);

/* body.c: a request body read whole, for a script's stdin. */
struct body {
	bool is_chunked;
	struct chunked chunks;
	off_t left;  /* Content-Length bytes still to read */
	off_t total; /* body bytes so far */
	off_t wire;  /* bytes read for it, framing included */
	off_t max;   /* past it: 413 */
	char *mem;   /* the body while it is small */
	size_t len;
	int fd; /* an unlinked file once it is not, else -1 */
};
void body_init(struct body *, bool is_chunked, off_t length, off_t max);
/* Read it all by DEADLINE_MS: 0, or 400 / 408 / 413 / 500. */
int body_read(struct httpd *, struct body *, long deadline_ms);
/* A descriptor holding the body, at offset 0 (the body keeps it). */
int body_stdin(struct body *);
void body_free(struct body *);

/* cgi.c */
/* Where -c puts FILE, a real path under H's root. */
enum cgi_place httpd_cgi_place(const struct httpd *, const char *file);
/* Whether FILE (a real path under H's root) is a script to run; ARG is H. */
bool httpd_is_cgi(const char *file, const void *h);
/* Returned by httpd_run_cgi: EX->redirect holds a local path to serve. */
#define HTTPD_LOCAL_REDIRECT 2
int httpd_run_cgi(struct httpd *, struct exchange *, const char *method,
                  const struct http_resolved *, const char *query);

#endif
