/* SPDX-License-Identifier: ISC */
/* conf_value.h -- parse single configuration values (pure functions) */
#ifndef PORTIER_CONF_VALUE_H
#define PORTIER_CONF_VALUE_H

#include <sys/resource.h>
#include <stdbool.h>

#include <confuse.h>

#include "service.h"

/* Each returns -1 (or 0 for conf_log_flag) for a value it refuses. */
int conf_socket_type(const char *);
int conf_protocol(const char *);
/* A port number or an /etc/services name (for PROTO, or any if NULL). */
int conf_port(const char *, const char *proto);
int conf_owner(const char *, uid_t *, gid_t *);
/* getpwnam/getgrnam that remember the last name until conf_ids_forget(). */
int conf_user_ids(const char *, uid_t *, gid_t *);
int conf_group_id(const char *, gid_t *);
void conf_ids_forget(void);
int conf_octal(const char *);
int conf_rlimit(const char *, rlim_t *);
int conf_time_window(const char *, struct svc_time_window *);
int conf_log_flag(const char *);
int conf_redirect(cfg_opt_t *, char **host, char **port);

/* How many single-letter edits turn A into B (SIZE_MAX: B too long). */
size_t conf_edit_distance(const char *a, const char *b);

#endif
