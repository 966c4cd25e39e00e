/* SPDX-License-Identifier: ISC */
/* log.c -- daemon messages to stderr, a file (with timestamps) or syslog */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <paths.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static bool log_to_syslog;
static enum log_level log_threshold = LOG_LEVEL_INFO;
static FILE *log_file; /* log_type = file PATH */
static char log_file_path[4096];

static const struct {
	const char *name;
	enum log_level level;
	int priority;
} log_levels[] = {
    {"error", LOG_LEVEL_ERROR, LOG_ERR},
    {"warning", LOG_LEVEL_WARNING, LOG_WARNING},
    {"notice", LOG_LEVEL_NOTICE, LOG_NOTICE},
    {"info", LOG_LEVEL_INFO, LOG_INFO},
    {"debug", LOG_LEVEL_DEBUG, LOG_DEBUG},
};

/* syslog(3) drops messages silently when nothing listens on /dev/log:
 * say so once, where someone may still read it. */
void
log_check_syslog(void)
{
	static bool warned;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strlcpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path));
	if (fd != -1 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		return;
	}
	int saved = errno;
	if (fd != -1)
		close(fd);
	if (!warned)
		fprintf(
		    stderr,
		    "portierd: syslog is unreachable (%s: %s): its messages "
		    "are lost; log_type = \"stderr\" or \"file /PATH\" "
		    "keeps them\n",
		    _PATH_LOG, strerror(saved));
	warned = true;
}

void
log_init(bool to_syslog)
{
	log_to_syslog = to_syslog;
	if (to_syslog)
		openlog("portierd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_set_level(const char *name)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]);
	     i++) {
		if (strcasecmp(name, log_levels[i].name) == 0) {
			log_threshold = log_levels[i].level;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

/* "2026-12-02T07:15:01+0000 ": a file has no syslogd to stamp it. */
static void
log_stamp(FILE *fp)
{
	char when[40];
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z ", &tm) > 0)
		fputs(when, fp);
}

bool
log_is_enabled(enum log_level level)
{
	return level <= log_threshold;
}

static void
log_vemit(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];

	if (level > log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_file != NULL) {
		log_stamp(log_file);
		fprintf(log_file, "portierd: %s%s%s\n", msg, suffix ? ": " : "",
		        suffix ? suffix : "");
		fflush(log_file);
		return;
	}
	if (log_to_syslog) {
		syslog(log_levels[level].priority, "%s%s%s", msg,
		       suffix ? ": " : "", suffix ? suffix : "");
		return;
	}
	fprintf(stderr, "portierd: %s%s%s\n", msg, suffix ? ": " : "",
	        suffix ? suffix : "");
}

#define LOG_FUNCTION(fn, level)                                                \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vemit(level, fmt, ap, NULL);                               \
		va_end(ap);                                                    \
	}

LOG_FUNCTION(log_debug, LOG_LEVEL_DEBUG)
LOG_FUNCTION(log_info, LOG_LEVEL_INFO)
LOG_FUNCTION(log_notice, LOG_LEVEL_NOTICE)
LOG_FUNCTION(log_warnx, LOG_LEVEL_WARNING)

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_ERROR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void
log_handler_line(const char *service, long pid, long writer, const char *line,
                 size_t len)
{
	/* children.c hands over at most 1024 bytes, each may become "\xNN":
	 * room for all of them, or a full line lost its last bytes. */
	char clean[4 * 1024 + 1];
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 <= sizeof(clean); i++) {
		unsigned char c = (unsigned char)line[i];
		if (c >= 0x20 && c != 0x7f) {
			clean[o++] = (char)c;
		} else {
			snprintf(clean + o, sizeof(clean) - o, "\\x%02x", c);
			o += 4;
		}
	}
	clean[o] = '\0';
	char who[48] = "";
	if (writer != 0)
		snprintf(who, sizeof(who), " child %ld", writer);
	if (log_file != NULL) {
		log_stamp(log_file);
		fprintf(log_file, "%s[%ld]%s: %s\n", service, pid, who, clean);
		fflush(log_file);
	} else if (log_to_syslog)
		syslog(LOG_INFO, "%s[%ld]%s: %s", service, pid, who, clean);
	else
		fprintf(stderr, "%s[%ld]%s: %s\n", service, pid, who, clean);
}

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
    {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV},
    {"user", LOG_USER},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

bool
log_level_is_known(const char *name)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return true;
	return false;
}

/* "syslog FACILITY [LEVEL]", "file PATH" or "stderr [LEVEL]" (FACILITY
 * is then LOG_TYPE_STDERR); 0, or -1 if malformed. */
int
log_parse_type(const char *text, char *path, size_t pathsize, int *facility,
               char *level, size_t levelsize)
{
	char kind[16], a[4096], b[32], extra[2];
	int n = sscanf(text, "%15s %4095s %31s", kind, a, b);

	level[0] = path[0] = '\0';
	/* A fourth word, or a level log_set_level would refuse later. */
	if (sscanf(text, "%*s %*s %*s %1s", extra) == 1)
		return -1;
	if (n == 3 && !log_level_is_known(b))
		return -1;
	if (n >= 2 && strcasecmp(kind, "file") == 0 && n == 2 && a[0] == '/')
		return strlcpy(path, a, pathsize) < pathsize ? 0 : -1;
	if (n >= 1 && n <= 2 && strcasecmp(kind, "stderr") == 0) {
		*facility = LOG_TYPE_STDERR;
		if (n == 2 && !log_level_is_known(a))
			return -1;
		strlcpy(level, n == 2 ? a : "", levelsize);
		return 0;
	}
	if (n < 2 || strcasecmp(kind, "syslog") != 0)
		return -1;
	for (size_t i = 0;
	     i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++) {
		if (strcasecmp(a, log_facilities[i].name) != 0)
			continue;
		*facility = log_facilities[i].facility;
		if (n == 3)
			strlcpy(level, b, levelsize);
		return 0;
	}
	return -1;
}

int
log_configure(const char *type)
{
	char path[4096], level[32];
	int facility = LOG_DAEMON;

	if (type == NULL)
		return 0;
	if (log_parse_type(type, path, sizeof(path), &facility, level,
	                   sizeof(level)) == -1)
		return -1;
	if (path[0] != '\0') {
		strlcpy(log_file_path, path, sizeof(log_file_path));
		return log_reopen();
	}
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	log_file_path[0] = '\0';
	closelog();
	log_to_syslog = facility != LOG_TYPE_STDERR;
	if (log_to_syslog) {
		openlog("portierd", LOG_PID | LOG_NDELAY, facility);
		log_check_syslog();
	}
	return level[0] != '\0' ? log_set_level(level) : 0;
}

/* logrotate: SIGHUP and SIGUSR2 open the file anew. */
int
log_reopen(void)
{
	if (log_file_path[0] == '\0')
		return 0;
	FILE *fp = fopen(log_file_path, "ae");
	if (fp == NULL)
		return -1;
	if (log_file != NULL)
		fclose(log_file);
	log_file = fp;
	return 0;
}
