/* SPDX-License-Identifier: ISC */
/* test_conf.c -- conf_load: every valid shape, every refusal with file:line */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf_error.h"
#include "conf_fixture.h"
#include "gate.h"
#include "svc_text.h"

TestSuite(conf, .init = fx_setup, .fini = fx_teardown);

static struct service *
first(struct config *cfg)
{
	cr_assert_not_null(cfg, "refused: %s", fx_err);
	return TAILQ_FIRST(&cfg->services);
}

Test(conf, tcp_service_with_every_issue2_attribute)
{
	struct config *cfg = fx_load("service www {\n"
	                             "  disable = no\n"
	                             "  socket_type = stream\n"
	                             "  protocol = tcp\n"
	                             "  port = 8080\n"
	                             "  bind = \"127.0.0.1\"\n"
	                             "  wait = no\n"
	                             "  user = root\n"
	                             "  group = root\n"
	                             "  server = \"/usr/bin/env\"\n"
	                             "  server_args = {\"-i\", \"A=1\"}\n"
	                             "  env = {\"LANG=C\"}\n"
	                             "  passenv = {\"TZ\"}\n"
	                             "  backlog = 32\n"
	                             "}\n");
	struct service *s = first(cfg);
	cr_assert_str_eq(s->name, "www");
	cr_assert_eq(s->socket_type, SOCK_STREAM);
	cr_assert_eq(s->protocol, PROTO_TCP);
	cr_assert_eq(s->port_number, 8080);
	cr_assert_str_eq(s->bind, "127.0.0.1");
	cr_assert_not(s->is_wait);
	cr_assert_eq(s->uid, 0);
	cr_assert_str_eq(s->argv[0], "env");
	cr_assert_str_eq(s->argv[1], "-i");
	cr_assert_str_eq(s->argv[2], "A=1");
	cr_assert_null(s->argv[3]);
	cr_assert_str_eq(s->env[0], "LANG=C");
	cr_assert_str_eq(s->passenv[0], "TZ");
	cr_assert_eq(s->backlog, 32);
	config_free(cfg);
}

/*
 * Port names come from the system's services database, as they do for
 * the daemon: glibc offers no way to point getservbyname at another
 * file, so this test uses netbase's /etc/services (which ./quickstart
 * installs, because the daemon needs it at run time) and says so when
 * it is missing rather than failing on a NULL config.
 */
Test(conf, names_from_etc_services_and_implied_protocol)
{
	cr_assert_eq(access("/etc/services", R_OK), 0,
	             "/etc/services is missing: install netbase "
	             "(./quickstart does)");
	struct config *cfg =
	    fx_load("service daytime {\n type = internal\n}\n"
	            "service t {\n socket_type = dgram\n port = time\n"
	            " type = internal\n internal = time\n}\n");
	struct service *s = first(cfg);
	cr_assert_eq(s->port_number, 13);
	cr_assert(s->is_internal);
	cr_assert_str_eq(s->internal_name, "daytime");
	s = TAILQ_NEXT(s, entry);
	cr_assert_eq(s->protocol, PROTO_UDP);
	cr_assert_eq(s->port_number, 37);
	cr_assert(s->is_wait, "dgram defaults to wait = yes");
	config_free(cfg);
}

Test(conf, unix_socket_service)
{
	struct config *cfg = fx_load(
	    "service u {\n socket = \"/run/u.sock\"\n socket_mode = \"0600\"\n"
	    " socket_owner = \"root:root\"\n server = \"/bin/cat\"\n}\n");
	struct service *s = first(cfg);
	cr_assert_eq(s->protocol, PROTO_UNIX);
	cr_assert_str_eq(s->socket_path, "/run/u.sock");
	cr_assert_eq(s->socket_mode, 0600);
	cr_assert(s->has_socket_owner);
	config_free(cfg);
}

Test(conf, defaults_apply_unless_overridden)
{
	struct config *cfg = fx_load(
	    "defaults {\n instances = 7\n per_source = 3\n cps = {50, 5}\n"
	    " only_from = {\"127.0.0.0/8\"}\n log_on_success = {PID, HOST}\n}\n"
	    "service a {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	    "service b {\n port = 1001\n server = \"/bin/cat\"\n"
	    " instances = 2\n only_from = {}\n}\n");
	struct service *a = first(cfg), *b = TAILQ_NEXT(a, entry);
	cr_assert_eq(a->instances, 7);
	cr_assert_eq(a->per_source, 3);
	cr_assert_eq(a->cps_rate, 50);
	cr_assert_eq(a->cps_pause, 5);
	cr_assert(a->has_only_from);
	cr_assert_str_eq(a->only_from[0], "127.0.0.0/8");
	cr_assert_eq(a->log_on_success, LOGF_PID | LOGF_HOST);
	cr_assert_eq(b->instances, 2);
	cr_assert(b->has_only_from, "an empty only_from means nobody");
	cr_assert_null(b->only_from[0]);
	config_free(cfg);
}

Test(conf, limits_and_resources)
{
	struct config *cfg = fx_load(
	    "service r {\n port = 1000\n server = \"/bin/cat\"\n nice = 5\n"
	    " umask = \"027\"\n rlimit_as = 64M\n rlimit_files = 100\n"
	    " rlimit_cpu = unlimited\n access_times = {\"08:00-17:30\"}\n"
	    " max_load = 2.5\n redirect = \"127.0.0.1 80\"\n}\n");
	struct service *s = first(cfg);
	cr_assert(s->has_nice);
	cr_assert_eq(s->nice, 5);
	cr_assert_eq(s->umask, 027);
	cr_assert_eq(s->rlimits[SVC_RLIMIT_AS].value, 64UL << 20);
	cr_assert_eq(s->rlimits[SVC_RLIMIT_FILES].value, 100);
	cr_assert_eq(s->rlimits[SVC_RLIMIT_CPU].value, RLIM_INFINITY);
	cr_assert_not(s->rlimits[SVC_RLIMIT_STACK].is_set);
	cr_assert_eq(s->access_times[0].start_minute, 8 * 60);
	cr_assert_eq(s->access_times[0].end_minute, 17 * 60 + 30);
	cr_assert_float_eq(s->max_load, 2.5, 1e-9);
	cr_assert_str_eq(s->redirect_host, "127.0.0.1");
	cr_assert_str_eq(s->redirect_port, "80");
	config_free(cfg);
}

Test(conf, include_dir_sorted_skipping_dotfiles_and_backups)
{
	char sub[PATH_MAX + 8];

	snprintf(sub, sizeof(sub), "%s/portier.d", fx_dir);
	mkdir(sub, 0755);
	fx_write("portier.d/20-b.conf",
	         "service b {\n port = 1002\n"
	         " server = \"/bin/cat\"\n}\n",
	         0644);
	fx_write("portier.d/10-a.conf",
	         "service a {\n port = 1001\n"
	         " server = \"/bin/cat\"\n}\n",
	         0644);
	fx_write("portier.d/.hidden.conf", "garbage {\n", 0644);
	fx_write("portier.d/30-c.conf~", "garbage {\n", 0644);
	fx_write("portier.d/notes.txt", "garbage {\n", 0644);
	struct config *cfg = fx_load("include_dir = \"portier.d\"\n");
	struct service *s = first(cfg);
	cr_assert_str_eq(s->name, "a");
	cr_assert_str_eq(TAILQ_NEXT(s, entry)->name, "b");
	cr_assert_null(TAILQ_NEXT(TAILQ_NEXT(s, entry), entry));
	config_free(cfg);
}

Test(conf, error_in_included_file_names_that_file)
{
	char sub[PATH_MAX + 8], want[PATH_MAX + 64];

	snprintf(sub, sizeof(sub), "%s/d", fx_dir);
	mkdir(sub, 0755);
	fx_write("d/x.conf", "\nservice x {\n port = 99999\n}\n", 0644);
	cr_assert_null(fx_load("include_dir = \"d\"\n"));
	snprintf(want, sizeof(want),
	         "%s/d/x.conf:3: port must be 1..65535 or a name in "
	         "/etc/services, not "
	         "'99999'",
	         fx_dir);
	cr_assert_str_eq(fx_err, want);
}

Test(conf, refuses_unknown_attribute)
{
	fx_refused("service a {\n port = 1\n colour = blue\n}\n", 3,
	           "no such option 'colour'");
}

Test(conf, refuses_bad_values)
{
	fx_refused("service a {\n socket_type = raw\n}\n", 2,
	           "socket_type must be stream or dgram, not 'raw'");
	fx_refused("service a {\n protocol = sctp\n}\n", 2,
	           "protocol must be tcp, udp or unix, not 'sctp'");
	fx_refused("service a {\n\n wait = perhaps\n}\n", 3,
	           "invalid boolean value for option 'wait'");
	fx_refused("service a {\n backlog = 0\n}\n", 2,
	           "backlog must be between 1 and 65535, not 0");
	fx_refused("service a {\n instances = many\n}\n", 2,
	           "invalid integer value for option 'instances'");
	fx_refused("service a {\n umask = \"999\"\n}\n", 2,
	           "umask must be an octal mode from 0 to 0777 like 0644, not "
	           "'999'");
	fx_refused(
	    "service a {\n rlimit_as = 12X\n}\n", 2,
	    "rlimit_as must be a number with an optional K, M or G suffix, "
	    "or unlimited, not '12X'");
	fx_refused("service a {\n cps = {10, 0}\n}\n", 2,
	           "cps must be {RATE, SECONDS}, both positive");
	fx_refused("service a {\n port = 1\n server = \"/bin/cat\"\n"
	           " cps = {10}\n}\n",
	           4, "service a: cps must be {RATE, SECONDS}, both positive");
	fx_refused("service a {\n access_times = {\"8-17\"}\n}\n", 2,
	           "access_times: '8-17' is not HH:MM-HH:MM");
	fx_refused(
	    "service a {\n log_on_success = {PID, COLOR}\n}\n", 2,
	    "log_on_success: unknown item 'COLOR' (PID, HOST, DURATION, EXIT, "
	    "TRAFFIC)");
	fx_refused("service a {\n type = magic\n}\n", 2,
	           "type must be internal or unlisted, not 'magic'");
	fx_refused("service a {\n type = internal\n internal = qotd\n}\n", 3,
	           "no internal service 'qotd': internal = echo, discard, "
	           "daytime, chargen, time or metrics");
	fx_refused("service a {\n server = \"cat\"\n}\n", 2,
	           "server must be an absolute path, not 'cat'");
	fx_refused(
	    "service a {\n env = {\"A=1\", \"PORTIER_UDP_PORTS=7,,9\"}\n}\n", 2,
	    "env: 'PORTIER_UDP_PORTS=7,,9' is not a port list like "
	    "7,13,19-21");
}

/*
 * The reply budget has one source, reply_rate: an env = or passenv entry
 * came after the master's and won in the handler, unchecked at load (a
 * handler exited 100 on every datagram) and unseen by -P.
 */
Test(conf, reply_rate_is_not_set_through_env)
{
	const char *msg = "PORTIER_UDP_RATE is set from reply_rate: write "
	                  "reply_rate = {RATE, BURST}";
	char want[256];

	snprintf(want, sizeof(want), "env: %s", msg);
	fx_refused("service a {\n env = {\"A=1\", \"PORTIER_UDP_RATE=0\"}\n}\n",
	           2, want);
	fx_refused("defaults {\n env = {\"PORTIER_UDP_RATE=nope\"}\n}\n", 2,
	           want);
	snprintf(want, sizeof(want), "passenv: %s", msg);
	fx_refused("service a {\n passenv = {\"PORTIER_UDP_RATE\"}\n}\n", 2,
	           want);
}

Test(conf, refuses_bad_or_unknown_port)
{
	fx_refused("service a {\n port = 0\n}\n", 2,
	           "port must be 1..65535 or a name in /etc/services, not '0'");
	fx_refused("service a {\n port = no-such-service\n}\n", 2,
	           "port must be 1..65535 or a name in /etc/services, not "
	           "'no-such-service'");
	fx_refused(
	    "\nservice mystery {\n server = \"/bin/cat\"\n}\n", 2,
	    "service mystery: no port, and 'mystery' is not a tcp service in "
	    "/etc/services");
}

/* A section with no option in it: the index of option lines is empty, and
 * an empty index is not handed to qsort as a null array (the sanitizer
 * build stopped the daemon there on a reload). */
Test(conf, a_section_without_options_is_refused_by_its_title_line)
{
	fx_refused("\nservice mystery {\n}\n", 2,
	           "service mystery: no port, and 'mystery' is not a tcp "
	           "service in /etc/services");
}

Test(conf, refuses_duplicate_service_names)
{
	char want[PATH_MAX + 128];

	snprintf(want, sizeof(want),
	         "service a is already defined at "
	         "%s/portier.conf:1",
	         fx_dir);
	fx_refused("service a {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	           "service a {\n port = 1001\n server = \"/bin/cat\"\n}\n",
	           5, want);
}

/*
 * The scan that finds where each service starts must neither cut long
 * names (two that differ past the cut are not one) nor count the pieces
 * of a long line as lines.
 */
Test(conf, long_names_and_lines_do_not_fool_the_duplicate_check)
{
	char text[4096], name[301], filler[1301], want[PATH_MAX + 128];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text),
	         "service %sX {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	         "service %sY {\n port = 1001\n server = \"/bin/cat\"\n}\n",
	         name, name);
	cr_assert_not_null(fx_load(text), "%s", fx_err);
	memset(filler, 'f', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(want, sizeof(want),
	         "service a is already defined at %s/portier.conf:2", fx_dir);
	snprintf(text, sizeof(text),
	         "# %s\n"
	         "service a {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	         "service a {\n port = 1001\n server = \"/bin/cat\"\n}\n",
	         filler);
	fx_refused(text, 6, want);
}

/* A quote never closed swallows the '}' after it: the message must
 * point at the quote, not at the section's first line. */
Test(conf, names_the_line_of_a_quote_never_closed)
{
	fx_refused("service a {\n port = 1000\n server = \"/bin/cat\"\n"
	           " server_args = \"abc\n}\n",
	           4, "a quote opened here is never closed");
}

/* Titles too long for the line index: no line beats another's line. */
Test(conf, long_title_never_borrows_another_services_line)
{
	char text[4096], name[401];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text),
	         "service %sX {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	         "service %sY {\n port = 1001\n"
	         " server = \"/nonexistent/x\"\n}\n",
	         name, name);
	cr_assert_null(fx_load(text));
	cr_assert_not_null(strstr(fx_err, "server '/nonexistent/x'"), "%s",
	                   fx_err);
	cr_assert_null(strstr(fx_err, "portier.conf:3:"), "%s", fx_err);
}

/* The earlier service is named at its port's line (2), not at the closing
 * brace (4) where libConfuse puts its section. */
Test(conf, refuses_two_services_on_one_address)
{
	char want[PATH_MAX + 256];
	struct config *cfg =
	    fx_load("service a {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	            "service b {\n port = 1000\n bind = \"127.0.0.1\"\n"
	            " server = \"/bin/cat\"\n}\n");

	cr_assert_null(cfg);
	snprintf(want, sizeof(want),
	         "%s/portier.conf:6: service b: same "
	         "address, port and protocol as service a (%s/portier.conf:2)",
	         fx_dir, fx_dir);
	cr_assert_str_eq(fx_err, want);
	/* The same port over UDP is another address. */
	cfg =
	    fx_load("service a {\n port = 1000\n server = \"/bin/cat\"\n}\n"
	            "service b {\n port = 1000\n protocol = udp\n wait = yes\n"
	            " server = \"/bin/cat\"\n}\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	config_free(cfg);
}

Test(conf, refuses_missing_server_and_dgram_wait_no)
{
	fx_refused("service a {\n port = 1000\n}\n", 1,
	           "service a: server is required unless type = internal");
	fx_refused(
	    "\nservice a {\n port = 1000\n socket_type = dgram\n"
	    " wait = no\n server = \"/bin/cat\"\n}\n",
	    5, "service a: wait = no is not possible with socket_type dgram");
}

Test(conf, refuses_unknown_user_and_group)
{
	fx_refused("service a {\n port = 1000\n user = nosuchuser\n}\n", 3,
	           "unknown user 'nosuchuser'");
	fx_refused("service a {\n port = 1000\n group = nosuchgroup\n}\n", 3,
	           "unknown group 'nosuchgroup'");
}

Test(conf, refuses_socket_with_port)
{
	fx_refused("service a {\n socket = \"/tmp/a.sock\"\n port = 5\n"
	           " server = \"/bin/cat\"\n}\n",
	           3, "service a: socket and port cannot both be set");
}

Test(conf, refuses_syntax_error)
{
	struct config *cfg = fx_load("service a {\n port = 1\n");

	cr_assert_null(cfg);
	cr_assert(strstr(fx_err, "portier.conf:"), "%s", fx_err);
}

/* Found by fuzz_conf: a NUL byte made libConfuse fail without a message. */
Test(conf, nul_byte_gets_a_message)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/nul.conf", fx_dir);
	FILE *fp = fopen(path, "w");
	fwrite("\0\0service u { port = 7 }\n", 1, 26, fp);
	fclose(fp);
	cr_assert_null(conf_load(path, fx_err, sizeof(fx_err)));
	cr_assert(strncmp(fx_err, path, strlen(path)) == 0, "%s", fx_err);
}

/* Options that would do nothing are refused where they are written. */
Test(conf, refuses_options_that_would_do_nothing)
{
	fx_refused("service a {\n port = 1\n server = /bin/cat\n "
	           "proxy_from = {127.0.0.1}\n}\n",
	           1,
	           "service a: proxy_from does nothing without proxy_protocol "
	           "= yes");
	/* ATTEMPT says what a refusal logs; a handler's fields do not. */
	fx_refused("service a {\n log_on_success = {ATTEMPT}\n}\n", 2,
	           "log_on_success: unknown item 'ATTEMPT' (PID, HOST, "
	           "DURATION, EXIT, TRAFFIC)");
	fx_refused("service a {\n log_on_failure = {HOST, PID}\n}\n", 2,
	           "log_on_failure: unknown item 'PID' (HOST, ATTEMPT)");
}

/* proxy_protocol trusts addresses: only with the balancers it trusts. */
Test(conf, proxy_protocol_needs_proxy_from)
{
	fx_refused("service a {\n port = 1\n server = /bin/cat\n "
	           "proxy_protocol = yes\n}\n",
	           1,
	           "service a: proxy_protocol = yes needs proxy_from = "
	           "{CIDR...}, the balancers trusted to send the header");
	fx_refused("service a {\n port = 1\n server = /bin/cat\n "
	           "socket_type = dgram\n proxy_protocol = yes\n "
	           "proxy_from = {127.0.0.1}\n}\n",
	           1,
	           "service a: proxy_protocol needs a TCP stream service with "
	           "wait = no");
	struct config *cfg = fx_load(
	    "service a {\n port = 1\n server = /bin/cat\n "
	    "proxy_protocol = yes\n proxy_from = {127.0.0.1/32, ::1}\n}\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	cr_assert(first(cfg)->proxy_protocol);
	cr_assert_str_eq(first(cfg)->proxy_from[1], "::1");
	config_free(cfg);
}

/* -C (svc_check) refuses a proxy_from that is not an address. */
Test(conf, proxy_from_must_be_addresses)
{
	struct config *cfg =
	    fx_load("service a {\n port = 1\n server = /bin/cat\n "
	            "proxy_protocol = yes\n proxy_from = {localhost}\n}\n");
	cr_assert_not_null(cfg, "%s", fx_err);
	svc_init(&gate_svc_hooks);
	cr_assert_eq(svc_check(cfg, fx_err, sizeof(fx_err)), -1);
	cr_assert(strstr(fx_err, "portier.conf:6: service a: proxy_from: "
	                         "'localhost' is not an address or prefix"),
	          "%s", fx_err);
	config_free(cfg);
}

Test(conf, log_on_failure_items)
{
	struct config *cfg =
	    fx_load("service a {\n port = 1000\n server = \"/bin/cat\"\n"
	            " log_on_failure = {ATTEMPT}\n}\n");
	cr_assert_eq(first(cfg)->log_on_failure, LOGF_ATTEMPT);
	config_free(cfg);
}

/* xinetd's UNLISTED: not in /etc/services, so a port number is needed. */
Test(conf, unlisted_needs_a_port_number)
{
	struct config *cfg =
	    fx_load("service echo {\n type = unlisted\n port = 4444\n"
	            " server = \"/bin/cat\"\n}\n");
	struct service *s = first(cfg);
	cr_assert(s->is_unlisted);
	cr_assert_eq(s->port_number, 4444);
	config_free(cfg);
	/* echo is in /etc/services, but an unlisted echo is not that one. */
	fx_refused(
	    "service echo {\n type = unlisted\n server = \"/bin/cat\"\n}\n", 2,
	    "service echo: type = unlisted needs port = NUMBER");
	fx_refused("service a {\n type = unlisted\n port = telnet\n"
	           " server = \"/bin/cat\"\n}\n",
	           2, "service a: type = unlisted needs port = NUMBER");
}

/*
 * The installed sample (etc/portier.conf, filled in by make): valid, and
 * every commented default in it is the real default.
 */
/* "# name = value ..." (not "# e.g. name = ..."): a default to enable. */
static bool
sample_is_default_line(const char *line)
{
	const char *p = line + strspn(line, " \t");

	if (strncmp(p, "# ", 2) != 0)
		return false;
	p += 2;
	if (!islower((unsigned char)*p))
		return false;
	p += strspn(p, "abcdefghijklmnopqrstuvwxyz_");
	p += strspn(p, " ");
	return *p == '=';
}

/*
 * Copy the sample to OUT, with the default lines of the global options
 * and of defaults {} uncommented when UNCOMMENT, and the example services
 * left out; then add one plain service to compare.
 */
static void
sample_write(const char *out, bool uncomment)
{
	char line[1024];
	FILE *in = fopen(TOP_BUILDDIR "/etc/portier.conf", "r");
	FILE *fp = fopen(out, "w");

	cr_assert_not_null(in, "%s/etc/portier.conf: run make", TOP_BUILDDIR);
	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strncmp(line, "# The classic services", 22) == 0)
			break;
		char *hash = strchr(line, '#');
		if (uncomment && sample_is_default_line(line))
			memmove(hash, hash + 2, strlen(hash + 2) + 1);
		fputs(line, fp);
	}
	fputs("service probe {\n port = 4242\n server = \"/bin/cat\"\n}\n"
	      "service probe-udp {\n protocol = udp\n port = 4242\n"
	      " server = \"/bin/cat\"\n}\n",
	      fp);
	fclose(in);
	fclose(fp);
}

static struct config *
sample_load(const char *name, bool uncomment)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	sample_write(path, uncomment);
	struct config *cfg = conf_load(path, fx_err, sizeof(fx_err));
	cr_assert_not_null(cfg, "%s", fx_err);
	return cfg;
}

static void
sample_same_service(const struct service *a, const struct service *b)
{
	cr_assert_str_eq(a->user, b->user);
	cr_assert_eq(a->uid, b->uid);
	cr_assert_eq(a->gid, b->gid);
	cr_assert_eq(a->use_groups, b->use_groups);
	cr_assert_eq(a->instances, b->instances);
	cr_assert_eq(a->per_source, b->per_source);
	cr_assert_eq(a->cps_rate, b->cps_rate);
	cr_assert_eq(a->max_load, b->max_load);
	cr_assert_eq(a->internal_max, b->internal_max);
	cr_assert_eq(a->has_nice, b->has_nice);
	cr_assert_eq(a->umask, b->umask);
	cr_assert_eq(a->log_on_success, b->log_on_success);
	cr_assert_eq(a->log_on_failure, b->log_on_failure);
	cr_assert_eq(a->has_only_from, b->has_only_from);
	cr_assert_eq(a->n_access_times, b->n_access_times);
	cr_assert_eq(a->is_wait, b->is_wait);
	cr_assert_eq(a->socket_type, b->socket_type);
	cr_assert_eq(a->backlog, b->backlog);
}

Test(conf, sample_commented_defaults_are_the_real_defaults)
{
	struct config *plain = sample_load("plain.conf", false);
	struct config *set = sample_load("defaults.conf", true);

	cr_assert_eq(plain->max_children, set->max_children);
	cr_assert_null(plain->log_level);
	cr_assert_str_eq(set->log_level, "info", "the default threshold");
	cr_assert_eq(plain->include_dir == NULL, set->include_dir == NULL);
	cr_assert_eq(plain->log_type == NULL, set->log_type == NULL);
	struct service *a = TAILQ_FIRST(&plain->services);
	struct service *b = TAILQ_FIRST(&set->services);
	for (; a != NULL && b != NULL;
	     a = TAILQ_NEXT(a, entry), b = TAILQ_NEXT(b, entry))
		sample_same_service(a, b);
	cr_assert(a == NULL && b == NULL);
	config_free(plain);
	config_free(set);
}

/* Each number against the range its user takes: no silent wrap to int. */
Test(conf, refuses_numbers_out_of_their_range)
{
	fx_refused("service a {\n cps = {1, 4294967295}\n}\n", 2,
	           "cps SECONDS must be at most 86400, not 4294967295");
	fx_refused("service a {\n cps = {4294967297, 1}\n}\n", 2,
	           "cps RATE must be at most 1000000, not 4294967297");
	fx_refused("service a {\n cps = {-1, 5}\n}\n", 2,
	           "cps must be {RATE, SECONDS}, both positive");
	fx_refused("defaults {\n cps = {10, 86401}\n}\n", 2,
	           "cps SECONDS must be at most 86400, not 86401");
	fx_refused("service a {\n instances = 4294967297\n}\n", 2,
	           "instances must be between 0 and 1000000, not 4294967297");
	fx_refused("service a {\n per_source = -1\n}\n", 2,
	           "per_source must be between 0 and 1000000, not -1");
	fx_refused(
	    "service a {\n internal_max = 2147483648\n}\n", 2,
	    "internal_max must be between 0 and 1000000, not 2147483648");
	fx_refused("max_children = -5\n", 1,
	           "max_children must be between 0 and 1000000, not -5");
	fx_refused("service a {\n nice = 4294967277\n}\n", 2,
	           "nice must be between -20 and 19, not 4294967277");
	fx_refused("service a {\n backlog = 65536\n}\n", 2,
	           "backlog must be between 1 and 65535, not 65536");
	fx_refused("service a {\n idle_timeout = 604801\n}\n", 2,
	           "idle_timeout must be between 0 and 604800, not 604801");
	fx_refused("service a {\n max_load = 100001\n}\n", 2,
	           "max_load must be between 0 and 100000, not 100001");
	fx_refused("service a {\n umask = \"01777\"\n}\n", 2,
	           "umask must be an octal mode from 0 to 0777 like 0644, not "
	           "'01777'");
	fx_refused(
	    "service a {\n socket_mode = \"04777\"\n}\n", 2,
	    "socket_mode must be an octal mode from 0 to 0777 like 0644, "
	    "not '04777'");
	fx_refused(
	    "service a {\n rlimit_as = 18446744073709551615\n}\n", 2,
	    "rlimit_as must be a number with an optional K, M or G suffix, "
	    "or unlimited, not '18446744073709551615'");
	fx_refused(
	    "service a {\n rlimit_cpu = 17179869184G\n}\n", 2,
	    "rlimit_cpu must be a number with an optional K, M or G suffix, "
	    "or unlimited, not '17179869184G'");
}

/* idle_timeout goes to the relay as -t; elsewhere it would do nothing. */
Test(conf, idle_timeout_is_the_relays_and_only_the_relays)
{
	struct service *a = first(
	    fx_load("service a {\n port = 1\n redirect = \"127.0.0.1 2\"\n"
	            " idle_timeout = 30\n}\n"));
	cr_assert_str_eq(a->argv[0], "relay");
	cr_assert_str_eq(a->argv[1], "-t");
	cr_assert_str_eq(a->argv[2], "30");
	cr_assert_str_eq(a->argv[3], "127.0.0.1");
	cr_assert_str_eq(a->argv[4], "2");
	cr_assert_null(a->argv[5]);
	fx_refused("service a {\n port = 1\n server = \"/bin/cat\"\n"
	           " idle_timeout = 30\n}\n",
	           1, "service a: idle_timeout is for redirect only");
	/* From defaults{}: for the relays among the services. */
	cr_assert_not_null(fx_load("defaults {\n idle_timeout = 30\n}\n"
	                           "service a {\n port = 1\n"
	                           " server = \"/bin/cat\"\n}\n"),
	                   "%s", fx_err);
}

/* reply_rate: the UDP reply budget, for internal services and handlers. */
Test(conf, reply_rate_is_for_udp_and_reaches_handlers)
{
	struct service *a = first(
	    fx_load("service a {\n port = 1\n protocol = udp  wait = yes\n"
	            " server = \"/bin/cat\"\n reply_rate = {500, 64}\n}\n"));
	cr_assert_not_null(a, "%s", fx_err);
	cr_assert_eq(a->reply_rate, 500);
	cr_assert_eq(a->reply_burst, 64);
	cr_assert_str_eq(a->reply_env, "PORTIER_UDP_RATE=500,64");
	a = first(
	    fx_load("service a {\n type = internal  internal = echo\n"
	            " port = 1\n protocol = udp\n reply_rate = {0}\n}\n"));
	cr_assert_not_null(a, "%s", fx_err);
	cr_assert_eq(a->reply_rate, 0);
	cr_assert_str_eq(a->reply_env, "PORTIER_UDP_RATE=0,32");
	/* Unset: the guard's own budget, and nothing in the environment. */
	a = first(fx_load("service a {\n type = internal  internal = echo\n"
	                  " port = 1\n protocol = udp\n}\n"));
	cr_assert_not_null(a, "%s", fx_err);
	cr_assert_eq(a->reply_rate, 100);
	cr_assert_eq(a->reply_burst, 32);
	cr_assert_null(a->reply_env);
	fx_refused("service a {\n port = 1\n server = \"/bin/cat\"\n"
	           " reply_rate = {10}\n}\n",
	           4, "service a: reply_rate is for protocol = udp only");
	/* From defaults{}: for the UDP services among them. */
	cr_assert_not_null(fx_load("defaults {\n reply_rate = {0}\n}\n"
	                           "service a {\n port = 1\n"
	                           " server = \"/bin/cat\"\n}\n"),
	                   "%s", fx_err);
	const char *msg = "reply_rate must be {RATE} or {RATE, BURST}: RATE 0 "
	                  "(no cap) to 1000000, BURST 1 to 1000000";
	fx_refused("service a {\n reply_rate = {10, 0}\n}\n", 2, msg);
	fx_refused("service a {\n reply_rate = {-1}\n}\n", 2, msg);
	fx_refused("service a {\n reply_rate = {1000001}\n}\n", 2, msg);
	fx_refused("service a {\n reply_rate = {1, 2, 3}\n}\n", 2, msg);
}

/*
 * An empty reply_rate names no budget: it must not read as RATE 0, which
 * lifts the cap.  libConfuse calls no validator for {}, so the build
 * refuses it, in a service or in defaults{} (named where written).
 */
Test(conf, reply_rate_empty_is_refused_not_uncapped)
{
	const char *msg = "service a: reply_rate = {} names no rate: write "
	                  "{RATE} or {RATE, BURST}";

	fx_refused("service a {\n type = internal  internal = echo\n"
	           " port = 1\n protocol = udp\n reply_rate = {}\n}\n",
	           5, msg);
	fx_refused("defaults {\n reply_rate = {}\n}\n"
	           "service a {\n type = internal  internal = echo\n"
	           " port = 1\n protocol = udp\n}\n",
	           2, msg);
}

/*
 * Of several clashes the first service in the file is named, with the
 * first earlier one it meets (the checks sort by name and by port; the
 * words must stay those of the pairwise check).
 */
Test(conf, names_the_first_clash_in_file_order)
{
	char want[PATH_MAX + 256];

	snprintf(want, sizeof(want),
	         "service y is already defined at %s/portier.conf:2", fx_dir);
	fx_refused("service x { port = 1000 server = \"/bin/cat\" }\n"
	           "service y { port = 1001 server = \"/bin/cat\" }\n"
	           "service y { port = 1002 server = \"/bin/cat\" }\n"
	           "service x { port = 1003 server = \"/bin/cat\" }\n",
	           3, want);
	snprintf(want, sizeof(want),
	         "service d: same address, port and protocol as service a "
	         "(%s/portier.conf:1)",
	         fx_dir);
	fx_refused("service a { port = 2000 bind = \"127.0.0.1\" "
	           "server = \"/bin/cat\" }\n"
	           "service b { port = 1000 bind = \"127.0.0.1\" "
	           "server = \"/bin/cat\" }\n"
	           "service c { port = 1000 bind = \"127.0.0.2\" "
	           "server = \"/bin/cat\" }\n"
	           "service d { port = 2000 server = \"/bin/cat\" }\n"
	           "service e { port = 1000 server = \"/bin/cat\" }\n",
	           4, want);
}

/*
 * A FIFO or a device given as the configuration would hang the load for
 * ever (and a reload stops the whole daemon): only a regular file.
 */
Test(conf, refuses_a_fifo_or_device_as_the_file, .timeout = 20)
{
	char path[PATH_MAX + 32], want[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/fifo.conf", fx_dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_null(conf_load(path, fx_err, sizeof(fx_err)));
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	cr_assert_str_eq(fx_err, want);
	cr_assert_null(conf_load("/dev/zero", fx_err, sizeof(fx_err)));
	cr_assert_str_eq(fx_err, "/dev/zero: not a regular file");
}

/*
 * select() serves ~1000 listeners, but 60,000 services took over a
 * minute to load: past CONF_MAX_SERVICES the load stops at that line.
 */
Test(conf, refuses_too_many_services, .timeout = 20)
{
	size_t size = 64 * (CONF_MAX_SERVICES + 100), used = 0;
	char *text = malloc(size), want[64];

	cr_assert_not_null(text);
	for (int i = 0; i <= CONF_MAX_SERVICES + 50; i++)
		used += (size_t)snprintf(text + used, size - used,
		                         "service s%d { port = %d }\n", i,
		                         1024 + i);
	snprintf(want, sizeof(want), "more than %d services",
	         CONF_MAX_SERVICES);
	fx_refused(text, CONF_MAX_SERVICES + 1, want);
	free(text);
}

/* One load remembers the last user and group looked up and where each
 * option sits in a section; neither may mix one service up with another
 * or with defaults{}. */
Test(conf, remembered_lookups_keep_each_service_its_own)
{
	struct config *cfg = fx_load(
	    "defaults { user = nobody  instances = 7 }\n"
	    "service a { port = 1001  server = \"/bin/cat\" }\n"
	    "service b { port = 1002  server = \"/bin/cat\"\n"
	    "  user = root  instances = 3 }\n"
	    "service c { port = 1003  server = \"/bin/cat\"  group = root }\n"
	    "service d { port = 1004  server = \"/bin/cat\"  user = root\n"
	    "  group = nogroup }\n"
	    "service e { port = 1005  server = \"/bin/cat\" }\n");
	struct service *s = first(cfg);
	const struct {
		const char *name;
		uid_t uid;
		gid_t gid;
		int instances;
	} want[] = {{"a", 65534, 65534, 7},
	            {"b", 0, 0, 3},
	            {"c", 65534, 0, 7},
	            {"d", 0, 65534, 7},
	            {"e", 65534, 65534, 7}};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_not_null(s, "service %s missing", want[i].name);
		cr_assert_str_eq(s->name, want[i].name);
		cr_assert_eq(s->uid, want[i].uid, "%s", s->name);
		cr_assert_eq(s->gid, want[i].gid, "%s", s->name);
		cr_assert_eq(s->instances, want[i].instances, "%s", s->name);
		s = TAILQ_NEXT(s, entry);
	}
	config_free(cfg);
	fx_refused(
	    "service a { port = 1001  server = \"/bin/cat\"  user = root }\n"
	    "service b { port = 1002  server = \"/bin/cat\"\n"
	    "  user = no-such-user-here }\n",
	    3, "unknown user 'no-such-user-here'");
}

/* The reload line names what changed whatever the order of the services:
 * the search for each one's old self starts where the last was found. */
Test(conf, reload_changes_are_found_in_any_order)
{
	struct config *old =
	    fx_load("service a { port = 1001  server = \"/bin/cat\" }\n"
	            "service b { port = 1002  server = \"/bin/cat\" }\n"
	            "service c { port = 1003  server = \"/bin/cat\" }\n"
	            "service d { port = 1004  server = \"/bin/cat\" }\n");
	cr_assert_not_null(old, "%s", fx_err);
	struct config *new =
	    fx_load("service d { port = 1004  server = \"/bin/cat\" }\n"
	            "service x { port = 1005  server = \"/bin/cat\" }\n"
	            "service a { port = 1009  server = \"/bin/cat\" }\n"
	            "service c { port = 1003  server = \"/bin/cat\" }\n");
	cr_assert_not_null(new, "%s", fx_err);
	char out[256];

	svc_text_changes(old, new, out, sizeof(out));
	cr_assert_str_eq(out, " +x -b ~a (4 services)");
	svc_text_changes(new, old, out, sizeof(out));
	cr_assert_str_eq(out, " +b -x ~a (4 services)");
	config_free(old);
	config_free(new);
}
