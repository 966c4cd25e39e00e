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
#define CGI_ENV_MAX (HTTP_MAX_HEADER_FIELDS + 32)

struct httpd *httpd_current;

bool
httpd_is_cgi(const char *file)
{
	const char *base = strrchr(file, '/');
	struct stat st;

	base = base ? base + 1 : file;
	if (httpd_current == NULL)
		return false;
	/* A pattern with a slash, like "/cgi-bin/[a-z]*", matches the path
	 * below the root; one without, like "*.cgi", the file name. */
	const char *pattern = httpd_current->cgi_pattern;
	const char *subject = strchr(pattern, '/') == NULL
	                          ? base
	                          : file + strlen(httpd_current->root);
	return fnmatch(pattern, subject, FNM_PATHNAME) == 0 &&
	       stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(file, X_OK) == 0;
}

struct cgi_env {
	char *v[CGI_ENV_MAX + 1];
	int n;
};

static void
env_add(struct cgi_env *e, const char *name, const char *value)
{
	if (e->n == CGI_ENV_MAX || value == NULL)
		return;
	if (asprintf(&e->v[e->n], "%s=%s", name, value) != -1)
		e->n++;
}

/* The HTTP_* name for header HN into NAME; false if it must not exist. */
static bool
env_header_name(const char *hn, char *name, size_t size)
{
	static const char *skip[] = {
	    "Proxy",          "Authorization", "Proxy-Authorization",
	    "Content-Length", "Content-Type",  "Connection"};
	size_t o = strlcpy(name, "HTTP_", size);

	for (size_t k = 0; k < sizeof(skip) / sizeof(*skip); k++)
		if (strcasecmp(hn, skip[k]) == 0)
			return false;
	/* Letters, digits and '-' only: "X_Real_IP" cannot pose as
	 * X-Real-IP, and nothing like LD_PRELOAD is ever made. */
	for (const char *p = hn; *p; p++) {
		if (o + 1 >= size || !(isalnum((unsigned char)*p) || *p == '-'))
			return false;
		name[o++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	}
	name[o] = '\0';
	return true;
}

/* All values of header I's name, in order, as one (RFC 3875 4.1.18). */
static char *
env_header_value(const struct http_request *req, int i)
{
	const char *name = req->headers[i].name;
	const char *sep = strcasecmp(name, "Cookie") == 0 ? "; " : ", ";
	char *v = strdup(req->headers[i].value), *joined;

	for (int k = i + 1; v != NULL && k < req->n_headers; k++) {
		if (strcasecmp(req->headers[k].name, name) != 0)
			continue;
		joined = NULL;
		if (asprintf(&joined, "%s%s%s", v, sep,
		             req->headers[k].value) == -1)
			joined = NULL;
		free(v);
		v = joined;
	}
	return v;
}

/*
 * Request headers become HTTP_* (RFC 3875 4.1.18) -- but never Proxy
 * (httpoxy: HTTP_PROXY is read as an outbound proxy by HTTP clients),
 * never credentials (4.1.18 SHOULD NOT), and never the fields that have
 * their own variables.  The parser already refused control characters.
 */
static void
env_add_headers(struct cgi_env *e, const struct http_request *req)
{
	char name[300];

	for (int i = 0; i < req->n_headers; i++) {
		bool seen = false;
		for (int k = 0; k < i && !seen; k++)
			seen = strcasecmp(req->headers[k].name,
			                  req->headers[i].name) == 0;
		if (seen ||
		    !env_header_name(req->headers[i].name, name, sizeof(name)))
			continue;
		char *v = env_header_value(req, i);
		env_add(e, name, v);
		free(v);
	}
}

static void
env_build(struct cgi_env *e, struct httpd *h, struct exchange *ex,
          const char *method, const struct http_resolved *r, const char *query)
{
	char buf[8300], host[256];
	const struct http_request *req = &ex->req;
	const char *hosthdr = http_header(req, "Host");

	memset(e, 0, sizeof(*e));
	env_add(e, "GATEWAY_INTERFACE", "CGI/1.1");
	env_add(e, "SERVER_SOFTWARE", "portier-httpd/" PACKAGE_VERSION);
	/* SERVER_NAME: -n, else the Host header without its port. */
	if (h->server_name == NULL && hosthdr != NULL) {
		snprintf(host, sizeof(host), "%s", hosthdr);
		char *colon =
		    host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
		if (colon != NULL && host[0] != '[')
			*colon = '\0';
		else if (colon != NULL)
			colon[1] = '\0';
	} else {
		snprintf(host, sizeof(host), "%s",
		         h->server_name
		             ? h->server_name
		             : (h->local_ip ? h->local_ip : "localhost"));
	}
	env_add(e, "SERVER_NAME", host);
	env_add(e, "SERVER_PORT", h->local_port ? h->local_port : "80");
	env_add(e, "SERVER_ADDR", h->local_ip);
	snprintf(buf, sizeof(buf), "HTTP/1.%d", req->minor);
	env_add(e, "SERVER_PROTOCOL", buf);
	env_add(e, "REQUEST_METHOD", method);
	env_add(e, "QUERY_STRING", query ? query : "");
	env_add(e, "SCRIPT_NAME", r->script_name);
	if (r->path_info[0] != '\0') {
		env_add(e, "PATH_INFO", r->path_info);
		snprintf(buf, sizeof(buf), "%s%s", h->root, r->path_info);
		env_add(e, "PATH_TRANSLATED", buf);
	}
	env_add(e, "REMOTE_ADDR", h->remote_ip ? h->remote_ip : "");
	env_add(e, "REMOTE_HOST", h->remote_ip ? h->remote_ip : "");
	env_add(e, "REMOTE_PORT", h->remote_port);
	env_add(e, "REQUEST_URI", req->target);
	env_add(e, "SCRIPT_FILENAME", r->file);
	env_add(e, "DOCUMENT_ROOT", h->root);
	env_add(e, "REDIRECT_STATUS", "200");
	env_add(e, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(e, "CONTENT_TYPE", http_header(req, "Content-Type"));
	if (req->content_length > 0) {
		snprintf(buf, sizeof(buf), "%jd",
		         (intmax_t)req->content_length);
		env_add(e, "CONTENT_LENGTH", buf);
	}
	env_add_headers(e, req);
}

static void
env_free(struct cgi_env *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
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

static int
cgi_answer(struct httpd *h, struct exchange *ex, struct cgi_run *c, bool is_nph,
           int depth)
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
		ex->keep_alive = ex->wants_keep_alive;
	int rc;
	if (r.location && r.location[0] == '/' && r.status == 0 && depth < 3) {
		/* Local redirect (RFC 3875 6.2.2): serve that path instead. */
		char target[HTTP_MAX_REQUEST_LINE];
		strlcpy(target, r.location, sizeof(target));
		rc = httpd_serve_path(h, ex, "GET", target, depth + 1);
	} else {
		rc = cgi_send(h, ex, c, &r);
	}
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
cgi_continue(struct httpd *h, struct exchange *ex, off_t body, int depth)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (body == 0 || depth > 0 || h->in_len > 0 || ex->req.minor == 0 ||
	    !http_header_has_token(&ex->req, "Expect", "100-continue"))
		return 0;
	return httpd_write(h, line, sizeof(line) - 1);
}

int
httpd_run_cgi(struct httpd *h, struct exchange *ex, const char *method,
              const struct http_resolved *r, const char *query, int depth)
{
	struct cgi_run c = {.to_script = -1, .from_script = -1};
	struct cgi_env env;
	int in[2], out[2];
	off_t body;
	int status = cgi_body_length(h, ex, &body);

	if (status != 0)
		return httpd_send_error(h, ex, status, NULL);
	if (cgi_continue(h, ex, body, depth) == -1)
		return -1;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		return httpd_send_error(h, ex, 500, NULL);
	env_build(&env, h, ex, method, r, query);
	c.pid = cgi_spawn(r->file, &env, in[0], out[1]);
	env_free(&env);
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
	if (depth > 0)
		c.body_left = 0; /* the body went to the first script */
	cgi_feed(h, &c, 0, 0);
	const char *base = strrchr(r->file, '/');
	int rc =
	    cgi_answer(h, ex, &c, strncmp(base + 1, "nph-", 4) == 0, depth);
	if (c.body_left > 0 || c.timed_out)
		ex->keep_alive = false; /* unread body: stream out of step */
	if (c.timed_out)
		fprintf(stderr, "cgi %s: timed out after %d s, killed\n",
		        r->file, h->cgi_timeout);
	cgi_reap(&c);
	return rc;
}
