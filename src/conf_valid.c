/* SPDX-License-Identifier: ISC */
/* conf_valid.c -- each option's value checked as libConfuse reads it */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "conf_check.h"
#include "conf_scan.h"
#include "conf_valid.h"
#include "conf_value.h"
#include "log.h"
#include "udpguard.h"

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
	uid_t uid;
	gid_t gid;
	CONF_CHECK(cfg, conf_user_ids(v, &uid, &gid) == 0, "unknown user '%s'",
	           v);
	return 0;
}

static int
conf_valid_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	gid_t gid;
	CONF_CHECK(cfg, conf_group_id(v, &gid) == 0, "unknown group '%s'", v);
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
conf_valid_reply_rate(cfg_t *cfg, cfg_opt_t *opt)
{
	/* Called as each value arrives: RATE (0 = no cap), then BURST. */
	unsigned n = cfg_opt_size(opt);
	long v = cfg_opt_getnint(opt, n - 1);
	long min = n == 1 ? 0 : 1;
	CONF_CHECK(cfg, n <= 2 && v >= min && v <= UDPGUARD_RATE_MAX,
	           "reply_rate must be {RATE} or {RATE, BURST}: RATE 0 (no "
	           "cap) to %d, BURST 1 to %d",
	           UDPGUARD_RATE_MAX, UDPGUARD_RATE_MAX);
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

/*
 * A handler's reply budget comes from reply_rate alone: an entry of env or
 * passenv would come after the master's and win, unchecked and unseen by
 * -P.  NAME is LEN bytes (what precedes '=' in an env entry).
 */
#define CONF_VALID_RATE_ENV_WHY                                                \
	UDPGUARD_RATE_ENV " is set from reply_rate: write reply_rate = "       \
	                  "{RATE, BURST}"

static bool
conf_valid_is_rate_env(const char *name, size_t len)
{
	return len == strlen(UDPGUARD_RATE_ENV) &&
	       strncmp(name, UDPGUARD_RATE_ENV, len) == 0;
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
		CONF_CHECK(cfg, !conf_valid_is_rate_env(v, eq - v),
		           "env: " CONF_VALID_RATE_ENV_WHY);
	}
	return 0;
}

static int
conf_valid_passenv(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		CONF_CHECK(cfg, !conf_valid_is_rate_env(v, strlen(v)),
		           "passenv: " CONF_VALID_RATE_ENV_WHY);
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
    {"reply_rate", conf_valid_reply_rate},
    {"access_times", conf_valid_times},
    {"log_on_success", conf_valid_log_flags},
    {"log_on_failure", conf_valid_log_flags},
    {"env", conf_valid_env},
    {"passenv", conf_valid_passenv},
    {"server", conf_valid_server},
};

void
conf_valid_attach(cfg_t *cfg, conf_valid_list_fn *is_list)
{
	char path[64];
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
				    is_list(conf_validators[i].option))
					cfg_set_validate_func(
					    cfg, path, conf_validators[i].fn);
			}
	cfg_set_validate_func(cfg, "max_children", conf_valid_range);
	cfg_set_validate_func(cfg, "log_type", conf_valid_log_type);
	cfg_set_validate_func(cfg, "log_level", conf_valid_log_level);
}
