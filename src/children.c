/* SPDX-License-Identifier: ISC */
/* children.c -- the running handlers: their table, reaping, their stderr */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
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
	pid_t pid;
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

/* Handlers' stderr (see children_init) and a line not yet complete. */
static int stderr_fd = -1;
static struct children_log_target stderr_target;
static char stderr_dgram[CHILDREN_DGRAM_MAX]; /* past any datagram's limit */
static char stderr_line[CHILDREN_STDERR_MAX];
static size_t stderr_len;
static long stderr_pid;
static long stderr_handler; /* whose handler stderr_pid belongs to */
static char stderr_service[128];

/*
 * Handlers reaped lately.  Lines they wrote just before exiting can still
 * be queued behind other handlers' lines when they are reaped (each read
 * stops where the writer changes), so their PID must go on naming their
 * service for a while.
 */
#define CHILDREN_RECENT 64
static struct children_recent {
	pid_t pid;
	char service[128];
} children_recent[CHILDREN_RECENT];
static unsigned int children_recent_next;

RB_HEAD(child_tree, child);
static struct child_tree children = RB_INITIALIZER(&children);
static int child_count;
static struct child *child_free_list; /* reused, no malloc per connection */

static int
children_cmp(struct child *a, struct child *b)
{
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

RB_GENERATE_STATIC(child_tree, child, node, children_cmp)

const struct children_log_target *
children_log_target(void)
{
	return &stderr_target;
}

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

void
children_discard(struct child *c)
{
	*(struct child **)c = child_free_list;
	child_free_list = c;
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
	child_count++;
	svc->running++;
}

static void children_stderr_read(int fd, void *arg);
static void children_stderr_flush(void);

static void
children_remember(pid_t pid, const char *service)
{
	struct children_recent *r = &children_recent[children_recent_next];

	children_recent_next = (children_recent_next + 1) % CHILDREN_RECENT;
	r->pid = pid;
	strlcpy(r->service, service, sizeof(r->service));
}

/*
 * The service of the handler PID (from the sender's name, else the
 * writer's PID), running or lately reaped.
 */
static const char *
children_service_of(pid_t pid)
{
	struct child key = {.pid = pid}, *c;

	if ((c = RB_FIND(child_tree, &children, &key)) != NULL)
		return c->svc->name;
	/* A handler's own child (a shell's ls): every handler leads its
	 * session, so the writer's session ID is the handler's PID. */
	key.pid = getsid(pid);
	if (key.pid > 0 && (c = RB_FIND(child_tree, &children, &key)) != NULL)
		return c->svc->name;
	for (int i = 0; i < CHILDREN_RECENT; i++)
		if (children_recent[i].pid == pid && pid != 0)
			return children_recent[i].service;
	return "handler";
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
	child_count--;
	c->svc->running--;
	children_remember(c->pid, c->svc->name);
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

void
children_adopt(struct service *old, struct service *new)
{
	struct child *c;

	RB_FOREACH(c, child_tree, &children)
	{
		if (c->svc == old)
			c->svc = new;
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
 * Handlers' stderr: one AF_UNIX datagram socket in the master receives
 * every handler's lines, so one descriptor serves any number of services
 * (500 services fit select()'s FD_SETSIZE with room to spare).  Each
 * handler sends from a socket of its own named "portier-MASTER-HANDLER"
 * (spawn.c), which names the service even for a line from a command
 * the handler ran and that is gone already; SO_PASSCRED gives the PID of
 * the process that wrote it.  A full queue blocks the writer, as a full
 * pipe would.
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
	if (stderr_len > 0 &&
	    !children_take_traffic(stderr_pid, stderr_line, stderr_len))
		log_handler_line(stderr_service, stderr_pid, stderr_line,
		                 stderr_len);
	stderr_len = 0;
}

/*
 * Log complete lines; keep a partial one until its writer says more.
 * HANDLER is the handler the sender's name gives, or 0.
 */
static void
children_stderr_consume(long handler, long pid, const char *buf, size_t len)
{
	if (pid != stderr_pid) {
		children_stderr_flush();
		stderr_handler = handler > 0 ? handler : pid;
		strlcpy(stderr_service,
		        children_service_of((pid_t)stderr_handler),
		        sizeof(stderr_service));
		stderr_pid = pid;
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

/* The handler PID in a sender's name "\0portier-MASTER-HANDLER", or 0. */
static long
children_stderr_sender(const struct sockaddr_un *from, socklen_t len)
{
	char name[sizeof(from->sun_path)];
	size_t plen = strlen(stderr_target.prefix);
	size_t off = offsetof(struct sockaddr_un, sun_path) + 1;

	if (len <= off || from->sun_path[0] != '\0')
		return 0;
	memcpy(name, from->sun_path + 1, len - off);
	name[len - off] = '\0';
	if (strncmp(name, stderr_target.prefix, plen) != 0)
		return 0;
	return strtol(name + plen, NULL, 10);
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
		children_stderr_consume(
		    children_stderr_sender(&from, msg.msg_namelen), pid,
		    stderr_dgram, (size_t)n);
	}
}

int
children_init(children_exit_fn *on_exit)
{
	struct children_log_target *t = &stderr_target;
	const int on = 1;
	sa_family_t family = AF_UNIX;

	children_on_exit = on_exit;
	snprintf(t->prefix, sizeof(t->prefix), "portier-%ld-", (long)getpid());
	/* An upgrade hands the socket over: its handlers write there. */
	bool is_inherited = stderr_fd != -1;
	if (!is_inherited)
		stderr_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (stderr_fd == -1)
		return -1;
	/* Autobind: a unique abstract name, no file to clean up. */
	t->addrlen = sizeof(t->addr);
	if ((!is_inherited && bind(stderr_fd, (struct sockaddr *)&family,
	                           sizeof(family)) == -1) ||
	    getsockname(stderr_fd, (struct sockaddr *)&t->addr, &t->addrlen) ==
	        -1 ||
	    setsockopt(stderr_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ==
	        -1)
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
