/* SPDX-License-Identifier: ISC */
/* spawn.c -- the one path from a connection to an exec'd handler */
#include <config.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "internal.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"
#include "svc.h"

/* Accepts per wakeup: enough to drain a burst, bounded to stay fair. */
#define SPAWN_ACCEPT_BURST 32
#define SPAWN_STDERR_MAX 1024

/* Handlers' stderr (see spawn_init) and a line not yet complete. */
static int stderr_fd = -1;
static struct sockaddr_un stderr_addr; /* where handlers send their lines */
static socklen_t stderr_addrlen;
static char stderr_prefix[48];     /* "portier-<master PID>-": names */
static char stderr_dgram[1 << 18]; /* past any datagram's size limit */
static char stderr_line[SPAWN_STDERR_MAX];
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
#define SPAWN_RECENT 64
static struct spawn_recent {
	pid_t pid;
	char service[128];
} spawn_recent[SPAWN_RECENT];
static unsigned int spawn_recent_next;

RB_HEAD(child_tree, child);
static struct child_tree children = RB_INITIALIZER(&children);
static int child_count;
static struct child *child_free_list; /* reused, no malloc per connection */

static int
child_cmp(struct child *a, struct child *b)
{
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

RB_GENERATE_STATIC(child_tree, child, node, child_cmp)

static const int spawn_rlimit_resource[SVC_RLIMIT_COUNT] = {
    [SVC_RLIMIT_AS] = RLIMIT_AS,       [SVC_RLIMIT_CPU] = RLIMIT_CPU,
    [SVC_RLIMIT_DATA] = RLIMIT_DATA,   [SVC_RLIMIT_FILES] = RLIMIT_NOFILE,
    [SVC_RLIMIT_STACK] = RLIMIT_STACK,
};

/*
 * The environment is built in the master before vfork, into storage that
 * grows once and is then reused: no allocation per connection.
 */
static char **env_list;
static size_t env_cap;
static char env_text[2048];
static char env_listen_pid[32];

static void
env_reserve(size_t n)
{
	if (n <= env_cap)
		return;
	char **p = reallocarray(env_list, n, sizeof(*p));
	if (p == NULL)
		fatal("environment");
	env_list = p;
	env_cap = n;
}

static size_t
count_strings(char **v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* Append "NAME=value" into env_text; returns the string or NULL if full. */
static char *
env_put(size_t *used, const char *name, const char *value)
{
	char *at = env_text + *used;
	int n = snprintf(at, sizeof(env_text) - *used, "%s=%s", name, value);

	if (n < 0 || (size_t)n >= sizeof(env_text) - *used)
		return NULL;
	*used += (size_t)n + 1;
	return at;
}

static const char *
spawn_proto_name(const struct service *svc, int family)
{
	if (svc->protocol == PROTO_UNIX)
		return "UNIX";
	if (svc->protocol == PROTO_UDP)
		return family == AF_INET6 ? "UDP6" : "UDP";
	return family == AF_INET6 ? "TCP6" : "TCP";
}

/*
 * Fill env_list for one handler.  PEER is NULL for wait = yes.  CONN is
 * the accepted socket whose local address we report, or -1.
 */
char **
spawn_build_env(struct service *svc, struct listener *l, int conn,
                const struct sockaddr *peer, socklen_t peerlen)
{
	char remote_ip[ADDR_TEXT_MAX], local_ip[ADDR_TEXT_MAX], port[8];
	struct sockaddr_storage local;
	socklen_t locallen = sizeof(local);
	uint16_t remote_port = 0, local_port = 0;
	size_t used = 0, n = 0;
	int family = l->addr.ss_family;

	env_reserve(count_strings(svc->env) + count_strings(svc->passenv) + 12);
	strlcpy(local_ip, l->local_ip, sizeof(local_ip));
	local_port = svc->port_number;
	if (conn != -1 &&
	    getsockname(conn, (struct sockaddr *)&local, &locallen) == 0)
		addr_format((struct sockaddr *)&local, locallen, local_ip,
		            &local_port);
	if (peer != NULL) {
		addr_format(peer, peerlen, remote_ip, &remote_port);
		/* A v4-mapped peer on a dual-stack socket is plain IPv4. */
		if (peer->sa_family == AF_INET6 &&
		    strchr(remote_ip, ':') == NULL)
			family = AF_INET;
		else
			family = peer->sa_family;
	}
	/* A value that does not fit in env_text is left out, and logged. */
#define ENV_ADD(str)                                                           \
	do {                                                                   \
		char *s_ = (str);                                              \
		if (s_ != NULL)                                                \
			env_list[n++] = s_;                                    \
		else                                                           \
			log_warnx("service %s: environment too large",         \
			          svc->name);                                  \
	} while (0)
	ENV_ADD(env_put(&used, "PROTO", spawn_proto_name(svc, family)));
	ENV_ADD(env_put(&used, "PORTIER_SERVICE", svc->name));
	if (svc->protocol != PROTO_UNIX) {
		ENV_ADD(env_put(&used, "TCPLOCALIP", local_ip));
		snprintf(port, sizeof(port), "%u", local_port);
		ENV_ADD(env_put(&used, "TCPLOCALPORT", port));
	}
	if (peer != NULL && svc->protocol != PROTO_UNIX) {
		ENV_ADD(env_put(&used, "TCPREMOTEIP", remote_ip));
		snprintf(port, sizeof(port), "%u", remote_port);
		ENV_ADD(env_put(&used, "TCPREMOTEPORT", port));
		ENV_ADD(env_put(&used, "REMOTE_HOST", remote_ip));
	}
	if (svc->is_wait) {
		ENV_ADD(env_put(&used, "LISTEN_FDS", "1"));
		ENV_ADD(env_listen_pid); /* filled in by the child */
	}
	for (size_t i = 0; svc->passenv && svc->passenv[i]; i++) {
		const char *v = getenv(svc->passenv[i]);
		if (v != NULL)
			ENV_ADD(env_put(&used, svc->passenv[i], v));
	}
	for (size_t i = 0; svc->env && svc->env[i]; i++)
		ENV_ADD(svc->env[i]);
	env_list[n] = NULL;
#undef ENV_ADD
	return env_list;
}

/* Async-signal-safe: a decimal number into BUF. */
static void
child_format_pid(char *buf, size_t size, const char *prefix, long pid)
{
	char digits[24];
	int d = 0;
	size_t o = strlcpy(buf, prefix, size);

	do {
		digits[d++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (d > 0 && o + 1 < size)
		buf[o++] = digits[--d];
	buf[o] = '\0';
}

static void
child_fail(const char *what, const char *arg, int err)
{
	const char *desc = strerrordesc_np(err);

	/* fd 2 is the log socket: the master logs this line. */
	(void)!write(2, what, strlen(what));
	(void)!write(2, " ", 1);
	(void)!write(2, arg, strlen(arg));
	(void)!write(2, ": ", 2);
	(void)!write(2, desc ? desc : "error", strlen(desc ? desc : "error"));
	(void)!write(2, "\n", 1);
	_exit(111);
}

/* Credentials, priority, limits and root: in the child, before exec. */
static void
child_apply_limits(const struct service *svc)
{
	if (svc->chroot != NULL &&
	    (chroot(svc->chroot) == -1 || chdir("/") == -1))
		child_fail("chroot", svc->chroot, errno);
	if (geteuid() == 0 && (svc->has_user || svc->has_group)) {
		/* Raw syscalls: glibc's wrappers may signal other threads. */
		int ng = svc->use_groups ? svc->ngroups : 0;
		if (syscall(SYS_setgroups, ng, svc->groups) == -1)
			child_fail("setgroups", svc->name, errno);
		if (syscall(SYS_setresgid, svc->gid, svc->gid, svc->gid) == -1)
			child_fail("setgid", svc->name, errno);
		if (svc->has_user &&
		    syscall(SYS_setresuid, svc->uid, svc->uid, svc->uid) == -1)
			child_fail("setuid", svc->name, errno);
	}
	if (svc->has_nice && setpriority(PRIO_PROCESS, 0, svc->nice) == -1)
		child_fail("nice", svc->name, errno);
	if (svc->umask >= 0)
		umask((mode_t)svc->umask);
	for (int i = 0; i < SVC_RLIMIT_COUNT; i++) {
		struct rlimit rl;
		if (!svc->rlimits[i].is_set)
			continue;
		rl.rlim_cur = rl.rlim_max = svc->rlimits[i].value;
		if (setrlimit(spawn_rlimit_resource[i], &rl) == -1)
			child_fail("setrlimit", svc->name, errno);
	}
}

static void
child_close_rest(int first)
{
	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
	/* Old kernel: close what a sane descriptor table can hold. */
	for (int fd = first; fd < 65536; fd++)
		close(fd);
}

/*
 * fd 2: a datagram socket of this handler's own, named after its PID and
 * connected to the master.  Everything the handler starts inherits it, so
 * the name says whose line it is even when the writer is a short-lived
 * command that is gone before the master reads (see spawn_init).
 */
static int
child_stderr(void)
{
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd == -1)
		return -1;
	if (fd < 3) { /* never on top of 0 or 1, which come next */
		int high = fcntl(fd, F_DUPFD, 3);
		close(fd);
		if ((fd = high) == -1)
			return -1;
	}
	child_format_pid(me.sun_path + 1, sizeof(me.sun_path) - 1,
	                 stderr_prefix, (long)getpid());
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	                            strlen(me.sun_path + 1));
	/* Taken (a PID reused while an old handler's child lives): let
	 * the kernel pick a name; the writer's session still names it. */
	if (bind(fd, (struct sockaddr *)&me, len) == -1 &&
	    bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) == -1)
		return -1;
	/* The kernel doubles it: one write(2) may then carry just under
	 * 256 KiB, what the master reads at once (stderr_dgram). */
	int sndbuf = sizeof(stderr_dgram) / 2;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(fd, (struct sockaddr *)&stderr_addr, stderr_addrlen) ==
	        -1 ||
	    dup2(fd, 2) == -1)
		return -1;
	return close(fd);
}

/*
 * The child side, run between vfork and exec: only system calls, no
 * allocation, no stdio, since it shares the master's memory.
 */
static void
child_run(struct service *svc, int conn, char **envp, const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	setsid();
	if (child_stderr() == -1 || dup2(conn, 0) == -1 || dup2(conn, 1) == -1)
		_exit(111);
	if (svc->is_wait && dup2(conn, 3) == -1) /* SD_LISTEN_FDS_START */
		_exit(111);
	child_close_rest(svc->is_wait ? 4 : 3);
	child_apply_limits(svc);
	if (svc->is_wait)
		child_format_pid(env_listen_pid, sizeof(env_listen_pid),
		                 "LISTEN_PID=", (long)getpid());
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	(void)mask;
	execve(svc->server, svc->argv, envp);
	child_fail("exec", svc->server, errno);
}

static struct child *
child_new(void)
{
	struct child *c = child_free_list;

	if (c != NULL) {
		child_free_list = *(struct child **)c;
		memset(c, 0, sizeof(*c));
		return c;
	}
	return calloc(1, sizeof(*c));
}

static void
child_release(struct child *c)
{
	*(struct child **)c = child_free_list;
	child_free_list = c;
}

/*
 * vfork: the child borrows the master's memory until it execs, so the
 * master's size does not matter (fork copies page tables: slower as the
 * master grows).  Kept apart so no caller's locals live across vfork.
 */
static pid_t __attribute__((noinline))
spawn_vfork(struct service *svc, int conn, char **envp)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	/* No signal handler may run in the child while it shares memory. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child_run(svc, conn, envp, &old);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* Spawn SVC's handler on CONN; the master keeps no copy of CONN. */
static pid_t
spawn_exec(struct service *svc, struct listener *l, int conn,
           const struct sockaddr *peer, socklen_t peerlen)
{
	struct child *c = child_new();
	char **envp;
	pid_t pid;

	if (c == NULL) {
		log_warn("service %s: spawn", svc->name);
		return -1;
	}
	envp = spawn_build_env(svc, l, svc->is_wait ? -1 : conn, peer, peerlen);
	pid = spawn_vfork(svc, conn, envp);
	if (pid == -1) {
		log_warn("service %s: fork", svc->name);
		child_release(c);
		return -1;
	}
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
	access_on_start(svc, c);
	return pid;
}

static int max_children; /* 0: no global cap */

void
spawn_set_max_children(int n)
{
	max_children = n;
}

static bool
spawn_is_full(void)
{
	return max_children > 0 && child_count >= max_children;
}

/*
 * Every reason a service's listeners go unwatched, in one place: new
 * clients then wait in the kernel's backlog (a pause, never a refusal).
 * NULL: watch them.
 */
static const char *
spawn_pause_reason(const struct service *svc)
{
	if (svc->is_retired)
		return "retired";
	if (spawn_is_full())
		return "max_children";
	if (svc->is_wait && !svc->is_internal && svc->running > 0)
		return "wait";
	if (svc->instances > 0 && svc->running >= svc->instances)
		return "instances";
	if (svc->is_internal && internal_is_full(svc))
		return "internal_max";
	return access_must_pause(svc) ? "cps" : NULL;
}

/* The limits a user set: their pauses are worth a log line each way. */
static bool
spawn_is_limit(const char *reason)
{
	return reason != NULL && (strcmp(reason, "instances") == 0 ||
	                          strcmp(reason, "max_children") == 0 ||
	                          strcmp(reason, "internal_max") == 0);
}

void
spawn_update(struct service *svc)
{
	const char *reason = spawn_pause_reason(svc);

	/* At most one PAUSE line a second per service: a flood against
	 * instances pauses and resumes once per handler. */
	if (reason != NULL) {
		uint64_t now = loop_now_ms();
		if (!svc->is_paused && spawn_is_limit(reason) &&
		    now - svc->limit_logged_ms >= 1000) {
			log_info("%s: PAUSE reason=%s running=%d", svc->name,
			         reason, svc->running);
			svc->limit_logged_ms = now;
			svc->was_limited = true;
		}
		spawn_pause(svc);
		return;
	}
	if (svc->is_paused && svc->was_limited)
		log_info("%s: RESUME running=%d", svc->name, svc->running);
	svc->was_limited = false;
	spawn_resume(svc);
}

static void
spawn_connection(struct service *svc, struct listener *l, int conn,
                 const struct sockaddr *peer, socklen_t peerlen)
{
	const char *reason = NULL;

	if (access_check(svc, peer, peerlen, &reason) == -1) {
		access_refuse(svc, conn, peer, peerlen, reason);
		close(conn);
		return;
	}
	access_greet(svc, conn, true);
	if (svc->is_internal) {
		internal_accept(svc, l, conn, peer, peerlen);
		return;
	}
	bool was_full = spawn_is_full();
	spawn_exec(svc, l, conn, peer, peerlen);
	close(conn);
	if (!was_full && spawn_is_full())
		svc_foreach(spawn_update); /* max_children: everyone waits */
	else
		spawn_update(svc);
}

static void
spawn_on_accept(int fd, void *arg)
{
	struct listener *l = arg;
	struct service *svc = l->svc;

	for (int i = 0; i < SPAWN_ACCEPT_BURST && !svc->is_paused; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int conn =
		    accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		if (conn == -1) {
			if (errno == EMFILE || errno == ENFILE)
				log_warn("service %s: accept", svc->name);
			else if (errno != EAGAIN && errno != EINTR &&
			         errno != ECONNABORTED)
				log_warn("service %s: accept", svc->name);
			return;
		}
		spawn_connection(svc, l, conn, (struct sockaddr *)&peer, len);
	}
}

/*
 * wait = yes: the handler, not the master, takes the client, so the
 * master checks before handing the socket over.  A datagram's sender is
 * seen with MSG_PEEK and a refused datagram is dropped.  A stream's
 * client is unknown until accepted: the rules that need no address
 * (access_times, max_load, cps) are checked, and a refusal accepts one
 * client to close it, so the listener does not stay readable forever.
 */
static bool
spawn_ready_refused(struct service *svc, struct listener *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	const char *reason;
	char byte;
	int conn = -1;

	if (svc->socket_type == SOCK_DGRAM) {
		if (recvfrom(l->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT,
		             (struct sockaddr *)&peer, &len) == -1)
			return errno == EAGAIN || errno == EINTR;
		if (access_check(svc, (struct sockaddr *)&peer, len, &reason) ==
		    0)
			return false;
		(void)recv(l->fd, &byte, 1, MSG_DONTWAIT);
	} else {
		if (access_check(svc, NULL, 0, &reason) == 0)
			return false;
		conn = accept4(l->fd, (struct sockaddr *)&peer, &len,
		               SOCK_CLOEXEC);
		if (conn == -1)
			return true;
	}
	access_refuse(svc, conn, (struct sockaddr *)&peer, len, reason);
	if (conn != -1)
		close(conn);
	return true;
}

/* wait = yes, and every dgram service: the handler gets the socket. */
static void
spawn_on_ready(int fd, void *arg)
{
	struct listener *l = arg;
	struct service *svc = l->svc;

	if (svc->is_internal) {
		internal_datagram(svc, l);
		return;
	}
	if (spawn_ready_refused(svc, l))
		return;
	spawn_pause(svc);
	spawn_exec(svc, l, fd, NULL, 0);
	spawn_update(svc);
}

void
spawn_resume(struct service *svc)
{
	struct listener *l;

	svc->is_paused = false;
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		if (l->is_watched)
			continue;
		bool accepts = svc->socket_type == SOCK_STREAM && !svc->is_wait;
		if (loop_watch_read(l->fd,
		                    accepts ? spawn_on_accept : spawn_on_ready,
		                    l) == -1) {
			log_warn("service %s: %s", svc->name, l->text);
			continue;
		}
		l->is_watched = true;
	}
}

void
spawn_pause(struct service *svc)
{
	struct listener *l;

	svc->is_paused = true;
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		if (l->is_watched)
			loop_unwatch_read(l->fd);
		l->is_watched = false;
	}
}

static void
spawn_log_exit(struct child *c, int status)
{
	struct service *svc = c->svc;

	if (WIFSIGNALED(status))
		log_warnx("service %s: handler %ld killed by signal %d%s",
		          svc->name, (long)c->pid, WTERMSIG(status),
		          WCOREDUMP(status) ? " (core dumped)" : "");
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_info("service %s: handler %ld exited with status %d",
		         svc->name, (long)c->pid, WEXITSTATUS(status));
}

static void spawn_stderr_read(int fd, void *arg);
static void spawn_stderr_flush(void);

static void
spawn_remember(pid_t pid, const char *service)
{
	struct spawn_recent *r = &spawn_recent[spawn_recent_next];

	spawn_recent_next = (spawn_recent_next + 1) % SPAWN_RECENT;
	r->pid = pid;
	strlcpy(r->service, service, sizeof(r->service));
}

/*
 * The service of the handler PID (from the sender's name, else the
 * writer's PID), running or lately reaped.
 */
static const char *
spawn_service_of(pid_t pid)
{
	struct child key = {.pid = pid}, *c;

	if ((c = RB_FIND(child_tree, &children, &key)) != NULL)
		return c->svc->name;
	/* A handler's own child (a shell's ls): every handler leads its
	 * session, so the writer's session ID is the handler's PID. */
	key.pid = getsid(pid);
	if (key.pid > 0 && (c = RB_FIND(child_tree, &children, &key)) != NULL)
		return c->svc->name;
	for (int i = 0; i < SPAWN_RECENT; i++)
		if (spawn_recent[i].pid == pid && pid != 0)
			return spawn_recent[i].service;
	return "handler";
}

void
spawn_reap(int signo)
{
	struct child key, *c;
	int status;
	pid_t pid;

	bool was_full = spawn_is_full();

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		key.pid = pid;
		c = RB_FIND(child_tree, &children, &key);
		if (c == NULL)
			continue;
		/*
		 * Log what the handler said before it exited, while its PID
		 * is still in the table to name its service.
		 */
		spawn_stderr_read(stderr_fd, NULL);
		if (stderr_handler ==
		    pid) /* its, or its command's, last words */
			spawn_stderr_flush();
		RB_REMOVE(child_tree, &children, c);
		child_count--;
		struct service *svc = c->svc;
		svc->running--;
		spawn_remember(pid, svc->name);
		spawn_log_exit(c, status);
		access_on_exit(svc, c, status);
		child_release(c);
		if (svc->is_retired) {
			if (svc->running == 0)
				svc_retired_done(svc);
		} else {
			spawn_update(svc);
		}
	}
	if (was_full && !spawn_is_full())
		svc_foreach(spawn_update);
}

void
spawn_adopt(struct service *old, struct service *new)
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
 * child_run), so signal the group: a shell script's background jobs and
 * pipelines go with it instead of outliving the daemon.
 */
int
spawn_signal_all(int sig)
{
	struct child *c;

	RB_FOREACH(c, child_tree, &children)
	if (kill(-c->pid, sig) == -1)
		kill(c->pid, sig);
	return child_count;
}

int
spawn_count(void)
{
	return child_count;
}

void
spawn_dump(void)
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
 * (child_stderr), which names the service even for a line from a command
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
spawn_take_traffic(long pid, const char *line, size_t len)
{
	struct child key = {.pid = (pid_t)pid}, *c;

	c = RB_FIND(child_tree, &children, &key);
	if (c == NULL || c->svc->redirect_host == NULL ||
	    !(c->svc->log_on_success & LOGF_TRAFFIC))
		return false;
	if (access_parse_traffic(line, len, &c->bytes_in, &c->bytes_out) == -1)
		return false;
	c->has_traffic = true;
	return true;
}

static void
spawn_stderr_flush(void)
{
	if (stderr_len > 0 &&
	    !spawn_take_traffic(stderr_pid, stderr_line, stderr_len))
		log_handler_line(stderr_service, stderr_pid, stderr_line,
		                 stderr_len);
	stderr_len = 0;
}

/*
 * Log complete lines; keep a partial one until its writer says more.
 * HANDLER is the handler the sender's name gives, or 0.
 */
static void
spawn_stderr_consume(long handler, long pid, const char *buf, size_t len)
{
	if (pid != stderr_pid) {
		spawn_stderr_flush();
		stderr_handler = handler > 0 ? handler : pid;
		strlcpy(stderr_service, spawn_service_of((pid_t)stderr_handler),
		        sizeof(stderr_service));
		stderr_pid = pid;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' || stderr_len == SPAWN_STDERR_MAX) {
			spawn_stderr_flush();
			if (buf[i] == '\n')
				continue;
		}
		stderr_line[stderr_len++] = buf[i];
	}
}

/* The handler PID in a sender's name "\0portier-MASTER-HANDLER", or 0. */
static long
spawn_stderr_sender(const struct sockaddr_un *from, socklen_t len)
{
	char name[sizeof(from->sun_path)];
	size_t plen = strlen(stderr_prefix);
	size_t off = offsetof(struct sockaddr_un, sun_path) + 1;

	if (len <= off || from->sun_path[0] != '\0')
		return 0;
	memcpy(name, from->sun_path + 1, len - off);
	name[len - off] = '\0';
	if (strncmp(name, stderr_prefix, plen) != 0)
		return 0;
	return strtol(name + plen, NULL, 10);
}

static void
spawn_stderr_read(int fd, void *arg)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {stderr_dgram, sizeof(stderr_dgram)};

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
		spawn_stderr_consume(
		    spawn_stderr_sender(&from, msg.msg_namelen), pid,
		    stderr_dgram, (size_t)n);
	}
}

int
spawn_init(void)
{
	const int on = 1;
	sa_family_t family = AF_UNIX;

	snprintf(stderr_prefix, sizeof(stderr_prefix), "portier-%ld-",
	         (long)getpid());
	stderr_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (stderr_fd == -1)
		return -1;
	/* Autobind: a unique abstract name, no file to clean up. */
	stderr_addrlen = sizeof(stderr_addr);
	if (bind(stderr_fd, (struct sockaddr *)&family, sizeof(family)) == -1 ||
	    getsockname(stderr_fd, (struct sockaddr *)&stderr_addr,
	                &stderr_addrlen) == -1 ||
	    setsockopt(stderr_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ==
	        -1)
		return -1;
	return loop_watch_read(stderr_fd, spawn_stderr_read, NULL);
}
