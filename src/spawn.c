/* SPDX-License-Identifier: ISC */
/* spawn.c -- start a handler: its environment, a vfork-style clone, exec */
#include <config.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <linux/close_range.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "log.h"
#include "spawn.h"
#include "udpports.h"

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

/*
 * Set by a child that fails before its exec, with what failed: vfork
 * lends it our memory and holds us until it execs or exits, so we read
 * them right after.  The child never writes to its stderr itself: the
 * master, suspended in vfork, could not drain a full collector.
 */
static volatile bool spawn_child_failed;
static char spawn_child_why[512];

static void
spawn_env_reserve(size_t n)
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
spawn_count_strings(char **v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* Append "NAME=value" into env_text; returns the string or NULL if full. */
static char *
spawn_env_text(size_t *used, const char *name, const char *value)
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

/* The local and remote addresses a handler is told about. */
struct spawn_addresses {
	char remote_ip[ADDR_TEXT_MAX];
	char local_ip[ADDR_TEXT_MAX];
	uint16_t remote_port;
	uint16_t local_port;
	int family;
};

static void
spawn_find_addresses(struct service *svc, struct listener *l, int conn,
                     const struct spawn_ends *ends, struct spawn_addresses *a)
{
	const struct sockaddr *peer = ends->peer;
	struct sockaddr_storage local;
	socklen_t locallen = sizeof(local);

	a->family = l->addr.ss_family;
	a->remote_port = 0;
	strlcpy(a->local_ip, l->local_ip, sizeof(a->local_ip));
	a->local_port = svc->port_number;
	/* A PROXY header named the address the client connected to. */
	if (ends->local != NULL)
		addr_format(ends->local, ends->locallen, a->local_ip,
		            &a->local_port);
	else if (conn != -1 &&
	         getsockname(conn, (struct sockaddr *)&local, &locallen) == 0)
		addr_format((struct sockaddr *)&local, locallen, a->local_ip,
		            &a->local_port);
	if (peer == NULL)
		return;
	addr_format(peer, ends->peerlen, a->remote_ip, &a->remote_port);
	/* A v4-mapped peer on a dual-stack socket is plain IPv4. */
	if (peer->sa_family == AF_INET6 && strchr(a->remote_ip, ':') == NULL)
		a->family = AF_INET;
	else
		a->family = peer->sa_family;
}

/* The environment being filled: env_list[0..n), text used in env_text. */
struct spawn_env {
	const struct service *svc;
	size_t used;
	size_t n;
};

/* Append STR (NULL: it did not fit, which is left out and logged). */
static void
spawn_env_add(struct spawn_env *e, char *str)
{
	if (str != NULL)
		env_list[e->n++] = str;
	else
		log_warnx("service %s: environment too large", e->svc->name);
}

static void
spawn_env_put(struct spawn_env *e, const char *name, const char *value)
{
	spawn_env_add(e, spawn_env_text(&e->used, name, value));
}

static void
spawn_env_port(struct spawn_env *e, const char *name, uint16_t port)
{
	char text[8];

	snprintf(text, sizeof(text), "%u", port);
	spawn_env_put(e, name, text);
}

/*
 * Fill env_list for one handler.  PEER is NULL for wait = yes.  CONN is
 * the accepted socket whose local address we report, or -1.
 */
static char **
spawn_build_env(struct service *svc, struct listener *l, int conn,
                const struct spawn_ends *ends)
{
	const struct sockaddr *peer = ends->peer;
	struct spawn_env e = {.svc = svc};
	struct spawn_addresses a;
	bool is_inet = svc->protocol != PROTO_UNIX;

	spawn_env_reserve(spawn_count_strings(svc->env) +
	                  spawn_count_strings(svc->passenv) + 13);
	spawn_find_addresses(svc, l, conn, ends, &a);
	spawn_env_put(&e, "PROTO", spawn_proto_name(svc, a.family));
	spawn_env_put(&e, "PORTIER_SERVICE", svc->name);
	if (is_inet) {
		spawn_env_put(&e, "TCPLOCALIP", a.local_ip);
		spawn_env_port(&e, "TCPLOCALPORT", a.local_port);
	}
	if (peer != NULL && is_inet) {
		spawn_env_put(&e, "TCPREMOTEIP", a.remote_ip);
		spawn_env_port(&e, "TCPREMOTEPORT", a.remote_port);
		spawn_env_put(&e, "REMOTE_HOST", a.remote_ip);
	}
	if (svc->protocol == PROTO_UDP && udpports_env_entry() != NULL)
		spawn_env_add(&e, udpports_env_entry()); /* every UDP port */
	if (svc->reply_env != NULL)
		spawn_env_add(&e, svc->reply_env); /* its reply_rate */
	if (svc->is_wait) {
		spawn_env_put(&e, "LISTEN_FDS", "1");
		spawn_env_add(&e, env_listen_pid); /* filled in by the child */
	}
	for (size_t i = 0; svc->passenv && svc->passenv[i]; i++) {
		const char *v = getenv(svc->passenv[i]);
		if (v != NULL)
			spawn_env_put(&e, svc->passenv[i], v);
	}
	for (size_t i = 0; svc->env && svc->env[i]; i++)
		spawn_env_add(&e, svc->env[i]);
	env_list[e.n] = NULL;
	return env_list;
}

/* Async-signal-safe: a decimal number into BUF. */
static void
spawn_child_format_pid(char *buf, size_t size, const char *prefix, long pid)
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
spawn_child_fail(const char *what, const char *arg, int err)
{
	const char *desc = strerrordesc_np(err);
	char *w = spawn_child_why;
	size_t size = sizeof(spawn_child_why);

	strlcpy(w, what, size);
	strlcat(w, " ", size);
	strlcat(w, arg, size);
	strlcat(w, ": ", size);
	strlcat(w, desc ? desc : "error", size);
	spawn_child_failed = true;
	_exit(111);
}

/* Root, priority, limits, then credentials: in the child, before exec. */
static void
spawn_child_apply_limits(const struct service *svc)
{
	if (svc->chroot != NULL &&
	    (chroot(svc->chroot) == -1 || chdir("/") == -1))
		spawn_child_fail("chroot", svc->chroot, errno);
	/* While still root: a negative nice or a limit above our own
	 * hard limit needs it (the handler can only lower them later). */
	if (svc->has_nice && setpriority(PRIO_PROCESS, 0, svc->nice) == -1)
		spawn_child_fail("nice", svc->name, errno);
	if (svc->umask >= 0)
		umask((mode_t)svc->umask);
	for (int i = 0; i < SVC_RLIMIT_COUNT; i++) {
		struct rlimit rl;
		if (!svc->rlimits[i].is_set)
			continue;
		rl.rlim_cur = rl.rlim_max = svc->rlimits[i].value;
		if (setrlimit(spawn_rlimit_resource[i], &rl) == -1)
			spawn_child_fail("setrlimit", svc->name, errno);
	}
	if (geteuid() == 0 && (svc->has_user || svc->has_group)) {
		/* Raw syscalls: glibc's wrappers may signal other threads. */
		int ng = svc->use_groups ? svc->ngroups : 0;
		if (syscall(SYS_setgroups, ng, svc->groups) == -1)
			spawn_child_fail("setgroups", svc->name, errno);
		if (syscall(SYS_setresgid, svc->gid, svc->gid, svc->gid) == -1)
			spawn_child_fail("setgid", svc->name, errno);
		if (svc->has_user &&
		    syscall(SYS_setresuid, svc->uid, svc->uid, svc->uid) == -1)
			spawn_child_fail("setuid", svc->name, errno);
	}
}

static void
spawn_child_close_rest(int first)
{
	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
	/* Old kernel: close what a sane descriptor table can hold. */
	for (int fd = first; fd < 65536; fd++)
		close(fd);
}

/*
 * FD moved above 3, where the dup2 onto 0 to 3 cannot overwrite it, and
 * where dup2(fd, 3) is never a no-op: that would leave a socket systemd
 * passed on fd 3 close-on-exec (activate.c), lost to a wait = yes handler.
 */
static int
spawn_child_high(int fd)
{
	return fd > 3 ? fd : fcntl(fd, F_DUPFD, 4);
}

/* fd 0 and 1: CONN; fd 2: LOGFD (children_log_socket); wait = yes: 3. */
static void
spawn_child_fds(const struct service *svc, int conn, int logfd)
{
	conn = spawn_child_high(conn);
	logfd = spawn_child_high(logfd);
	if (conn == -1 || logfd == -1 || dup2(logfd, 2) == -1 ||
	    dup2(conn, 0) == -1 || dup2(conn, 1) == -1 ||
	    (svc->is_wait && dup2(conn, 3) == -1)) /* SD_LISTEN_FDS_START */
		spawn_child_fail("descriptors", svc->name, errno);
}

/*
 * The signals whose disposition is not SIG_DFL in the master: the ones it
 * catches or ignores, and any its own parent left ignored.  The master
 * sets them once at start-up, before any service opens, so they are read
 * from the kernel once, at the first spawn; the child then resets these
 * few rather than every signal (one system call each, ~1 us apiece).
 */
static int spawn_signals[NSIG];
static int spawn_signal_count = -1;

static void
spawn_signals_read(void)
{
	struct sigaction old;

	spawn_signal_count = 0;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler != SIG_DFL)
			spawn_signals[spawn_signal_count++] = sig;
}

/*
 * The child starts on the master's own descriptor table (CLONE_FILES):
 * copying it at fork, then closing every listener in the copy, is what
 * made a handler's start grow with the number of services.  First of
 * all, before anything in it changes, take a private table holding only
 * the descriptors below the highest one the handler needs; listen.c
 * keeps listeners above those.
 */
static void
spawn_child_own_table(const struct service *svc, int conn, int logfd)
{
	unsigned int keep = (unsigned int)(conn > logfd ? conn : logfd) + 1;

	if (syscall(SYS_close_range, keep, ~0U, CLOSE_RANGE_UNSHARE) == 0)
		return;
	/* Before Linux 5.9: a whole private copy, closed further down. */
	if (unshare(CLONE_FILES) == -1)
		spawn_child_fail("descriptors", svc->name, errno);
}

/*
 * The child side, run between clone and exec: only system calls, no
 * allocation, no stdio, since it shares the master's memory.
 */
static void
spawn_child_run(struct service *svc, int conn, int logfd, char **envp)
{
	struct sigaction sa;

	spawn_child_own_table(svc, conn, logfd);
	/* Before the mask opens: no master handler may run here. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int i = 0; i < spawn_signal_count; i++)
		(void)sigaction(spawn_signals[i], &sa, NULL);
	setsid();
	spawn_child_fds(svc, conn, logfd);
	spawn_child_close_rest(svc->is_wait ? 4 : 3);
	spawn_child_apply_limits(svc);
	if (svc->is_wait)
		spawn_child_format_pid(env_listen_pid, sizeof(env_listen_pid),
		                       "LISTEN_PID=", (long)getpid());
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	execve(svc->server, svc->argv, envp);
	spawn_child_fail("exec", svc->server, errno);
}

/* What the child needs, handed through clone(2). */
struct spawn_child_args {
	struct service *svc;
	int conn;
	int logfd;
	char **envp;
};

static int
spawn_child_main(void *arg)
{
	struct spawn_child_args *a = arg;

	spawn_child_run(a->svc, a->conn, a->logfd, a->envp);
	return 111; /* not reached: it execs or exits */
}

/* The child's stack: a few frames of system calls (ASan's are larger). */
#define SPAWN_CHILD_STACK (64 * 1024)

/*
 * Under AddressSanitizer the child's frames stay marked in the shadow
 * memory it shares with us when it execs without returning: unmark its
 * stack before our own frames reuse that memory.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang's spelling */
#define SPAWN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SPAWN_ASAN)
#include <sanitizer/asan_interface.h>
#define SPAWN_STACK_RESET(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define SPAWN_STACK_RESET(p, n) ((void)(p), (void)(n))
#endif

/* How long the master waits for the child's exec between looks at it. */
#define SPAWN_EXEC_LOOK_NS (10 * 1000 * 1000)

/* A child stopped before its exec is killed: see spawn_wait_exec. */
static void __attribute__((no_sanitize_address))
spawn_kill_if_stopped(pid_t pid)
{
	siginfo_t si = {0};

	if (syscall(SYS_waitid, P_PID, pid, &si, WSTOPPED | WNOHANG | WNOWAIT,
	            NULL) == 0 &&
	    si.si_pid == pid)
		(void)syscall(SYS_kill, pid, SIGKILL);
}

/*
 * Wait as vfork would, until the child has execed or exited: the kernel
 * then clears *TID and wakes us (CLONE_CHILD_CLEARTID).  But from its
 * setresuid on, the child is its user's to signal, and a SIGSTOP from
 * them would hold vfork's wait, and so the whole master, for as long as
 * they please: a child found stopped before its exec is killed instead.
 * Only raw system calls and no instrumented locals: the child runs on
 * this memory, sanitizer state and errno included, meanwhile.
 */
static void __attribute__((no_sanitize_address))
spawn_wait_exec(pid_t pid, pid_t *tid)
{
	const struct timespec look = {0, SPAWN_EXEC_LOOK_NS};
	pid_t t;

	while ((t = __atomic_load_n(tid, __ATOMIC_ACQUIRE)) != 0)
		if (syscall(SYS_futex, tid, FUTEX_WAIT, t, &look, NULL, 0) ==
		        -1 &&
		    __atomic_load_n(tid, __ATOMIC_ACQUIRE) != 0)
			spawn_kill_if_stopped(pid);
}

/*
 * vfork's sharing (CLONE_VM, and a wait until the exec, spawn_wait_exec):
 * the child borrows the master's memory until it execs, so the master's
 * size does not matter (fork copies page tables: slower as the master
 * grows).  Unlike vfork it also starts on the master's descriptor table
 * (see spawn_child_own_table), and runs on a stack of its own, here in
 * this frame, which lives until the child has execed.
 */
static pid_t __attribute__((noinline))
spawn_vfork(struct service *svc, int conn, int logfd, char **envp)
{
	_Alignas(16) char stack[SPAWN_CHILD_STACK];
	struct spawn_child_args args = {svc, conn, logfd, envp};
	sigset_t all, old;
	pid_t pid, tid = -1; /* the kernel sets it to 0 at exec or exit */
	int saved;

	if (spawn_signal_count == -1)
		spawn_signals_read();
	/* No signal handler may run in the child while it shares memory. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	spawn_child_failed = false;
	pid = clone(spawn_child_main, stack + sizeof(stack),
	            CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID | SIGCHLD,
	            &args, NULL, NULL, &tid);
	saved = errno;
	if (pid != -1)
		spawn_wait_exec(pid, &tid);
	SPAWN_STACK_RESET(stack, sizeof(stack));
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

pid_t
spawn_exec(struct service *svc, struct listener *l, int conn,
           const struct spawn_ends *ends)
{
	char **envp = spawn_build_env(svc, l, svc->is_wait ? -1 : conn, ends);
	int logfd = children_log_socket();
	pid_t pid;
	int saved;

	if (logfd == -1) {
		saved = errno;
		log_warn("service %s: stderr socket", svc->name);
		errno = saved;
		return -1;
	}
	pid = spawn_vfork(svc, conn, logfd, envp);
	saved = errno;
	close(logfd);
	if (pid == -1) {
		log_warn("service %s: fork", svc->name);
		errno = saved;
	} else if (spawn_child_failed) {
		log_handler_line(svc->name, (long)pid, 0, spawn_child_why,
		                 strlen(spawn_child_why));
	}
	return pid;
}

bool
spawn_failed_before_exec(void)
{
	return spawn_child_failed;
}
