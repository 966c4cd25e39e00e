/* SPDX-License-Identifier: ISC */
/* listing.c -- a directory as a sorted HTML listing, every name escaped */
#include <config.h>

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

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
listing_read(int fd, size_t *count)
{
	struct listing_entry *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d = fd == -1 ? NULL : fdopendir(fd);

	if (d == NULL) {
		if (fd != -1)
			close(fd);
		return NULL;
	}
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

int
httpd_send_listing(struct httpd *h, struct exchange *ex, const char *dir,
                   const char *url)
{
	struct response body, head;
	size_t n = 0;
	struct listing_entry *v = listing_read(
	    http_open_beneath(h->root, dir, O_RDONLY | O_DIRECTORY), &n);

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
	resp_add(&head,
	         "Content-Type: text/html; charset=utf-8\r\n"
	         "Content-Length: %zu\r\n\r\n",
	         body.len);
	int rc = body.failed ? httpd_send_error(h, ex, 500, NULL)
	                     : httpd_send_head_and_body(h, ex, &head, body.buf,
	                                                body.len);
	resp_free(&body);
	return rc;
}
