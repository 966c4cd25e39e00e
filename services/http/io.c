/* SPDX-License-Identifier: ISC */
/* io.c -- the handler's bounded reads and writes on fd 0 and fd 1 */
#include <config.h>

#include <sys/sendfile.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

long
httpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int
httpd_wait(int fd, short events, long deadline_ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		long left = deadline_ms - httpd_now_ms();
		if (left <= 0)
			return -1;
		int n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int
httpd_fill(struct httpd *h, long deadline_ms)
{
	if (h->in_len == h->in_cap) {
		if (h->in_cap >= HTTPD_IN_MAX)
			return -1;
		size_t cap = h->in_cap ? h->in_cap * 2 : 4096;
		char *p =
		    realloc(h->in, cap > HTTPD_IN_MAX ? HTTPD_IN_MAX : cap);
		if (p == NULL)
			return -1;
		h->in = p;
		h->in_cap = cap > HTTPD_IN_MAX ? HTTPD_IN_MAX : cap;
	}
	for (;;) {
		ssize_t n = read(0, h->in + h->in_len, h->in_cap - h->in_len);
		if (n > 0) {
			h->in_len += (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || httpd_wait(0, POLLIN, deadline_ms) == -1)
			return -1;
	}
}

void
httpd_consume(struct httpd *h, size_t n)
{
	memmove(h->in, h->in + n, h->in_len - n);
	h->in_len -= n;
}

/* A client that stops reading is cut off after write_timeout. */
int
httpd_write(struct httpd *h, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(1, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN &&
		    httpd_wait(1, POLLOUT,
		               httpd_now_ms() + h->write_timeout * 1000L) == 0)
			continue;
		return -1;
	}
	return 0;
}

int
httpd_sendfile(struct httpd *h, int fd, off_t offset, off_t count)
{
	while (count > 0) {
		size_t chunk = count > (1 << 30) ? (1 << 30) : (size_t)count;
		ssize_t n = sendfile(1, fd, &offset, chunk);
		if (n > 0) {
			count -= n;
			continue;
		}
		if (n == 0)
			return -1; /* the file shrank */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN &&
		    httpd_wait(1, POLLOUT,
		               httpd_now_ms() + h->write_timeout * 1000L) == 0)
			continue;
		if (errno == EINVAL || errno == ENOSYS) {
			/* fd 1 is not a socket (a pipe in a test): copy. */
			char buf[65536];
			ssize_t r =
			    pread(fd, buf,
			          count < (off_t)sizeof(buf) ? (size_t)count
			                                     : sizeof(buf),
			          offset);
			if (r <= 0 || httpd_write(h, buf, (size_t)r) == -1)
				return -1;
			offset += r;
			count -= r;
			continue;
		}
		return -1;
	}
	return 0;
}
