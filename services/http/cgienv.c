/* SPDX-License-Identifier: ISC */
/* cgienv.c -- the environment a CGI script runs with (RFC 3875 section 4.1) */
#include <config.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"

static void
cgienv_add(struct cgi_env *e, const char *name, const char *value)
{
	if (e->n == CGIENV_MAX || value == NULL)
		return;
	if (asprintf(&e->v[e->n], "%s=%s", name, value) != -1)
		e->n++;
}

/* The HTTP_* name for header HN into NAME; false if it must not exist. */
static bool
cgienv_header_name(const char *hn, char *name, size_t size)
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
cgienv_header_value(const struct http_request *req, int i)
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
cgienv_add_headers(struct cgi_env *e, const struct http_request *req)
{
	char name[300];

	for (int i = 0; i < req->n_headers; i++) {
		bool seen = false;
		for (int k = 0; k < i && !seen; k++)
			seen = strcasecmp(req->headers[k].name,
			                  req->headers[i].name) == 0;
		if (seen || !cgienv_header_name(req->headers[i].name, name,
		                                sizeof(name)))
			continue;
		char *v = cgienv_header_value(req, i);
		cgienv_add(e, name, v);
		free(v);
	}
}

/* SERVER_NAME: -n, else the Host header without its port, else our
 * address. */
static void
cgienv_server_name(const struct httpd *h, const char *hosthdr, char *host,
                   size_t size)
{
	if (h->server_name != NULL || hosthdr == NULL) {
		snprintf(host, size, "%s",
		         h->server_name
		             ? h->server_name
		             : (h->local_ip ? h->local_ip : "localhost"));
		return;
	}
	snprintf(host, size, "%s", hosthdr);
	/* "[::1]:80" keeps its brackets, "name:80" loses its port. */
	char *colon = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
	if (colon != NULL && host[0] != '[')
		*colon = '\0';
	else if (colon != NULL)
		colon[1] = '\0';
}

/* What describes the server and the connection. */
static void
cgienv_add_server(struct cgi_env *e, const struct httpd *h,
                  const struct http_request *req)
{
	char host[256], proto[16];

	cgienv_add(e, "GATEWAY_INTERFACE", "CGI/1.1");
	cgienv_add(e, "SERVER_SOFTWARE", "portier-httpd/" PACKAGE_VERSION);
	cgienv_server_name(h, http_header(req, "Host"), host, sizeof(host));
	cgienv_add(e, "SERVER_NAME", host);
	cgienv_add(e, "SERVER_PORT", h->local_port ? h->local_port : "80");
	cgienv_add(e, "SERVER_ADDR", h->local_ip);
	snprintf(proto, sizeof(proto), "HTTP/1.%d", req->minor);
	cgienv_add(e, "SERVER_PROTOCOL", proto);
	cgienv_add(e, "REMOTE_ADDR", h->remote_ip ? h->remote_ip : "");
	cgienv_add(e, "REMOTE_HOST", h->remote_ip ? h->remote_ip : "");
	cgienv_add(e, "REMOTE_PORT", h->remote_port);
	cgienv_add(e, "DOCUMENT_ROOT", h->root);
	cgienv_add(e, "REDIRECT_STATUS", "200");
	cgienv_add(e, "PATH", "/usr/local/bin:/usr/bin:/bin");
}

void
cgienv_build(struct cgi_env *e, const struct httpd *h,
             const struct http_request *req, const struct cgi_call *call,
             const struct http_resolved *r)
{
	char buf[8300];

	memset(e, 0, sizeof(*e));
	cgienv_add_server(e, h, req);
	cgienv_add(e, "REQUEST_METHOD", call->method);
	cgienv_add(e, "QUERY_STRING", call->query ? call->query : "");
	cgienv_add(e, "SCRIPT_NAME", r->script_name);
	if (r->path_info[0] != '\0') {
		cgienv_add(e, "PATH_INFO", r->path_info);
		snprintf(buf, sizeof(buf), "%s%s", h->root, r->path_info);
		cgienv_add(e, "PATH_TRANSLATED", buf);
	}
	cgienv_add(e, "REQUEST_URI", call->uri);
	cgienv_add(e, "SCRIPT_FILENAME", r->file);
	cgienv_add(e, "CONTENT_TYPE", call->content_type);
	if (call->content_length > 0) {
		snprintf(buf, sizeof(buf), "%jd",
		         (intmax_t)call->content_length);
		cgienv_add(e, "CONTENT_LENGTH", buf);
	}
	cgienv_add_headers(e, req);
}

void
cgienv_free(struct cgi_env *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}
