/* SPDX-License-Identifier: ISC */
/* test_conf_check.c -- what a load catches: drop-ins, +=, typos, servers */
#include <config.h>

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf_fixture.h"

TestSuite(conf_check, .init = fx_setup, .fini = fx_teardown);

static void
make_dir(const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	cr_assert_eq(mkdir(path, 0755), 0);
}

Test(conf_check, empty_include_dir_is_no_services)
{
	make_dir("portier.d");
	struct config *cfg = fx_load("\n\ninclude_dir = \"portier.d\"\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	cr_assert(TAILQ_EMPTY(&cfg->services));
	config_free(cfg);
}

Test(conf_check, missing_include_dir_names_its_line_and_errno)
{
	fx_refused("# drop-ins\n\ninclude_dir = \"nowhere\"\n", 3,
	           "include_dir %s/nowhere: No such file or directory");
}

/* xinetd's layout: files without .conf, leftovers skipped. */
Test(conf_check, include_dir_with_a_pattern_reads_xinetd_layout)
{
	static const char *const junk[] = {"echo~",         ".hidden",
	                                   "#echo#",        "echo.dpkg-old",
	                                   "echo.ucf-dist", "echo.rpmnew"};

	make_dir("xinetd.d");
	fx_write("xinetd.d/echo",
	         "service echo {\n type = internal\n port = 7007\n}\n", 0644);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "xinetd.d/%s", junk[i]);
		fx_write(name, "garbage {\n", 0644);
	}
	make_dir("xinetd.d/subdir");
	struct config *cfg = fx_load("include_dir = {\"xinetd.d\", \"*\"}\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	struct service *s = TAILQ_FIRST(&cfg->services);
	cr_assert_str_eq(s->name, "echo");
	cr_assert_null(TAILQ_NEXT(s, entry));
	config_free(cfg);
}

Test(conf_check, include_dir_with_three_parts_is_refused)
{
	fx_refused("\ninclude_dir = {\"a\", \"*\", \"b\"}\n", 2,
	           "include_dir must be \"DIR\" or {\"DIR\", \"PATTERN\"} "
	           "(e.g. {\"/etc/portier.d\", \"*\"})");
}

Test(conf_check, unclosed_service_is_refused_at_its_brace)
{
	fx_refused(
	    "service a {\n type = internal\n port = 7007\n}\n"
	    "service echo {\n type = internal\n",
	    5,
	    "service echo { is never closed: a '}' is missing before the "
	    "end of the file");
}

Test(conf_check, typo_gets_the_nearest_name)
{
	fx_refused("service cat {\n port = 7\n sever = \"/bin/cat\"\n}\n", 3,
	           "no such option 'sever' (did you mean 'server'?)");
	fx_refused("service cat {\n port = 7\n colour = \"blue\"\n}\n", 3,
	           "no such option 'colour'");
}

Test(conf_check, scalar_with_plus_equals_is_refused)
{
	fx_refused("service cat {\n port = 7\n server += \"/bin/cat\"\n}\n", 3,
	           "'server +=': only lists (only_from, server_args, env, ...) "
	           "take += and -=");
}

Test(conf_check, plus_and_minus_equals_work_on_defaults)
{
	struct config *cfg = fx_load(
	    "defaults {\n only_from = {\"10.0.0.0/8\", \"127.0.0.1\"}\n"
	    " log_on_success = {PID, HOST}\n}\n"
	    "service a {\n type = internal\n internal = echo\n port = 7007\n"
	    " only_from += {\"::1\"}\n log_on_success -= {HOST}\n}\n"
	    "service b {\n type = internal\n internal = echo\n port = 7008\n"
	    " only_from -= {\"10.0.0.0/8\"}\n}\n"
	    "service c {\n type = internal\n internal = echo\n port = 7009\n"
	    " only_from = {\"192.0.2.1\"}\n only_from += {\"192.0.2.2\"}\n}\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	struct service *a = TAILQ_FIRST(&cfg->services);
	struct service *b = TAILQ_NEXT(a, entry), *c = TAILQ_NEXT(b, entry);
	cr_assert_str_eq(a->only_from[0], "10.0.0.0/8");
	cr_assert_str_eq(a->only_from[1], "127.0.0.1");
	cr_assert_str_eq(a->only_from[2], "::1");
	cr_assert_null(a->only_from[3]);
	cr_assert_eq(a->log_on_success, LOGF_PID);
	cr_assert_str_eq(b->only_from[0], "127.0.0.1");
	cr_assert_null(b->only_from[1]);
	cr_assert_eq(b->log_on_success, LOGF_PID | LOGF_HOST);
	/* its own list replaces defaults', then += adds to it */
	cr_assert_str_eq(c->only_from[0], "192.0.2.1");
	cr_assert_str_eq(c->only_from[1], "192.0.2.2");
	cr_assert_null(c->only_from[2]);
	config_free(cfg);
}

Test(conf_check, plus_equals_keeps_line_numbers)
{
	fx_refused(
	    "defaults {\n only_from = {\"127.0.0.1\"}\n}\n"
	    "service a {\n only_from += {\"::1\"}\n port = 99999\n}\n",
	    6, "port must be 1..65535 or a name in /etc/services, not '99999'");
}

Test(conf_check, missing_server_is_refused_at_its_line)
{
	fx_refused(
	    "service cat {\n port = 7\n\n server = \"/nonexistent/cat\"\n"
	    " user = \"root\"\n}\n",
	    4,
	    "service cat: server '/nonexistent/cat': No such file or "
	    "directory");
}

Test(conf_check, server_not_executable_by_its_user)
{
	char text[PATH_MAX + 256], msg[PATH_MAX + 256];
	const char *path = fx_write("handler", "#!/bin/sh\n", 0700);

	snprintf(text, sizeof(text),
	         "service h {\n port = 7\n user = \"nobody\"\n"
	         " server = \"%s\"\n}\n",
	         path);
	snprintf(msg, sizeof(msg),
	         "service h: server '%%s/handler': not executable by user "
	         "nobody (mode 0700, owner %ld:%ld)",
	         (long)getuid(), (long)getgid());
	fx_refused(text, 4, msg);
}

Test(conf_check, unknown_internal_name_gets_the_nearest)
{
	fx_refused("service ech {\n port = 7\n type = internal\n}\n", 3,
	           "service ech: no internal service 'ech' (did you mean "
	           "'echo'?): internal = echo, discard, daytime, chargen, "
	           "time or metrics");
	fx_refused("service x {\n port = 7\n type = internal\n"
	           " internal = \"nonsense\"\n}\n",
	           4,
	           "no internal service 'nonsense': internal = echo, "
	           "discard, daytime, chargen, time or metrics");
}

Test(conf_check, log_file_that_cannot_be_opened)
{
	fx_refused(
	    "\nlog_type = \"file /nonexistent/dir/portier.log\"\n", 2,
	    "log_type: cannot open /nonexistent/dir/portier.log: No such "
	    "file or directory");
}

/* An imported or packaged service is often disabled until installed. */
Test(conf_check, disabled_service_may_lack_its_server)
{
	struct config *cfg = fx_load("service cat {\n port = 7\n"
	                             " server = \"/nonexistent/cat\"\n"
	                             " disable = yes\n}\n");

	cr_assert_not_null(cfg, "%s", fx_err);
	config_free(cfg);
}

Test(conf_check, unknown_log_level_names_the_valid_ones)
{
	fx_refused("\nlog_level = loud\n", 2,
	           "log_level must be error, warning, notice, info or debug, "
	           "not 'loud'");
}
