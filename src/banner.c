/* SPDX-License-Identifier: ISC */
/* banner.c -- banner, banner_success and banner_fail: read once, sent whole */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banner.h"
#include "io.h"

/*
 * Banners are read once at load and sent by the master with one
 * non-blocking send: a fresh socket's send buffer (at least 4 KiB on
 * Linux) takes them whole, and should it not, the rest is cut rather
 * than letting one client stall every other service.
 */
#define BANNER_MAX 4096

struct banner_text {
	char *text;
	size_t len;
};

struct banner_set {
	struct banner_text banner, success, fail;
};

static int
banner_load(const char *file, struct banner_text *b, char *why, size_t whylen)
{
	if (file == NULL)
		return 0;
	/* O_NONBLOCK: a FIFO must not stop the daemon in open(2).  A
	 * device is fine (/dev/null: no banner); BANNER_MAX bounds it. */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd != -1 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "banner %s: a FIFO, not a file", file);
		return -1;
	}
	if (fd == -1 || (b->text = malloc(BANNER_MAX)) == NULL) {
		snprintf(why, whylen, "banner %s: %s", file, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	ssize_t n = io_read_full(fd, b->text, BANNER_MAX);
	close(fd);
	b->len = n > 0 ? (size_t)n : 0;
	return 0;
}

int
banner_service_init(struct service *svc, char *err, size_t errlen)
{
	struct banner_set *set;
	char why[256] = "out of memory";

	if (svc->banners != NULL)
		return 0;
	if (svc->banner == NULL && svc->banner_success == NULL &&
	    svc->banner_fail == NULL)
		return 0;
	if ((set = calloc(1, sizeof(*set))) == NULL) {
		svc_error(svc, why, err, errlen);
		return -1;
	}
	svc->banners = set;
	if (banner_load(svc->banner, &set->banner, why, sizeof(why)) == -1 ||
	    banner_load(svc->banner_success, &set->success, why, sizeof(why)) ==
	        -1 ||
	    banner_load(svc->banner_fail, &set->fail, why, sizeof(why)) == -1) {
		svc_error(svc, why, err, errlen);
		banner_service_fini(svc);
		return -1;
	}
	return 0;
}

void
banner_service_fini(struct service *svc)
{
	struct banner_set *set = svc->banners;

	if (set == NULL)
		return;
	free(set->banner.text);
	free(set->success.text);
	free(set->fail.text);
	free(set);
	svc->banners = NULL;
}

static void
banner_send_one(int conn, const struct banner_text *b)
{
	if (b->len > 0)
		(void)send(conn, b->text, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
banner_send(const struct service *svc, int conn, bool granted)
{
	const struct banner_set *set = svc->banners;

	if (set == NULL || conn < 0)
		return;
	banner_send_one(conn, &set->banner);
	banner_send_one(conn, granted ? &set->success : &set->fail);
}
