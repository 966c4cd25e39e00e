/* SPDX-License-Identifier: ISC */
/* harness.h -- start the real portierd on loopback and talk to it */
#ifndef PORTIER_HARNESS_H
#define PORTIER_HARNESS_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct h_daemon {
	pid_t pid;
	char dir[64]; /* private temp dir (/tmp/portier-test.XXXXXX) */
	char conf[PATH_MAX];
	char log[PATH_MAX];
	char ctl[PATH_MAX]; /* its control socket (-S) */
	int inherit_fds; /* if set, start it with fds 3 .. inherit_fds-1 open */
	/* If set, run portierd under this command (NULL-terminated argv,
	 * e.g. systemd-socket-activate -l ADDR); it must exec portierd. */
	const char *const *wrapper;
};

/* A port free on 127.0.0.1 for both TCP and UDP right now. */
uint16_t h_free_port(void);

/* Make the temp dir (once) and write NAME there; returns its path. */
const char *h_write_file(struct h_daemon *, const char *name, const char *text,
                         int mode);
void h_mkdir(struct h_daemon *);

/*
 * Write CONF_TEXT as the config and start portierd -n -f on it, then
 * wait (bounded) for its "ready" line.  Fails the test on any problem.
 */
void h_start(struct h_daemon *, const char *conf_text);
/* Like h_start, but return false instead of failing if it exits early. */
bool h_try_start(struct h_daemon *, const char *conf_text);
/* SIGTERM by PID; assert exit 0 and that no handler was left behind. */
void h_stop(struct h_daemon *);
/* Remove the daemon's temp dir (h_stop does, once all went well). */
void h_remove_dir(struct h_daemon *);
/* Criterion .fini: kill every daemon this test started, by PID. */
void h_cleanup(void);
/* Also kill PID in h_cleanup (a daemon that forked itself away). */
void h_track(pid_t);
/* Forget PID once reaped: a reused PID must never be signalled. */
void h_untrack(pid_t);
/* Children of the daemon right now (from /proc). */
int h_count_children(pid_t);
/* Up to MAX of PID's children into PIDS; returns how many. */
int h_children(pid_t, pid_t *pids, int max);
/* True while PID exists and is not a zombie. */
bool h_alive(pid_t);
int h_count_fds(pid_t);
/* Ticks of user + system CPU PID has used; -1 if it cannot be read. */
long h_cpu_ticks(pid_t);
/* Can we bind ::1 here?  IPv6 tests skip when not. */
bool h_have_ipv6(void);

bool h_log_wait(struct h_daemon *, const char *needle, int timeout_ms);
/* Wait until NEEDLE occurs COUNT times or more. */
bool h_log_wait_count(struct h_daemon *, const char *needle, int count,
                      int timeout_ms);
bool h_log_contains(struct h_daemon *, const char *needle);
int h_log_count(struct h_daemon *, const char *needle);
/* The whole log, malloc'd. */
char *h_log_read(struct h_daemon *);
/* Rewrite the config and send SIGHUP; wait for "reloaded" number N. */
void h_reload(struct h_daemon *, const char *conf_text, const char *expect);

/* TCP connect with a 5 s cap; -1 on failure.  HOST is numeric. */
int h_connect(const char *host, uint16_t port);
int h_connect_from(const char *src, const char *host, uint16_t port);
int h_connect_unix(const char *path, int type);
/* Send and wait up to TIMEOUT_MS for one reply datagram. */
ssize_t h_udp_exchange(const char *host, uint16_t port, const void *msg,
                       size_t len, void *reply, size_t replylen,
                       int timeout_ms);
int h_write_all(int fd, const void *buf, size_t len);
/* Read until EOF, LEN bytes, or the timeout; returns bytes read. */
ssize_t h_read_all(int fd, void *buf, size_t len, int timeout_ms);
/* Send IN, half-close, read everything back (malloc'd, NUL-added). */
char *h_roundtrip(const char *host, uint16_t port, const void *in, size_t inlen,
                  size_t *outlen);

/* Monotonic milliseconds, for bounded waits. */
long h_now_ms(void);
/* Wait up to TIMEOUT_MS for PID to be gone (or a zombie). */
bool h_wait_gone(pid_t, int timeout_ms);
/* A process of ours sending SIGNO to PID without pause for up to MS
 * (or until PID is gone); the caller SIGKILLs and reaps it. */
pid_t h_signal_storm(pid_t pid, int signo, long ms);
/* Service "cat": /bin/cat, wait = no, on 127.0.0.1:PORT (h_conf's buffer). */
const char *h_conf_cat(uint16_t port);
/* printf into a static buffer: the config text of one test. */
const char *h_conf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of a helper program built in tests/helpers. */
#define H_HELPER(name) TOP_BUILDDIR "/tests/" name
/* Tests run as root: say so, or handlers would run as nobody. */
#define H_DEFAULTS "defaults { user = \"root\" }\n"
/* The inode of the TCP socket listening on 127.0.0.1:PORT, or 0. */
unsigned long h_listen_inode(uint16_t port);

/* REPLY (N bytes) must be exactly "NAME PID: MSG"; returns PID. */
long h_reply_pid(const char *reply, ssize_t n, const char *name,
                 const char *msg);
/* Ask tests/helpers/accepter (TCP) or udpecho (UDP) on 127.0.0.1:PORT;
 * the PID of the handler that answered. */
long h_accepter_ask(uint16_t port, const char *msg);
long h_udpecho_ask(uint16_t port, const char *msg);

/* Run a shell command; its stdout (malloc'd) and exit status. */
char *h_run(const char *cmd, int *status);

#endif
