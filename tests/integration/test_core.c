/* SPDX-License-Identifier: ISC */
/* test_core.c -- the real portierd: the server shapes, handler contract */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(core, .fini = h_cleanup, .timeout = 60);

Test(core, tcp_wait_no_roundtrip_is_exact)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t len = 256 * 1024, n;
	char *in = malloc(len);

	/* NUL and high bytes, longer than any socket buffer. */
	for (size_t i = 0; i < len; i++)
		in[i] = (char)((i * 7) ^ (i >> 9));
	h_start(&d, h_conf_cat(port));
	char *out = h_roundtrip("127.0.0.1", port, in, len, &n);
	cr_assert_eq(n, len, "got %zu of %zu bytes", n, len);
	cr_assert_arr_eq(out, in, len);
	free(out);
	free(in);
	h_stop(&d);
}

#define N_CLIENTS 20
#define CLIENT_BYTES 32768

struct client {
	int fd;
	size_t sent, got;
	char in[CLIENT_BYTES], out[CLIENT_BYTES];
};

/* One poll step for every client: write what is left, read what came. */
static void
clients_step(struct client *c, int n)
{
	struct pollfd pfd[N_CLIENTS];

	for (int i = 0; i < n; i++) {
		pfd[i].fd = c[i].got < CLIENT_BYTES ? c[i].fd : -1;
		pfd[i].events =
		    POLLIN | (c[i].sent < CLIENT_BYTES ? POLLOUT : 0);
	}
	if (poll(pfd, (nfds_t)n, 1000) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents & POLLOUT) {
			ssize_t k = write(c[i].fd, c[i].in + c[i].sent,
			                  CLIENT_BYTES - c[i].sent);
			if (k > 0 && (c[i].sent += (size_t)k) == CLIENT_BYTES)
				shutdown(c[i].fd, SHUT_WR);
		}
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(c[i].fd, c[i].out + c[i].got,
			                 CLIENT_BYTES - c[i].got);
			if (k > 0)
				c[i].got += (size_t)k;
			else if (k == 0 || errno != EAGAIN)
				c[i].got = CLIENT_BYTES + 1; /* done, short */
		}
	}
}

Test(core, twenty_clients_at_once_byte_exact)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	struct client *c = calloc(N_CLIENTS, sizeof(*c));
	int busy = 0;

	h_start(&d, h_conf_cat(port));
	for (int i = 0; i < N_CLIENTS; i++) {
		for (size_t j = 0; j < CLIENT_BYTES; j++)
			c[i].in[j] = (char)(i * 31 + j * 13 + (j >> 8));
		c[i].fd = h_connect("127.0.0.1", port);
		cr_assert_neq(c[i].fd, -1, "client %d: %s", i, strerror(errno));
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
	}
	/* All twenty are connected before any has sent a byte. */
	long deadline = h_now_ms() + 20000;
	do {
		clients_step(c, N_CLIENTS);
		int live = 0;
		for (int i = 0; i < N_CLIENTS; i++)
			live += c[i].got < CLIENT_BYTES;
		busy = live;
	} while (busy > 0 && h_now_ms() < deadline);
	for (int i = 0; i < N_CLIENTS; i++) {
		cr_assert_eq(c[i].got, CLIENT_BYTES, "client %d got %zu", i,
		             c[i].got);
		cr_assert_arr_eq(c[i].out, c[i].in, CLIENT_BYTES,
		                 "client %d: bytes differ", i);
		close(c[i].fd);
	}
	free(c);
	h_stop(&d);
}

Test(core, tcp_wait_yes_one_handler_accepts_then_rearms)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, h_conf(H_DEFAULTS "service acc {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n wait = yes\n"
	                              " server = \"%s\"\n}\n",
	                   port, H_HELPER("accepter")));
	long first = h_accepter_ask(port, "one");
	/* While it runs the master does not watch the socket: same PID. */
	cr_assert_eq(h_accepter_ask(port, "two"), first);
	cr_assert_eq(h_accepter_ask(port, "three"), first);
	cr_assert_eq(h_count_children(d.pid), 1);
	/* It exits after a second idle; the next client gets a new one. */
	cr_assert(h_wait_gone((pid_t)first, 5000));
	long second = h_accepter_ask(port, "four");
	cr_assert_neq(second, first);
	h_stop(&d);
}

Test(core, udp_wait_yes_one_handler_then_rearms)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, h_conf(H_DEFAULTS "service u {\n socket_type = dgram\n"
	                              " protocol = udp\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n wait = yes\n"
	                              " server = \"%s\"\n}\n",
	                   port, H_HELPER("udpecho")));
	long first = h_udpecho_ask(port, "ping");
	cr_assert_eq(h_udpecho_ask(port, "pong"), first);
	cr_assert_eq(h_count_children(d.pid), 1);
	cr_assert(h_wait_gone((pid_t)first, 5000));
	long second = h_udpecho_ask(port, "again");
	cr_assert_neq(second, first);
	h_stop(&d);
}

Test(core, unix_stream_socket_with_mode)
{
	struct h_daemon d = {0};
	char path[128], buf[64];
	struct stat st;

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/cat.sock", d.dir);
	h_start(&d, h_conf(H_DEFAULTS "service ucat {\n socket = \"%s\"\n"
	                              " socket_mode = \"0600\"\n"
	                              " server = \"/bin/cat\"\n}\n",
	                   path));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	for (int i = 0; i < 3; i++) {
		int fd = h_connect_unix(path, SOCK_STREAM);
		cr_assert_neq(fd, -1, "connect %s: %s", path, strerror(errno));
		cr_assert_eq(h_write_all(fd, "over unix\n", 10), 0);
		shutdown(fd, SHUT_WR);
		cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 10);
		cr_assert_arr_eq(buf, "over unix\n", 10);
		close(fd);
	}
	h_stop(&d);
}

Test(core, unix_dgram_socket_wait_yes)
{
	struct h_daemon d = {0};
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	char path[128], buf[128];

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/udp.sock", d.dir);
	h_start(&d, h_conf(H_DEFAULTS "service uecho {\n socket = \"%s\"\n"
	                              " socket_type = dgram\n wait = yes\n"
	                              " server = \"%s\"\n}\n",
	                   path, H_HELPER("udpecho")));
	int fd = h_connect_unix(path, SOCK_DGRAM);
	cr_assert_neq(fd, -1, "connect %s: %s", path, strerror(errno));
	/* A datagram client needs a name of its own to be answered. */
	snprintf(me.sun_path, sizeof(me.sun_path), "%s/client.sock", d.dir);
	cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	cr_assert_eq(send(fd, "ping", 4, 0), 4);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "no reply datagram");
	h_reply_pid(buf, recv(fd, buf, sizeof(buf), 0), "udp", "ping");
	close(fd);
	h_stop(&d);
}

static void
make_stale_socket(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd); /* the file stays, nothing listens: stale */
}

Test(core, unix_stale_socket_replaced_regular_file_kept)
{
	struct h_daemon d = {0}, d2 = {0};
	char path[128], buf[16];
	size_t n = 0;

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/stale.sock", d.dir);
	make_stale_socket(path);
	h_start(&d, h_conf(H_DEFAULTS "service ucat {\n socket = \"%s\"\n"
	                              " server = \"/bin/cat\"\n}\n",
	                   path));
	int fd = h_connect_unix(path, SOCK_STREAM);
	cr_assert_neq(fd, -1, "connect %s: %s", path, strerror(errno));
	h_write_all(fd, "x\n", 2);
	shutdown(fd, SHUT_WR);
	cr_assert_eq(h_read_all(fd, buf, sizeof(buf), 5000), 2);
	close(fd);
	h_stop(&d);

	/* A file that is not a socket is somebody's data: refuse. */
	h_mkdir(&d2);
	snprintf(path, sizeof(path), "%s/data", d2.dir);
	FILE *fp = fopen(path, "w");
	fputs("precious\n", fp);
	fclose(fp);
	cr_assert_not(h_try_start(
	    &d2, h_conf(H_DEFAULTS "service ucat {\n socket = \"%s\"\n"
	                           " server = \"/bin/cat\"\n}\n",
	                path)));
	char *log = h_log_read(&d2);
	cr_assert(strstr(log, "ucat") && strstr(log, path), "%s", log);
	free(log);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "the regular file was removed");
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	cr_assert_eq(n, 9);
	cr_assert_arr_eq(buf, "precious\n", 9);
}

/* Connect, send nothing, read the handler's whole answer. */
static char *
fetch(const char *host, uint16_t port, uint16_t *client_port)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);
	char *buf = calloc(1, 65536);
	int fd = h_connect(host, port);

	cr_assert_neq(fd, -1, "connect %s %u: %s", host, port, strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	if (client_port != NULL)
		*client_port =
		    ntohs(me.ss_family == AF_INET6
		              ? ((struct sockaddr_in6 *)&me)->sin6_port
		              : ((struct sockaddr_in *)&me)->sin_port);
	shutdown(fd, SHUT_WR);
	h_read_all(fd, buf, 65535, 5000);
	close(fd);
	return buf;
}

/* Every "env NAME=" line of envdump's report names one of ALLOWED. */
static void
assert_env_only(const char *out, const char *const *allowed)
{
	for (const char *p = out; (p = strstr(p, "env ")) != NULL; p++) {
		if (p != out && p[-1] != '\n')
			continue;
		const char *name = p + 4;
		size_t len = strcspn(name, "=\n");
		bool ok = false;
		for (int i = 0; allowed[i] != NULL && !ok; i++)
			ok = strlen(allowed[i]) == len &&
			     strncmp(allowed[i], name, len) == 0;
		cr_assert(ok, "unexpected variable %.*s in\n%s", (int)len, name,
		          out);
	}
}

/* OUT has LINE, where a leading newline also matches at the start. */
static void
assert_has(const char *out, const char *line)
{
	char *text = NULL;

	cr_assert_neq(asprintf(&text, "\n%s", out), -1);
	cr_assert_not_null(strstr(text, line), "no \"%s\" in\n%s", line, out);
	free(text);
}

Test(core, handler_environment_is_built_from_nothing)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), cport;
	char want[128];
	static const char *const allowed[] = {
	    "PROTO",        "TCPREMOTEIP", "TCPREMOTEPORT",   "TCPLOCALIP",
	    "TCPLOCALPORT", "REMOTE_HOST", "PORTIER_SERVICE", "GREETING",
	    "PASSME",       NULL};

	/* The daemon inherits these from us; only PASSME may go through. */
	setenv("PORTIER_SECRET", "must-not-leak", 1);
	setenv("PASSME", "passed", 1);
	h_start(&d, h_conf(H_DEFAULTS "service envd {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"%s\"\n"
	                              " env = {\"GREETING=hello world\"}\n"
	                              " passenv = {\"PASSME\", \"UNSET_X\"}\n"
	                              "}\n",
	                   port, H_HELPER("envdump")));
	char *out = fetch("127.0.0.1", port, &cport);
	assert_env_only(out, allowed);
	assert_has(out, "\nenv PROTO=TCP\n");
	assert_has(out, "\nenv TCPREMOTEIP=127.0.0.1\n");
	snprintf(want, sizeof(want), "\nenv TCPREMOTEPORT=%u\n", cport);
	assert_has(out, want);
	assert_has(out, "\nenv REMOTE_HOST=127.0.0.1\n");
	assert_has(out, "\nenv TCPLOCALIP=127.0.0.1\n");
	snprintf(want, sizeof(want), "\nenv TCPLOCALPORT=%u\n", port);
	assert_has(out, want);
	assert_has(out, "\nenv PORTIER_SERVICE=envd\n");
	assert_has(out, "\nenv GREETING=hello world\n");
	assert_has(out, "\nenv PASSME=passed\n");
	/* Exactly fds 0, 1 and 2 reach the handler. */
	assert_has(out, "\nfd 0\nfd 1\nfd 2\nuid ");
	free(out);
	h_stop(&d);
}

/* envdump's "uid/gid/groups" lines for a service with CREDENTIALS. */
static char *
credentials_of(struct h_daemon *d, const char *credentials)
{
	uint16_t port = h_free_port();
	char cmd[256];
	int status;

	/* A copy nobody can reach, wherever the build tree lives. */
	h_mkdir(d);
	snprintf(cmd, sizeof(cmd), "cp %s %s/envdump", H_HELPER("envdump"),
	         d->dir);
	free(h_run(cmd, &status));
	cr_assert_eq(status, 0);
	h_start(d, h_conf("service who {\n port = %u\n bind = \"127.0.0.1\"\n"
	                  " server = \"%s/envdump\"\n %s\n}\n",
	                  port, d->dir, credentials));
	char *out = fetch("127.0.0.1", port, NULL);
	h_stop(d);
	char *at = strstr(out, "\nuid ");
	cr_assert_not_null(at, "%s", out);
	memmove(out, at + 1, strlen(at));
	char *groups = strstr(out, "groups");
	cr_assert_not_null(groups, "%s", out);
	groups[strcspn(groups, "\n") + 1] = '\0';
	return out;
}

/* "uid U\ngid G\ngroups\n" for USER's own uid and GROUP's gid. */
static const char *
credentials_want(const char *user, const char *group)
{
	static char want[128];
	struct passwd *pw = getpwnam(user);
	cr_assert_not_null(pw, "no user %s here", user);
	long uid = (long)pw->pw_uid, gid = (long)pw->pw_gid;

	if (group != NULL) {
		struct group *gr = getgrnam(group);
		cr_assert_not_null(gr, "no group %s here", group);
		gid = (long)gr->gr_gid;
	}
	snprintf(want, sizeof(want), "uid %ld\ngid %ld\ngroups\n", uid, gid);
	return want;
}

/* The disposition mask named FIELD in /proc/PID/status text STATUS. */
static unsigned long long
status_mask(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	cr_assert_not_null(p, "no %s in %s", field, status);
	return strtoull(p + strlen(field), NULL, 16);
}

/* A handler starts with every signal at its default, whatever the master
 * catches (TERM, HUP, ...) or ignores (PIPE), and whatever the master's
 * own parent left ignored (here QUIT and TSTP, inherited from us).  The
 * two signals glibc keeps for itself (32, 33) no sigaction can reset. */
Test(core, handler_signals_are_all_default)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	unsigned long long libc_own = 3ULL << 31;
	size_t n;

	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	h_start(&d, h_conf(H_DEFAULTS "service sigs {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/cat\"\n"
	                              " server_args = {\"/proc/self/status\"}"
	                              "\n}\n",
	                   port));
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	cr_assert_eq(status_mask(out, "\nSigIgn:\t") & ~libc_own, 0, "%s", out);
	cr_assert_eq(status_mask(out, "\nSigCgt:\t"), 0, "%s", out);
	free(out);
	h_stop(&d);
}

Test(core, handlers_drop_to_the_configured_credentials)
{
	struct h_daemon d1 = {0}, d2 = {0}, d3 = {0};

	if (geteuid() != 0)
		cr_skip_test("credentials are only changed when run as root");
	/* No user: nobody, its group, no supplementary groups. */
	char *out = credentials_of(&d1, "");
	cr_assert_str_eq(out, credentials_want("nobody", NULL));
	free(out);
	out = credentials_of(&d2, "user = \"daemon\"");
	cr_assert_str_eq(out, credentials_want("daemon", NULL));
	free(out);
	out = credentials_of(&d3, "user = \"daemon\" group = \"nogroup\"");
	cr_assert_str_eq(out, credentials_want("daemon", "nogroup"));
	free(out);
}

Test(core, wait_yes_environment_and_descriptors)
{
	struct h_daemon d = {0};
	uint16_t tport = h_free_port(), uport = h_free_port();
	char buf[4096];
	static const char *const allowed[] = {
	    "PROTO",      "TCPLOCALIP", "TCPLOCALPORT",      "PORTIER_SERVICE",
	    "LISTEN_FDS", "LISTEN_PID", "PORTIER_UDP_PORTS", NULL};
	char udp_ports[64];

	h_start(&d,
	        h_conf(H_DEFAULTS "service wt {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n wait = yes\n"
	                          " server = \"%s\"\n}\n"
	                          "service wu {\n port = %u\n"
	                          " protocol = udp\n socket_type = dgram\n"
	                          " bind = \"127.0.0.1\"\n wait = yes\n"
	                          " server = \"%s\"\n}\n",
	               tport, H_HELPER("envdump"), uport, H_HELPER("envdump")));
	char *out = fetch("127.0.0.1", tport, NULL);
	assert_env_only(out, allowed);
	assert_has(out, "\nenv PROTO=TCP\n");
	assert_has(out, "\nenv PORTIER_SERVICE=wt\n");
	assert_has(out, "\nenv LISTEN_FDS=1\n");
	assert_has(out, "listen_pid self\n");
	cr_assert_null(strstr(out, "PORTIER_UDP_PORTS"), "for UDP only");
	/* systemd's protocol: the socket is on fd 3 as well. */
	assert_has(out, "\nfd 0\nfd 1\nfd 2\nfd 3\nuid ");
	free(out);

	ssize_t n = h_udp_exchange("127.0.0.1", uport, "?", 1, buf,
	                           sizeof(buf) - 1, 5000);
	cr_assert_gt(n, 0, "no reply datagram");
	buf[n] = '\0';
	assert_env_only(buf, allowed);
	assert_has(buf, "env PROTO=UDP\n");
	assert_has(buf, "\nenv PORTIER_SERVICE=wu\n");
	/* Every UDP port served, for the handlers' loop guard. */
	snprintf(udp_ports, sizeof(udp_ports), "\nenv PORTIER_UDP_PORTS=%u\n",
	         uport);
	assert_has(buf, udp_ports);
	assert_has(buf, "\nenv LISTEN_FDS=1\n");
	assert_has(buf, "listen_pid self\n");
	assert_has(buf, "\nfd 0\nfd 1\nfd 2\nfd 3\nuid ");
	h_stop(&d);
}

Test(core, ipv6_loopback_and_its_environment)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), eport = h_free_port(), cport;
	char want[64];
	size_t n;

	if (!h_have_ipv6())
		cr_skip_test("::1 is not available here");
	h_start(&d,
	        h_conf(H_DEFAULTS "service cat6 {\n port = %u\n"
	                          " bind = \"::1\"\n server = \"/bin/cat\"\n"
	                          "}\n"
	                          "service env6 {\n port = %u\n"
	                          " bind = \"::1\"\n server = \"%s\"\n}\n"
	                          "service udp6 {\n port = %u\n"
	                          " bind = \"::1\"\n protocol = udp\n"
	                          " socket_type = dgram\n wait = yes\n"
	                          " server = \"%s\"\n}\n",
	               port, eport, H_HELPER("envdump"), eport,
	               H_HELPER("envdump")));
	char *out = h_roundtrip("::1", port, "six\n", 4, &n);
	cr_assert_str_eq(out, "six\n");
	free(out);
	/* Bound to ::1 only: IPv4 loopback is not served. */
	cr_assert_eq(h_connect("127.0.0.1", port), -1);
	out = fetch("::1", eport, &cport);
	assert_has(out, "env PROTO=TCP6\n");
	assert_has(out, "\nenv TCPREMOTEIP=::1\n");
	assert_has(out, "\nenv TCPLOCALIP=::1\n");
	snprintf(want, sizeof(want), "\nenv TCPREMOTEPORT=%u\n", cport);
	assert_has(out, want);
	free(out);
	/* The same port number over UDP is another service. */
	char buf[4096];
	ssize_t got =
	    h_udp_exchange("::1", eport, "?", 1, buf, sizeof(buf) - 1, 5000);
	cr_assert_gt(got, 0, "no reply datagram over ::1");
	buf[got] = '\0';
	assert_has(buf, "env PROTO=UDP6\n");
	assert_has(buf, "\nenv PORTIER_SERVICE=udp6\n");
	assert_has(buf, "\nenv TCPLOCALIP=::1\n");
	h_stop(&d);
}

Test(core, unset_bind_is_dual_stack)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, h_conf(H_DEFAULTS "service any {\n port = %u\n"
	                              " server = \"%s\"\n}\n",
	                   port, H_HELPER("envdump")));
	/* An IPv4 client of a dual-stack socket is plain IPv4 to UCSPI. */
	char *out = fetch("127.0.0.1", port, NULL);
	assert_has(out, "env PROTO=TCP\n");
	assert_has(out, "\nenv TCPREMOTEIP=127.0.0.1\n");
	free(out);
	if (h_have_ipv6()) {
		out = fetch("::1", port, NULL);
		assert_has(out, "env PROTO=TCP6\n");
		assert_has(out, "\nenv TCPREMOTEIP=::1\n");
		free(out);
	}
	h_stop(&d);
}

Test(core, unix_handler_environment)
{
	struct h_daemon d = {0};
	char path[128], buf[4096];

	h_mkdir(&d);
	snprintf(path, sizeof(path), "%s/env.sock", d.dir);
	h_start(&d, h_conf(H_DEFAULTS "service uenv {\n socket = \"%s\"\n"
	                              " server = \"%s\"\n}\n",
	                   path, H_HELPER("envdump")));
	int fd = h_connect_unix(path, SOCK_STREAM);
	cr_assert_neq(fd, -1);
	shutdown(fd, SHUT_WR);
	ssize_t n = h_read_all(fd, buf, sizeof(buf) - 1, 5000);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	assert_has(buf, "env PROTO=UNIX\n");
	assert_has(buf, "\nenv PORTIER_SERVICE=uenv\n");
	assert_has(buf, "\nfd 0\nfd 1\nfd 2\nuid ");
	h_stop(&d);
}

Test(core, handler_stderr_goes_to_the_log_not_the_client)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char want[128];
	size_t n;

	h_start(&d, h_conf(H_DEFAULTS "service err {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"echo $$; echo "
	                              "secret-diagnostic >&2; echo ok\"}\n"
	                              "}\n",
	                   port));
	char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
	long pid = strtol(out, NULL, 10);
	snprintf(want, sizeof(want), "%ld\nok\n", pid);
	cr_assert_str_eq(out, want, "the client got the handler's stderr");
	free(out);
	/* A whole line of its own: "SERVICE[PID]: line". */
	snprintf(want, sizeof(want), "\nerr[%ld]: secret-diagnostic\n", pid);
	cr_assert(h_log_wait(&d, want, 5000), "no %s in the log", want + 1);
	h_stop(&d);
}

Test(core, stderr_of_a_handlers_child_names_the_service)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[64], want[96];

	/*
	 * A shell script's commands write to the same fd 2: their lines are
	 * "sub[HANDLER] child WRITER:", the handler's PID first, whoever
	 * wrote them (the writer's PID comes from the kernel).
	 */
	h_start(&d, h_conf(H_DEFAULTS "service sub {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/sh\"\n"
	                              " server_args = {\"-c\", \"sh -c 'echo "
	                              "$$ >&2; read x'; echo done\"}\n"
	                              "}\n",
	                   port));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_neq(fd, -1);
	cr_assert(h_log_wait(&d, "sub[", 5000), "no line tagged sub[");
	char *log = h_log_read(&d), *end;
	long handler = strtol(strstr(log, "sub[") + 4, &end, 10);
	cr_assert_eq(strncmp(end, "] child ", 8), 0, "%s", log);
	long writer = strtol(end + 8, NULL, 10);
	free(log);
	cr_assert_neq(handler, writer);
	/* The line is the inner shell's PID, written by that shell itself. */
	snprintf(want, sizeof(want), "\nsub[%ld] child %ld: %ld\n", handler,
	         writer, writer);
	cr_assert(h_log_contains(&d, want), "no %s", want + 1);
	cr_assert_eq(h_write_all(fd, "x\n", 2), 0);
	ssize_t n = h_read_all(fd, buf, sizeof(buf), 5000);
	close(fd);
	cr_assert_eq(n, 5);
	cr_assert_arr_eq(buf, "done\n", 5);
	cr_assert_not(h_log_contains(&d, "handler["), "untagged line");
	h_stop(&d);
}

Test(core, stderr_of_short_lived_commands_names_the_service)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t n;

	/* ls writes, exits and is reaped at once: often before we read. */
	h_start(&d,
	        h_conf(H_DEFAULTS "service lsr {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/sh\"\n"
	                          " server_args = {\"-c\", \"ls "
	                          "/nonexistent-portier-path; echo done\"}\n"
	                          "}\n",
	               port));
	for (int i = 0; i < 20; i++) {
		char *out = h_roundtrip("127.0.0.1", port, "", 0, &n);
		cr_assert_str_eq(out, "done\n");
		free(out);
	}
	cr_assert(h_log_wait_count(&d, "/nonexistent-portier-path", 20, 5000));
	cr_assert_eq(h_log_count(&d, "\nlsr["), 20, "%d of 20 tagged lsr[",
	             h_log_count(&d, "\nlsr["));
	h_stop(&d);
}

Test(core, stderr_volume_is_logged_whole)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	char buf[16];
	int fds[4];

	/* 4 handlers at once, 150000 bytes each, in 1024-byte log lines. */
	h_start(&d,
	        h_conf(H_DEFAULTS "service big {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/sh\"\n"
	                          " server_args = {\"-c\", \"head -c 150000 "
	                          "/dev/zero | tr '\\\\000' Q >&2; echo ok\"}\n"
	                          "}\n",
	               port));
	for (int i = 0; i < 4; i++)
		cr_assert_neq(fds[i] = h_connect("127.0.0.1", port), -1);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(h_read_all(fds[i], buf, sizeof(buf), 10000), 3);
		cr_assert_arr_eq(buf, "ok\n", 3);
		close(fds[i]);
	}
	cr_assert(h_log_wait_count(&d, "Q", 600000, 10000),
	          "%d of 600000 bytes logged", h_log_count(&d, "Q"));
	cr_assert_eq(h_log_count(&d, "Q"), 600000);
	/* -l debug adds the gate's lines; every other line is the handler's */
	cr_assert_eq(h_log_count(&d, "\nbig[") +
	                 h_log_count(&d, "\nportierd: gate: "),
	             h_log_count(&d, "\n") - 1, "a line not tagged big[");
	h_stop(&d);
}

#define SPAM_CLIENTS 8
#define SPAM_LINES 40

Test(core, concurrent_handlers_stderr_lines_keep_their_pid)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	int fds[SPAM_CLIENTS];
	char buf[32], want[96];

	h_start(&d,
	        h_conf(H_DEFAULTS "service spam {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/sh\"\n"
	                          " server_args = {\"-c\", \"read x; i=0; "
	                          "while [ $i -lt %d ]; do echo line $i "
	                          "of $$ >&2; i=$((i+1)); done; echo $$\"}\n"
	                          "}\n",
	               port, SPAM_LINES));
	for (int i = 0; i < SPAM_CLIENTS; i++) {
		fds[i] = h_connect("127.0.0.1", port);
		cr_assert_neq(fds[i], -1);
	}
	/* Start them all together so their lines interleave. */
	for (int i = 0; i < SPAM_CLIENTS; i++)
		h_write_all(fds[i], "go\n", 3);
	for (int i = 0; i < SPAM_CLIENTS; i++) {
		ssize_t n = h_read_all(fds[i], buf, sizeof(buf) - 1, 10000);
		close(fds[i]);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		long pid = strtol(buf, NULL, 10);
		snprintf(want, sizeof(want), "\nspam[%ld]: line %d of %ld\n",
		         pid, SPAM_LINES - 1, pid);
		cr_assert(h_log_wait(&d, want, 5000), "no %s", want + 1);
		for (int j = 0; j < SPAM_LINES; j++) {
			snprintf(want, sizeof(want),
			         "\nspam[%ld]: line %d of %ld\n", pid, j, pid);
			cr_assert_eq(h_log_count(&d, want), 1,
			             "line %d of handler %ld", j, pid);
		}
	}
	h_stop(&d);
}

Test(core, missing_handler_is_logged_and_next_connection_works)
{
	struct h_daemon d = {0};
	uint16_t bad = h_free_port(), good = h_free_port();
	char handler[PATH_MAX], want[PATH_MAX + 64];
	size_t n;

	/* -C refuses a missing server at load: it goes away at run time. */
	strlcpy(handler, h_write_file(&d, "handler", "#!/bin/sh\n", 0755),
	        sizeof(handler));
	h_start(&d, h_conf(H_DEFAULTS "service nothere {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"%s\"\n}\n"
	                              "service cat {\n port = %u\n"
	                              " bind = \"127.0.0.1\"\n"
	                              " server = \"/bin/cat\"\n}\n",
	                   bad, handler, good));
	cr_assert_eq(unlink(handler), 0);
	snprintf(want, sizeof(want), "exec %s: No such file or directory",
	         handler);
	char *out = h_roundtrip("127.0.0.1", bad, "x", 1, &n);
	cr_assert_eq(n, 0);
	free(out);
	cr_assert(h_log_wait(&d, want, 5000));
	out = h_roundtrip("127.0.0.1", good, "still\n", 6, &n);
	cr_assert_str_eq(out, "still\n");
	free(out);
	/* The failing service itself keeps accepting, and says why. */
	out = h_roundtrip("127.0.0.1", bad, "x", 1, &n);
	cr_assert_eq(n, 0);
	free(out);
	cr_assert(h_log_wait_count(&d, "exited with status 111", 2, 5000));
	cr_assert(h_log_wait_count(&d, want, 2, 5000));
	h_stop(&d);
}

Test(core, crashing_handler_does_not_hurt_the_master)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), good = h_free_port();
	size_t n;

	h_start(&d,
	        h_conf(H_DEFAULTS "service crash {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/sh\"\n"
	                          " server_args = {\"-c\", \"kill -SEGV $$\"}\n"
	                          "}\n"
	                          "service cat {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"/bin/cat\"\n}\n",
	               port, good));
	for (int i = 0; i < 5; i++)
		free(h_roundtrip("127.0.0.1", port, "", 0, &n));
	cr_assert(h_log_wait(&d, "killed by signal 11", 5000));
	char *out = h_roundtrip("127.0.0.1", good, "fine\n", 5, &n);
	cr_assert_str_eq(out, "fine\n");
	free(out);
	h_stop(&d);
}
