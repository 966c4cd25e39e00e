/* SPDX-License-Identifier: ISC */
/* listing.c -- a directory as a sorted HTML listing, every name escaped */
#include <config.h>

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "utc.h"

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

/*
 * A size as ls -h prints it: bytes below 1 KiB, else one decimal under
 * ten units (1.2K) and whole units above (34M); powers of 1024.
 */
static void
listing_human_size(char *out, size_t len, off_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)size;
	int u = -1;

	if (size < 1024) {
		snprintf(out, len, "%jd", (intmax_t)size);
		return;
	}
	while (v >= 1024 && units[u + 1] != '\0') {
		v /= 1024;
		u++;
	}
	/* 1023.97K would print as 1024K: the next unit reads better. */
	if (v >= 1023.95 && units[u + 1] != '\0') {
		v /= 1024;
		u++;
	}
	if (v < 9.95)
		snprintf(out, len, "%.1f%c", v, units[u]);
	else
		snprintf(out, len, "%.0f%c", v, units[u]);
}

/* Columns padded and aligned, sizes right-aligned in fixed-width digits,
 * readable on a phone (the viewport) without any script. */
static void
listing_head(struct response *body, const char *url)
{
	resp_add(body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" "
	               "content=\"width=device-width, initial-scale=1\">\n"
	               "<title>Index of ");
	resp_add_html(body, url);
	resp_add(body, "</title>\n<style>\n"
	               "body{font-family:sans-serif;margin:1em}\n"
	               "table{border-collapse:collapse}\n"
	               "th,td{padding:0.25em 1em;text-align:left;"
	               "white-space:nowrap}\n"
	               "th{border-bottom:1px solid #999}\n"
	               "tr:nth-child(even) td{background:#f2f2f2}\n"
	               "td.size,th.size{text-align:right;"
	               "font-variant-numeric:tabular-nums}\n"
	               "td.time{font-variant-numeric:tabular-nums}\n"
	               "td.name{white-space:normal;overflow-wrap:anywhere}\n"
	               "</style></head>\n<body><h1>Index of ");
	resp_add_html(body, url);
	resp_add(body, "</h1>\n<table>\n<tr><th>Name</th>"
	               "<th class=\"size\">Size</th><th>Modified</th></tr>\n");
	if (strcmp(url, "/") != 0)
		resp_add(body, "<tr><td class=\"name\"><a href=\"../\">../</a>"
		               "</td><td class=\"size\"></td>"
		               "<td class=\"time\"></td></tr>\n");
}

/* One row; the time is UTC and says so, the exact size is on hover. */
static void
listing_row(struct response *body, const struct listing_entry *e)
{
	char when[64], iso[64], human[32];
	struct tm tm;
	bool is_dir = S_ISDIR(e->st.st_mode);

	utc_tm(e->st.st_mtime, &tm);
	snprintf(when, sizeof(when), "%d-%02d-%02d %02d:%02d UTC",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min);
	snprintf(iso, sizeof(iso), "%d-%02d-%02dT%02d:%02d:%02dZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
	/* "./" keeps a name with ':' from reading as a scheme. */
	resp_add(body, "<tr><td class=\"name\"><a href=\"./");
	resp_add_url(body, e->name);
	resp_add(body, "%s\">", is_dir ? "/" : "");
	resp_add_html(body, e->name);
	resp_add(body, "%s</a></td>", is_dir ? "/" : "");
	if (is_dir) {
		resp_add(body, "<td class=\"size\">-</td>");
	} else {
		listing_human_size(human, sizeof(human), e->st.st_size);
		resp_add(body, "<td class=\"size\" title=\"%jd bytes\">%s</td>",
		         (intmax_t)e->st.st_size, human);
	}
	resp_add(body,
	         "<td class=\"time\"><time datetime=\"%s\">%s</time>"
	         "</td></tr>\n",
	         iso, when);
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
	listing_head(&body, url);
	for (size_t i = 0; i < n; i++) {
		listing_row(&body, &v[i]);
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
