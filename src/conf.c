/* SPDX-License-Identifier: ISC */
/* conf.c -- parse and validate portier.conf with libConfuse */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf_build.h"
#include "conf_check.h"
#include "conf_error.h"
#include "conf_files.h"
#include "conf_scan.h"
#include "conf_value.h"
#include "classic.h"
#include "log.h"
#include "udpguard.h"

/* An option made from "+=" or "-=" (see conf_scan.h), or NULL. */
static const char *
conf_op_suffix(const char *name)
{
	const char *suffixes[] = {CONF_SCAN_ADD, CONF_SCAN_REMOVE};
	size_t len = strlen(name);

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strcmp(name + len - n, suffixes[i]) == 0)
			return name + len - n;
	}
	return NULL;
}

/* The known option of CFG nearest to NAME, if it is a likely typo. */
static const char *
conf_nearest_option(cfg_t *cfg, const char *name)
{
	const char *best = NULL;
	size_t best_distance = 3; /* more edits than this: no guess */

	for (cfg_opt_t *o = cfg->opts; o != NULL && o->name != NULL; o++) {
		if (conf_op_suffix(o->name) != NULL)
			continue;
		size_t d = conf_edit_distance(name, o->name);
		if (d < best_distance && d <= strlen(name) / 2) {
			best = o->name;
			best_distance = d;
		}
	}
	return best;
}

/* "no such option 'X'": say what was meant, or why += does not fit. */
static void
conf_unknown_option(cfg_t *cfg, const char *name)
{
	const char *suffix = conf_op_suffix(name), *near;

	if (suffix != NULL) {
		conf_errorf(conf_error_file(), cfg->line,
		            "'%.*s %s=': only lists (only_from, server_args, "
		            "env, ...) take += and -=",
		            (int)(suffix - name), name,
		            strcmp(suffix, CONF_SCAN_ADD) == 0 ? "+" : "-");
	} else if ((near = conf_nearest_option(cfg, name)) != NULL) {
		conf_errorf(conf_error_file(), cfg->line,
		            "no such option '%s' (did you mean '%s'?)", name,
		            near);
	} else {
		conf_errorf(conf_error_file(), cfg->line, "no such option '%s'",
		            name);
	}
}

/* libConfuse's own messages, with file:line in front. */
static void
conf_confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512], name[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sscanf(msg, "no such option '%255[^']'", name) == 1)
		conf_unknown_option(cfg, name);
	else
		conf_errorf(conf_error_file(), cfg->line, "%s", msg);
}

/* Validate callbacks report through cfg_error, which adds file:line. */
#define CONF_CHECK(cfg, ok, ...)                                               \
	do {                                                                   \
		if (!(ok)) {                                                   \
			cfg_error(cfg, __VA_ARGS__);                           \
			return -1;                                             \
		}                                                              \
	} while (0)

static int
conf_valid_socket_type(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, conf_socket_type(v) != -1,
	           "socket_type must be stream or dgram, not '%s'", v);
	return 0;
}

static int
conf_valid_protocol(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, conf_protocol(v) != -1,
	           "protocol must be tcp, udp or unix, not '%s'", v);
	return 0;
}

static int
conf_valid_type(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		CONF_CHECK(cfg,
		           strcasecmp(v, "internal") == 0 ||
		               strcasecmp(v, "unlisted") == 0,
		           "type must be internal or unlisted, not '%s'", v);
	}
	return 0;
}

static int
conf_valid_internal(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char why[256];

	conf_check_internal_why(v, why, sizeof(why));
	CONF_CHECK(cfg, conf_check_is_internal(v), "%s", why);
	return 0;
}

static int
conf_valid_port(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, conf_port(v, NULL) != -1,
	           "port must be 1..65535 or a name in /etc/services, not '%s'",
	           v);
	return 0;
}

static int
conf_valid_user(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, getpwnam(v) != NULL, "unknown user '%s'", v);
	return 0;
}

static int
conf_valid_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, getgrnam(v) != NULL, "unknown group '%s'", v);
	return 0;
}

static int
conf_valid_socket_owner(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	uid_t uid;
	gid_t gid;
	CONF_CHECK(cfg, conf_owner(v, &uid, &gid) == 0,
	           "socket_owner: unknown user or group in '%s'", v);
	return 0;
}

/* Permission bits only: no set-id or sticky bit on a socket or umask. */
static int
conf_valid_octal(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	int mode = conf_octal(v);
	CONF_CHECK(
	    cfg, mode != -1 && mode <= 0777,
	    "%s must be an octal mode from 0 to 0777 like 0644, not '%s'",
	    cfg_opt_name(opt), v);
	return 0;
}

static int
conf_valid_rlimit(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	rlim_t lim;
	CONF_CHECK(cfg, conf_rlimit(v, &lim) == 0,
	           "%s must be a number with an optional K, M or G suffix, or "
	           "unlimited, not '%s'",
	           cfg_opt_name(opt), v);
	return 0;
}

/*
 * Every integer attribute and the range its user (an int field, a
 * kernel call, a timer in milliseconds) really takes: libConfuse reads
 * a long, so a value past int would wrap silently after the cast.
 */
static const struct {
	const char *option;
	long min;
	long max;
} conf_ranges[] = {
    {"instances", 0, 1000000},    {"per_source", 0, 1000000},
    {"internal_max", 0, 1000000}, {"max_children", 0, 1000000},
    {"backlog", 1, 65535},        {"nice", -20, 19},
    {"idle_timeout", 0, 604800}, /* the relay's -t: a week */
};

static int
conf_valid_range(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = cfg_opt_name(opt);
	long v = cfg_opt_getnint(opt, 0);

	for (size_t i = 0; i < sizeof(conf_ranges) / sizeof(conf_ranges[0]);
	     i++) {
		if (strcmp(conf_ranges[i].option, name) != 0)
			continue;
		CONF_CHECK(cfg,
		           v >= conf_ranges[i].min && v <= conf_ranges[i].max,
		           "%s must be between %ld and %ld, not %ld", name,
		           conf_ranges[i].min, conf_ranges[i].max, v);
		return 0;
	}
	CONF_CHECK(cfg, false, "%s: no range known", name);
	return 0;
}

/* A load average: NaN and infinity are refused as well. */
static int
conf_valid_load(cfg_t *cfg, cfg_opt_t *opt)
{
	double v = cfg_opt_getnfloat(opt, 0);
	CONF_CHECK(cfg, v >= 0 && v <= 100000,
	           "max_load must be between 0 and 100000, not %g", v);
	return 0;
}

/* RATE connections a second (an int), then a pause in whole seconds
 * that becomes milliseconds: at most a day. */
#define CONF_CPS_RATE_MAX 1000000
#define CONF_CPS_PAUSE_MAX 86400

static int
conf_valid_cps(cfg_t *cfg, cfg_opt_t *opt)
{
	/* Called as each value arrives; the count is checked after. */
	unsigned n = cfg_opt_size(opt);
	long v = cfg_opt_getnint(opt, n - 1);
	long max = n == 1 ? CONF_CPS_RATE_MAX : CONF_CPS_PAUSE_MAX;
	CONF_CHECK(cfg, n <= 2 && v > 0,
	           "cps must be {RATE, SECONDS}, both positive");
	CONF_CHECK(cfg, v <= max, "cps %s must be at most %ld, not %ld",
	           n == 1 ? "RATE" : "SECONDS", max, v);
	return 0;
}

static int
conf_valid_times(cfg_t *cfg, cfg_opt_t *opt)
{
	struct svc_time_window w;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		CONF_CHECK(cfg, conf_time_window(v, &w) == 0,
		           "access_times: '%s' is not HH:MM-HH:MM", v);
	}
	return 0;
}

/* The items each log_on_* list takes, as its messages name them. */
static int
conf_valid_log_flags(cfg_t *cfg, cfg_opt_t *opt)
{
	bool on_success = strncmp(cfg_opt_name(opt), "log_on_success", 14) == 0;
	int allowed = on_success ? LOGF_PID | LOGF_HOST | LOGF_DURATION |
	                               LOGF_EXIT | LOGF_TRAFFIC
	                         : LOGF_HOST | LOGF_ATTEMPT;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		CONF_CHECK(cfg, (conf_log_flag(v) & allowed) != 0,
		           "%s: unknown item '%s' (%s)",
		           on_success ? "log_on_success" : "log_on_failure", v,
		           on_success ? "PID, HOST, DURATION, EXIT, TRAFFIC"
		                      : "HOST, ATTEMPT");
	}
	return 0;
}

/* Reserved for the PROXY protocol, which is not implemented yet. */
static int
conf_valid_env(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		const char *eq = strchr(v, '=');
		CONF_CHECK(cfg, eq != NULL && eq != v,
		           "env: '%s' is not NAME=value", v);
		/* A handler would exit 100 on it: say so at load instead. */
		struct udpguard_ports ports = {{0}};
		CONF_CHECK(cfg,
		           strncmp(v, UDPGUARD_ENV "=", sizeof(UDPGUARD_ENV)) !=
		                   0 ||
		               udpguard_ports_parse(&ports, eq + 1) == 0,
		           "env: '%s' is not a port list like 7,13,19-21", v);
	}
	return 0;
}

static int
conf_valid_server(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, v[0] == '/',
	           "server must be an absolute path, not '%s'", v);
	return 0;
}

/* "name += {...}" and "name -= {...}" arrive as these (conf_scan.c). */
#define CONF_LIST_OPS(name)                                                    \
	CFG_STR_LIST(name CONF_SCAN_ADD, NULL, CFGF_NODEFAULT),                \
	    CFG_STR_LIST(name CONF_SCAN_REMOVE, NULL, CFGF_NODEFAULT)

#define SERVICE_OPTIONS                                                        \
	CFG_BOOL("disable", cfg_false, CFGF_NODEFAULT),                        \
	    CFG_STR_LIST("type", NULL, CFGF_NODEFAULT),                        \
	    CFG_STR("internal", NULL, CFGF_NODEFAULT),                         \
	    CFG_STR("socket_type", NULL, CFGF_NODEFAULT),                      \
	    CFG_STR("protocol", NULL, CFGF_NODEFAULT),                         \
	    CFG_STR("port", NULL, CFGF_NODEFAULT),                             \
	    CFG_STR("bind", NULL, CFGF_NODEFAULT),                             \
	    CFG_STR("socket", NULL, CFGF_NODEFAULT),                           \
	    CFG_STR("socket_mode", NULL, CFGF_NODEFAULT),                      \
	    CFG_STR("socket_owner", NULL, CFGF_NODEFAULT),                     \
	    CFG_BOOL("wait", cfg_false, CFGF_NODEFAULT),                       \
	    CFG_STR("user", NULL, CFGF_NODEFAULT),                             \
	    CFG_STR("group", NULL, CFGF_NODEFAULT),                            \
	    CFG_BOOL("groups", cfg_false, CFGF_NODEFAULT),                     \
	    CFG_STR("server", NULL, CFGF_NODEFAULT),                           \
	    CFG_STR_LIST("server_args", NULL, CFGF_NODEFAULT),                 \
	    CFG_STR_LIST("env", NULL, CFGF_NODEFAULT),                         \
	    CFG_STR_LIST("passenv", NULL, CFGF_NODEFAULT),                     \
	    CFG_INT("backlog", 0, CFGF_NODEFAULT),                             \
	    CFG_BOOL("v6only", cfg_false, CFGF_NODEFAULT),                     \
	    CFG_BOOL("tcp_nodelay", cfg_false, CFGF_NODEFAULT),                \
	    CFG_BOOL("keepalive", cfg_false, CFGF_NODEFAULT),                  \
	    CFG_BOOL("proxy_protocol", cfg_false, CFGF_NODEFAULT),             \
	    CFG_STR_LIST("proxy_from", NULL, CFGF_NODEFAULT),                  \
	    CFG_INT("nice", 0, CFGF_NODEFAULT),                                \
	    CFG_STR("umask", NULL, CFGF_NODEFAULT),                            \
	    CFG_STR("chroot", NULL, CFGF_NODEFAULT),                           \
	    CFG_STR("rlimit_as", NULL, CFGF_NODEFAULT),                        \
	    CFG_STR("rlimit_cpu", NULL, CFGF_NODEFAULT),                       \
	    CFG_STR("rlimit_data", NULL, CFGF_NODEFAULT),                      \
	    CFG_STR("rlimit_files", NULL, CFGF_NODEFAULT),                     \
	    CFG_STR("rlimit_stack", NULL, CFGF_NODEFAULT),                     \
	    CFG_STR_LIST("only_from", NULL, CFGF_NODEFAULT),                   \
	    CFG_STR_LIST("no_access", NULL, CFGF_NODEFAULT),                   \
	    CFG_STR_LIST("access_times", NULL, CFGF_NODEFAULT),                \
	    CFG_INT("instances", 0, CFGF_NODEFAULT),                           \
	    CFG_INT("per_source", 0, CFGF_NODEFAULT),                          \
	    CFG_INT_LIST("cps", NULL, CFGF_NODEFAULT),                         \
	    CFG_FLOAT("max_load", 0, CFGF_NODEFAULT),                          \
	    CFG_INT("internal_max", 0, CFGF_NODEFAULT),                        \
	    CFG_STR("banner", NULL, CFGF_NODEFAULT),                           \
	    CFG_STR("banner_success", NULL, CFGF_NODEFAULT),                   \
	    CFG_STR("banner_fail", NULL, CFGF_NODEFAULT),                      \
	    CFG_STR_LIST("redirect", NULL, CFGF_NODEFAULT),                    \
	    CFG_INT("idle_timeout", 0, CFGF_NODEFAULT),                        \
	    CFG_STR_LIST("log_on_success", NULL, CFGF_NODEFAULT),              \
	    CFG_STR_LIST("log_on_failure", NULL, CFGF_NODEFAULT),              \
	    CONF_LIST_OPS("type"), CONF_LIST_OPS("server_args"),               \
	    CONF_LIST_OPS("env"), CONF_LIST_OPS("passenv"),                    \
	    CONF_LIST_OPS("only_from"), CONF_LIST_OPS("no_access"),            \
	    CONF_LIST_OPS("access_times"), CONF_LIST_OPS("log_on_success"),    \
	    CONF_LIST_OPS("log_on_failure"), CONF_LIST_OPS("proxy_from"),      \
	    CFG_END()

static int
conf_valid_log_level(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, log_level_is_known(v),
	           "log_level must be error, warning, notice, info or debug, "
	           "not '%s'",
	           v);
	return 0;
}

static int
conf_valid_log_type(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char path[4096], level[32];
	int facility;
	CONF_CHECK(
	    cfg,
	    log_parse_type(v, path, sizeof(path), &facility, level,
	                   sizeof(level)) == 0,
	    "log_type must be \"syslog FACILITY [LEVEL]\", \"file /PATH\" or "
	    "\"stderr [LEVEL]\", "
	    "not '%s'",
	    v);
	return 0;
}

static const struct {
	const char *option;
	cfg_validate_callback_t fn;
} conf_validators[] = {
    {"socket_type", conf_valid_socket_type},
    {"protocol", conf_valid_protocol},
    {"type", conf_valid_type},
    {"internal", conf_valid_internal},
    {"port", conf_valid_port},
    {"user", conf_valid_user},
    {"group", conf_valid_group},
    {"socket_owner", conf_valid_socket_owner},
    {"socket_mode", conf_valid_octal},
    {"umask", conf_valid_octal},
    {"rlimit_as", conf_valid_rlimit},
    {"rlimit_cpu", conf_valid_rlimit},
    {"rlimit_data", conf_valid_rlimit},
    {"rlimit_files", conf_valid_rlimit},
    {"rlimit_stack", conf_valid_rlimit},
    {"instances", conf_valid_range},
    {"per_source", conf_valid_range},
    {"internal_max", conf_valid_range},
    {"backlog", conf_valid_range},
    {"nice", conf_valid_range},
    {"idle_timeout", conf_valid_range},
    {"max_load", conf_valid_load},
    {"cps", conf_valid_cps},
    {"access_times", conf_valid_times},
    {"log_on_success", conf_valid_log_flags},
    {"log_on_failure", conf_valid_log_flags},
    {"env", conf_valid_env},
    {"server", conf_valid_server},
};

/* The lists that take += and -=: those CONF_LIST_OPS declares. */
static bool
conf_is_list_op(const char *name)
{
	static const char *const lists[] = {
	    "type",           "server_args", "env",          "passenv",
	    "only_from",      "no_access",   "access_times", "log_on_success",
	    "log_on_failure", "proxy_from"};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(name, lists[i]) == 0)
			return true;
	return false;
}

static cfg_t *
conf_init(void)
{
	static cfg_opt_t service_opts[] = {SERVICE_OPTIONS};
	static cfg_opt_t defaults_opts[] = {SERVICE_OPTIONS};
	static cfg_opt_t opts[] = {
	    CFG_STR("log_level", NULL, CFGF_NODEFAULT),
	    CFG_STR("log_type", NULL, CFGF_NODEFAULT),
	    CFG_STR_LIST("include_dir", NULL, CFGF_NODEFAULT),
	    CFG_STR("control_socket", NULL, CFGF_NODEFAULT),
	    CFG_INT("max_children", 0, CFGF_NONE),
	    CFG_SEC("defaults", defaults_opts, CFGF_NONE),
	    CFG_SEC("service", service_opts,
	            CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	    CFG_END()};
	char path[64];
	cfg_t *cfg = cfg_init(opts, CFGF_NONE);

	if (cfg == NULL)
		return NULL;
	cfg_set_error_function(cfg, conf_confuse_error);
	static const char *const sections[] = {"service", "defaults"};
	static const char *const ops[] = {"", CONF_SCAN_ADD, CONF_SCAN_REMOVE};
	for (size_t i = 0;
	     i < sizeof(conf_validators) / sizeof(conf_validators[0]); i++)
		for (size_t s = 0; s < 2; s++)
			for (size_t o = 0; o < 3; o++) {
				snprintf(path, sizeof(path), "%s|%s%s",
				         sections[s], conf_validators[i].option,
				         ops[o]);
				if (o == 0 ||
				    conf_is_list_op(conf_validators[i].option))
					cfg_set_validate_func(
					    cfg, path, conf_validators[i].fn);
			}
	cfg_set_validate_func(cfg, "max_children", conf_valid_range);
	cfg_set_validate_func(cfg, "log_type", conf_valid_log_type);
	cfg_set_validate_func(cfg, "log_level", conf_valid_log_level);
	return cfg;
}

/* "FILE:LINE: message" at the line of a top-level OPTION of FILE. */
#define conf_option_error(file, option, ...)                                   \
	conf_errorf(file, conf_scan_file_line(file, NULL, option), __VA_ARGS__)

/*
 * cfg_parse(), but on FILE's prepared text, so that libConfuse counts
 * lines right and sees += as options.
 */
static int
conf_parse_text(cfg_t *cfg, const char *file)
{
	size_t len;
	char *text = conf_files_text(file, &len);
	int rc = CFG_SUCCESS;

	if (text == NULL)
		return CFG_PARSE_ERROR;
	free(cfg->filename); /* sections take their file name from here */
	cfg->filename = strdup(file);
	FILE *fp = len > 0 ? fmemopen(text, len, "r") : NULL;
	if (cfg->filename == NULL || (len > 0 && fp == NULL))
		rc = CFG_FILE_ERROR;
	else if (fp != NULL)
		rc = cfg_parse_fp(cfg, fp);
	if (fp != NULL)
		fclose(fp);
	free(text);
	return rc;
}

static int
conf_parse_file(cfg_t *cfg, const char *file)
{
	struct stat st;

	conf_error_set_file(file);
	/* A FIFO would block the load, /dev/zero would never end it. */
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		conf_errorf(file, 0, "not a regular file");
		return -1;
	}
	if (conf_error_scan_sections(file) == -1)
		return -1;
	int rc = conf_parse_text(cfg, file);
	if (rc == CFG_FILE_ERROR) {
		conf_errorf(file, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	/* libConfuse fails on some input (a NUL byte) without a message. */
	if (rc != CFG_SUCCESS)
		conf_errorf(file, cfg->line, "syntax error");
	return rc == CFG_SUCCESS && !conf_error_happened() ? 0 : -1;
}

/*
 * include_dir = "DIR" reads DIR's *.conf files; include_dir = {"DIR",
 * "PATTERN"} reads the files PATTERN (fnmatch) names, so {"/etc/xinetd.d", "*"}
 * reads xinetd's layout.  Leftovers are skipped either way; DIR is taken
 * relative to FILE's directory.
 */
static int
conf_parse_includes(cfg_t *cfg, const char *file)
{
	unsigned parts = cfg_size(cfg, "include_dir");
	char base[PATH_MAX], dir[PATH_MAX];
	size_t n = 0;
	int rc = 0;

	if (parts == 0)
		return 0;
	const char *given = cfg_getnstr(cfg, "include_dir", 0);
	const char *pattern =
	    parts > 1 ? cfg_getnstr(cfg, "include_dir", 1) : "*.conf";
	if (parts > 2 || given[0] == '\0' || pattern[0] == '\0') {
		conf_option_error(file, "include_dir",
		                  "include_dir must be \"DIR\" or {\"DIR\", "
		                  "\"PATTERN\"} (e.g. {\"/etc/portier.d\", "
		                  "\"*\"})");
		return -1;
	}
	strlcpy(base, file, sizeof(base));
	snprintf(dir, sizeof(dir), "%s%s%s",
	         given[0] == '/' ? "" : dirname(base),
	         given[0] == '/' ? "" : "/", given);
	char **names = conf_files_list_dir(dir, pattern, &n);
	if (names == NULL) {
		conf_option_error(file, "include_dir", "include_dir %s: %s",
		                  dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = conf_parse_file(cfg, names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct config *
conf_load(const char *file, char *err, size_t errlen)
{
	struct config *config = NULL;
	cfg_t *cfg;

	conf_error_begin(err, errlen);
	cfg = conf_init();
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
	} else if (conf_parse_file(cfg, file) == 0 &&
	           conf_parse_includes(cfg, file) == 0) {
		config = conf_build(cfg, file);
		if (config != NULL &&
		    conf_check_log_type(file, config->log_type) == -1) {
			config_free(config);
			config = NULL;
		}
	}
	if (cfg != NULL)
		cfg_free(cfg);
	conf_scan_forget(); /* the option-line index is for this load only */
	conf_error_end();
	return config;
}
