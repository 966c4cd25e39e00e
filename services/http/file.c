/* SPDX-License-Identifier: ISC */
/* file.c -- send a regular file: validators, conditionals, one range, sendfile
 */
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

int
httpd_send_file(struct httpd *h, struct exchange *ex, const char *path)
{
	struct response head;
	char etag[80], modified[64];
	struct stat st;
	off_t first = 0, last;
	int status = 200;
	int fd = http_open_beneath(h->root, path, O_RDONLY | O_NONBLOCK);

	/* O_NONBLOCK: a FIFO swapped in for the file cannot hang us. */
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
	} else if (http_header(&ex->req, "Range") != NULL &&
	           file_if_range_holds(&ex->req, &st, etag)) {
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
	resp_add(&head,
	         "Last-Modified: %s\r\nETag: %s\r\n"
	         "Accept-Ranges: bytes\r\n",
	         modified, etag);
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
