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
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		char seg[4096];
		snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
		resp_add_url(&loc, seg);
		p += n;
		if (*p == '/') {
			resp_add(&loc, "/");
			p++;
		}
	}
	resp_init(&head);
	resp_start(&head, ex, 301);
	resp_add(&head, "Location: %s/%s%s\r\nContent-Length: 0\r\n\r\n",
	         loc.buf ? loc.buf : "", query ? "?" : "", query ? query : "");
	resp_free(&loc);
	return httpd_send_head_and_body(h, ex, &head, NULL, 0);
}

/* index.html (or the -i names) inside DIR, confined like any path. */
static bool
serve_find_index(struct httpd *h, const char *path, struct http_resolved *r)
{
	char candidate[HTTP_MAX_REQUEST_LINE + 300];

	for (char **name = h->index_names; name && *name; name++) {
		snprintf(candidate, sizeof(candidate), "%s/%s",
		         strcmp(path, "/") == 0 ? "" : path, *name);
		if (http_resolve(h->root, candidate, NULL, NULL, r) == 0 &&
		    S_ISREG(r->st.st_mode))
			return true;
	}
	return false;
}

/* INDEX: the directory's index file, or NULL. */
static int
serve_static(struct httpd *h, struct exchange *ex, const char *method,
             const char *path, const char *query, bool trailing_slash,
             struct http_resolved *r, struct http_resolved *index)
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
	/* The title names the URL as requested: with its slash. */
	char url[HTTP_MAX_REQUEST_LINE + 2];
	snprintf(url, sizeof(url), "%s/", strcmp(path, "/") == 0 ? "" : path);
	return httpd_send_listing(h, ex, r->file, url);
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

/* One target: a file, a directory, a script (which may redirect). */
static int
serve_target(struct httpd *h, struct exchange *ex, const char *method,
             const char *target)
{
	char path[HTTP_MAX_REQUEST_LINE + 1];
	const char *query;
	bool trailing_slash = false;
	struct http_resolved r;

	int rc = http_path_normalize(target, path, sizeof(path), &query,
	                             &trailing_slash);
	if (rc != 0)
		return httpd_send_error(h, ex, rc, NULL);
	if (query != NULL) {
		/* Keep the query past the request's lifetime. */
		char *copy = strndup(query, HTTP_MAX_REQUEST_LINE);
		if (copy == NULL)
			return httpd_send_error(h, ex, 500, NULL);
		free(ex->query);
		query = ex->query = copy;
	}
	rc = http_resolve(h->root, path, httpd_is_cgi, h, &r);
	if (rc != 0)
		return httpd_send_error(h, ex, rc, NULL);
	if (httpd_cgi_place(h, r.file) != CGI_OUTSIDE)
		return serve_script(h, ex, method, &r, query);
	if (r.path_info[0] != '\0')
		return httpd_send_error(h, ex, 404, NULL);
	/* "dir/" may name an index file, and -i may list a script. */
	struct http_resolved index;
	bool has_index = S_ISDIR(r.st.st_mode) &&
	                 (trailing_slash || strcmp(path, "/") == 0) &&
	                 serve_find_index(h, path, &index);
	if (has_index && httpd_cgi_place(h, index.file) != CGI_OUTSIDE)
		return serve_script(h, ex, method, &index, query);
	return serve_static(h, ex, method, path, query, trailing_slash, &r,
	                    has_index ? &index : NULL);
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
