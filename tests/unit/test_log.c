/* SPDX-License-Identifier: ISC */
/* test_log.c -- log_type parsing: "syslog FACILITY [LEVEL]" or "file PATH" */
#include <config.h>

#include <string.h>
#include <syslog.h>

#include <criterion/criterion.h>

#include "log.h"

static int
parse(const char *text, char *path, int *facility, char *level)
{
	return log_parse_type(text, path, 256, facility, level, 32);
}

Test(log_type, a_file_by_absolute_path)
{
	char path[256], level[32];
	int facility = -1;

	cr_assert_eq(parse("file /var/log/portier.log", path, &facility, level),
	             0);
	cr_assert_str_eq(path, "/var/log/portier.log");
	cr_assert_str_eq(level, "");
	cr_assert_eq(parse("FILE /tmp/x", path, &facility, level), 0);
	cr_assert_str_eq(path, "/tmp/x");
}

Test(log_type, syslog_with_and_without_a_level)
{
	char path[256], level[32];
	int facility = -1;

	cr_assert_eq(parse("syslog daemon", path, &facility, level), 0);
	cr_assert_eq(facility, LOG_DAEMON);
	cr_assert_str_eq(path, "");
	cr_assert_str_eq(level, "");
	cr_assert_eq(parse("syslog local3 warning", path, &facility, level), 0);
	cr_assert_eq(facility, LOG_LOCAL3);
	cr_assert_str_eq(level, "warning");
	cr_assert_eq(parse("SYSLOG AUTHPRIV debug", path, &facility, level), 0);
	cr_assert_eq(facility, LOG_AUTHPRIV);
}

Test(log_type, malformed_is_refused)
{
	static const char *bad[] = {"",
	                            "file",
	                            "file relative.log",
	                            "file /a /b",
	                            "syslog",
	                            "syslog kern",
	                            "syslog daemon loud",
	                            "syslog daemon info extra",
	                            "journal daemon",
	                            "file\t",
	                            NULL};
	char path[256], level[32];
	int facility;

	for (int i = 0; bad[i] != NULL; i++)
		cr_expect_eq(parse(bad[i], path, &facility, level), -1, "'%s'",
		             bad[i]);
}

Test(log_type, stderr_with_and_without_a_level)
{
	char path[256], level[32];
	int facility = 0;

	cr_assert_eq(parse("stderr", path, &facility, level), 0);
	cr_assert_eq(facility, LOG_TYPE_STDERR);
	cr_assert_str_eq(path, "");
	cr_assert_str_eq(level, "");
	cr_assert_eq(parse("STDERR debug", path, &facility, level), 0);
	cr_assert_str_eq(level, "debug");
	cr_assert_eq(parse("stderr loud", path, &facility, level), -1);
	cr_assert_eq(parse("stderr info extra", path, &facility, level), -1);
}
