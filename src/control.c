/* SPDX-License-Identifier: ISC */
/* control.c -- the control socket: portierctl's requests, in the loop */
#include <config.h>

#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "ctlconn.h"
#include "log.h"
#include "loop.h"
#include "scrape.h"

/* One control client: the bytes are ctlconn's, the clock is ours. */
struct control_slot {
	bool is_used;
	struct ctl_conn conn;
	struct loop_timer timer;
};

static const struct control_hooks *hooks;
static int control_lfd = -1;
static char control_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ino_t control_ino;
static bool control_is_watched;
static struct control_slot slots[CTL_CLIENTS_MAX];
/* Out of descriptors, accept(2) fails and the listener stays readable:
 * it is looked at again after CONTROL_RETRY_MS, not at once. */
#define CONTROL_RETRY_MS 100
static struct loop_timer control_retry;
/* Kept for an admin's client: clients of services can take every other
 * descriptor the loop can watch (below FD_SETSIZE, or up to the limit),
 * and portierctl must still reach the daemon to see or stop that. */
static int control_spare = -1;

static void control_on_accept(int fd, void *arg);
static void control_on_read(int fd, void *arg);
static void control_on_write(int fd, void *arg);

/* Listen while a slot is free; the rest wait in the backlog. */
static void
control_watch_listener(void)
{
	bool has_room = false;

	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		has_room |= !slots[i].is_used;
	if (has_room && !control_is_watched && control_lfd != -1 &&
	    !control_retry.is_armed)
		control_is_watched =
		    loop_watch_read(control_lfd, control_on_accept, NULL) == 0;
	else if (!has_room && control_is_watched) {
		loop_unwatch_read(control_lfd);
		control_is_watched = false;
	}
}

/* Take the spare back: the lowest free number, which a client of ours
 * has just given back if no other was free.  One past FD_SETSIZE is no
 * use to a client: kept, it would stay up there for good, and the next
 * admin would find no room.  /dev/null is a file of its own, so closing
 * it frees a slot of the system's table too (ENFILE); where there is no
 * /dev/null (a bare chroot or container), a copy of the listener at
 * least holds a number. */
static void
control_spare_take(void)
{
	if (control_spare == -1)
		control_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (control_spare == -1)
		control_spare = fcntl(control_lfd, F_DUPFD_CLOEXEC, 0);
	if (control_spare >= FD_SETSIZE) {
		close(control_spare);
		control_spare = -1;
	}
}

static void
control_release(struct control_slot *s)
{
	loop_unwatch_read(s->conn.fd);
	loop_unwatch_write(s->conn.fd);
	loop_timer_cancel(&s->timer);
	ctl_conn_close(&s->conn);
	s->is_used = false;
	control_spare_take();
	control_watch_listener();
}

static void
control_on_timer(void *arg)
{
	struct control_slot *s = arg;
	uint64_t now = loop_now_ms();

	if (ctl_conn_is_expired(&s->conn, now)) {
		control_release(s);
		return;
	}
	uint64_t left = s->conn.deadline_ms > now ? s->conn.deadline_ms - now
	                                          : CTL_TIMEOUT_MS;
	loop_timer_set(&s->timer, left, control_on_timer, s);
}

/* An answer is queued: send what the socket takes now, then watch. */
static void
control_send(struct control_slot *s)
{
	loop_unwatch_read(s->conn.fd);
	if (ctl_conn_write(&s->conn) == CTL_CONN_DONE) {
		control_release(s);
		return;
	}
	if (loop_watch_write(s->conn.fd, control_on_write, s) == -1)
		control_release(s);
	else
		control_on_timer(s); /* the deadline moved */
}

static void
control_on_write(int fd, void *arg)
{
	struct control_slot *s = arg;

	(void)fd;
	if (ctl_conn_write(&s->conn) == CTL_CONN_DONE)
		control_release(s);
}

static void
control_answer(struct control_slot *s, bool ok, const char *msg,
               const struct textbuf *body)
{
	ctl_conn_answer(&s->conn, ok, msg, body ? body->data : "",
	                body && body->data ? body->len : 0, loop_now_ms());
	control_send(s);
}

/* stop: answer first, since the loop may end before it could be sent. */
static void
control_do_stop(struct control_slot *s)
{
	control_answer(s, true, "stopping", NULL);
	hooks->stop();
}

/* The answer comes later, maybe from the next image: hand the client
 * over and free its slot.  With no descriptor for the copy (the client
 * may sit on the spare's), say so rather than hang up. */
static void
control_do_upgrade(struct control_slot *s)
{
	int conn = fcntl(s->conn.fd, F_DUPFD_CLOEXEC, 3);
	char msg[128];

	if (conn == -1) {
		snprintf(msg, sizeof(msg), "upgrade: %s", strerror(errno));
		control_answer(s, false, msg, NULL);
		return;
	}
	control_release(s);
	hooks->upgrade(conn);
}

static void
control_dispatch(struct control_slot *s, const struct ctl_request *req)
{
	struct textbuf body;
	char msg[1024] = "";
	bool ok = true;

	textbuf_init(&body, CTL_RESPONSE_MAX);
	switch (req->command) {
	case CTL_STATUS:
		ctlstatus_write(&body, hooks->daemon, req->is_json);
		break;
	case CTL_METRICS:
		if (req->is_json)
			ok = false, snprintf(msg, sizeof(msg),
			                     "metrics has no "
			                     "json form");
		else if (scrape_text(&body) == -1)
			ok = false, snprintf(msg, sizeof(msg), "out of memory");
		break;
	case CTL_RELOAD:
		ok = hooks->reload(msg, sizeof(msg)) == 0;
		break;
	case CTL_UPGRADE:
		control_do_upgrade(s);
		return;
	case CTL_STOP:
		control_do_stop(s);
		return;
	}
	control_answer(s, ok, msg, &body);
	textbuf_free(&body);
}

static void
control_on_read(int fd, void *arg)
{
	struct control_slot *s = arg;
	struct ctl_request req;

	(void)fd;
	switch (ctl_conn_read(&s->conn, &req, loop_now_ms())) {
	case CTL_REQUEST:
		control_dispatch(s, &req);
		return;
	case CTL_ERROR:
		control_send(s);
		return;
	default:
		if (s->conn.state == CTL_CONN_DONE)
			control_release(s);
	}
}

static void
control_on_retry(void *arg)
{
	(void)arg;
	control_watch_listener();
}

/* accept(2) failed but for a client gone or none there (EMFILE, say). */
static void
control_pause(int err)
{
	log_debug("control socket: accept: %s: retrying in %d ms",
	          strerror(err), CONTROL_RETRY_MS);
	loop_unwatch_read(control_lfd);
	control_is_watched = false;
	loop_timer_set(&control_retry, CONTROL_RETRY_MS, control_on_retry,
	               NULL);
}

/* Would a client accepted now get a number the loop can watch? */
static bool
control_has_room(int lfd)
{
	int probe = fcntl(lfd, F_DUPFD_CLOEXEC, 0);

	if (probe != -1)
		close(probe);
	return probe != -1 && probe < FD_SETSIZE;
}

/* accept(2), on the spare's descriptor when no other the loop can watch
 * is free.  With the spare out (another admin has it) and no such room,
 * the client is left in the backlog, to wait as under EMFILE, rather
 * than accepted past FD_SETSIZE only to be hung up on. */
static int
control_accept(int lfd)
{
	if (control_spare == -1 && !control_has_room(lfd)) {
		errno = EMFILE;
		return -1;
	}
	int conn = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	bool is_starved = conn == -1 ? errno == EMFILE || errno == ENFILE
	                             : conn >= FD_SETSIZE;

	if (!is_starved || control_spare == -1)
		return conn;
	close(control_spare);
	control_spare = -1;
	if (conn == -1)
		return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int low = fcntl(conn, F_DUPFD_CLOEXEC, 0);
	close(conn);
	return low;
}

static void
control_on_accept(int fd, void *arg)
{
	(void)arg;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct control_slot *s = &slots[i];
		if (s->is_used)
			continue;
		int conn = control_accept(fd);
		if (conn == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				control_pause(errno);
			return;
		}
		ctl_conn_init(&s->conn, conn, loop_now_ms());
		if (loop_watch_read(conn, control_on_read, s) == -1) {
			ctl_conn_close(&s->conn);
			control_spare_take();
			return;
		}
		s->is_used = true;
		loop_timer_set(&s->timer, CTL_TIMEOUT_MS, control_on_timer, s);
		break;
	}
	control_watch_listener();
}

/* Someone answers on PATH: a live daemon, whose socket we must keep. */
static bool
control_is_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live = fd != -1 && connect(fd, (const struct sockaddr *)sun,
	                                sizeof(*sun)) == 0;

	if (fd != -1)
		close(fd);
	return live;
}

static int
control_bind(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(sun->sun_path); /* stale: nobody answered on it */
	mode_t old = umask(077);     /* root-only from the first moment */
	int rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (rc == -1 || chmod(sun->sun_path, 0600) == -1 ||
	    listen(fd, CTL_CLIENTS_MAX * 4) == -1 ||
	    stat(sun->sun_path, &st) == -1) {
		snprintf(err, errlen, "control socket %s: %s", sun->sun_path,
		         strerror(errno));
		close(fd);
		return -1;
	}
	control_ino = st.st_ino;
	return fd;
}

int
control_open(const char *path, const struct control_hooks *h, char *err,
             size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	hooks = h;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: path too long", path);
		return -1;
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (control_is_live(&sun)) {
		snprintf(err, errlen,
		         "control socket %s: another daemon answers on it",
		         path);
		return -1;
	}
	if ((control_lfd = control_bind(&sun, err, errlen)) == -1)
		return -1;
	strlcpy(control_path, path, sizeof(control_path));
	control_spare_take();
	control_watch_listener();
	return 0;
}

void
control_forget(void)
{
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (slots[i].is_used)
			control_release(&slots[i]);
	if (control_is_watched)
		loop_unwatch_read(control_lfd);
	control_is_watched = false;
	loop_timer_cancel(&control_retry);
	if (control_lfd != -1)
		close(control_lfd);
	control_lfd = -1;
	if (control_spare != -1)
		close(control_spare);
	control_spare = -1;
}

void
control_close(void)
{
	struct stat st;

	if (control_lfd == -1)
		return;
	control_forget();
	/* Only our own socket: a successor may have bound the path. */
	if (stat(control_path, &st) == 0 && st.st_ino == control_ino)
		unlink(control_path);
}

/* Blocking, but bounded: a small answer to a client that asked. */
void
control_answer_fd(int conn, bool ok, const char *message)
{
	struct ctl_conn c;
	struct pollfd pfd = {.fd = conn, .events = POLLOUT};

	fcntl(conn, F_SETFL, O_NONBLOCK);
	fcntl(conn, F_SETFD, FD_CLOEXEC);
	ctl_conn_init(&c, conn, 0);
	ctl_conn_answer(&c, ok, message, "", 0, 0);
	for (int i = 0; i < 50 && ctl_conn_write(&c) == CTL_CONN_WRITING; i++)
		(void)poll(&pfd, 1, 100);
	ctl_conn_close(&c);
}
