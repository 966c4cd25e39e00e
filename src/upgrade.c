/* SPDX-License-Identifier: ISC */
/* upgrade.c -- re-execute the binary in place: same PID, listeners and
 * handlers handed over */
#include <config.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "control.h"
#include "gate.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "upgrade.h"

/* The state's descriptor travels in this variable (never to handlers:
 * the new image unsets it first thing). */
#define UPGRADE_ENV "PORTIER_UPGRADE"
#define UPGRADE_LISTENERS_MAX 1024

static char **upgrade_argv;
static char upgrade_binary[PATH_MAX];

/* Old image: the upgrade under way. */
static bool is_upgrading;
static int upgrade_conn = -1;
static time_t upgrade_started;
static uint64_t upgrade_deadline;
static struct loop_timer upgrade_timer;

/* New image: what the old one handed over. */
static int inherited[UPGRADE_LISTENERS_MAX];
static int n_inherited;
static char *upgrade_state; /* the state text, kept for its children */

void
upgrade_init(int argc, char *argv[])
{
	upgrade_argv = calloc((size_t)argc + 1, sizeof(*upgrade_argv));
	for (int i = 0; upgrade_argv != NULL && i < argc; i++)
		upgrade_argv[i] = strdup(argv[i]);
	/* Resolved now: once a package replaces the file, /proc/self/exe
	 * names the deleted one. */
	if (realpath("/proc/self/exe", upgrade_binary) == NULL)
		upgrade_binary[0] = '\0';
}

static void
upgrade_set_inherit(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);

	if (fd >= 0 && flags != -1)
		fcntl(fd, F_SETFD,
		      on ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC);
}

/* Reply to the control client (if any) and forget it. */
static void
upgrade_report(bool ok, const char *msg)
{
	if (ok)
		log_info("upgrade: %s", msg);
	else
		log_warnx("upgrade failed: %s", msg);
	if (upgrade_conn != -1)
		control_answer_fd(upgrade_conn, ok, msg);
	upgrade_conn = -1;
}

/* The check's exit status, waited for until UNTIL; then it is killed
 * (a check that hangs is a failed check). */
static int
upgrade_check_status(pid_t pid, uint64_t until)
{
	int status = 0;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 &&
	       loop_now_ms() < until)
		(void)poll(NULL, 0, 5);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0
	                                                                 : -1;
}

/* Run the new binary's -C: does it start, and does it like the file? */
static int
upgrade_check(const char *config_file, char *msg, size_t msglen)
{
	int out[2];
	pid_t pid;

	if (upgrade_binary[0] == '\0' || access(upgrade_binary, X_OK) == -1) {
		snprintf(msg, msglen, "%.900s: %s", upgrade_binary,
		         strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(msg, msglen, "check: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		execl(upgrade_binary, "portierd", "-C", "-f", config_file,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	size_t got = 0;
	struct pollfd pfd = {.fd = out[0], .events = POLLIN};
	uint64_t until = loop_now_ms() + UPGRADE_CHECK_MS;
	msg[0] = '\0';
	while (got + 1 < msglen && poll(&pfd, 1, UPGRADE_CHECK_MS) > 0) {
		ssize_t n = read(out[0], msg + got, msglen - got - 1);
		if (n <= 0 || loop_now_ms() > until)
			break;
		got += (size_t)n;
	}
	msg[got] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	close(out[0]);
	return upgrade_check_status(pid, until);
}

static void
upgrade_hex(FILE *fp, const void *p, size_t len)
{
	const unsigned char *b = p;

	if (len == 0)
		fputc('-', fp);
	for (size_t i = 0; i < len; i++)
		fprintf(fp, "%02x", b[i]);
}

static void
upgrade_write_child(pid_t pid, const struct service *svc,
                    const struct sockaddr *peer, socklen_t peerlen,
                    uint64_t start_ms, void *arg)
{
	FILE *fp = arg;

	fprintf(fp, "child %ld %llu ", (long)pid, (unsigned long long)start_ms);
	upgrade_hex(fp, peer, peer ? peerlen : 0);
	fprintf(fp, " %s\n", svc->name);
}

/* "metrics\tNAME\tCOUNTERS": a scrape after the upgrade goes on counting. */
static void
upgrade_write_metrics(FILE *fp)
{
	const struct service *svc;
	struct textbuf line;

	textbuf_init(&line, 1 << 16);
	TAILQ_FOREACH(svc, &svc_running()->services, entry)
	{
		if (svc->metrics == NULL || strchr(svc->name, '\t') != NULL)
			continue;
		textbuf_free(&line);
		if (metrics_save(&line, svc->metrics) == 0)
			fprintf(fp, "metrics\t%s\t%s\n", svc->name, line.data);
	}
	textbuf_free(&line);
}

/* Every descriptor the next image needs, and the text describing them. */
static int
upgrade_write_state(bool inherit)
{
	const struct service *svc;
	const struct listener *l;
	int fd = inherit ? memfd_create("portier-upgrade", 0) : -1;
	int copy = fd != -1 ? dup(fd) : -1;
	FILE *fp = copy != -1 ? fdopen(copy, "w") : NULL;

	/* No room for the text (out of descriptors, say): an empty state
	 * would have the next image bind beside the listeners it was not
	 * told of, fail, and exit.  The old image serves on. */
	if (inherit && fp == NULL) {
		int err = errno;
		if (copy != -1)
			close(copy);
		if (fd != -1)
			close(fd);
		errno = err;
		return -1;
	}
	TAILQ_FOREACH(svc, &svc_running()->services, entry)
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		upgrade_set_inherit(l->fd, inherit);
		if (fp != NULL)
			fprintf(fp, "listener %d\n", l->fd);
	}
	upgrade_set_inherit(children_stderr_fd(), inherit);
	upgrade_set_inherit(upgrade_conn, inherit);
	if (fp == NULL)
		return fd;
	fprintf(fp, "started %lld\nctl %d\nstderr %d\n",
	        (long long)upgrade_started, upgrade_conn, children_stderr_fd());
	children_foreach(upgrade_write_child, fp);
	upgrade_write_metrics(fp);
	if (fclose(fp) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
upgrade_exec(void)
{
	char env[16];
	int fd = upgrade_write_state(true);

	if (fd != -1) {
		snprintf(env, sizeof(env), "%d", fd);
		setenv(UPGRADE_ENV, env, 1);
		log_info("upgrade: executing %s", upgrade_binary);
		execv(upgrade_binary, upgrade_argv);
	}
	/* Still here: the old image serves on. */
	char msg[PATH_MAX + 64];
	if (fd == -1)
		snprintf(msg, sizeof(msg), "state: %s", strerror(errno));
	else
		snprintf(msg, sizeof(msg), "exec %s: %s", upgrade_binary,
		         strerror(errno));
	unsetenv(UPGRADE_ENV);
	if (fd != -1)
		close(fd);
	upgrade_write_state(false);
	is_upgrading = false;
	gate_hold(false);
	upgrade_report(false, msg);
}

/* In-loop connections finish (bounded), then the exec. */
static void
upgrade_on_timer(void *arg)
{
	(void)arg;
	if (!gate_is_idle() && loop_now_ms() < upgrade_deadline) {
		loop_timer_set(&upgrade_timer, 10, upgrade_on_timer, NULL);
		return;
	}
	upgrade_exec();
}

void
upgrade_cancel(void)
{
	if (!is_upgrading)
		return;
	loop_timer_cancel(&upgrade_timer);
	is_upgrading = false;
	gate_hold(false);
	upgrade_report(false, "stopping");
}

void
upgrade_start(int conn, const char *config_file, time_t started)
{
	char msg[1024];

	if (is_upgrading) {
		if (conn != -1)
			control_answer_fd(conn, false,
			                  "an upgrade is under way");
		return;
	}
	upgrade_conn = conn;
	if (upgrade_check(config_file, msg, sizeof(msg)) == -1) {
		upgrade_report(false, msg[0] ? msg : "the new binary failed");
		return;
	}
	is_upgrading = true;
	upgrade_started = started;
	upgrade_deadline = loop_now_ms() + UPGRADE_DRAIN_MS;
	gate_hold(true);
	upgrade_on_timer(NULL);
}

/* New image: read the state the old one wrote (it is small). */
static char *
upgrade_read_state(int fd)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);
	ssize_t n;

	while (text != NULL &&
	       (n = pread(fd, text + len, cap - len - 1, (off_t)len)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *more = realloc(text, cap *= 2);
			if (more == NULL)
				free(text);
			text = more;
		}
	}
	if (text != NULL)
		text[len] = '\0';
	close(fd);
	return text;
}

/* listen.c asks: was this address ours before the exec? */
static int
upgrade_take_listener(const struct sockaddr *addr, socklen_t len, int type)
{
	for (int i = 0; i < n_inherited; i++) {
		struct sockaddr_storage have;
		socklen_t havelen = sizeof(have);
		int t = 0;
		socklen_t tlen = sizeof(t);
		int fd = inherited[i];
		if (fd == -1 ||
		    getsockname(fd, (struct sockaddr *)&have, &havelen) == -1 ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tlen) == -1)
			continue;
		bool same =
		    t == type && havelen == len &&
		    (addr->sa_family == AF_UNIX
		         ? strcmp(
		               ((struct sockaddr_un *)&have)->sun_path,
		               ((const struct sockaddr_un *)addr)->sun_path) ==
		               0
		         : memcmp(&have, addr, len) == 0);
		if (!same)
			continue;
		inherited[i] = -1;
		upgrade_set_inherit(fd, false);
		return fd;
	}
	return -1;
}

bool
upgrade_restore_begin(void)
{
	const char *env = getenv(UPGRADE_ENV);
	int stderr_fd = -1;

	if (env == NULL)
		return false;
	int fd = (int)strtol(env, NULL, 10);
	unsetenv(UPGRADE_ENV);
	if ((upgrade_state = upgrade_read_state(fd)) == NULL)
		fatalx("upgrade: the old image's state is unreadable");
	for (char *line = upgrade_state; line != NULL && *line != '\0';) {
		int v;
		long long t;
		if (sscanf(line, "listener %d", &v) == 1 &&
		    n_inherited < UPGRADE_LISTENERS_MAX)
			inherited[n_inherited++] = v;
		else if (sscanf(line, "stderr %d", &v) == 1)
			stderr_fd = v;
		else if (sscanf(line, "ctl %d", &v) == 1)
			upgrade_conn = v;
		else if (sscanf(line, "started %lld", &t) == 1)
			upgrade_started = (time_t)t;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	upgrade_set_inherit(stderr_fd, false);
	upgrade_set_inherit(upgrade_conn, false);
	children_use_stderr(stderr_fd);
	listen_set_inherit(upgrade_take_listener);
	return true;
}

static struct service *
upgrade_find_service(const char *name, struct service **gone, int *n_gone)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &svc_running()->services, entry)
	if (!svc->is_disabled && strcmp(svc->name, name) == 0)
		return svc;
	for (int i = 0; i < *n_gone; i++)
		if (strcmp(gone[i]->name, name) == 0)
			return gone[i];
	/* The new configuration dropped it: a retired service, freed by
	 * the gate when its last handler is reaped. */
	if (*n_gone >= 64 || (svc = calloc(1, sizeof(*svc))) == NULL)
		return NULL;
	TAILQ_INIT(&svc->listeners);
	svc->name = strdup(name);
	svc->is_retired = true;
	/* Its log settings went with it: say everything about the end. */
	svc->log_on_success = LOGF_PID | LOGF_HOST | LOGF_EXIT | LOGF_DURATION;
	gone[(*n_gone)++] = svc;
	return svc;
}

static socklen_t
upgrade_unhex(const char *hex, struct sockaddr_storage *out)
{
	size_t n = strlen(hex) / 2;
	unsigned char *b = (unsigned char *)out;

	if (hex[0] == '-' || n > sizeof(*out))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 0;
		b[i] = (unsigned char)v;
	}
	return (socklen_t)n;
}

/* "child PID START_MS PEER NAME": its service reaps and logs it now. */
static int
upgrade_adopt_children(void)
{
	struct service *gone[64];
	int n_gone = 0, n = 0;

	for (char *line = upgrade_state; line != NULL && *line != '\0';) {
		long pid;
		unsigned long long start;
		char hex[2 * sizeof(struct sockaddr_storage) + 2];
		int used = 0;
		if (sscanf(line, "child %ld %llu %257s %n", &pid, &start, hex,
		           &used) == 3 &&
		    used > 0) {
			char *end = strchr(line, '\n');
			if (end != NULL)
				*end = '\0';
			struct sockaddr_storage peer;
			socklen_t plen = upgrade_unhex(hex, &peer);
			struct service *svc =
			    upgrade_find_service(line + used, gone, &n_gone);
			if (svc != NULL) {
				gate_adopt_handler(
				    svc, (pid_t)pid,
				    plen ? (struct sockaddr *)&peer : NULL,
				    plen, start);
				n++;
			}
			if (end != NULL)
				*end = '\n'; /* the metrics lines follow */
			line = end ? end + 1 : NULL;
			continue;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return n;
}

/* Counters of services the new configuration still has. */
static void
upgrade_load_metrics(void)
{
	struct service *svc;

	for (char *line = upgrade_state; line != NULL && *line != '\0';) {
		char *end = strchr(line, '\n'), *tab;
		if (end != NULL)
			*end = '\0';
		if (strncmp(line, "metrics\t", 8) == 0 &&
		    (tab = strchr(line + 8, '\t')) != NULL) {
			*tab = '\0';
			TAILQ_FOREACH(svc, &svc_running()->services, entry)
			if (svc->metrics != NULL &&
			    strcmp(svc->name, line + 8) == 0 &&
			    metrics_load(svc->metrics, tab + 1) == -1)
				log_warnx("upgrade: service %s: counters lost",
				          svc->name);
		}
		line = end ? end + 1 : NULL;
	}
}

void
upgrade_restore_finish(time_t *started)
{
	char msg[256];
	int closed = 0;

	listen_set_inherit(NULL);
	for (int i = 0; i < n_inherited; i++)
		if (inherited[i] != -1) {
			close(inherited[i]); /* its service is gone */
			closed++;
		}
	int adopted = upgrade_adopt_children();
	upgrade_load_metrics(); /* last: it cuts the text into lines */
	free(upgrade_state);
	upgrade_state = NULL;
	*started = upgrade_started;
	/* Handlers that exited while the binary changed; and the limits
	 * (wait = yes, instances) the adopted ones hold. */
	gate_reap();
	gate_hold(false);
	snprintf(msg, sizeof(msg),
	         "portierd %s, pid %ld: %d handler%s adopted, %d listener%s "
	         "closed",
	         PACKAGE_VERSION, (long)getpid(), adopted,
	         adopted == 1 ? "" : "s", closed, closed == 1 ? "" : "s");
	upgrade_report(true, msg);
}
