/* SPDX-License-Identifier: ISC */
/* conf.c -- parse and validate portier.conf with libConfuse */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf_build.h"
#include "conf_check.h"
#include "conf_error.h"
#include "conf_files.h"
#include "conf_list.h"
#include "conf_scan.h"
#include "conf_valid.h"
#include "conf_value.h"
#include "log.h"

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
	    CFG_INT_LIST("reply_rate", NULL, CFGF_NODEFAULT),                  \
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
	cfg_t *cfg = cfg_init(opts, CFGF_NONE);

	if (cfg == NULL)
		return NULL;
	cfg_set_error_function(cfg, conf_confuse_error);
	conf_valid_attach(cfg, conf_is_list_op);
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
	conf_ids_forget();
	conf_opt_forget();
	conf_error_end();
	return config;
}
