/* SPDX-License-Identifier: ISC */
/* httpd_site.h -- the httpd tests' docroot, daemon and clients */
#ifndef PORTIER_HTTPD_SITE_H
#define PORTIER_HTTPD_SITE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

extern struct h_daemon d;       /* the daemon serving the site */
extern uint16_t port;           /* where */
extern char root[PATH_MAX + 8]; /* its docroot */

void mkdir_in(const char *name);
/* NAME under the docroot, with TEXT and MODE. */
void file_in(const char *name, const char *text, int mode);
/* portierd running httpd on DOCROOT, on a free loopback port. */
void serve(const char *docroot, const char *extra_args);
/* A docroot with every case, and the daemon serving it. */
void start(const char *extra_args);
/* curl ARGS against the daemon; returns stdout (headers with -i). */
char *curl(const char *args, int *status);
char *curl_url(const char *opts, const char *path);
/* The status code of a raw request (sent exactly as given). */
int raw_status(const char *request, char *reply, size_t size);
int get_status(const char *path);
/* Send REQUEST (LEN bytes) on a fresh connection; the reply until EOF. */
int raw_exchange(const char *request, size_t len, char *reply, size_t size);

#endif
