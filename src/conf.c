/* SPDX-License-Identifier: ISC */
/* conf.c -- parse and validate portier.conf with libConfuse */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <ctype.h>
#include <dirent.h>
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

#include <confuse.h>

#include "conf.h"
#include "conf_build.h"
#include "conf_error.h"
#include "conf_text.h"
#include "conf_value.h"
#include "classic.h"
#include "log.h"
#include "udpguard.h"

/* libConfuse's own messages, with file:line in front. */
static void
conf_confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
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
	CONF_CHECK(
	    cfg, classic_service_by_name(v) != -1 || strcmp(v, "metrics") == 0,
	    "unknown internal service '%s' (echo, discard, daytime, "
	    "chargen, time, metrics)",
	    v);
	return 0;
}

static int
conf_valid_port(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	CONF_CHECK(cfg, conf_port(v, NULL) != -1, "unknown or bad port '%s'",
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
	bool on_success = strcmp(cfg_opt_name(opt), "log_on_success") == 0;
	int allowed = on_success ? LOGF_PID | LOGF_HOST | LOGF_DURATION |
	                               LOGF_EXIT | LOGF_TRAFFIC
	                         : LOGF_HOST | LOGF_ATTEMPT;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		CONF_CHECK(cfg, (conf_log_flag(v) & allowed) != 0,
		           "%s: unknown item '%s' (%s)", cfg_opt_name(opt), v,
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
	    CFG_STR_LIST("log_on_failure", NULL, CFGF_NODEFAULT), CFG_END()

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
	    "log_type must be \"syslog FACILITY [LEVEL]\" or \"file /PATH\", "
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

static cfg_t *
conf_init(void)
{
	static cfg_opt_t service_opts[] = {SERVICE_OPTIONS};
	static cfg_opt_t defaults_opts[] = {SERVICE_OPTIONS};
	static cfg_opt_t opts[] = {
	    CFG_STR("log_level", NULL, CFGF_NODEFAULT),
	    CFG_STR("log_type", NULL, CFGF_NODEFAULT),
	    CFG_STR("include_dir", NULL, CFGF_NODEFAULT),
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
	for (size_t i = 0;
	     i < sizeof(conf_validators) / sizeof(conf_validators[0]); i++) {
		snprintf(path, sizeof(path), "service|%s",
		         conf_validators[i].option);
		cfg_set_validate_func(cfg, path, conf_validators[i].fn);
		snprintf(path, sizeof(path), "defaults|%s",
		         conf_validators[i].option);
		cfg_set_validate_func(cfg, path, conf_validators[i].fn);
	}
	cfg_set_validate_func(cfg, "max_children", conf_valid_range);
	cfg_set_validate_func(cfg, "log_type", conf_valid_log_type);
	return cfg;
}

static int
conf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
conf_is_fragment(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && name[len - 1] != '~' &&
	       strcmp(name + len - 5, ".conf") == 0;
}

/* Every *.conf in DIR (relative to the main file), sorted. */
static char **
conf_list_dir(const char *main_file, const char *dir, size_t *count)
{
	char base[PATH_MAX], full[PATH_MAX];
	char **names = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (dir[0] == '/') {
		strlcpy(full, dir, sizeof(full));
	} else {
		strlcpy(base, main_file, sizeof(base));
		snprintf(full, sizeof(full), "%s/%s", dirname(base), dir);
	}
	if ((d = opendir(full)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];
		if (!conf_is_fragment(de->d_name))
			continue;
		char **p = reallocarray(names, n + 2, sizeof(*p));
		if (p == NULL)
			break;
		names = p;
		snprintf(path, sizeof(path), "%s/%s", full, de->d_name);
		names[n++] = strdup(path);
		names[n] = NULL;
	}
	closedir(d);
	if (names != NULL)
		qsort(names, n, sizeof(*names), conf_name_cmp);
	*count = n;
	return names;
}

/*
 * cfg_parse(), but on FILE's text with the comments blanked out, so that
 * libConfuse counts lines right (see conf_text.c).
 */
static int
conf_parse_text(cfg_t *cfg, const char *file)
{
	size_t len;
	char *text = conf_text_read(file, &len);
	int rc = CFG_SUCCESS;

	if (text == NULL)
		return CFG_FILE_ERROR;
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
	conf_error_set_file(file);
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

static int
conf_parse_includes(cfg_t *cfg, const char *file)
{
	const char *dir = cfg_getstr(cfg, "include_dir");
	size_t n = 0;
	int rc = 0;

	if (dir == NULL)
		return 0;
	char **names = conf_list_dir(file, dir, &n);
	if (names == NULL) {
		conf_errorf(file, 0, "include_dir %s: %s", dir,
		            strerror(errno));
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
	}
	if (cfg != NULL)
		cfg_free(cfg);
	conf_error_end();
	return config;
}
