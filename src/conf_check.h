/* SPDX-License-Identifier: ISC */
/* conf_check.h -- what -C catches beyond syntax: servers, names, log file */
#ifndef PORTIER_CONF_CHECK_H
#define PORTIER_CONF_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <confuse.h>

#include "service.h"

/* The line of OPTION in service NAME's section, else in defaults{}; 0. */
int conf_check_line(cfg_t *sec, const char *name, const char *option);
/* "FILE:LINE: service NAME: message" at the line of OPTION (in the
 * service, else in defaults{}), else where the service starts. */
void conf_check_error(cfg_t *sec, const char *name, const char *option,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Where SVC's address is written: port, else socket, bind, the section. */
int conf_check_port_line(const struct service *svc, cfg_t *sec);
/*
 * -1, reported at the line of the attribute, when SVC's server is missing
 * or its user could not execute it (inside chroot, if it has one).
 */
int conf_check_server(const struct service *svc, cfg_t *sec);
/* Whether NAME is an internal service portier has. */
bool conf_check_is_internal(const char *name);
/* "no internal service 'NAME' (did you mean 'echo'?): internal = ..." */
void conf_check_internal_why(const char *name, char *why, size_t len);
/* -1, reported, when SVC is internal under a name portier has not. */
int conf_check_internal(const struct service *svc, cfg_t *sec);
/* -1, reported at its line, when log_type's file cannot be opened. */
int conf_check_log_type(const char *file, const char *log_type);

#endif
