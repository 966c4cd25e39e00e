/* SPDX-License-Identifier: ISC */
/* conf_fixture.c -- a temp dir of config files for the conf_load tests */
#include <config.h>

#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "conf_fixture.h"

char fx_dir[PATH_MAX];
char fx_err[1024];

void
fx_setup(void)
{
	strlcpy(fx_dir, "/tmp/portier-conf.XXXXXX", sizeof(fx_dir));
	cr_assert_not_null(mkdtemp(fx_dir));
	/* Handlers run as nobody by default: their files must be reachable. */
	chmod(fx_dir, 0755);
}

void
fx_teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx_dir);
	cr_assert_eq(system(cmd), 0);
}

const char *
fx_write(const char *name, const char *text, mode_t mode)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

struct config *
fx_load(const char *text)
{
	return conf_load(fx_write("portier.conf", text, 0644), fx_err,
	                 sizeof(fx_err));
}

void
fx_refused(const char *text, int line, const char *message)
{
	char want[PATH_MAX + 1024], msg[PATH_MAX + 512];

	cr_assert_null(fx_load(text), "accepted: %s", text);
	/* MESSAGE's one "%s" is fx_dir (by hand: no non-literal format). */
	const char *mark = strstr(message, "%s");
	if (mark != NULL)
		snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(mark - message),
		         message, fx_dir, mark + 2);
	else
		strlcpy(msg, message, sizeof(msg));
	snprintf(want, sizeof(want), "%s/portier.conf:%d: %s", fx_dir, line,
	         msg);
	cr_assert_str_eq(fx_err, want);
}
