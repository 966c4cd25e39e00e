/* SPDX-License-Identifier: ISC */
/* serve.c -- route a request: a file, a directory or a CGI script, following
 * a script's local redirects */
#include <config.h>

#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

static const char *known_methods[] = {"POST",  "PUT",   "DELETE", "OPTIONS",
                                      "PATCH", "TRACE", "CONNECT"};

static bool
method_is_known(const char *m)
{
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(*known_methods);
	     i++)
		if (strcmp(m, known_methods[i]) == 0)
			return true;
	return false;
}

static int
serve_redirect_slash(struct httpd *h, struct exchange *ex, const char *path,
                     const char *query)
{
	struct response head, loc;

	resp_init(&loc);
	/* Re-encode: the Location must be a valid URL (RFC 3986). */
	resp_add_url_path(&loc, path);
	resp_init(&head);
	resp_start(&head, ex, 301);
	resp_add(&head, "Location: %s/%s%s\r\nContent-Length: 0\r\n\r\n",
	         loc.buf ? loc.buf : "", query ? "?" : "", query ? query : "");
	resp_free(&loc);
	return httpd_send_head_and_body(h, ex, &head, NULL, 0);
}

/*
 * index.html (or the -i names) inside DIR, confined like any path, into
 * R: 1 found, 0 none, -1 out of memory (never a listing instead).
 */
static int
serve_find_index(struct httpd *h, const char *path, struct http_resolved *r)
{
	const char *dir = strcmp(path, "/") == 0 ? "" : path;

	for (char **name = h->index_names; name && *name; name++) {
		char *candidate = NULL;
		if (asprintf(&candidate, "%s/%s", dir, *name) == -1)
			return -1;
		bool found =
		    http_resolve(h->root, candidate, NULL, NULL, r) == 0 &&
		    S_ISREG(r->st.st_mode);
		free(candidate);
		if (found)
			return 1;
	}
	return 0;
}

/* A directory's listing; the title names the URL as requested, with its
 * slash. */
static int
serve_listing(struct httpd *h, struct exchange *ex, const char *path,
              const struct http_resolved *r)
{
	char *url = NULL;

	if (asprintf(&url, "%s/", strcmp(path, "/") == 0 ? "" : path) == -1)
		return httpd_send_error(h, ex, 500, NULL);
	int rc = httpd_send_listing(h, ex, r->file, url);
	free(url);
	return rc;
}

/* INDEX: the directory's index file, or NULL. */
static int
serve_static(struct httpd *h, struct exchange *ex, const char *method,
             const char *path, const char *query, bool trailing_slash,
             const struct http_resolved *r, const struct http_resolved *index)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return httpd_send_error(
		    h, ex, method_is_known(method) ? 405 : 501,
		    method_is_known(method) ? "Allow: GET, HEAD" : NULL);
	if (S_ISREG(r->st.st_mode))
		return httpd_send_file(h, ex, r->file);
	if (!S_ISDIR(r->st.st_mode))
		return httpd_send_error(h, ex, 403, NULL);
	if (!trailing_slash && strcmp(path, "/") != 0)
		return serve_redirect_slash(h, ex, path, query);
	if (index != NULL)
		return httpd_send_file(h, ex, index->file);
	return serve_listing(h, ex, path, r);
}

/* Under a CGI location a file runs or is refused, never sent as it is:
 * a script's text holds its secrets. */
static int
serve_script(struct httpd *h, struct exchange *ex, const char *method,
             const struct http_resolved *r, const char *query)
{
	if (!httpd_is_cgi(r->file, h))
		return httpd_send_error(h, ex, 403, NULL);
	return httpd_run_cgi(h, ex, method, r, query);
}

/* The normalised PATH: a file, a directory, a script. */
static int
serve_path(struct httpd *h, struct exchange *ex, const char *method,
           const char *path, const char *query, bool trailing_slash)
{
	struct http_resolved r;
	int rc = http_resolve(h->root, path, httpd_is_cgi, h, &r);

	if (rc != 0)
		return httpd_send_error(h, ex, rc, NULL);
	if (httpd_cgi_place(h, r.file) != CGI_OUTSIDE)
		return serve_script(h, ex, method, &r, query);
	if (r.path_info[0] != '\0')
		return httpd_send_error(h, ex, 404, NULL);
	if (!S_ISDIR(r.st.st_mode) ||
	    (!trailing_slash && strcmp(path, "/") != 0))
		return serve_static(h, ex, method, path, query, trailing_slash,
		                    &r, NULL);
	/* "dir/" may name an index file, and -i may list a script.  Its
	 * 12 KiB are allocated: on the stack they would sit in every
	 * request's frame, a page fault each in a one-shot handler. */
	struct http_resolved *index = malloc(sizeof(*index));
	int found = index ? serve_find_index(h, path, index) : -1;
	if (found == -1)
		rc = httpd_send_error(h, ex, 500, NULL);
	else if (found && httpd_cgi_place(h, index->file) != CGI_OUTSIDE)
		rc = serve_script(h, ex, method, index, query);
	else
		rc = serve_static(h, ex, method, path, query, trailing_slash,
		                  &r, found ? index : NULL);
	free(index);
	return rc;
}

/* One target: a file, a directory, a script (which may redirect). */
static int
serve_target(struct httpd *h, struct exchange *ex, const char *method,
             const char *target)
{
	/* Sized by need, where a request line's worth sat on the stack: a
	 * normal form is never longer than the target, and past a request
	 * line it is refused (414) as before. */
	size_t size = strlen(target) + 2;
	if (size > HTTP_MAX_REQUEST_LINE + 1)
		size = HTTP_MAX_REQUEST_LINE + 1;
	char *path = malloc(size);
	const char *query;
	bool trailing_slash = false;

	if (path == NULL)
		return httpd_send_error(h, ex, 500, NULL);
	int rc =
	    http_path_normalize(target, path, size, &query, &trailing_slash);
	if (rc == 0 && query != NULL) {
		/* Keep the query past the request's lifetime. */
		char *copy = strndup(query, HTTP_MAX_REQUEST_LINE);
		free(ex->query);
		query = ex->query = copy;
		if (copy == NULL)
			rc = 500;
	}
	if (rc == 0)
		rc = serve_path(h, ex, method, path, query, trailing_slash);
	else
		rc = httpd_send_error(h, ex, rc, NULL);
	free(path);
	return rc;
}

int
httpd_serve(struct httpd *h, struct exchange *ex)
{
	const char *method = ex->req.method;
	const char *target = ex->req.target;

	for (;;) {
		int rc = serve_target(h, ex, method, target);
		if (rc != HTTPD_LOCAL_REDIRECT)
			return rc;
		/* RFC 3875 6.2.2: answer as if the client had asked for
		 * the new path; cgi.c stops redirecting after a few. */
		ex->redirects++;
		method = "GET";
		target = ex->redirect;
	}
}
