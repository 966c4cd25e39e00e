/* SPDX-License-Identifier: ISC */
/* portierctl.c -- ask a running portierd over its control socket */
#include <config.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlproto.h"
#include "io.h"
#include "textbuf.h"

/* Exit codes as the handlers use them: 100 usage, 111 try again later. */
#define CTL_EXIT_ERR 1
#define CTL_EXIT_USAGE 100
#define CTL_EXIT_TEMP 111

static void
ctl_usage(void)
{
	fprintf(stderr,
	        "usage: portierctl [-j] [-s socket] [-t seconds] command\n"
	        "commands: status metrics reload upgrade stop\n"
	        "default socket: %s\n",
	        CTL_SOCKET_DEFAULT);
	exit(CTL_EXIT_USAGE);
}

/* A daemon that stopped accepting leaves its backlog full, and a blocking
 * connect then waits for ever: SO_SNDTIMEO bounds that wait (and the
 * request's write) by -t as well. */
static int
ctl_connect(const char *path, long timeout_s)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_s};

	if (strlen(path) >= sizeof(sun.sun_path))
		errx(CTL_EXIT_USAGE, "%s: socket path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(CTL_EXIT_TEMP, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(CTL_EXIT_TEMP, "%s", path);
	return fd;
}

static long
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* True once OUT holds a whole response: only the final line is ".". */
static bool
ctl_is_complete(const struct textbuf *out)
{
	return out->len >= 3 &&
	       memcmp(out->data + out->len - 3, "\n.\n", 3) == 0;
}

/* Read the response until its final line, EOF, or TIMEOUT_MS. */
static void
ctl_receive(int fd, struct textbuf *out, long timeout_ms)
{
	long deadline = ctl_now_ms() + timeout_ms;
	char buf[8192];

	while (!ctl_is_complete(out)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left = deadline - ctl_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			errx(CTL_EXIT_TEMP, "no complete answer in %ld s",
			     timeout_ms / 1000);
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(CTL_EXIT_TEMP, "read");
		if (n == 0)
			return; /* the caller finds out whether it was whole */
		if (textbuf_append(out, buf, (size_t)n) != 0)
			errx(CTL_EXIT_TEMP, "answer larger than %d bytes",
			     CTL_RESPONSE_MAX);
	}
}

/* Print the answer; the exit status says whether the daemon said OK. */
static int
ctl_print(const struct ctl_reply *reply, bool is_json)
{
	if (!reply->ok)
		fprintf(stderr, "portierctl: %s\n", reply->message);
	else if (!is_json && reply->message[0] != '\0')
		printf("%s\n", reply->message);
	/* Scripts (--json) always get the document on stdout. */
	fwrite(reply->body, 1, reply->bodylen,
	       reply->ok || is_json ? stdout : stderr);
	if (fflush(stdout) != 0)
		err(CTL_EXIT_TEMP, "stdout");
	return reply->ok ? 0 : CTL_EXIT_ERR;
}

/* The request line for COMMAND, checked here so typos fail fast. */
static size_t
ctl_request_line(const char *command, bool is_json, char *line, size_t size)
{
	struct ctl_request req;
	char why[128];
	int n = snprintf(line, size, "%s%s", command, is_json ? " json" : "");

	if (n < 0 || (size_t)n + 1 >= size ||
	    ctl_parse(line, (size_t)n, &req, why, sizeof(why)) != 0) {
		warnx("%s", n < 0 || (size_t)n + 1 >= size ? "command too long"
		                                           : why);
		ctl_usage();
	}
	line[n] = '\n';
	return (size_t)n + 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"socket", required_argument, NULL, 's'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *path = CTL_SOCKET_DEFAULT, *errstr;
	long timeout_s = 30;
	bool is_json = false;
	char line[CTL_LINE_MAX];
	int ch;

	while ((ch = getopt_long(argc, argv, "hjs:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			is_json = true;
			break;
		case 's':
			path = optarg;
			break;
		case 't':
			timeout_s = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(CTL_EXIT_USAGE, "-t %s: %s", optarg,
				     errstr);
			break;
		default:
			ctl_usage();
		}
	}
	if (argc - optind != 1)
		ctl_usage();
	size_t len =
	    ctl_request_line(argv[optind], is_json, line, sizeof(line));
	int fd = ctl_connect(path, timeout_s);
	if (io_write_all(fd, line, len) == -1)
		err(CTL_EXIT_TEMP, "%s: write", path);
	struct textbuf answer;
	struct ctl_reply reply;
	textbuf_init(&answer, CTL_RESPONSE_MAX);
	ctl_receive(fd, &answer, timeout_s * 1000);
	close(fd);
	if (answer.data == NULL ||
	    ctl_unframe(answer.data, answer.len, &reply) != 0)
		errx(CTL_EXIT_TEMP, "%s: incomplete or malformed answer", path);
	int status = ctl_print(&reply, is_json);
	textbuf_free(&answer);
	return status;
}
