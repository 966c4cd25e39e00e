/* SPDX-License-Identifier: ISC */
/* harness.c -- start the real portierd on loopback and talk to it */
#include <config.h>

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define H_START_TIMEOUT_MS 10000
#define H_STOP_TIMEOUT_MS 10000

#define H_MAX_STARTED 16

static pid_t started[H_MAX_STARTED];
static int n_started;

long
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Poll in 5 ms steps: the bounded wait every helper here uses. */
static void
h_pause(void)
{
	poll(NULL, 0, 5);
}

static uint16_t
h_bound_port(int type, uint16_t want)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	uint16_t port = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(want);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd != -1)
		close(fd);
	return port;
}

/*
 * Ports come from below the kernel's ephemeral range (32768-60999 on
 * Linux by default), so no client's source port can take one between the
 * test picking it and the daemon binding it.  Tests run in parallel
 * (criterion workers, make -j): a port is reserved with a lock file held
 * until this test process exits, so no two tests ever share one.
 */
#define H_PORT_LOW 20000
#define H_PORT_HIGH 32000
#define H_PORT_LOCKS "/tmp/portier-test-ports"

static bool
h_port_reserve(uint16_t port)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/%u", H_PORT_LOCKS, port);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd == -1)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return false;
	}
	return true; /* fd stays open: the lock lasts as long as we do */
}

uint16_t
h_free_port(void)
{
	static unsigned int seed;

	if (seed == 0)
		seed = (unsigned int)getpid() ^ (unsigned int)h_now_ms();
	mkdir(H_PORT_LOCKS, 01777);
	chmod(H_PORT_LOCKS, 01777);
	for (int i = 0; i < 1000; i++) {
		uint16_t port =
		    (uint16_t)(H_PORT_LOW +
		               rand_r(&seed) % (H_PORT_HIGH - H_PORT_LOW));
		if (h_bound_port(SOCK_STREAM, port) == port &&
		    h_bound_port(SOCK_DGRAM, port) == port &&
		    h_port_reserve(port))
			return port;
	}
	cr_assert_fail("no free port");
	return 0;
}

void
h_mkdir(struct h_daemon *d)
{
	/* A server that closes first must fail a write, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (d->dir[0] != '\0')
		return;
	strlcpy(d->dir, "/tmp/portier-test.XXXXXX", sizeof(d->dir));
	cr_assert_not_null(mkdtemp(d->dir), "mkdtemp: %s", strerror(errno));
	/* Handlers run as nobody by default: let them in. */
	chmod(d->dir, 0755);
	snprintf(d->conf, sizeof(d->conf), "%s/portier.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/portierd.log", d->dir);
}

const char *
h_write_file(struct h_daemon *d, const char *name, const char *text, int mode)
{
	static char path[PATH_MAX];
	char tmp[PATH_MAX + 8];

	h_mkdir(d);
	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *fp = fopen(tmp, "w");
	cr_assert_not_null(fp, "%s: %s", tmp, strerror(errno));
	fputs(text, fp);
	fclose(fp);
	chmod(tmp, (mode_t)mode);
	/* rename: a reload never reads a half-written file */
	cr_assert_eq(rename(tmp, path), 0);
	return path;
}

/* WRAPPER... BIN -n -l debug -f CONF */
static void
h_exec_wrapped(struct h_daemon *d, const char *bin)
{
	const char *argv[32];
	int n = 0;

	while (d->wrapper[n] != NULL && n < 24) {
		argv[n] = d->wrapper[n];
		n++;
	}
	const char *tail[] = {bin,     "-n", "-l",   "debug", "-f",
	                      d->conf, "-S", d->ctl, NULL};
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		argv[n++] = tail[i];
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

static void
h_exec_daemon(struct h_daemon *d)
{
	char bin[PATH_MAX];
	int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	dup2(fd, 1);
	dup2(fd, 2);
	if (d->inherit_fds > 0) {
		/* Push the daemon's own descriptors up (FD_SETSIZE tests). */
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		for (int i = 3; i < d->inherit_fds; i++)
			if (i != fd)
				dup2(1, i);
	}
	snprintf(bin, sizeof(bin), "%s/src/portierd", TOP_BUILDDIR);
	if (d->wrapper != NULL)
		h_exec_wrapped(d, bin);
	execl(bin, "portierd", "-n", "-l", "debug", "-f", d->conf, "-S", d->ctl,
	      (char *)NULL);
	_exit(127);
}

bool
h_try_start(struct h_daemon *d, const char *conf_text)
{
	h_write_file(d, "portier.conf", conf_text, 0644);
	unlink(d->log);
	/* Its own control socket, so that daemons of parallel tests never
	 * meet on the default path. */
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl.sock", d->dir);
	d->pid = fork();
	cr_assert_neq(d->pid, -1);
	if (d->pid == 0)
		h_exec_daemon(d);
	h_track(d->pid);
	long deadline = h_now_ms() + H_START_TIMEOUT_MS;
	while (h_now_ms() < deadline) {
		int status;
		if (h_log_contains(d, "portierd: ready"))
			return true;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			h_untrack(d->pid);
			d->pid = 0;
			return false;
		}
		h_pause();
	}
	return false;
}

void
h_start(struct h_daemon *d, const char *conf_text)
{
	if (!h_try_start(d, conf_text)) {
		char *log = h_log_read(d);
		cr_assert_fail("portierd did not start:\n%s", log ? log : "");
	}
}

/* The ppid and state fields of /proc/PID/stat; -1 when it is gone. */
static int
h_proc_stat(const char *pid, char *state)
{
	char path[64], buf[512];
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) != NULL) {
		/* pid (comm) state ppid: comm may hold spaces */
		char *rp = strrchr(buf, ')');
		if (rp == NULL || sscanf(rp + 2, "%c %d", state, &ppid) != 2)
			ppid = -1;
	}
	fclose(fp);
	return ppid;
}

int
h_children(pid_t pid, pid_t *pids, int max)
{
	struct dirent *de;
	int n = 0;
	char state;
	DIR *dir = opendir("/proc");

	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL)
		if (h_proc_stat(de->d_name, &state) == pid && n < max)
			pids[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	closedir(dir);
	return n;
}

int
h_count_children(pid_t pid)
{
	pid_t pids[256];

	return h_children(pid, pids, 256);
}

bool
h_alive(pid_t pid)
{
	char name[24], state = 0;

	snprintf(name, sizeof(name), "%ld", (long)pid);
	return h_proc_stat(name, &state) != -1 && state != 'Z' && state != 'X';
}

long
h_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	long utime = 0, stime = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	char *p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2,
	                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	                        "%*u %*u %ld %ld",
	                        &utime, &stime) != 2)
		return -1;
	return utime + stime;
}

int
h_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	DIR *dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

void
h_stop(struct h_daemon *d)
{
	pid_t kids[256];
	int status = 0, nkids;

	if (d->pid <= 0)
		return;
	/* Handlers are the daemon's children: note them before it goes. */
	nkids = h_children(d->pid, kids, 256);
	cr_assert_eq(kill(d->pid, SIGTERM), 0);
	long deadline = h_now_ms() + H_STOP_TIMEOUT_MS;
	pid_t got = 0;
	while (h_now_ms() < deadline &&
	       (got = waitpid(d->pid, &status, WNOHANG)) == 0)
		h_pause();
	if (got == 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &status, 0);
	}
	h_untrack(d->pid);
	d->pid = 0;
	cr_assert_neq(got, 0, "portierd did not stop on SIGTERM");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "portierd exit status %d", status);
	h_remove_dir(d); /* a failed test above keeps it, for a look */
	for (int i = 0; i < nkids; i++)
		cr_assert_not(h_alive(kids[i]), "handler %ld outlived portierd",
		              (long)kids[i]);
}

/* A reaped PID may be reused at once: never signal it again. */
void
h_untrack(pid_t pid)
{
	for (int i = 0; i < n_started; i++)
		if (started[i] == pid)
			started[i] = started[--n_started];
}

static int
h_remove_entry(const char *path, const struct stat *st, int flag,
               struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

void
h_remove_dir(struct h_daemon *d)
{
	if (d->dir[0] == '\0')
		return;
	nftw(d->dir, h_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	d->dir[0] = '\0';
}

void
h_track(pid_t pid)
{
	if (n_started < H_MAX_STARTED)
		started[n_started++] = pid;
}

bool
h_have_ipv6(void)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd == -1)
		return false;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

pid_t
h_signal_storm(pid_t pid, int signo, long ms)
{
	pid_t storm = fork();

	cr_assert_neq(storm, -1);
	if (storm == 0) {
		for (long end = h_now_ms() + ms; h_now_ms() < end;)
			if (kill(pid, signo) == -1)
				_exit(0);
		_exit(0);
	}
	return storm;
}

/* Criterion .fini: never leave a daemon behind, even after a failure. */
void
h_cleanup(void)
{
	for (int i = 0; i < n_started; i++) {
		pid_t pid = started[i];
		if (kill(pid, SIGTERM) == 0) {
			/* Not always our child (-p daemonizes): poll /proc. */
			long deadline = h_now_ms() + 3000;
			while (waitpid(pid, NULL, WNOHANG) != pid &&
			       h_alive(pid) && h_now_ms() < deadline)
				h_pause();
			if (h_alive(pid))
				kill(pid, SIGKILL);
			waitpid(pid, NULL, WNOHANG);
		}
	}
	n_started = 0;
}

char *
h_log_read(struct h_daemon *d)
{
	FILE *fp = fopen(d->log, "r");
	char *buf = NULL;
	size_t len = 0;

	if (fp == NULL)
		return NULL;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(fp);
	fclose(mem);
	return buf;
}

bool
h_log_contains(struct h_daemon *d, const char *needle)
{
	return h_log_count(d, needle) > 0;
}

int
h_log_count(struct h_daemon *d, const char *needle)
{
	char *log = h_log_read(d);
	size_t len = strlen(needle);
	int n = 0;

	/* A plain scan: ASan's strstr measures the whole haystack on every
	 * call, which made counting 600000 matches quadratic. */
	for (char *p = log; p != NULL && *p != '\0'; p++)
		if (*p == needle[0] && strncmp(p, needle, len) == 0)
			n++;
	free(log);
	return n;
}

bool
h_log_wait_count(struct h_daemon *d, const char *needle, int count,
                 int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;

	while (h_now_ms() < deadline) {
		if (h_log_count(d, needle) >= count)
			return true;
		h_pause();
	}
	return h_log_count(d, needle) >= count;
}

bool
h_log_wait(struct h_daemon *d, const char *needle, int timeout_ms)
{
	return h_log_wait_count(d, needle, 1, timeout_ms);
}

void
h_reload(struct h_daemon *d, const char *conf_text, const char *expect)
{
	int before = h_log_count(d, expect);

	h_write_file(d, "portier.conf", conf_text, 0644);
	cr_assert_eq(kill(d->pid, SIGHUP), 0);
	long deadline = h_now_ms() + 10000;
	while (h_now_ms() < deadline && h_log_count(d, expect) <= before)
		h_pause();
	cr_assert_gt(h_log_count(d, expect), before, "no '%s' after SIGHUP",
	             expect);
}

static int
h_connect_addr(int family, const struct sockaddr *sa, socklen_t len,
               const struct sockaddr *src, socklen_t srclen)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (fd == -1)
		return -1;
	if (src != NULL && bind(fd, src, srclen) == -1)
		goto fail;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, sa, len) == -1 && errno != EINPROGRESS)
		goto fail;
	if (poll(&pfd, 1, 5000) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 || err)
		goto fail;
	fcntl(fd, F_SETFL, 0);
	return fd;
fail:
	close(fd);
	return -1;
}

static socklen_t
h_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (void *)ss;
	struct sockaddr_in6 *sin6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	return 0;
}

int
h_connect(const char *host, uint16_t port)
{
	return h_connect_from(NULL, host, port);
}

int
h_connect_from(const char *src, const char *host, uint16_t port)
{
	struct sockaddr_storage ss, from;
	socklen_t len = h_sockaddr(host, port, &ss), fromlen = 0;

	if (len == 0)
		return -1;
	if (src != NULL && (fromlen = h_sockaddr(src, 0, &from)) == 0)
		return -1;
	return h_connect_addr(ss.ss_family, (struct sockaddr *)&ss, len,
	                      src ? (struct sockaddr *)&from : NULL, fromlen);
}

int
h_connect_unix(const char *path, int type)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (fd == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

ssize_t
h_udp_exchange(const char *host, uint16_t port, const void *msg, size_t len,
               void *reply, size_t replylen, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t sslen = h_sockaddr(host, port, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n = -1;

	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sslen) == 0 &&
	    send(fd, msg, len, 0) == (ssize_t)len &&
	    poll(&pfd, 1, timeout_ms) == 1)
		n = recv(fd, reply, replylen, 0);
	close(fd);
	return n;
}

int
h_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
h_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	long deadline = h_now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		long left = deadline - h_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
			break;
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

char *
h_roundtrip(const char *host, uint16_t port, const void *in, size_t inlen,
            size_t *outlen)
{
	size_t cap = inlen + 65536;
	char *out = malloc(cap + 1);
	int fd = h_connect(host, port);

	cr_assert_neq(fd, -1, "connect %s port %u: %s", host, port,
	              strerror(errno));
	/* Write and read together so a large echo cannot deadlock. */
	struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
	size_t sent = 0, got = 0;
	long deadline = h_now_ms() + 20000;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (inlen == 0)
		shutdown(fd, SHUT_WR);
	while (h_now_ms() < deadline) {
		pfd.events = POLLIN | (sent < inlen ? POLLOUT : 0);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((pfd.revents & POLLOUT) && sent < inlen) {
			ssize_t n =
			    write(fd, (const char *)in + sent, inlen - sent);
			if (n > 0 && (sent += (size_t)n) == inlen)
				shutdown(fd, SHUT_WR);
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(fd, out + got, cap - got);
			if (n == 0 || (n < 0 && errno != EAGAIN))
				break;
			if (n > 0 && (got += (size_t)n) == cap)
				break;
		}
	}
	close(fd);
	out[got] = '\0';
	*outlen = got;
	return out;
}

char *
h_run(const char *cmd, int *status)
{
	FILE *fp = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	size_t n;

	cr_assert_not_null(fp);
	FILE *mem = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	int st = pclose(fp);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return buf;
}

const char *
h_conf(const char *fmt, ...)
{
	static char text[16384];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(text), "config too long");
	return text;
}

unsigned long
h_listen_inode(uint16_t port)
{
	char line[512], want[32];
	unsigned long inode = 0;
	FILE *fp = fopen("/proc/net/tcp", "r");

	cr_assert_not_null(fp);
	/* local_address is hex in network order as the kernel prints it */
	snprintf(want, sizeof(want), "0100007F:%04X", port);
	while (inode == 0 && fgets(line, sizeof(line), fp) != NULL) {
		char local[64], st[8];
		unsigned long ino;
		if (sscanf(line, " %*s %63s %*s %7s %*s %*s %*s %*s %*s %lu",
		           local, st, &ino) == 3 &&
		    strcmp(local, want) == 0 && strcmp(st, "0A") == 0)
			inode = ino;
	}
	fclose(fp);
	return inode;
}

bool
h_wait_gone(pid_t pid, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;

	while (h_alive(pid) && h_now_ms() < deadline)
		h_pause();
	return !h_alive(pid);
}

const char *
h_conf_cat(uint16_t port)
{
	return h_conf(H_DEFAULTS "service cat {\n"
	                         "	socket_type = stream\n"
	                         "	protocol = tcp\n"
	                         "	port = %u\n"
	                         "	bind = \"127.0.0.1\"\n"
	                         "	wait = no\n"
	                         "	server = \"/bin/cat\"\n"
	                         "}\n",
	              port);
}

/* REPLY must be exactly "NAME PID: MSG"; returns PID. */
long
h_reply_pid(const char *reply, ssize_t n, const char *name, const char *msg)
{
	char want[256];

	cr_assert_gt(n, 0, "no reply from the %s handler", name);
	long pid = strtol(reply + strlen(name) + 1, NULL, 10);
	snprintf(want, sizeof(want), "%s %ld: %s", name, pid, msg);
	cr_assert_eq((size_t)n, strlen(want), "got %.*s", (int)n, reply);
	cr_assert_arr_eq(reply, want, (size_t)n, "got %.*s", (int)n, reply);
	return pid;
}

/* Ask the wait = yes stream helper; returns the PID that answered. */
long
h_accepter_ask(uint16_t port, const char *msg)
{
	char buf[256];
	int fd = h_connect("127.0.0.1", port);

	cr_assert_neq(fd, -1, "connect: %s", strerror(errno));
	cr_assert_eq(h_write_all(fd, msg, strlen(msg)), 0);
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 5000);
	close(fd);
	return h_reply_pid(buf, n, "accepter", msg);
}

/* Ask the wait = yes datagram helper; returns the PID that answered. */
long
h_udpecho_ask(uint16_t port, const char *msg)
{
	char buf[256];
	ssize_t n = h_udp_exchange("127.0.0.1", port, msg, strlen(msg), buf,
	                           sizeof(buf), 5000);

	return h_reply_pid(buf, n, "udp", msg);
}
