/* SPDX-License-Identifier: ISC */
/* log.h -- daemon messages to stderr, a file (with timestamps) or syslog */
#ifndef PORTIER_LOG_H
#define PORTIER_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_init(bool to_syslog);
int log_set_level(const char *name);
/* Whether NAME is one of error, warning, notice, info, debug. */
bool log_level_is_known(const char *name);
/* Whether LEVEL's messages are written: skip work for debug lines. */
bool log_is_enabled(enum log_level level);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Log one line a handler wrote to its stderr as "SERVICE[PID]: line", or
 * "SERVICE[PID] child WRITER: line" when a process it started wrote it
 * (WRITER 0: the handler itself), with control characters escaped so a
 * handler cannot forge log lines.
 */
void log_handler_line(const char *service, long pid, long writer,
                      const char *line, size_t len);

/* Warn once on stderr when syslog's socket does not answer. */
void log_check_syslog(void);

/* log_type: "syslog FACILITY [LEVEL]", "file PATH" or "stderr [LEVEL]"
 * (for journald: the daemon runs with -n and its stderr is the journal). */
#define LOG_TYPE_STDERR (-1)
int log_parse_type(const char *text, char *path, size_t pathsize, int *facility,
                   char *level, size_t levelsize);
int log_configure(const char *log_type);
int log_reopen(void);

#endif
