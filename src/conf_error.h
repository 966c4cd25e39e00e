/* SPDX-License-Identifier: ISC */
/* conf_error.h -- conf.c's messages: the first error of a load, at FILE:LINE
 */
#ifndef PORTIER_CONF_ERROR_H
#define PORTIER_CONF_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include <confuse.h>

/*
 * select() serves at most FD_SETSIZE (1024) descriptors, so more services
 * than this cannot run; refusing them early keeps a load from taking
 * minutes (libConfuse's own passes) over a runaway generated file.
 */
#define CONF_MAX_SERVICES 2048

/* One load at a time: errors go to ERR (ERRLEN bytes) until the end. */
void conf_error_begin(char *err, size_t errlen);
void conf_error_end(void);
/* The file being parsed, for libConfuse's own messages. */
void conf_error_set_file(const char *file);
const char *conf_error_file(void);
bool conf_error_happened(void);

/* "FILE:LINE: message", or "FILE: message" for LINE 0 (the whole file);
 * the first one wins, later ones are dropped. */
void conf_errorf(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * libConfuse gives a section the line where it ends; messages about a
 * whole service should point where it starts, so FILE is scanned for
 * `service NAME` lines first.  -1 (reported) when a name repeats.
 */
int conf_error_scan_sections(const char *file);

/* Report a problem with service NAME at the line where it starts. */
void conf_service_error(cfg_t *sec, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
