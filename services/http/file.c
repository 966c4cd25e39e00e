/* SPDX-License-Identifier: ISC */
/* file.c -- serve a request path: files, directory listings, or a CGI */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

static const char *known_methods[] = { "POST", "PUT", "DELETE", "OPTIONS",
	"PATCH", "TRACE", "CONNECT" };

static bool
method_is_known(const char *m)
{
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(*known_methods);
	     i++)
		if (strcmp(m, known_methods[i]) == 0)
			return true;
	return false;
}

static void
file_etag(char *buf, size_t size, const struct stat *st)
{
	snprintf(buf, size, "\"%jx-%jx-%jx\"", (uintmax_t)st->st_mtime,
	    (uintmax_t)st->st_size, (uintmax_t)st->st_ino);
}

/* RFC 9110 13.1.2-3: If-None-Match wins over If-Modified-Since. */
static bool
file_not_modified(const struct http_request *req, const struct stat *st,
    const char *etag)
{
	const char *inm = http_header(req, "If-None-Match");
	const char *ims = http_header(req, "If-Modified-Since");
	time_t since;

	if (inm != NULL)
		return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
	return ims != NULL && http_parse_date(ims, &since) &&
	    st->st_mtime <= since;
}

static int
file_send(struct httpd *h, struct exchange *ex, const char *path)
{
	struct response head;
	char etag[80], modified[64];
	struct stat st;
	off_t first = 0, last;
	int status = 200;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return httpd_send_error(h, ex, 403, NULL);
	}
	file_etag(etag, sizeof(etag), &st);
	http_format_date(modified, sizeof(modified), st.st_mtime);
	last = st.st_size - 1;
	resp_init(&head);
	if (file_not_modified(&ex->req, &st, etag)) {
		status = 304;
	} else if (http_header(&ex->req, "Range") != NULL) {
		switch (http_parse_range(http_header(&ex->req, "Range"),
		    st.st_size, &first, &last)) {
		case RANGE_OK:
			status = 206;
			break;
		case RANGE_UNSATISFIABLE:
			close(fd);
			char cr[64];
			snprintf(cr, sizeof(cr), "Content-Range: bytes */%jd",
			    (intmax_t)st.st_size);
			return httpd_send_error(h, ex, 416, cr);
		case RANGE_NONE:
			break;
		}
	}
	resp_start(&head, ex, status);
	resp_add(&head, "Last-Modified: %s\r\nETag: %s\r\n"
	    "Accept-Ranges: bytes\r\n", modified, etag);
	off_t count = status == 304 ? 0 : last - first + 1;
	if (status != 304)
		resp_add(&head, "Content-Type: %s\r\nContent-Length: %jd\r\n",
		    mime_type(path, h->mime_file), (intmax_t)count);
	if (status == 206)
		resp_add(&head, "Content-Range: bytes %jd-%jd/%jd\r\n",
		    (intmax_t)first, (intmax_t)last, (intmax_t)st.st_size);
	resp_add(&head, "\r\n");
	/* Cork: the head and the file's first bytes leave in one segment. */
	int on = 1, off = 0;
	(void)setsockopt(1, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
	int rc = httpd_send_head_and_body(h, ex, &head, NULL, 0);
	if (rc == 0 && !ex->is_head && count > 0) {
		rc = httpd_sendfile(h, fd, first, count);
		if (rc == 0)
			ex->bytes += count;
	}
	(void)setsockopt(1, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	close(fd);
	return rc;
}

struct listing_entry {
	char *name;
	struct stat st;
};

static int
listing_cmp(const void *a, const void *b)
{
	return strcmp(((const struct listing_entry *)a)->name,
	    ((const struct listing_entry *)b)->name);
}

static struct listing_entry *
listing_read(const char *dir, size_t *count)
{
	struct listing_entry *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* dotfiles, ".", ".." */
		struct listing_entry *p = reallocarray(v, n + 1, sizeof(*v));
		if (p == NULL)
			break;
		v = p;
		if (fstatat(dirfd(d), de->d_name, &v[n].st, 0) == -1)
			continue;
		v[n].name = strdup(de->d_name);
		if (v[n].name != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), listing_cmp);
	*count = n;
	return v ? v : calloc(1, sizeof(*v));
}

static int
listing_send(struct httpd *h, struct exchange *ex, const char *dir,
    const char *url)
{
	struct response body, head;
	size_t n = 0;
	struct listing_entry *v = listing_read(dir, &n);

	if (v == NULL)
		return httpd_send_error(h, ex, 403, NULL);
	resp_init(&body);
	resp_add(&body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Index of ");
	resp_add_html(&body, url);
	resp_add(&body, "</title></head>\n<body><h1>Index of ");
	resp_add_html(&body, url);
	resp_add(&body, "</h1>\n<table>\n<tr><th>Name</th><th>Size</th>"
	    "<th>Modified</th></tr>\n");
	if (strcmp(url, "/") != 0)
		resp_add(&body, "<tr><td><a href=\"../\">../</a></td><td></td>"
		    "<td></td></tr>\n");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		struct tm tm;
		bool is_dir = S_ISDIR(v[i].st.st_mode);
		gmtime_r(&v[i].st.st_mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		/* "./" keeps a name with ':' from reading as a scheme. */
		resp_add(&body, "<tr><td><a href=\"./");
		resp_add_url(&body, v[i].name);
		resp_add(&body, "%s\">", is_dir ? "/" : "");
		resp_add_html(&body, v[i].name);
		resp_add(&body, "%s</a></td><td>", is_dir ? "/" : "");
		if (is_dir)
			resp_add(&body, "-");
		else
			resp_add(&body, "%jd", (intmax_t)v[i].st.st_size);
		resp_add(&body, "</td><td>%s</td></tr>\n", when);
		free(v[i].name);
	}
	free(v);
	resp_add(&body, "</table>\n</body></html>\n");
	resp_init(&head);
	resp_start(&head, ex, 200);
	resp_add(&head, "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n\r\n", body.len);
	int rc = body.failed ? httpd_send_error(h, ex, 500, NULL)
			     : httpd_send_head_and_body(h, ex, &head, body.buf,
				   body.len);
	resp_free(&body);
	return rc;
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
		if (http_resolve(h->root, candidate, NULL, r) == 0 &&
		    S_ISREG(r->st.st_mode))
			return true;
	}
	return false;
}

static int
serve_static(struct httpd *h, struct exchange *ex, const char *method,
    const char *path, const char *query, bool trailing_slash,
    struct http_resolved *r)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return httpd_send_error(h, ex, method_is_known(method) ? 405
		    : 501, method_is_known(method) ? "Allow: GET, HEAD" : NULL);
	if (S_ISREG(r->st.st_mode))
		return file_send(h, ex, r->file);
	if (!S_ISDIR(r->st.st_mode))
		return httpd_send_error(h, ex, 403, NULL);
	if (!trailing_slash && strcmp(path, "/") != 0)
		return serve_redirect_slash(h, ex, path, query);
	struct http_resolved index;
	if (serve_find_index(h, path, &index))
		return file_send(h, ex, index.file);
	return listing_send(h, ex, r->file,
	    strcmp(path, "/") == 0 ? "/" : path);
}

int
httpd_serve_path(struct httpd *h, struct exchange *ex, const char *method,
    const char *target, int depth)
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
		strlcpy(ex->query_buf, query, sizeof(ex->query_buf));
		query = ex->query_buf;
	}
	rc = http_resolve(h->root, path, httpd_is_cgi, &r);
	if (rc != 0)
		return httpd_send_error(h, ex, rc, NULL);
	if (S_ISREG(r.st.st_mode) && httpd_is_cgi(r.file))
		return httpd_run_cgi(h, ex, method, &r, query, depth);
	if (r.path_info[0] != '\0')
		return httpd_send_error(h, ex, 404, NULL);
	return serve_static(h, ex, method, path, query, trailing_slash, &r);
}
