/* SPDX-License-Identifier: ISC */
/* cgi.c -- run CGI/1.1 scripts (RFC 3875) and turn their output into HTTP */
#include <config.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "httpd.h"

/* Output kept in memory to send with a Content-Length; past it, stream. */
#define CGI_BUFFER_MAX (1 << 20)

bool
httpd_is_cgi(const char *file, const void *arg)
{
	const struct httpd *h = arg;
	const char *base = strrchr(file, '/');
	struct stat st;

	base = base ? base + 1 : file;
	/* A pattern with a slash, like "/cgi-bin/[a-z]*", matches the path
	 * below the root; one without, like "*.cgi", the file name. */
	const char *subject =
	    strchr(h->cgi_pattern, '/') == NULL ? base : file + strlen(h->root);
	return fnmatch(h->cgi_pattern, subject, FNM_PATHNAME) == 0 &&
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
	int to_script;   /* -1 once the body is all written */
	int from_script; /* -1 at EOF */
	off_t body_left; /* request body still to read from the client */
	char pending[65536];
	size_t pending_len, pending_off;
	char *out; /* script output */
	size_t out_len, out_cap;
	long deadline;
	bool timed_out;
};

/* Move the request body along: our buffer first, then the socket. */
static void
cgi_feed(struct httpd *h, struct cgi_run *c, short revents_in,
         short revents_out)
{
	if (c->pending_off == c->pending_len && c->body_left > 0) {
		size_t n = 0;
		if (h->in_len > 0) {
			n = h->in_len < (size_t)c->body_left
			        ? h->in_len
			        : (size_t)c->body_left;
			n = n < sizeof(c->pending) ? n : sizeof(c->pending);
			memcpy(c->pending, h->in, n);
			httpd_consume(h, n);
		} else if (revents_in & (POLLIN | POLLHUP)) {
			ssize_t r =
			    read(0, c->pending,
			         (size_t)c->body_left < sizeof(c->pending)
			             ? (size_t)c->body_left
			             : sizeof(c->pending));
			if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
				c->body_left = 0; /* client gave up */
				r = 0;
			}
			n = r > 0 ? (size_t)r : 0;
		}
		c->pending_len = n;
		c->pending_off = 0;
		c->body_left -= (off_t)n;
	}
	if (c->pending_off < c->pending_len && (revents_out & POLLOUT)) {
		ssize_t w = write(c->to_script, c->pending + c->pending_off,
		                  c->pending_len - c->pending_off);
		if (w > 0)
			c->pending_off += (size_t)w;
		else if (w < 0 && errno != EAGAIN)
			c->body_left = 0, c->pending_off = c->pending_len;
	}
	if (c->body_left == 0 && c->pending_off == c->pending_len &&
	    c->to_script != -1) {
		close(c->to_script);
		c->to_script = -1;
	}
}

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

/* Run the poll loop until STOP says so, EOF, or the deadline. */
static void
cgi_pump(struct httpd *h, struct cgi_run *c, bool (*stop)(struct cgi_run *))
{
	while (c->from_script != -1 && !stop(c)) {
		struct pollfd pfd[3];
		int n = 0, i_out = -1, i_in = -1, i_client = -1;
		pfd[n] = (struct pollfd){c->from_script, POLLIN, 0};
		i_out = n++;
		if (c->to_script != -1) {
			pfd[n] = (struct pollfd){c->to_script, POLLOUT, 0};
			i_in = n++;
			if (c->body_left > 0 && h->in_len == 0 &&
			    c->pending_off == c->pending_len) {
				pfd[n] = (struct pollfd){0, POLLIN, 0};
				i_client = n++;
			}
		}
		long left = c->deadline - httpd_now_ms();
		if (left <= 0) {
			c->timed_out = true;
			return;
		}
		if (poll(pfd, (nfds_t)n, (int)left) < 0 && errno != EINTR)
			return;
		if (c->to_script != -1)
			cgi_feed(h, c,
			         i_client >= 0 ? pfd[i_client].revents : 0,
			         i_in >= 0 ? pfd[i_in].revents : 0);
		if (pfd[i_out].revents & (POLLIN | POLLHUP | POLLERR))
			if (cgi_drain(c) == -1)
				return;
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
cgi_buffer_full(struct cgi_run *c)
{
	return c->out_len >= CGI_BUFFER_MAX;
}

static void
cgi_reap(struct cgi_run *c)
{
	if (c->to_script != -1)
		close(c->to_script);
	if (c->from_script != -1)
		close(c->from_script);
	kill(-c->pid, SIGKILL); /* the script and anything it started */
	waitpid(c->pid, NULL, 0);
	free(c->out);
}

/* nph-: the script speaks HTTP itself; pass it through, then close. */
static int
cgi_send_nph(struct httpd *h, struct exchange *ex, struct cgi_run *c)
{
	char first[32] = "";
	int code = 0;

	/* For the log only: the script's own status line. */
	if (c->out != NULL)
		memcpy(first, c->out,
		       c->out_len < sizeof(first) - 1 ? c->out_len
		                                      : sizeof(first) - 1);
	if (sscanf(first, "HTTP/%*d.%*d %3d", &code) == 1 && code >= 100 &&
	    code <= 599)
		ex->status = code;
	else
		ex->status = 200;
	ex->keep_alive = false;
	for (;;) {
		if (c->out_len > 0 && httpd_write(h, c->out, c->out_len) == -1)
			return -1;
		ex->bytes += (long long)c->out_len;
		c->out_len = 0;
		if (c->from_script == -1)
			return 0;
		cgi_pump(h, c, cgi_buffer_full);
		if (c->timed_out)
			return -1;
	}
}

static int
cgi_send(struct httpd *h, struct exchange *ex, struct cgi_run *c,
         struct cgi_response *r)
{
	struct response head;
	int status = r->status ? r->status : (r->location ? 302 : 200);
	const char *body = c->out + r->head_len;
	size_t len = c->out_len - r->head_len;
	bool streaming = c->from_script != -1;

	if (streaming)
		ex->keep_alive = false;
	resp_init(&head);
	resp_start_reason(&head, ex, status,
	                  r->status && r->reason[0] != '\0' ? r->reason : NULL);
	if (r->location)
		resp_add(&head, "Location: %s\r\n", r->location);
	if (r->content_type)
		resp_add(&head, "Content-Type: %s\r\n", r->content_type);
	for (int i = 0; i < r->n_other; i++)
		resp_add(&head, "%s: %s\r\n", r->other[i].name,
		         r->other[i].value);
	if (!streaming)
		resp_add(&head, "Content-Length: %zu\r\n", len);
	resp_add(&head, "\r\n");
	if (httpd_send_head_and_body(h, ex, &head, body, len) == -1)
		return -1;
	while (streaming) {
		c->out_len = 0;
		cgi_pump(h, c, cgi_buffer_full);
		if (!ex->is_head && c->out_len > 0 &&
		    httpd_write(h, c->out, c->out_len) == -1)
			return -1;
		ex->bytes += ex->is_head ? 0 : (long long)c->out_len;
		streaming = c->from_script != -1 && !c->timed_out;
	}
	return 0;
}

/* The script's answer to the client, or a local redirect to follow. */
static int
cgi_answer(struct httpd *h, struct exchange *ex, struct cgi_run *c, bool is_nph)
{
	struct cgi_response r;

	cgi_pump(h, c, is_nph ? cgi_buffer_full : cgi_head_seen);
	if (c->timed_out && c->out_len == 0)
		return httpd_send_error(h, ex, 504, NULL);
	if (is_nph)
		return cgi_send_nph(h, ex, c);
	if (cgi_parse_response(c->out, c->out_len, &r) != 0)
		return httpd_send_error(h, ex, c->timed_out ? 504 : 502, NULL);
	cgi_pump(h, c, cgi_buffer_full);
	/* The whole body read: the next request can follow on this stream. */
	if (c->body_left == 0 && c->pending_off == c->pending_len)
		ex->keep_alive = ex->client_keep_alive;
	int rc = HTTPD_LOCAL_REDIRECT;
	if (r.location && r.location[0] == '/' && r.status == 0 &&
	    ex->redirects < 3)
		/* Local redirect (RFC 3875 6.2.2): the caller serves that
		 * path instead. */
		strlcpy(ex->redirect, r.location, sizeof(ex->redirect));
	else
		rc = cgi_send(h, ex, c, &r);
	cgi_response_free(&r);
	return rc;
}

static int
cgi_body_length(struct httpd *h, struct exchange *ex, off_t *len)
{
	/* No chunked bodies: RFC 3875 4.1.2 wants CONTENT_LENGTH up front,
	 * and RFC 9112 6.3 lets us ask for one. */
	if (ex->req.is_chunked)
		return 411;
	*len = ex->req.content_length > 0 ? ex->req.content_length : 0;
	return *len > h->body_max ? 413 : 0;
}

/* curl and others wait for "100 Continue" before a large body. */
static int
cgi_continue(struct httpd *h, struct exchange *ex, off_t body)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (body == 0 || ex->redirects > 0 || h->in_len > 0 ||
	    ex->req.minor == 0 ||
	    !http_header_has_token(&ex->req, "Expect", "100-continue"))
		return 0;
	return httpd_write(h, line, sizeof(line) - 1);
}

int
httpd_run_cgi(struct httpd *h, struct exchange *ex, const char *method,
              const struct http_resolved *r, const char *query)
{
	struct cgi_run c = {.to_script = -1, .from_script = -1};
	struct cgi_env env;
	int in[2], out[2];
	off_t body;
	int status = cgi_body_length(h, ex, &body);

	if (status != 0)
		return httpd_send_error(h, ex, status, NULL);
	if (cgi_continue(h, ex, body) == -1)
		return -1;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		return httpd_send_error(h, ex, 500, NULL);
	cgienv_build(&env, h, ex, method, r, query);
	c.pid = cgi_spawn(r->file, &env, in[0], out[1]);
	cgienv_free(&env);
	close(in[0]);
	close(out[1]);
	if (c.pid == -1) {
		/* Out of processes is a passing state: tell the client so. */
		int busy = errno == EAGAIN ? 503 : 500;
		close(in[1]);
		close(out[0]);
		return httpd_send_error(h, ex, busy, NULL);
	}
	c.to_script = in[1];
	c.from_script = out[0];
	fcntl(c.to_script, F_SETFL, O_NONBLOCK);
	fcntl(c.from_script, F_SETFL, O_NONBLOCK);
	c.body_left = body;
	c.deadline = httpd_now_ms() + h->cgi_timeout * 1000L;
	if (ex->redirects > 0)
		c.body_left = 0; /* the body went to the first script */
	cgi_feed(h, &c, 0, 0);
	const char *base = strrchr(r->file, '/');
	int rc = cgi_answer(h, ex, &c, strncmp(base + 1, "nph-", 4) == 0);
	if (c.body_left > 0 || c.timed_out)
		ex->keep_alive = false; /* unread body: stream out of step */
	if (c.timed_out)
		fprintf(stderr, "cgi %s: timed out after %d s, killed\n",
		        r->file, h->cgi_timeout);
	cgi_reap(&c);
	return rc;
}
