/* SPDX-License-Identifier: ISC */
/* cgi.c -- run CGI/1.1 scripts (RFC 3875) and turn their output into HTTP */
#include <config.h>

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "httpd.h"

/* Output kept in memory to send with a Content-Length; past it, stream. */
#define CGI_BUFFER_MAX (1 << 20)

enum cgi_place
httpd_cgi_place(const struct httpd *h, const char *file)
{
	return cgi_match(h->cgi_pattern, file + strlen(h->root));
}

bool
httpd_is_cgi(const char *file, const void *arg)
{
	struct stat st;

	return httpd_cgi_place(arg, file) == CGI_SCRIPT &&
	       stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(file, X_OK) == 0;
}

/* The script: its own directory as cwd, argv from an array, no shell. */
static pid_t
cgi_spawn(const char *file, struct cgi_env *env, int in_fd, int out_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char dir[4096], *argv[2];
	strlcpy(dir, file, sizeof(dir));
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    chdir(dirname(dir)) == -1)
		_exit(111);
	closefrom(3);
	const char *base = strrchr(file, '/');
	argv[0] = (char *)(base ? base + 1 : file);
	argv[1] = NULL;
	execve(file, argv, env->v);
	fprintf(stderr, "cgi %s: %s\n", file, strerror(errno));
	_exit(111);
}

/* Everything one CGI run moves around. */
struct cgi_run {
	pid_t pid;
	int from_script; /* -1 at EOF */
	char *out;       /* script output */
	size_t out_len, out_cap;
	long deadline;
	bool timed_out;
	bool failed; /* the output could not be read */
};

static int
cgi_drain(struct cgi_run *c)
{
	if (c->out_len == c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap * 2 : 16384;
		char *p = realloc(c->out, cap);
		if (p == NULL)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	ssize_t n =
	    read(c->from_script, c->out + c->out_len, c->out_cap - c->out_len);
	if (n > 0)
		c->out_len += (size_t)n;
	else if (n == 0 || errno != EAGAIN) {
		close(c->from_script);
		c->from_script = -1;
	}
	return 0;
}

/* Read the script's output until STOP says so, EOF, or the deadline. */
static void
cgi_pump(struct cgi_run *c, bool (*stop)(struct cgi_run *))
{
	while (c->from_script != -1 && !stop(c) && !c->failed) {
		struct pollfd pfd = {.fd = c->from_script, .events = POLLIN};
		long left = c->deadline - httpd_now_ms();
		if (left <= 0) {
			c->timed_out = true;
			return;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			c->failed = true;
		else if (pfd.revents != 0 && cgi_drain(c) == -1)
			c->failed = true;
	}
}

static bool
cgi_head_seen(struct cgi_run *c)
{
	struct cgi_response r;
	int rc = cgi_parse_response(c->out, c->out_len, &r);

	if (rc == 0)
		cgi_response_free(&r);
	return rc != 1;
}

static bool
cgi_nph_head_seen(struct cgi_run *c)
{
	size_t head_len;

	return cgi_nph_status(c->out, c->out_len, &head_len) != 0;
}

static bool
cgi_buffer_full(struct cgi_run *c)
{
	return c->out_len >= CGI_BUFFER_MAX;
}

/*
 * Its output ended: did the script die by a signal (OOM killer, a
 * crash) partway?  Then what we have is cut off, not complete.  Its
 * exit follows the end of its output at once, unless it closed stdout
 * to go on working: wait a second at most (and never past the deadline),
 * and leave it a zombie (WNOWAIT) so its process group stays ours.
 */
static bool
cgi_was_killed(struct cgi_run *c)
{
	siginfo_t info;
#ifdef SYS_pidfd_open
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);

	if (pidfd != -1) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		long left = c->deadline - httpd_now_ms();
		if (left > 0)
			(void)poll(&pfd, 1, left < 1000 ? (int)left : 1000);
		close(pidfd);
	}
#endif
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) ==
	    -1)
		return false;
	return info.si_pid == c->pid &&
	       (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED);
}

static void
cgi_reap(struct cgi_run *c)
{
	if (c->from_script != -1)
		close(c->from_script);
	kill(-c->pid, SIGKILL); /* the script and anything it started */
	waitpid(c->pid, NULL, 0);
	free(c->out);
}

/* LEN bytes of body, as one chunk when CHUNKED (RFC 9112 7.1). */
static int
cgi_write_piece(struct httpd *h, struct exchange *ex, const char *data,
                size_t len, bool chunked)
{
	struct response piece;

	resp_init(&piece);
	if (chunked)
		resp_add(&piece, "%zx\r\n", len);
	resp_add_bytes(&piece, data, len);
	if (chunked)
		resp_add(&piece, "\r\n");
	int rc = piece.failed ? -1 : httpd_write(h, piece.buf, piece.len);
	resp_free(&piece);
	ex->bytes += (long long)len;
	return rc;
}

/*
 * Send what is buffered, then the rest as it comes, LIMIT bytes at most
 * (-1: no limit).  A body cut off (timeout, a killed script, short of
 * LIMIT) ends without its last chunk and closes the connection, so the
 * client can tell it is incomplete.
 */
static int
cgi_stream(struct httpd *h, struct exchange *ex, struct cgi_run *c,
           bool chunked, off_t limit)
{
	static const char last_chunk[] = "0\r\n\r\n";
	off_t sent = 0;

	for (;;) {
		size_t n = c->out_len;
		if (limit >= 0 && (off_t)n > limit - sent)
			n = (size_t)(limit - sent);
		if (n > 0 && cgi_write_piece(h, ex, c->out, n, chunked) == -1)
			return -1;
		sent += (off_t)n;
		c->out_len = 0;
		if (sent == limit)
			return 0; /* all it promised; more is dropped */
		if (c->from_script == -1 && cgi_was_killed(c))
			c->failed = true;
		if (c->from_script == -1 && !c->failed && limit < 0)
			break;
		if (c->from_script == -1 || c->timed_out || c->failed) {
			ex->keep_alive = false;
			return 0;
		}
		cgi_pump(c, cgi_buffer_full);
	}
	if (chunked)
		return httpd_write(h, last_chunk, sizeof(last_chunk) - 1);
	return 0;
}

/* nph-: the script speaks HTTP itself; pass it through, then close. */
static int
cgi_send_nph(struct httpd *h, struct exchange *ex, struct cgi_run *c)
{
	size_t head_len;
	int code = cgi_nph_status(c->out, c->out_len, &head_len);

	if (code <= 0)
		return httpd_send_error(h, ex, c->timed_out ? 504 : 502, NULL);
	if (code < 200)
		return httpd_send_error(h, ex, 502, NULL);
	ex->status = code;
	ex->keep_alive = false;
	if (httpd_write(h, c->out, head_len) == -1)
		return -1;
	ex->bytes += (long long)head_len;
	if (ex->is_head || !cgi_status_has_body(code))
		return 0;
	c->out_len -= head_len;
	memmove(c->out, c->out + head_len, c->out_len);
	return cgi_stream(h, ex, c, false, -1);
}

/* Our head for the script's STATUS and fields, framing left out. */
static void
cgi_head(struct response *head, struct exchange *ex,
         const struct cgi_response *r, int status)
{
	resp_init(head);
	resp_start_reason(head, ex, status,
	                  r->status && r->reason[0] != '\0' ? r->reason : NULL);
	if (r->location)
		resp_add(head, "Location: %s\r\n", r->location);
	if (r->content_type)
		resp_add(head, "Content-Type: %s\r\n", r->content_type);
	for (int i = 0; i < r->n_other; i++)
		resp_add(head, "%s: %s\r\n", r->other[i].name,
		         r->other[i].value);
}

/*
 * The head, then the body: with the script's Content-Length if it gave
 * one, else ours when it ended within CGI_BUFFER_MAX, else chunked
 * (HTTP/1.1) or until the close (HTTP/1.0).
 */
static int
cgi_send(struct httpd *h, struct exchange *ex, struct cgi_run *c,
         const struct cgi_response *r, int status)
{
	struct response head;
	bool has_body = cgi_status_has_body(status);
	bool complete = c->from_script == -1;
	bool sized = has_body && r->length >= 0;
	bool chunked = has_body && !complete && !sized && ex->req.minor >= 1;
	size_t len = c->out_len - r->head_len;

	/* It ended off its own length, and our head is still unsent. */
	if (sized && complete && (off_t)len != r->length)
		return httpd_send_error(h, ex, 502, NULL);
	if (has_body && !complete && !chunked && !sized)
		ex->keep_alive = false;
	cgi_head(&head, ex, r, status);
	if (has_body && (sized || complete))
		resp_add(&head, "Content-Length: %jd\r\n",
		         (intmax_t)(sized ? r->length : (off_t)len));
	if (chunked)
		resp_add(&head, "Transfer-Encoding: chunked\r\n");
	resp_add(&head, "\r\n");
	if (!has_body || ex->is_head || complete)
		return httpd_send_head_and_body(
		    h, ex, &head, c->out + r->head_len, has_body ? len : 0);
	if (httpd_send_head_and_body(h, ex, &head, NULL, 0) == -1)
		return -1;
	c->out_len = len;
	memmove(c->out, c->out + r->head_len, len);
	return cgi_stream(h, ex, c, chunked, sized ? r->length : -1);
}

/* The script's answer to the client, or a local redirect to follow. */
static int
cgi_answer(struct httpd *h, struct exchange *ex, struct cgi_run *c, bool is_nph)
{
	struct cgi_response r;
	int status;

	cgi_pump(c, is_nph ? cgi_nph_head_seen : cgi_head_seen);
	if (is_nph)
		return cgi_send_nph(h, ex, c);
	if (cgi_parse_response(c->out, c->out_len, &r) != 0)
		return httpd_send_error(h, ex, c->timed_out ? 504 : 502, NULL);
	int rc = HTTPD_LOCAL_REDIRECT;
	switch (cgi_response_action(&r, ex->redirects < 3, &status)) {
	case CGI_BAD_GATEWAY:
		rc = httpd_send_error(h, ex, 502, NULL);
		break;
	case CGI_LOCAL_REDIRECT:
		free(ex->redirect);
		ex->redirect = strndup(r.location, HTTP_MAX_REQUEST_LINE - 1);
		if (ex->redirect == NULL)
			rc = httpd_send_error(h, ex, 500, NULL);
		break;
	case CGI_RESPOND:
		cgi_pump(c, cgi_buffer_full);
		if (c->from_script == -1 && cgi_was_killed(c))
			c->failed = true;
		/* Cut off while the head is still unsent: say so. */
		if (c->timed_out || c->failed)
			rc = httpd_send_error(h, ex, c->timed_out ? 504 : 502,
			                      NULL);
		else
			rc = cgi_send(h, ex, c, &r, status);
		break;
	}
	cgi_response_free(&r);
	return rc;
}

/* curl and others wait for "100 Continue" before a large body. */
static int
cgi_continue(struct httpd *h, struct exchange *ex)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (h->in_len > 0 || ex->req.minor == 0 ||
	    !http_header_has_token(&ex->req, "Expect", "100-continue"))
		return 0;
	return httpd_write(h, line, sizeof(line) - 1);
}

/*
 * The whole request body, read before the script starts: a script that
 * stops reading cannot leave body bytes to be parsed as a request, and a
 * chunked body gets its CONTENT_LENGTH.  0, -1, or a status to send.
 */
static int
cgi_read_body(struct httpd *h, struct exchange *ex, struct body *b)
{
	const struct http_request *req = &ex->req;

	/* After a local redirect the body went to the first script. */
	if (ex->redirects > 0 || !ex->body_unread) {
		body_init(b, false, 0, 0);
		return 0;
	}
	body_init(b, req->is_chunked, req->content_length, h->body_max);
	if (req->content_length > h->body_max)
		return 413;
	if (cgi_continue(h, ex) == -1)
		return -1;
	int rc = body_read(h, b, httpd_now_ms() + h->cgi_timeout * 1000L);
	if (rc == 0)
		ex->body_unread = false;
	return rc;
}

/* Start the script with the body on its stdin; -1 / errno. */
static int
cgi_start(struct httpd *h, struct exchange *ex, const char *method,
          const struct http_resolved *r, const char *query, struct cgi_run *c,
          struct body *b)
{
	struct cgi_env env;
	struct cgi_call call = {
	    .method = method,
	    .query = query,
	    .uri = ex->redirects > 0 ? ex->redirect : ex->req.target,
	    .content_length = ex->redirects > 0 ? -1 : b->total,
	    .content_type = ex->redirects > 0
	                        ? NULL
	                        : http_header(&ex->req, "Content-Type"),
	};
	int in = body_stdin(b), out[2];

	if (in == -1 || pipe2(out, O_CLOEXEC) == -1)
		return -1;
	cgienv_build(&env, h, &ex->req, &call, r);
	c->pid = cgi_spawn(r->file, &env, in, out[1]);
	int saved = errno;
	cgienv_free(&env);
	close(out[1]);
	if (c->pid == -1) {
		close(out[0]);
		errno = saved;
		return -1;
	}
	c->from_script = out[0];
	fcntl(c->from_script, F_SETFL, O_NONBLOCK);
	c->deadline = httpd_now_ms() + h->cgi_timeout * 1000L;
	return 0;
}

int
httpd_run_cgi(struct httpd *h, struct exchange *ex, const char *method,
              const struct http_resolved *r, const char *query)
{
	struct cgi_run c = {.from_script = -1};
	struct body b;
	int rc = cgi_read_body(h, ex, &b);

	if (rc == 0 && cgi_start(h, ex, method, r, query, &c, &b) == -1)
		/* Out of processes is a passing state: tell the client so. */
		rc = errno == EAGAIN ? 503 : 500;
	body_free(&b);
	if (rc != 0)
		return rc == -1 ? -1 : httpd_send_error(h, ex, rc, NULL);
	const char *base = strrchr(r->file, '/');
	rc = cgi_answer(h, ex, &c, strncmp(base + 1, "nph-", 4) == 0);
	/* A 504 leaves the stream in step (the body was read whole); a
	 * body cut short has already closed the connection. */
	if (c.timed_out)
		fprintf(stderr, "cgi %s: timed out after %d s, killed\n",
		        r->file, h->cgi_timeout);
	cgi_reap(&c);
	return rc;
}
