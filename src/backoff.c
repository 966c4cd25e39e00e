/* SPDX-License-Identifier: ISC */
/* backoff.c -- a service whose handlers keep failing at once rests a while */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "log.h"
#include "loop.h"

/*
 * BACKOFF_FAILURES quick failures within BACKOFF_WINDOW_MS pause the
 * service for BACKOFF_FIRST_MS; after that pause one more failure is
 * enough, and each pause in a row is twice as long, up to BACKOFF_MAX_MS.
 * A handler that does its work resets all of it.
 */
#define BACKOFF_FAILURES 5
#define BACKOFF_WINDOW_MS 10000
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 64000
/* A wait = yes handler that exits sooner than this may have failed. */
#define BACKOFF_QUICK_EXIT_MS 1000

/* The input a wait = yes handler was started for, to see if it took it. */
struct backoff_input {
	int fd; /* the listener, -1: nothing marked */
	int type;
	/* dgram: the datagram at the head of the queue */
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t len;
	char head[64];
	struct timespec stamp; /* the kernel's, one per datagram */
	/* TCP stream: connections waiting in the accept queue */
	unsigned int queued;
};

struct backoff_state {
	struct service *svc;
	uint64_t window_start_ms;
	int failures;
	int pauses; /* pauses since the last handler that worked */
	bool is_paused;
	struct loop_timer timer;
	struct backoff_input input;
};

static backoff_resume_fn *backoff_on_resume;

void
backoff_init(backoff_resume_fn *on_resume)
{
	backoff_on_resume = on_resume;
}

int
backoff_service_init(struct service *svc)
{
	struct backoff_state *st;

	if (svc->backoff != NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	st->svc = svc;
	st->input.fd = -1;
	svc->backoff = st;
	return 0;
}

void
backoff_service_fini(struct service *svc)
{
	struct backoff_state *st = svc->backoff;

	if (st == NULL)
		return;
	loop_timer_cancel(&st->timer);
	free(st);
	svc->backoff = NULL;
}

static void backoff_resume(void *arg);

/* A reload kept the service: so does its count, and a running pause. */
void
backoff_adopt(struct service *old, struct service *new)
{
	struct backoff_state *from = old->backoff, *to = new->backoff;

	if (from == NULL || to == NULL)
		return;
	to->window_start_ms = from->window_start_ms;
	to->failures = from->failures;
	to->pauses = from->pauses;
	to->input = from->input;
	if (from->is_paused) {
		uint64_t now = loop_now_ms();
		uint64_t due = from->timer.due_ms;
		to->is_paused = true;
		loop_timer_set(&to->timer, due > now ? due - now : 0,
		               backoff_resume, to);
	}
	loop_timer_cancel(&from->timer);
	from->is_paused = false;
}

bool
backoff_is_paused(const struct service *svc)
{
	const struct backoff_state *st = svc->backoff;

	return st != NULL && st->is_paused;
}

static void
backoff_resume(void *arg)
{
	struct backoff_state *st = arg;

	st->is_paused = false;
	st->failures = 0;
	backoff_on_resume(st->svc);
}

static uint64_t
backoff_delay_ms(int pauses)
{
	uint64_t ms = BACKOFF_FIRST_MS;

	for (int i = 0; i < pauses && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

bool
backoff_failed(struct service *svc, const char *why)
{
	struct backoff_state *st = svc->backoff;
	uint64_t now = loop_now_ms();

	if (st == NULL || st->is_paused)
		return false;
	if (st->failures == 0 ||
	    now - st->window_start_ms > BACKOFF_WINDOW_MS) {
		st->window_start_ms = now;
		st->failures = 0;
	}
	st->failures++;
	/* Once paused, a single failure after the pause pauses again. */
	if (st->pauses == 0 && st->failures < BACKOFF_FAILURES)
		return false;
	uint64_t delay = backoff_delay_ms(st->pauses);
	log_warnx("service %s: %d handler%s failed at once (%s): starting "
	          "none for %.0f s",
	          svc->name, st->failures, st->failures == 1 ? "" : "s", why,
	          (double)delay / 1000.0);
	st->pauses++;
	st->is_paused = true;
	loop_timer_set(&st->timer, delay, backoff_resume, st);
	return true;
}

void
backoff_succeeded(struct service *svc)
{
	struct backoff_state *st = svc->backoff;

	if (st == NULL)
		return;
	st->failures = 0;
	st->pauses = 0;
}

/*
 * The datagram at the head of FD's queue.  Identical datagrams from one
 * sender are told apart by their timestamp: with SO_TIMESTAMPNS on, the
 * kernel stamps a datagram when it arrives or, at the latest, when first
 * read, and keeps the stamp while it stays queued.  It is on only while
 * we peek, so the handler never sees the option.
 */
static void
backoff_peek(int fd, struct backoff_input *in)
{
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = {in->head, sizeof(in->head)};
	struct msghdr msg = {.msg_name = &in->from,
	                     .msg_namelen = sizeof(in->from),
	                     .msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = cbuf,
	                     .msg_controllen = sizeof(cbuf)};
	int on = 1, off = 0;

	memset(&in->from, 0, sizeof(in->from));
	memset(&in->stamp, 0, sizeof(in->stamp));
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	in->len = recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &off, sizeof(off));
	in->fromlen = msg.msg_namelen;
	if (in->len < 0)
		return;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	     cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&in->stamp, CMSG_DATA(cm), sizeof(in->stamp));
}

/* The head datagram, or a stream listener's queue length, into IN. */
static void
backoff_look(int fd, int type, struct backoff_input *in)
{
	in->fd = fd;
	in->type = type;
	if (type == SOCK_DGRAM) {
		backoff_peek(fd, in);
		return;
	}
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	/* For a listener, tcpi_unacked is its accept queue's length. */
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == 0)
		in->queued = ti.tcpi_unacked;
	else
		in->queued = 0; /* UNIX: readable or not is all we learn */
}

void
backoff_mark_input(struct service *svc, int fd)
{
	struct backoff_state *st = svc->backoff;

	if (st != NULL)
		backoff_look(fd, svc->socket_type, &st->input);
}

static bool
backoff_same_datagram(const struct backoff_input *a,
                      const struct backoff_input *b)
{
	size_t n = a->len < (ssize_t)sizeof(a->head) ? (size_t)a->len
	                                             : sizeof(a->head);

	return a->len >= 0 && a->len == b->len && a->fromlen == b->fromlen &&
	       a->stamp.tv_sec == b->stamp.tv_sec &&
	       a->stamp.tv_nsec == b->stamp.tv_nsec &&
	       memcmp(&a->from, &b->from, a->fromlen) == 0 &&
	       memcmp(a->head, b->head, n) == 0;
}

/*
 * Is the input the last handler was started for still waiting?  A
 * datagram is told by its sender, length and first bytes; a TCP
 * connection by an accept queue no shorter than before (a connection
 * that came meanwhile looks the same: only quick exits count at all).
 */
bool
backoff_input_left(struct service *svc)
{
	struct backoff_state *st = svc->backoff;
	struct backoff_input now;

	if (st == NULL || st->input.fd == -1)
		return false;
	struct pollfd pfd = {.fd = st->input.fd, .events = POLLIN};
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return false;
	backoff_look(st->input.fd, st->input.type, &now);
	if (st->input.type == SOCK_DGRAM)
		return backoff_same_datagram(&st->input, &now);
	return now.queued >= st->input.queued;
}

/* Forget the listener FD, closed by a reload or a stop. */
void
backoff_forget_input(struct service *svc)
{
	struct backoff_state *st = svc->backoff;

	if (st != NULL)
		st->input.fd = -1;
}

/* wait = no: a handler that failed before exec counts toward a back-off
 * (wait = yes is judged when it exits, backoff_judge_exit). */
void
backoff_judge_spawn(struct service *svc, bool failed_before_exec)
{
	if (failed_before_exec)
		(void)backoff_failed(svc, "exec failed");
	else
		backoff_succeeded(svc);
}

/*
 * How a wait = yes handler that exited with STATUS soon after it
 * started failed, or NULL: it did its work.  Its input still waiting
 * means the next handler would be started at once for the same input.
 */
static const char *
backoff_wait_failure(struct service *svc, int status, uint64_t start_ms)
{
	if (loop_now_ms() - start_ms >= BACKOFF_QUICK_EXIT_MS)
		return NULL;
	if (WIFSIGNALED(status))
		return "killed by a signal";
	if (WIFEXITED(status) &&
	    (WEXITSTATUS(status) == 100 || WEXITSTATUS(status) == 111))
		return WEXITSTATUS(status) == 100 ? "exit 100" : "exit 111";
	if (backoff_input_left(svc))
		return "input left unread";
	return NULL;
}

void
backoff_judge_exit(struct service *svc, int status, uint64_t start_ms)
{
	const char *why;

	if (!svc->is_wait || svc->is_retired)
		return;
	if ((why = backoff_wait_failure(svc, status, start_ms)) != NULL)
		(void)backoff_failed(svc, why);
	else
		backoff_succeeded(svc);
}
