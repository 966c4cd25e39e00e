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
	char root[4096]; /* realpath of -r */
	char **index_names;
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
	bool client_keep_alive; /* what the client asked for */
	bool is_head;
	int redirects; /* CGI local redirects followed so far */
	char query_buf[HTTP_MAX_REQUEST_LINE + 1];
	char redirect[HTTP_MAX_REQUEST_LINE]; /* a local redirect's target */
};

/* io: bounded reads and writes on the connection (fd 0 / fd 1). */
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
void resp_add_html(struct response *, const char *text);
void resp_add_url(struct response *, const char *text);
void resp_free(struct response *);
const char *http_reason(int status);
/* Status line, Date, Server, Connection; the caller adds the rest. */
void resp_start(struct response *, struct exchange *, int status);
void resp_start_reason(struct response *, struct exchange *, int status,
                       const char *reason);
/* A small HTML error page, complete. */
int httpd_send_error(struct httpd *, struct exchange *, int status,
                     const char *extra_header);
int httpd_send_head_and_body(struct httpd *, struct exchange *,
                             struct response *head, const char *body,
                             size_t len);
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
void cgienv_build(struct cgi_env *, const struct httpd *,
                  const struct exchange *, const char *method,
                  const struct http_resolved *, const char *query);
void cgienv_free(struct cgi_env *);

/* cgi.c */
/* Whether FILE (a real path under H's root) is a script to run; ARG is H. */
bool httpd_is_cgi(const char *file, const void *h);
/* Returned by httpd_run_cgi: EX->redirect holds a local path to serve. */
#define HTTPD_LOCAL_REDIRECT 2
int httpd_run_cgi(struct httpd *, struct exchange *, const char *method,
                  const struct http_resolved *, const char *query);

#endif
