/* SPDX-License-Identifier: ISC */
/* file.c -- send a regular file: validators, conditionals, a range */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

static void
file_etag(char *buf, size_t size, const struct stat *st)
{
	snprintf(buf, size, "\"%jx-%jx-%jx\"", (uintmax_t)st->st_mtime,
	         (uintmax_t)st->st_size, (uintmax_t)st->st_ino);
}

/*
 * RFC 9110 13.1.5: a Range counts only while If-Range still names this
 * file -- by a strong ETag, or by its exact Last-Modified date.
 */
static bool
file_if_range_holds(const struct http_request *req, const struct stat *st,
                    const char *etag)
{
	const char *ir = http_header(req, "If-Range");
	time_t when;

	if (ir == NULL)
		return true;
	if (ir[0] == '"' || strncmp(ir, "W/", 2) == 0)
		return strcmp(ir, etag) == 0;
	return http_parse_date(ir, &when) && when == st->st_mtime;
}

/* RFC 9110 13.1.2-3: If-None-Match wins over If-Modified-Since.  A date
 * later than now is no date the server sent: ignored, as RFC 2616 14.25
 * said and servers since do, so a client cannot pin a 304. */
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
	       since <= time(NULL) && st->st_mtime <= since;
}

/* What the conditionals and Range make of a request for this file. */
struct file_answer {
	int status; /* 200, 206, 304 or 416 */
	off_t first, last;
	char etag[80];
};

static void
file_decide(const struct http_request *req, const struct stat *st,
            struct file_answer *a)
{
	const char *range = http_header(req, "Range");

	a->status = 200;
	a->first = 0;
	a->last = st->st_size - 1;
	file_etag(a->etag, sizeof(a->etag), st);
	if (file_not_modified(req, st, a->etag)) {
		a->status = 304;
		return;
	}
	if (range == NULL || !file_if_range_holds(req, st, a->etag))
		return;
	switch (http_parse_range(range, st->st_size, &a->first, &a->last)) {
	case RANGE_OK:
		a->status = 206;
		break;
	case RANGE_UNSATISFIABLE:
		a->status = 416;
		break;
	case RANGE_NONE:
		break;
	}
}

static void
file_head(struct response *head, struct httpd *h, struct exchange *ex,
          const char *path, const struct stat *st, const struct file_answer *a)
{
	char modified[64];

	http_format_date(modified, sizeof(modified), st->st_mtime);
	resp_start(head, ex, a->status);
	resp_add(head,
	         "Last-Modified: %s\r\nETag: %s\r\n"
	         "Accept-Ranges: bytes\r\n",
	         modified, a->etag);
	if (a->status != 304)
		resp_add(head, "Content-Type: %s\r\nContent-Length: %jd\r\n",
		         mime_type(path, h->mime_file),
		         (intmax_t)(a->last - a->first + 1));
	if (a->status == 206)
		resp_add(head, "Content-Range: bytes %jd-%jd/%jd\r\n",
		         (intmax_t)a->first, (intmax_t)a->last,
		         (intmax_t)st->st_size);
	resp_add(head, "\r\n");
}

/* Up to this many bytes go out in one write with the head. */
#define FILE_INLINE_MAX 16384

/*
 * A small file: read it behind the head, straight into the response, and
 * send both in one write, two system calls fewer than cork, write,
 * sendfile, uncork.  False (nothing sent) when the file is larger or no
 * longer as large as it was.
 */
static bool
file_send_inline(struct httpd *h, struct exchange *ex, struct response *head,
                 int fd, const struct file_answer *a, int *rc)
{
	off_t count = a->last - a->first + 1;
	char *room;

	if (ex->is_head || a->status == 304 || count > FILE_INLINE_MAX ||
	    (room = resp_room(head, (size_t)count)) == NULL ||
	    pread(fd, room, (size_t)count, a->first) != (ssize_t)count)
		return false;
	resp_took(head, (size_t)count);
	*rc = httpd_send_head_and_body(h, ex, head, NULL, 0);
	if (*rc == 0)
		ex->bytes += count;
	return true;
}

/* The head, then the bytes straight from FD. */
static int
file_send(struct httpd *h, struct exchange *ex, struct response *head, int fd,
          const struct file_answer *a)
{
	off_t count = a->status == 304 ? 0 : a->last - a->first + 1;
	/* Cork: the head and the file's first bytes leave in one segment. */
	int on = 1, off = 0, rc;

	if (file_send_inline(h, ex, head, fd, a, &rc))
		return rc;
	(void)setsockopt(1, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
	rc = httpd_send_head_and_body(h, ex, head, NULL, 0);
	if (rc == 0 && !ex->is_head && count > 0) {
		rc = httpd_sendfile(h, fd, a->first, count);
		if (rc == 0)
			ex->bytes += count;
	}
	(void)setsockopt(1, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	return rc;
}

int
httpd_send_file(struct httpd *h, struct exchange *ex, const char *path)
{
	struct response head;
	struct file_answer a;
	struct stat st;
	int fd = http_open_beneath(h->root, path, O_RDONLY | O_NONBLOCK);

	/* O_NONBLOCK: a FIFO swapped in for the file cannot hang us. */
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return httpd_send_error(h, ex, 403, NULL);
	}
	file_decide(&ex->req, &st, &a);
	if (a.status == 416) {
		char cr[64];
		close(fd);
		snprintf(cr, sizeof(cr), "Content-Range: bytes */%jd",
		         (intmax_t)st.st_size);
		return httpd_send_error(h, ex, 416, cr);
	}
	resp_init(&head);
	file_head(&head, h, ex, path, &st, &a);
	int rc = file_send(h, ex, &head, fd, &a);
	close(fd);
	return rc;
}
