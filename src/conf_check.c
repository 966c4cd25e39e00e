/* SPDX-License-Identifier: ISC */
/* conf_check.c -- what -C catches beyond syntax: servers, names, log file */
#include <config.h>

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "classic.h"
#include "conf_check.h"
#include "conf_error.h"
#include "conf_scan.h"
#include "conf_value.h"
#include "log.h"

int
conf_check_line(cfg_t *sec, const char *name, const char *option)
{
	char title[300];
	const char *file = sec->filename;

	/* A cut title could name another service that starts alike. */
	if (file == NULL || (size_t)snprintf(title, sizeof(title), "service %s",
	                                     name) >= sizeof(title))
		return 0;
	int line = conf_scan_file_line(file, title, option);
	return line ? line : conf_scan_file_line(file, "defaults", option);
}

/* Whether SVC's user may execute a file with these ST bits (access(2)
 * answers for us, not for the user the handler will run as). */
static bool
conf_check_can_exec(const struct service *svc, const struct stat *st)
{
	uid_t uid = svc->has_user ? svc->uid : geteuid();
	gid_t gid = svc->has_user || svc->has_group ? svc->gid : getegid();

	if (uid == 0)
		return (st->st_mode & 0111) != 0;
	if (st->st_uid == uid)
		return (st->st_mode & S_IXUSR) != 0;
	bool in_group = st->st_gid == gid;
	for (int i = 0; i < svc->ngroups && !in_group; i++)
		in_group = svc->groups[i] == st->st_gid;
	return (st->st_mode & (in_group ? S_IXGRP : S_IXOTH)) != 0;
}

void
conf_check_error(cfg_t *sec, const char *name, const char *option,
                 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line = conf_check_line(sec, name, option);
	if (line == 0)
		conf_service_error(sec, name, "%s", msg);
	else
		conf_errorf(sec->filename ? sec->filename : "?", line,
		            "service %s: %s", name, msg);
}

int
conf_check_port_line(const struct service *svc, cfg_t *sec)
{
	static const char *const options[] = {"port", "socket", "bind"};
	int line = 0;

	for (size_t i = 0; i < 3 && line == 0; i++)
		line = conf_check_line(sec, svc->name, options[i]);
	return line ? line : svc->line;
}

int
conf_check_server(const struct service *svc, cfg_t *sec)
{
	char path[PATH_MAX * 2], why[300];
	struct stat st;

	if (svc->is_internal || svc->server == NULL ||
	    svc->redirect_host != NULL)
		return 0;
	snprintf(path, sizeof(path), "%s%s", svc->chroot ? svc->chroot : "",
	         svc->server);
	if (stat(path, &st) == -1)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	else if (!conf_check_can_exec(svc, &st))
		snprintf(why, sizeof(why),
		         "not executable by user %s (mode %04o, owner %ld:%ld)",
		         svc->has_user ? svc->user : "running portierd",
		         (unsigned)(st.st_mode & 07777), (long)st.st_uid,
		         (long)st.st_gid);
	else
		return 0;
	conf_errorf(sec->filename ? sec->filename : "?",
	            conf_check_line(sec, svc->name, "server"),
	            "service %s: server '%s': %s", svc->name, path, why);
	return -1;
}

bool
conf_check_is_internal(const char *name)
{
	return classic_service_by_name(name) != -1 ||
	       strcmp(name, "metrics") == 0;
}

void
conf_check_internal_why(const char *name, char *why, size_t len)
{
	static const char *const names[] = {"echo",    "discard", "daytime",
	                                    "chargen", "time",    "metrics"};
	const char *near = NULL;
	size_t best = 3;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t d = conf_edit_distance(name, names[i]);
		if (d < best) {
			best = d;
			near = names[i];
		}
	}
	snprintf(why, len,
	         "no internal service '%s'%s%s%s: internal = echo, discard, "
	         "daytime, chargen, time or metrics",
	         name, near ? " (did you mean '" : "", near ? near : "",
	         near ? "'?)" : "");
}

int
conf_check_internal(const struct service *svc, cfg_t *sec)
{
	char why[256];

	if (!svc->is_internal || conf_check_is_internal(svc->internal_name))
		return 0;
	conf_check_internal_why(svc->internal_name, why, sizeof(why));
	int line = conf_check_line(sec, svc->name, "internal");
	if (line == 0)
		line = conf_check_line(sec, svc->name, "type");
	conf_errorf(sec->filename ? sec->filename : "?", line, "service %s: %s",
	            svc->name, why);
	return -1;
}

/* Whether PATH can be opened for appending, without creating it now. */
static int
conf_check_appendable(const char *path)
{
	char dir[PATH_MAX];
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);

	if (fd != -1) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	strlcpy(dir, path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	return access(dir, W_OK | X_OK);
}

int
conf_check_log_type(const char *file, const char *log_type)
{
	char path[4096], level[32];
	int facility;

	if (log_type == NULL ||
	    log_parse_type(log_type, path, sizeof(path), &facility, level,
	                   sizeof(level)) == -1 ||
	    path[0] == '\0' || conf_check_appendable(path) == 0)
		return 0;
	conf_errorf(file, conf_scan_file_line(file, NULL, "log_type"),
	            "log_type: cannot open %s: %s", path, strerror(errno));
	return -1;
}
