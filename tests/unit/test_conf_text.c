/* SPDX-License-Identifier: ISC */
/* test_conf_text.c -- comments blanked the way libConfuse reads them */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf_scan.h"
#include "conf_text.h"

static void
expect_stripped(const char *in, const char *want)
{
	char *text = strdup(in);

	cr_assert_eq(strlen(in), strlen(want), "test data: lengths differ");
	conf_text_strip_comments(text, strlen(text));
	cr_assert_str_eq(text, want);
	free(text);
}

Test(conf_text, line_comments_keep_their_newline)
{
	expect_stripped("# one\nport = 7 # two\n// three\n",
	                "     \nport = 7      \n        \n");
	expect_stripped("#### banner ####\nx=1", "                \nx=1");
}

Test(conf_text, block_comments_keep_inner_newlines)
{
	expect_stripped("a /* b\nc */ d\n", "a     \n     d\n");
	expect_stripped("/* never closed\nx", "               \n ");
}

Test(conf_text, quotes_protect_comment_characters)
{
	expect_stripped("s = \"a#b // c /* d\" # e\n",
	                "s = \"a#b // c /* d\"    \n");
	expect_stripped("s = 'it\\'s # here' #x\n", "s = 'it\\'s # here'   \n");
	expect_stripped("s = \"q\\\"# still\" #x\n",
	                "s = \"q\\\"# still\"   \n");
}

Test(conf_text, unquoted_words_end_at_a_comment)
{
	/* As libConfuse lexes them: a path keeps single slashes. */
	expect_stripped("server = /bin/cat#x\n", "server = /bin/cat  \n");
	expect_stripped("server = /a//b\n", "server = /a   \n");
}

Test(conf_text, read_blanks_and_counts)
{
	char path[] = "/tmp/portier-conf-text.XXXXXX";
	int fd = mkstemp(path);
	size_t len = 0;

	cr_assert_neq(fd, -1);
	cr_assert_eq(write(fd, "# c\nx = 1\n", 10), 10);
	close(fd);
	char *text = conf_text_read(path, &len);
	unlink(path);
	cr_assert_not_null(text);
	cr_assert_eq(len, 10);
	cr_assert_str_eq(text, "   \nx = 1\n");
	free(text);
	cr_assert_null(conf_text_read("/nonexistent/portier.conf", &len));
}

/* conf_scan.c: "+=" and "-=" become options, quotes and lines kept. */
Test(conf_scan, rewrites_list_operators_outside_quotes)
{
	size_t len;
	char *out = conf_scan_rewrite_ops(
	    "service a {\n only_from += {\"x+=y\"}\n env -= {'A-=1'}\n"
	    " port = 7\n}\n",
	    &len);

	cr_assert_str_eq(out, "service a {\n only_from__add = {\"x+=y\"}\n"
	                      " env__remove = {'A-=1'}\n port = 7\n}\n");
	cr_assert_eq(len, strlen(out));
	free(out);
}

Test(conf_scan, finds_option_lines_per_section)
{
	const char *text = "log_type = \"file /x\"\ndefaults {\n user = a\n}\n"
	                   "service b {\n port = 1\n\n user = \"b\"\n}\n"
	                   "service c { user = c }\n";

	cr_assert_eq(conf_scan_option_line(text, NULL, "log_type"), 1);
	cr_assert_eq(conf_scan_option_line(text, "defaults", "user"), 3);
	cr_assert_eq(conf_scan_option_line(text, "service b", "user"), 8);
	cr_assert_eq(conf_scan_option_line(text, "service c", "user"), 10);
	cr_assert_eq(conf_scan_option_line(text, "service b", "server"), 0);
	/* a value is not an option, even when it reads like one */
	cr_assert_eq(conf_scan_option_line(text, "service b", "b"), 0);
}

Test(conf_scan, finds_the_unclosed_section)
{
	char section[64];
	int quote;

	cr_assert_eq(conf_scan_unclosed("service a {\n}\nservice b {\n port "
	                                "= \"}\"\n",
	                                section, sizeof(section), &quote),
	             3);
	cr_assert_str_eq(section, "service b");
	cr_assert_eq(quote, 0);
	cr_assert_eq(conf_scan_unclosed("service a { port = 1 }\n", section,
	                                sizeof(section), &quote),
	             0);
	/* The quote ate the '}': name the quote, not the brace. */
	cr_assert_eq(conf_scan_unclosed("service a {\n x = \"1\"\n y = 'a\n}\n",
	                                section, sizeof(section), &quote),
	             1);
	cr_assert_eq(quote, 3);
}
