/* SPDX-License-Identifier: ISC */
/* test_memory.c -- what the running master maps: its libraries, shared libc */
#include <config.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "trim.h"

TestSuite(memory, .fini = h_cleanup, .timeout = 60);

/* /proc/PID/NAME, open for reading. */
static FILE *
memory_proc(pid_t pid, const char *name)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	return f;
}

/* Whether any mapping of process PID names a file containing NEEDLE. */
static bool
memory_maps(pid_t pid, const char *needle)
{
	FILE *f = memory_proc(pid, "maps");
	bool found = false;
	char line[512];

	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * Of the code of FILE (a part of its path) in process PID, how many kB
 * are resident (RSS) and how large it is (SIZE), over its mappings
 * (trim.c may split one in two).  Each mapping's lines follow its address
 * range.
 */
static void
memory_code(pid_t pid, const char *file, long *rss, long *size)
{
	FILE *f = memory_proc(pid, "smaps");
	bool in_file = false;
	char line[512], perms[8];

	*rss = *size = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*x-%*x %7s", perms) == 1)
			in_file = strcmp(perms, "r-xp") == 0 &&
			          strstr(line, file) != NULL;
		else if (in_file && strncmp(line, "Size:", 5) == 0)
			*size += strtol(line + 5, NULL, 10);
		else if (in_file && strncmp(line, "Rss:", 4) == 0)
			*rss += strtol(line + 4, NULL, 10);
	}
	fclose(f);
	cr_assert(*size > 0, "no code mapping of %s", file);
}

/*
 * A config load runs code the loop never does (libConfuse, the checks,
 * user lookups), and the kernel maps it 64 kB at a time: once ready, and
 * again after a reload, the master has given that back (trim.c).  About
 * half of libc's code stays mapped in it, against nine tenths without;
 * where the kernel maps it back a page at a time (trim_maps_single_pages,
 * asked of this process's kernel, the daemon's too), an eighth.
 */
static void
memory_code_given_back(pid_t pid, const char *when)
{
	long rss, size, most;

	memory_code(pid, "/libc.so", &rss, &size);
	most = trim_maps_single_pages() ? size / 4 : size * 3 / 4;
	cr_assert_lt(rss, most, "%s: %ld of libc's %ld kB of code mapped", when,
	             rss, size);
}

Test(memory, master_gives_back_the_code_a_load_used)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port(), other = h_free_port();
	size_t n = 0;
	char *reply;

	h_start(&d, h_conf_cat(port));
	memory_code_given_back(d.pid, "ready");
	/* A second service: the reload builds and starts something new. */
	h_reload(&d,
	         h_conf(H_DEFAULTS
	                "service cat {\n port = %u\n"
	                " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n}\n"
	                "service cat2 {\n port = %u\n"
	                " bind = \"127.0.0.1\"\n server = \"/bin/cat\"\n}\n",
	                port, other),
	         "reloaded");
	memory_code_given_back(d.pid, "reloaded");
	reply = h_roundtrip("127.0.0.1", other, "code\n", 5, &n);
	cr_assert_eq(n, 5);
	cr_assert_arr_eq(reply, "code\n", 5);
	free(reply);
	h_stop(&d);
}

/* Read from FD until NEEDLE has come, for up to 5 s; whether it did. */
static bool
memory_read_until(int fd, const char *needle)
{
	char buf[4096];
	size_t got = 0;
	long end = h_now_ms() + 5000;

	buf[0] = '\0';
	while (strstr(buf, needle) == NULL && got + 1 < sizeof(buf) &&
	       h_now_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) != 1)
			continue;
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
	}
	return strstr(buf, needle) != NULL;
}

/*
 * The static handlers are linked with services/hot.ld: the code they run
 * lies together, so an exec maps a few 64 kB windows of it (the kernel
 * maps 64 kB around each page touched), not nearly all.  httpd, having
 * sent a file and waiting for the next request, has mapped under half of
 * its code here (316 of 700 kB); linked as usual, 700 of 704.  The bound
 * leaves room for a CPU that picks other string functions.
 */
Test(memory, a_handler_maps_only_the_code_it_runs)
{
#ifndef HANDLER_HOT_TEXT
	cr_skip_test("the handlers are not linked with services/hot.ld");
#endif
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	const char *get = "GET /files/readme.txt HTTP/1.1\r\nHost: t\r\n\r\n";
	pid_t kids[4];
	long rss, size;

	h_start(&d,
	        h_conf(H_DEFAULTS "service www {\n port = %u\n"
	                          " bind = \"127.0.0.1\"\n"
	                          " server = \"%s/services/httpd\"\n"
	                          " server_args = {\"-r\", \"%s/etc/demo/www\"}"
	                          "\n}\n",
	               port, TOP_BUILDDIR, TOP_SRCDIR));
	int fd = h_connect("127.0.0.1", port);
	cr_assert_geq(fd, 0);
	cr_assert_eq(h_write_all(fd, get, strlen(get)), 0);
	cr_assert(memory_read_until(
	    fd, "\r\n\r\nPlain text, served with Content-Type text/plain.\n"));
	cr_assert_eq(h_children(d.pid, kids, 4), 1);
	memory_code(kids[0], "/services/httpd", &rss, &size);
	cr_assert_lt(rss * 4, size * 3, "%ld of httpd's %ld kB of code mapped",
	             rss, size);
	close(fd);
	h_stop(&d);
}

/* The resident kB of process PID's anonymous mapping NAME ("[heap]"). */
static long
memory_anon(pid_t pid, const char *name)
{
	FILE *f = memory_proc(pid, "smaps");
	bool in_it = false;
	char line[512];
	long rss = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '-') != NULL && strstr(line, " rw") != NULL)
			in_it = strstr(line, name) != NULL;
		else if (in_it && strncmp(line, "Rss:", 4) == 0)
			rss += strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return rss;
}

/* The last occurrence of NEEDLE in HAYSTACK, or NULL. */
static const char *
memory_last(const char *haystack, const char *needle)
{
	const char *last = NULL;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p++)
		last = p;
	return last;
}

/* Wait (5 s at most) until D has logged IDLE times that no handler runs,
 * and trimmed its heap after the last of them. */
static bool
memory_trimmed_when_idle(struct h_daemon *d, int idle)
{
	long end = h_now_ms() + 5000;
	bool ok = false;

	while (!ok && h_now_ms() < end) {
		char *log = h_log_read(d);
		const char *done = memory_last(log, ", 0 running\n");
		const char *trim = memory_last(log, "heap given back");
		ok = h_log_count(d, ", 0 running\n") >= idle && done != NULL &&
		     trim != NULL && trim > done;
		free(log);
		if (!ok)
			(void)poll(NULL, 0, 20); /* polled, bounded */
	}
	return ok;
}

/*
 * A busy spell's most handlers at once must not hold heap for good: the
 * slots kept for reuse go once none runs (children.c), and the trim a
 * second after the spell gives their pages back (trim.c).  Before, the
 * most ever at once stayed on a free list: +4 kB over the bench's
 * 100,000 connections, +64 kB here.  A few pages may stay: malloc keeps
 * the last chunks freed of each size for reuse (its tcache), which
 * malloc_trim leaves alone, and where they lie depends on the order the
 * handlers end in (+4 to +12 kB seen).
 */
Test(memory, a_burst_of_handlers_leaves_no_heap_behind)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	enum { BURST = 400 };
	int fds[BURST];
	size_t n = 0;
	char *reply;

	h_start(&d, h_conf_cat(port));
	reply = h_roundtrip("127.0.0.1", port, "warm\n", 5, &n);
	cr_assert_eq(n, 5);
	free(reply);
	cr_assert(memory_trimmed_when_idle(&d, 1));
	long before = memory_anon(d.pid, "[heap]");
	/* All at once: each has its cat echo a line, so all run together. */
	for (int i = 0; i < BURST; i++) {
		fds[i] = h_connect("127.0.0.1", port);
		cr_assert_geq(fds[i], 0);
		cr_assert_eq(h_write_all(fds[i], "x\n", 2), 0);
	}
	for (int i = 0; i < BURST; i++) {
		char got[2];
		cr_assert_eq(h_read_all(fds[i], got, 2, 5000), 2);
		cr_assert_arr_eq(got, "x\n", 2);
	}
	/* Each answered and none has ended: all BURST run now. */
	for (int i = 0; i < BURST; i++)
		close(fds[i]);
	cr_assert(memory_trimmed_when_idle(&d, 2));
	long after = memory_anon(d.pid, "[heap]");
	cr_assert_leq(after, before + 16,
	              "heap %ld kB after the burst, %ld before", after, before);
	h_stop(&d);
}

/* ROUNDS rounds of N clients of a cat service on PORT at once, each
 * echoed before the round's clients leave. */
static void
memory_cat_rounds(uint16_t port, int rounds, int n)
{
	int fds[64];
	char got[2];

	cr_assert_leq(n, 64);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			cr_assert_geq(fds[i] = h_connect("127.0.0.1", port), 0);
			cr_assert_eq(h_write_all(fds[i], "x\n", 2), 0);
		}
		for (int i = 0; i < n; i++) {
			cr_assert_eq(h_read_all(fds[i], got, 2, 5000), 2,
			             "round %d, client %d: no echo", r, i);
			close(fds[i]);
		}
	}
}

/*
 * A storm of signals (here SIGCHLD, sent without pause by a process of
 * ours while handlers start) must neither stop the loop nor touch its
 * stack.  The loop read its signal pipe until it was empty, which under
 * a storm it never was: no client was served again.  And a signal's frame
 * (3.4 kB with an AVX-512 register state) landed on the loop's stack
 * wherever the master was, now and then below the deepest point of a
 * spawn, and took the stack a page further for good, so the idle master's
 * size depended on where its SIGCHLDs once fell (loop.c now runs the
 * handler on a stack of its own).  Without that, the stack grew by 4 kB
 * in two runs of five here.
 */
Test(memory, a_signal_storm_neither_stops_the_loop_nor_grows_its_stack)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();

	h_start(&d, h_conf_cat(port));
	memory_cat_rounds(port, 20, 1); /* one at a time: the master idles */
	cr_assert(memory_trimmed_when_idle(&d, 1));
	long before = memory_anon(d.pid, "[stack]");
	pid_t storm = h_signal_storm(d.pid, SIGCHLD, 20000);
	memory_cat_rounds(port, 40, 16);
	kill(storm, SIGKILL);
	waitpid(storm, NULL, 0);
	cr_assert(memory_trimmed_when_idle(&d, 2));
	long after = memory_anon(d.pid, "[stack]");
	cr_assert_eq(after, before, "stack %ld kB after the storm, %ld before",
	             after, before);
	h_stop(&d);
}

/*
 * Built with the static archives (the default where they link), the
 * master maps none of libconfuse, libbsd or libmd: each would be pages
 * of its own, private to a daemon that is alone on the machine.  libc
 * stays shared, and NSS with it: user = "root" (H_DEFAULTS) is looked
 * up by name and /bin/cat runs.
 */
Test(memory, master_maps_only_libc)
{
#ifndef STATIC_LIBS
	cr_skip_test("configured with --disable-static-libs");
#else
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	size_t n = 0;
	char *reply;

	h_start(&d, h_conf_cat(port));
	reply = h_roundtrip("127.0.0.1", port, "nss\n", 4, &n);
	cr_assert_eq(n, 4);
	cr_assert_arr_eq(reply, "nss\n", 4);
	free(reply);
	cr_assert(!memory_maps(d.pid, "libconfuse"));
	cr_assert(!memory_maps(d.pid, "libbsd"));
	cr_assert(!memory_maps(d.pid, "libmd"));
	cr_assert(memory_maps(d.pid, "libc.so"));
	h_stop(&d);
#endif
}

/* Of PID's descriptors, how many are below LIMIT (*UFFD: one is a
 * userfaultfd). */
static int
memory_fds_below(pid_t pid, int limit, bool *uffd)
{
	char path[64], link[64], target[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	cr_assert_not_null(dir = opendir(path), "%s", path);
	*uffd = false;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) >= limit)
			continue;
		n++;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		*uffd |= strstr(target, "userfaultfd") != NULL;
	}
	closedir(dir);
	return n;
}

/*
 * The userfaultfd trim.c keeps open is a descriptor like any other.  A
 * master at its RLIMIT_NOFILE must give it up to the clients, not keep
 * memory small while every handler fails to start: an exec'd one needs
 * two (its connection and its stderr socket), and the limit here leaves
 * one besides the userfaultfd.  It goes to the client whose handler
 * found none free: the master gives it back and starts that handler
 * again at once, rather than reset the client and pause.
 */
Test(memory, the_trim_s_descriptor_goes_to_the_client_that_lacked_it)
{
	struct h_daemon d = {0};
	uint16_t port = h_free_port();
	struct rlimit old, low;
	int limit = 1;
	size_t n = 0;
	bool uffd;

	h_start(&d, h_conf_cat(port));
	memory_fds_below(d.pid, INT_MAX, &uffd);
	if (!uffd)
		cr_skip_test("the master keeps no userfaultfd here");
	/* The highest limit with a single descriptor free below it. */
	while (limit < 4096 &&
	       limit + 1 - memory_fds_below(d.pid, limit + 1, &uffd) <= 1)
		limit++;
	cr_assert(prlimit(d.pid, RLIMIT_NOFILE, NULL, &old) == 0);
	low = (struct rlimit){(rlim_t)limit, old.rlim_max};
	cr_assert(prlimit(d.pid, RLIMIT_NOFILE, &low, NULL) == 0);
	char *reply = h_roundtrip("127.0.0.1", port, "first\n", 6, &n);
	cr_assert_eq(n, 6, "the first client got %zu bytes (limit %d)", n,
	             limit);
	cr_assert_arr_eq(reply, "first\n", 6);
	free(reply);
	memory_fds_below(d.pid, INT_MAX, &uffd);
	cr_assert_not(uffd, "the userfaultfd is still open");
	cr_assert(h_log_contains(&d, "gave its descriptor back"));
	cr_assert_not(h_log_contains(&d, "admitting no client"));
	cr_assert(prlimit(d.pid, RLIMIT_NOFILE, &old, NULL) == 0);
	h_stop(&d);
}
