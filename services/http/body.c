/* SPDX-License-Identifier: ISC */
/* body.c -- read a request body whole before a script runs: in memory,
 * then in a temporary file unlinked at once */
#include <config.h>

#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"

/* Bodies up to this stay in memory; larger ones go to a file. */
#define BODY_MEMORY_MAX (64 * 1024)

/*
 * A file nobody can open by name: O_TMPFILE, else mkstemp + unlink, and
 * where there is no /tmp to write (a chroot), a memory file after all.
 */
static int
body_tmpfile(void)
{
	char name[] = "/tmp/portier-httpd-body.XXXXXX";
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd != -1)
		return fd;
	fd = mkostemp(name, O_CLOEXEC);
	if (fd != -1) {
		unlink(name);
		return fd;
	}
	return memfd_create("httpd-body", MFD_CLOEXEC);
}

static int
body_append(struct body *b, const char *data, size_t len)
{
	if (b->fd == -1 && b->len + len > BODY_MEMORY_MAX) {
		if ((b->fd = body_tmpfile()) == -1)
			return -1;
		if (b->len > 0 &&
		    write(b->fd, b->mem, b->len) != (ssize_t)b->len)
			return -1;
	}
	if (b->fd != -1)
		return write(b->fd, data, len) == (ssize_t)len ? 0 : -1;
	if (b->mem == NULL && (b->mem = malloc(BODY_MEMORY_MAX)) == NULL)
		return -1;
	memcpy(b->mem + b->len, data, len);
	b->len += len;
	return 0;
}

/* Take what h->in holds of the body; 1 when it is complete. */
static int
body_take(struct httpd *h, struct body *b, char *scratch)
{
	size_t used = h->in_len, n = 0;

	if (b->is_chunked) {
		long r =
		    chunked_decode(&b->chunks, h->in, h->in_len, scratch, &n);
		if (r < 0)
			return 400;
		used = (size_t)r;
	} else {
		used = n =
		    h->in_len < (size_t)b->left ? h->in_len : (size_t)b->left;
		scratch = h->in;
		b->left -= (off_t)n;
	}
	b->total += (off_t)n;
	b->wire += (off_t)used;
	/* Chunk sizes, extensions and trailers count too: a flood of them
	 * around little data is still a body too large. */
	if (b->total > b->max || b->wire > 2 * b->max + BODY_MEMORY_MAX)
		return 413;
	if (n > 0 && body_append(b, scratch, n) == -1)
		return 500;
	httpd_consume(h, used);
	return b->is_chunked ? chunked_is_done(&b->chunks) : b->left == 0;
}

void
body_init(struct body *b, bool is_chunked, off_t length, off_t max)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->max = max;
	b->is_chunked = is_chunked;
	b->left = length > 0 ? length : 0;
	chunked_init(&b->chunks);
}

int
body_read(struct httpd *h, struct body *b, long deadline_ms)
{
	char *scratch = malloc(HTTPD_IN_MAX);

	if (scratch == NULL)
		return 500;
	for (;;) {
		int rc = body_take(h, b, scratch);
		if (rc != 0) {
			free(scratch);
			return rc == 1 ? 0 : rc;
		}
		/* The client stopped (EOF) or took too long. */
		int got = httpd_fill(h, deadline_ms);
		if (got != 1) {
			free(scratch);
			return got == 0 ? 400 : 408;
		}
	}
}

int
body_stdin(struct body *b)
{
	int fd = b->fd;

	if (fd == -1) {
		fd = memfd_create("httpd-body", MFD_CLOEXEC);
		if (fd == -1)
			fd = body_tmpfile();
		b->fd = fd; /* body_free closes it, whatever happens next */
		if (fd == -1 || (b->len > 0 &&
		                 write(fd, b->mem, b->len) != (ssize_t)b->len))
			return -1;
	}
	return lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

void
body_free(struct body *b)
{
	free(b->mem);
	if (b->fd != -1)
		close(b->fd);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
