/* SPDX-License-Identifier: ISC */
/* children.c -- the running handlers: their table, reaping, their stderr */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "log.h"
#include "loop.h"

#define CHILDREN_STDERR_MAX 1024

/* A running handler. */
struct child {
	RB_ENTRY(child) node;
	RB_ENTRY(child) seq_node;
	pid_t pid;
	uint64_t seq; /* its stderr socket's number (children_log_socket) */
	struct service *svc;
	uint64_t start_ms;
	struct sockaddr_storage peer; /* ss_family 0 when there is none */
	socklen_t peerlen;
	/* redirect: the relay's byte counts, reported on its stderr */
	bool has_traffic;
	uint64_t bytes_in;
	uint64_t bytes_out;
};

static children_exit_fn *children_on_exit;

/*
 * Handlers' stderr (see children_log_socket): the collector, the sender
 * the next children_insert takes, and a line not yet complete.
 */
static int stderr_fd = -1;
static char stderr_dir[64];
static struct sockaddr_un stderr_addr;
static uint64_t stderr_seq_next = 1;
static uint64_t stderr_seq_pending;
static char stderr_dgram[CHILDREN_DGRAM_MAX]; /* past any datagram's limit */
static char stderr_line[CHILDREN_STDERR_MAX];
static size_t stderr_len;
static long stderr_pid;     /* who wrote it (the kernel says) */
static uint64_t stderr_seq; /* through whose handler's socket */
static long stderr_handler; /* that handler's PID, 0: unknown */
static char stderr_service[128];

/*
 * Handlers reaped lately.  Lines they, or commands they started, wrote
 * can still be queued when they are reaped, so their socket must go on
 * naming their service and PID for a while.
 */
#define CHILDREN_RECENT 256
static struct children_recent {
	uint64_t seq;
	pid_t pid;
	char service[128];
} children_recent[CHILDREN_RECENT];
static unsigned int children_recent_next;

RB_HEAD(child_tree, child);
static struct child_tree children = RB_INITIALIZER(&children);
RB_HEAD(child_seq_tree, child);
static struct child_seq_tree children_by_seq = RB_INITIALIZER(&children_by_seq);
static int child_count;
static struct child *child_free_list; /* reused, no malloc per connection */

static int
children_cmp(struct child *a, struct child *b)
{
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

RB_GENERATE_STATIC(child_tree, child, node, children_cmp)

static int
children_seq_cmp(struct child *a, struct child *b)
{
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

RB_GENERATE_STATIC(child_seq_tree, child, seq_node, children_seq_cmp)

struct child *
children_new(void)
{
	struct child *c = child_free_list;

	if (c != NULL) {
		child_free_list = *(struct child **)c;
		memset(c, 0, sizeof(*c));
		return c;
	}
	return calloc(1, sizeof(*c));
}

/* Kept for the next handler while others run.  With none running the
 * spares go: a busy spell's most at once would otherwise hold its heap
 * for good, past the trim after it (trim.c). */
void
children_discard(struct child *c)
{
	*(struct child **)c = child_free_list;
	child_free_list = c;
	while (child_count == 0 && (c = child_free_list) != NULL) {
		child_free_list = *(struct child **)c;
		free(c);
	}
}

void
children_insert(struct child *c, pid_t pid, struct service *svc,
                const struct sockaddr *peer, socklen_t peerlen)
{
	c->pid = pid;
	c->svc = svc;
	c->start_ms = loop_now_ms();
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	RB_INSERT(child_tree, &children, c);
	c->seq = stderr_seq_pending;
	stderr_seq_pending = 0;
	if (c->seq != 0)
		RB_INSERT(child_seq_tree, &children_by_seq, c);
	child_count++;
	svc->running++;
}

static void children_stderr_read(int fd, void *arg);
static void children_stderr_flush(void);

static void
children_remember(const struct child *c)
{
	struct children_recent *r = &children_recent[children_recent_next];

	children_recent_next = (children_recent_next + 1) % CHILDREN_RECENT;
	r->seq = c->seq;
	r->pid = c->pid;
	strlcpy(r->service, c->svc->name, sizeof(r->service));
}

/*
 * The service and PID of the handler whose stderr socket is number SEQ,
 * running or lately reaped; false if it is unknown.
 */
static bool
children_owner_of(uint64_t seq, char *service, size_t size, long *pid)
{
	struct child key = {.seq = seq}, *c;

	if ((c = RB_FIND(child_seq_tree, &children_by_seq, &key)) != NULL) {
		strlcpy(service, c->svc->name, size);
		*pid = (long)c->pid;
		return true;
	}
	for (int i = 0; i < CHILDREN_RECENT; i++)
		if (children_recent[i].seq == seq) {
			strlcpy(service, children_recent[i].service, size);
			*pid = (long)children_recent[i].pid;
			return true;
		}
	return false;
}

/* What the EXIT line says about C, which exited with STATUS. */
static void
children_facts(const struct child *c, int status, struct connlog_conn *f)
{
	memset(f, 0, sizeof(*f));
	f->pid = (long)c->pid;
	if (c->peerlen > 0) {
		f->peer = (const struct sockaddr *)&c->peer;
		f->peerlen = c->peerlen;
	}
	f->start_ms = c->start_ms;
	f->status = status;
	f->has_traffic = c->has_traffic;
	f->bytes_in = c->bytes_in;
	f->bytes_out = c->bytes_out;
}

static void
children_exited(struct child *c, int status)
{
	struct connlog_conn facts;

	/*
	 * Log what the handler said before it exited, while its PID is
	 * still in the table to name its service.
	 */
	children_stderr_read(stderr_fd, NULL);
	if (stderr_handler == c->pid) /* its, or its command's, last words */
		children_stderr_flush();
	RB_REMOVE(child_tree, &children, c);
	if (c->seq != 0)
		RB_REMOVE(child_seq_tree, &children_by_seq, c);
	child_count--;
	c->svc->running--;
	children_remember(c);
	children_facts(c, status, &facts);
	children_on_exit(c->svc, &facts);
	children_discard(c);
}

void
children_reap(void)
{
	struct child key, *c;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		key.pid = pid;
		c = RB_FIND(child_tree, &children, &key);
		if (c != NULL)
			children_exited(c, status);
	}
}

/*
 * Whether a handler started for OLD answers as NEW says: its reply budget
 * (PORTIER_UDP_RATE) was fixed at exec, and a UDP handler kept busy by a
 * flood never idles out to pick up a new one.
 */
static bool
children_budget_holds(const struct service *old, const struct service *new)
{
	if (old->reply_env == NULL || new->reply_env == NULL)
		return old->reply_env == new->reply_env;
	return strcmp(old->reply_env, new->reply_env) == 0;
}

void
children_adopt(struct service *old, struct service *new)
{
	struct child *c;
	bool ends = !children_budget_holds(old, new);

	RB_FOREACH(c, child_tree, &children)
	{
		if (c->svc != old)
			continue;
		c->svc = new;
		/* Its group, as children_signal_all: the next datagram
		 * starts a handler with the new budget. */
		if (!ends)
			continue;
		log_notice("service %s: reply_rate changed, ending handler "
		           "%ld",
		           new->name, (long)c->pid);
		if (kill(-c->pid, SIGTERM) == -1)
			kill(c->pid, SIGTERM);
	}
	new->running = old->running;
	old->running = 0;
}

/*
 * Each handler leads its own session and process group (setsid in
 * spawn.c), so signal the group: a shell script's background jobs and
 * pipelines go with it instead of outliving the daemon.
 */
int
children_signal_all(int sig)
{
	struct child *c;

	RB_FOREACH(c, child_tree, &children)
	if (kill(-c->pid, sig) == -1)
		kill(c->pid, sig);
	return child_count;
}

int
children_count(void)
{
	return child_count;
}

void
children_dump(void)
{
	struct child *c;
	uint64_t now = loop_now_ms();

	RB_FOREACH(c, child_tree, &children)
	log_info("handler %ld: service %s, running %.1fs", (long)c->pid,
	         c->svc->name, (double)(now - c->start_ms) / 1000.0);
}

/*
 * Handlers' stderr.  One AF_UNIX datagram socket in the master collects
 * every handler's lines, so one descriptor serves any number of handlers
 * (select()'s FD_SETSIZE).  It is bound in a directory only the master's
 * user may enter, so no other local user can send to it: a line arrives
 * only through a socket the master made, bound to a name of its own,
 * connected, and handed to exactly one handler as fd 2 (its commands
 * inherit it).  That name ties every line to the handler and service
 * even after the writer is gone; SO_PASSCRED gives the writer's PID.  A
 * full queue blocks the writer, as a full pipe would.
 */

/*
 * The relay handler's last line, "traffic in=N out=M", goes into its
 * EXIT line when log_on_success has TRAFFIC.  The writer's PID comes
 * from the kernel, and only the relay itself (not a child of it) is
 * believed.
 */
static bool
children_take_traffic(long pid, const char *line, size_t len)
{
	struct child key = {.pid = (pid_t)pid}, *c;

	c = RB_FIND(child_tree, &children, &key);
	if (c == NULL || c->svc->redirect_host == NULL ||
	    !(c->svc->log_on_success & LOGF_TRAFFIC))
		return false;
	if (connlog_parse_traffic(line, len, &c->bytes_in, &c->bytes_out) == -1)
		return false;
	c->has_traffic = true;
	return true;
}

static void
children_stderr_flush(void)
{
	long writer = stderr_pid == stderr_handler ? 0 : stderr_pid;

	if (stderr_len > 0 &&
	    (writer != 0 ||
	     !children_take_traffic(stderr_pid, stderr_line, stderr_len)))
		log_handler_line(stderr_service, stderr_handler, writer,
		                 stderr_line, stderr_len);
	stderr_len = 0;
}

/*
 * Log complete lines; keep a partial one until its writer says more.
 * SEQ names the handler's socket the line came through, PID its writer.
 */
static void
children_stderr_consume(uint64_t seq, long pid, const char *buf, size_t len)
{
	if (pid != stderr_pid || seq != stderr_seq) {
		children_stderr_flush();
		if (!children_owner_of(seq, stderr_service,
		                       sizeof(stderr_service),
		                       &stderr_handler)) {
			strlcpy(stderr_service, "handler",
			        sizeof(stderr_service));
			stderr_handler = pid;
		}
		stderr_pid = pid;
		stderr_seq = seq;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' || stderr_len == CHILDREN_STDERR_MAX) {
			children_stderr_flush();
			if (buf[i] == '\n')
				continue;
		}
		stderr_line[stderr_len++] = buf[i];
	}
}

/* "portierd-MASTER-": our senders' names (the master's PID may change). */
static int
children_sender_prefix(char *buf, size_t size)
{
	return snprintf(buf, size, "portierd-%ld-", (long)getpid());
}

/* The number in a sender's name "\0portierd-MASTER-SEQ.RANDOM", or 0. */
static uint64_t
children_stderr_sender(const struct sockaddr_un *from, socklen_t len)
{
	char name[sizeof(from->sun_path)], prefix[48], *end;
	size_t off = offsetof(struct sockaddr_un, sun_path) + 1;
	int plen = children_sender_prefix(prefix, sizeof(prefix));

	if (len <= off || len > sizeof(*from) || from->sun_path[0] != '\0')
		return 0;
	memcpy(name, from->sun_path + 1, len - off);
	name[len - off] = '\0';
	if (strncmp(name, prefix, (size_t)plen) != 0 ||
	    !isdigit((unsigned char)name[plen]))
		return 0;
	unsigned long long seq = strtoull(name + plen, &end, 10);
	return *end == '.' ? (uint64_t)seq : 0;
}

static void
children_stderr_read(int fd, void *arg)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {stderr_dgram, sizeof(stderr_dgram)};

	(void)arg;
	for (int round = 0; round < 64; round++) {
		struct sockaddr_un from;
		struct msghdr msg = {0};
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			return;
		long pid = 0;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		if (cm != NULL && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			pid = cred.pid;
		}
		uint64_t seq = children_stderr_sender(&from, msg.msg_namelen);
		if (seq != 0) /* else not one of our sockets: dropped */
			children_stderr_consume(seq, pid, stderr_dgram,
			                        (size_t)n);
	}
}

/*
 * Bind FD to the next free "\0portierd-MASTER-SEQ.RANDOM"; its SEQ, or 0.
 * Abstract names are public (/proc/net/unix): the random part keeps a
 * local user from taking the next names first, which would make every
 * spawn fail.
 */
static uint64_t
children_sender_bind(int fd)
{
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	char prefix[48];

	children_sender_prefix(prefix, sizeof(prefix));
	/* A name taken by someone else is skipped: it can never reach the
	 * collector anyway. */
	for (int tries = 0; tries < 16; tries++) {
		uint64_t seq = stderr_seq_next++;
		int n =
		    snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1,
		             "%s%" PRIu64 ".%08x", prefix, seq, arc4random());
		socklen_t len =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
		                (size_t)n);
		if (bind(fd, (struct sockaddr *)&me, len) == 0)
			return seq;
		if (errno != EADDRINUSE)
			return 0;
	}
	return 0;
}

int
children_log_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t seq;

	if (fd == -1)
		return -1;
	/* The kernel doubles it: one write(2) may then carry just under
	 * 256 KiB, what the master reads at once. */
	int sndbuf = CHILDREN_DGRAM_MAX / 2;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if ((seq = children_sender_bind(fd)) == 0 ||
	    connect(fd, (struct sockaddr *)&stderr_addr, sizeof(stderr_addr)) ==
	        -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	stderr_seq_pending = seq;
	return fd;
}

/* At exit: the collector's file and its private directory. */
static void
children_remove_dir(void)
{
	if (stderr_dir[0] == '\0')
		return;
	(void)unlink(stderr_addr.sun_path);
	(void)rmdir(stderr_dir);
}

/* The collector, in a fresh directory of mode 0700 (see above). */
static int
children_collector_open(void)
{
	const int on = 1;

	strlcpy(stderr_dir,
	        access("/run", W_OK) == 0 ? "/run/portierd.XXXXXX"
	                                  : "/tmp/portierd.XXXXXX",
	        sizeof(stderr_dir));
	if (mkdtemp(stderr_dir) == NULL) {
		stderr_dir[0] = '\0';
		return -1;
	}
	atexit(children_remove_dir);
	stderr_addr.sun_family = AF_UNIX;
	snprintf(stderr_addr.sun_path, sizeof(stderr_addr.sun_path),
	         "%s/stderr", stderr_dir);
	stderr_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (stderr_fd == -1 ||
	    bind(stderr_fd, (struct sockaddr *)&stderr_addr,
	         sizeof(stderr_addr)) == -1 ||
	    setsockopt(stderr_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ==
	        -1)
		return -1;
	return 0;
}

/* The collector an upgrade handed over (stderr_fd): its path and dir. */
static int
children_collector_adopt(void)
{
	const int on = 1;
	socklen_t len = sizeof(stderr_addr);
	char copy[sizeof(stderr_addr.sun_path)];

	if (getsockname(stderr_fd, (struct sockaddr *)&stderr_addr, &len) ==
	        -1 ||
	    stderr_addr.sun_family != AF_UNIX ||
	    stderr_addr.sun_path[0] == '\0')
		return -1;
	strlcpy(copy, stderr_addr.sun_path, sizeof(copy));
	strlcpy(stderr_dir, dirname(copy), sizeof(stderr_dir));
	atexit(children_remove_dir);
	return setsockopt(stderr_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
}

int
children_init(children_exit_fn *on_exit)
{
	children_on_exit = on_exit;
	/* An upgrade hands the collector over: its handlers write there. */
	if (stderr_fd != -1 ? children_collector_adopt() == -1
	                    : children_collector_open() == -1)
		return -1;
	return loop_watch_read(stderr_fd, children_stderr_read, NULL);
}

int
children_stderr_fd(void)
{
	return stderr_fd;
}

void
children_use_stderr(int fd)
{
	stderr_fd = fd;
}

void
children_started_at(struct child *c, uint64_t start_ms)
{
	c->start_ms = start_ms;
}

void
children_foreach(children_visit_fn *fn, void *arg)
{
	struct child *c;

	RB_FOREACH(c, child_tree, &children)
	fn(c->pid, c->svc, c->peerlen > 0 ? (struct sockaddr *)&c->peer : NULL,
	   c->peerlen, c->start_ms, arg);
}
