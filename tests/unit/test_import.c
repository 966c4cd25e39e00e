/* SPDX-License-Identifier: ISC */
/* test_import.c -- portier-import's readers and mapping, on strings */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "import.h"

/* xinetd TEXT (and inetd INETD, if any) as portier.conf text. */
static char *
convert(const char *text, const char *inetd)
{
	struct import_config cfg = {0};

	if (text != NULL)
		cr_assert_eq(import_parse_xinetd_text(&cfg, "x.conf", text), 0,
		             "%s", cfg.err);
	if (inetd != NULL)
		cr_assert_eq(import_parse_inetd_text(&cfg, "i.conf", inetd), 0,
		             "%s", cfg.err);
	char *out = import_emit(&cfg);
	cr_assert_not_null(out);
	import_config_free(&cfg);
	return out;
}

#define HAS(out, want)                                                         \
	cr_assert(strstr(out, want), "no [%s] in:\n%s", want, out)

Test(import, plus_and_minus_expand_against_defaults)
{
	char *out = convert("defaults\n{\n only_from = 10.0.0.1 10.0.0.2\n"
	                    " only_from += 10.0.0.3\n}\n"
	                    "service a\n{\n server = /bin/cat\n"
	                    " only_from += 10.0.0.4\n only_from -= 10.0.0.1\n"
	                    " port = 1\n}\n",
	                    NULL);
	HAS(out, "defaults {\n\tonly_from = {\"10.0.0.1\", \"10.0.0.2\", "
	         "\"10.0.0.3\"}\n");
	HAS(out, "service a {\n\tserver = \"/bin/cat\"\n\tonly_from = "
	         "{\"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\"}\n\tport = 1\n}\n");
	free(out);
}

Test(import, xinetd_address_forms)
{
	char *out = convert("service a {\n server = /bin/cat\n"
	                    " only_from = 0.0.0.0 10.0.0.0 192.168.1.0 "
	                    "1.2.3.4 10.{1,2} ::1 host.example .example\n}\n",
	                    NULL);
	HAS(out, "\t# only_from .example: portier matches no domain suffix");
	HAS(out, "\tonly_from = {\"0.0.0.0/0\", \"10.0.0.0/8\", "
	         "\"192.168.1.0/24\", \"1.2.3.4\", \"10.1.0.0/16\", "
	         "\"10.2.0.0/16\", \"::1\", \"host.example\"}\n");
	free(out);
}

Test(import, log_type_goes_global)
{
	char *out =
	    convert("defaults\n{\n log_type = FILE /var/log/x 1M 2M\n}\n"
	            "service a\n{\n server = /bin/cat\n"
	            " log_type = SYSLOG daemon\n}\n",
	            NULL);
	HAS(out, "log_type = \"file /var/log/x\"\n");
	HAS(out, "\t# log_type = FILE /var/log/x 1M 2M: portier has no size "
	         "limits");
	HAS(out, "\t# log_type = SYSLOG daemon: portier has one log_type");
	free(out);
}

Test(import, inetd_line_fields)
{
	char *out = convert(NULL, "127.0.0.1:echo stream tcp6 nowait.60 "
	                          "nobody.nogroup /bin/cat cat -u\n"
	                          "echo dgram udp wait root internal\n");
	HAS(out, "service echo {\n\tsocket_type = stream\n\tprotocol = tcp\n"
	         "\tv6only = yes\n\tbind = \"127.0.0.1\"\n\tcps = {1, 600}\n");
	HAS(out, "\tgroup = nogroup\n\tuser = nobody\n\tserver = \"/bin/cat\"\n"
	         "\tserver_args = {-u}\n}\n");
	/* Two services of one name: the second is told apart. */
	HAS(out, "service echo-udp {\n");
	HAS(out, "\tinternal = echo\n\tport = echo\n}\n");
	cr_assert_null(strstr(out, "defaults"), "%s", out);
	free(out);
}

Test(import, unknown_attribute_and_flag_are_comments)
{
	char *out = convert("service a {\n server = /bin/cat\n bogus = 1 2\n"
	                    " flags = WHATEVER SENSOR\n}\n",
	                    NULL);
	HAS(out, "\t# bogus = 1 2: not an xinetd attribute portier knows\n");
	HAS(out, "\t# flags WHATEVER: unknown flag\n");
	HAS(out, "\t# flags SENSOR: portier has no sensor services\n");
	free(out);
}

Test(import, unrunnable_service_is_commented_out)
{
	char *out = convert("service a\n{\n socket_type = raw\n"
	                    " server = /bin/cat\n}\n",
	                    NULL);
	HAS(out, "# x.conf:1\n# not imported: socket_type = raw: portier "
	         "serves stream and dgram only\n# service a {\n"
	         "# \tserver = \"/bin/cat\"\n# }\n");
	free(out);
}

Test(import, quoting_keeps_libconfuse_happy)
{
	char *out = convert("service a\n{\n server = /bin/sh\n"
	                    " server_args = -c echo\"\\ \n}\n",
	                    NULL);
	HAS(out, "\tserver_args = {-c, \"echo\\\"\\\\\"}\n");
	free(out);
}

Test(import, syntax_errors_name_the_line)
{
	struct import_config cfg = {0};

	cr_assert_eq(
	    import_parse_xinetd_text(&cfg, "x", "service a\nport = 1\n"), -1);
	cr_assert_str_eq(cfg.err, "x:2: expected '{' after service a");
	import_config_free(&cfg);
	cr_assert_eq(import_parse_xinetd_text(&cfg, "x",
	                                      "\nservice a {\n"
	                                      " port 1\n}\n"),
	             -1);
	cr_assert_str_eq(cfg.err, "x:3: expected NAME = VALUE, not 'port 1'");
	import_config_free(&cfg);
	cr_assert_eq(import_parse_xinetd_text(&cfg, "x", "servic a\n"), -1);
	cr_assert_str_eq(cfg.err, "x:1: expected service NAME, defaults, "
	                          "include or includedir, not 'servic'");
	import_config_free(&cfg);
}
