/* SPDX-License-Identifier: ISC */
/* conf_build.c -- turn libConfuse's parsed tree into struct config */
#include <config.h>

#include <sys/socket.h>
#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_addr.h"
#include "conf_build.h"
#include "conf_check.h"
#include "conf_error.h"
#include "conf_list.h"
#include "conf_value.h"
#include "udpguard.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/portier"
#endif

#define CONF_DEFAULT_BACKLOG 128
#define CONF_DEFAULT_INTERNAL_MAX 256
#define CONF_DEFAULT_SOCKET_MODE 0666

/* The section that gives NAME: the service, else defaults{}, else NULL. */
static cfg_t *
conf_pick(cfg_t *sec, cfg_t *defs, const char *name)
{
	if (conf_is_set(sec, name))
		return sec;
	if (defs != NULL && conf_is_set(defs, name))
		return defs;
	return NULL;
}

/* NAME's option in the section that gives it, or NULL. */
static cfg_opt_t *
conf_pick_opt(cfg_t *sec, cfg_t *defs, const char *name)
{
	cfg_t *from = conf_pick(sec, defs, name);

	return from ? conf_opt(from, name) : NULL;
}

static char *
conf_str(cfg_t *sec, cfg_t *defs, const char *name)
{
	const char *v = cfg_opt_getnstr(conf_pick_opt(sec, defs, name), 0);

	return v ? strdup(v) : NULL;
}

static long
conf_int(cfg_t *sec, cfg_t *defs, const char *name, long fallback)
{
	cfg_opt_t *opt = conf_pick_opt(sec, defs, name);

	return opt ? cfg_opt_getnint(opt, 0) : fallback;
}

static int
conf_bool(cfg_t *sec, cfg_t *defs, const char *name, int fallback)
{
	cfg_opt_t *opt = conf_pick_opt(sec, defs, name);

	return opt ? (cfg_opt_getnbool(opt, 0) ? 1 : 0) : fallback;
}

static void
conf_build_kind(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	char **types = conf_list(sec, defs, "type", 0);

	for (size_t i = 0; types && types[i]; i++) {
		if (strcasecmp(types[i], "internal") == 0)
			svc->is_internal = true;
		else
			svc->is_unlisted = true;
		free(types[i]);
	}
	free(types);
	svc->is_disabled = conf_bool(sec, defs, "disable", 0);
	svc->internal_name = conf_str(sec, defs, "internal");
	if (svc->is_internal && svc->internal_name == NULL)
		svc->internal_name = strdup(svc->name);
}

/* socket_type and protocol imply each other when only one is given. */
static int
conf_build_socket(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	char *type = conf_str(sec, defs, "socket_type");
	char *proto = conf_str(sec, defs, "protocol");
	int rc = 0;

	svc->socket_path = conf_str(sec, defs, "socket");
	svc->socket_type = type ? conf_socket_type(type) : -1;
	if (proto != NULL)
		svc->protocol = conf_protocol(proto);
	else if (svc->socket_path != NULL)
		svc->protocol = PROTO_UNIX;
	else
		svc->protocol =
		    svc->socket_type == SOCK_DGRAM ? PROTO_UDP : PROTO_TCP;
	if (svc->socket_type == -1)
		svc->socket_type =
		    svc->protocol == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if (svc->protocol == PROTO_UDP && svc->socket_type != SOCK_DGRAM) {
		conf_check_error(sec, svc->name, "protocol",
		                 "protocol udp needs socket_type dgram");
		rc = -1;
	} else if (svc->protocol == PROTO_TCP &&
	           svc->socket_type != SOCK_STREAM) {
		conf_check_error(sec, svc->name, "protocol",
		                 "protocol tcp needs socket_type stream");
		rc = -1;
	} else if (svc->protocol == PROTO_UNIX && svc->socket_path == NULL) {
		conf_check_error(sec, svc->name, "protocol",
		                 "protocol unix needs socket = \"/path\"");
		rc = -1;
	}
	free(type);
	free(proto);
	return rc;
}

/*
 * Like xinetd, the service's name is its port when none is given; but a
 * type = unlisted service is not in /etc/services, so it needs a port
 * number and its name is never looked up there.
 */
static int
conf_build_port(struct service *svc, cfg_t *sec)
{
	static const char *proto_names[] = {"tcp", "udp", "unix"};
	const char *name = svc->port ? svc->port : svc->name;
	const char *proto = proto_names[svc->protocol];
	int port;

	if (svc->is_unlisted) {
		port = svc->port && isdigit((unsigned char)svc->port[0])
		           ? conf_port(svc->port, proto)
		           : -1;
		if (port == -1) {
			conf_check_error(sec, svc->name, "type",
			                 "type = unlisted needs port = NUMBER");
			return -1;
		}
	} else if ((port = conf_port(name, proto)) == -1) {
		conf_check_error(
		    sec, svc->name, "port",
		    svc->port ? "port '%s' is not a %s service in /etc/services"
		              : "no port, and '%s' is not a %s service in "
		                "/etc/services",
		    name, proto);
		return -1;
	}
	svc->port_number = (uint16_t)port;
	return 0;
}

static int
conf_build_address(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	svc->port = conf_str(sec, defs, "port");
	svc->bind = conf_str(sec, defs, "bind");
	svc->backlog =
	    (int)conf_int(sec, defs, "backlog", CONF_DEFAULT_BACKLOG);
	svc->v6only = conf_bool(sec, defs, "v6only", -1);
	svc->tcp_nodelay = conf_bool(sec, defs, "tcp_nodelay", 0);
	svc->keepalive = conf_bool(sec, defs, "keepalive", 0);
	svc->socket_mode = CONF_DEFAULT_SOCKET_MODE;
	char *mode = conf_str(sec, defs, "socket_mode");
	if (mode != NULL)
		svc->socket_mode = (mode_t)conf_octal(mode);
	free(mode);
	char *owner = conf_str(sec, defs, "socket_owner");
	if (owner != NULL) {
		svc->has_socket_owner = true;
		conf_owner(owner, &svc->socket_uid, &svc->socket_gid);
	}
	free(owner);
	if (svc->protocol == PROTO_UNIX) {
		if (conf_is_set(sec, "port")) {
			conf_check_error(sec, svc->name, "port",
			                 "socket and port cannot both be set");
			return -1;
		}
		return 0;
	}
	return conf_build_port(svc, sec);
}

/*
 * redirect = HOST PORT runs the relay handler on the one spawn path, so
 * credentials and limits apply to it like to any handler.  It is found
 * where make install puts it, else beside this build's portierd.
 */
static char *
conf_relay_path(void)
{
	char self[PATH_MAX], path[PATH_MAX + 32], real[PATH_MAX];
	ssize_t n;

	if (access(LIBEXECDIR "/relay", X_OK) == 0)
		return strdup(LIBEXECDIR "/relay");
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/../services/relay", self);
		if (realpath(path, real) != NULL && access(real, X_OK) == 0)
			return strdup(real);
	}
	return strdup(LIBEXECDIR "/relay");
}

static int
conf_build_redirect(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	cfg_t *from = conf_pick(sec, defs, "redirect");

	if (from == NULL)
		return 0;
	if (conf_redirect(cfg_getopt(from, "redirect"), &svc->redirect_host,
	                  &svc->redirect_port) == -1) {
		conf_check_error(sec, svc->name, "redirect",
		                 "redirect must be \"HOST PORT\"");
		return -1;
	}
	free(svc->server);
	svc->server = conf_relay_path();
	svc->argv = calloc(6, sizeof(*svc->argv));
	if (svc->server == NULL || svc->argv == NULL)
		return -1;
	int i = 0;
	svc->argv[i++] = strdup("relay");
	if (conf_pick(sec, defs, "idle_timeout") != NULL) {
		char secs[24];
		snprintf(secs, sizeof(secs), "%ld",
		         conf_int(sec, defs, "idle_timeout", 0));
		svc->argv[i++] = strdup("-t");
		svc->argv[i++] = strdup(secs);
	}
	svc->argv[i++] = strdup(svc->redirect_host);
	svc->argv[i] = strdup(svc->redirect_port);
	return 0;
}

static int
conf_build_server(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	svc->server = conf_str(sec, defs, "server");
	svc->env = conf_list(sec, defs, "env", 0);
	svc->passenv = conf_list(sec, defs, "passenv", 0);
	/* defaults{} may set it for every relay; a service says it alone. */
	if (conf_is_set(sec, "idle_timeout") &&
	    conf_pick(sec, defs, "redirect") == NULL) {
		conf_service_error(sec, svc->name,
		                   "idle_timeout is for redirect only");
		return -1;
	}
	if (svc->is_internal)
		return 0;
	if (conf_pick(sec, defs, "redirect") != NULL)
		return conf_build_redirect(svc, sec, defs);
	if (svc->server == NULL) {
		conf_service_error(sec, svc->name,
		                   "server is required unless type = internal");
		return -1;
	}
	svc->argv = conf_list(sec, defs, "server_args", 1);
	if (svc->argv == NULL)
		return -1;
	const char *slash = strrchr(svc->server, '/');
	svc->argv[0] = strdup(slash ? slash + 1 : svc->server);
	return 0;
}

static int
conf_build_wait(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	int wait = conf_bool(sec, defs, "wait", -1);

	if (svc->socket_type == SOCK_DGRAM && wait == 0 && !svc->is_internal) {
		conf_check_error(
		    sec, svc->name, "wait",
		    "wait = no is not possible with socket_type dgram");
		return -1;
	}
	if (wait == -1)
		wait = svc->socket_type == SOCK_DGRAM;
	svc->is_wait = wait;
	return 0;
}

/*
 * proxy_protocol trusts the addresses a header names, so it needs the
 * balancers it trusts; and a header only precedes a stream's data.
 */
static int
conf_build_proxy(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	const char *why = NULL;

	svc->proxy_protocol = conf_bool(sec, defs, "proxy_protocol", 0);
	svc->proxy_from = conf_list(sec, defs, "proxy_from", 0);
	if (svc->proxy_protocol && svc->proxy_from == NULL)
		why = "proxy_protocol = yes needs proxy_from = {CIDR...}, the "
		      "balancers trusted to send the header";
	else if (!svc->proxy_protocol && svc->proxy_from != NULL)
		why = "proxy_from does nothing without proxy_protocol = yes";
	else if (svc->proxy_protocol &&
	         (svc->socket_type != SOCK_STREAM || svc->is_wait ||
	          svc->protocol == PROTO_UNIX))
		why =
		    "proxy_protocol needs a TCP stream service with wait = no";
	if (why == NULL)
		return 0;
	conf_service_error(sec, svc->name, "%s", why);
	return -1;
}

/* internal = metrics speaks HTTP: a stream, never datagrams. */
static int
conf_build_metrics(struct service *svc, cfg_t *sec)
{
	if (!svc->is_internal || strcmp(svc->internal_name, "metrics") != 0 ||
	    svc->socket_type == SOCK_STREAM)
		return 0;
	conf_service_error(sec, svc->name,
	                   "internal = metrics needs socket_type stream");
	return -1;
}

static int
conf_build_groups(struct service *svc)
{
	int n = 16;

	for (;;) {
		gid_t *g = reallocarray(svc->groups, (size_t)n, sizeof(*g));
		if (g == NULL)
			return -1;
		svc->groups = g;
		int want = n;
		if (getgrouplist(svc->user, svc->gid, g, &want) != -1) {
			svc->ngroups = want;
			return 0;
		}
		if (want <= n || want > 65536)
			return -1;
		n = want;
	}
}

/* Nothing runs as root unless the configuration says so. */
static int
conf_build_credentials(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	svc->user = conf_str(sec, defs, "user");
	svc->group = conf_str(sec, defs, "group");
	svc->use_groups = conf_bool(sec, defs, "groups", 0);
	if (svc->user == NULL && geteuid() == 0 && !svc->is_internal)
		svc->user = strdup("nobody");
	if (svc->user != NULL) {
		if (conf_user_ids(svc->user, &svc->uid, &svc->gid) == -1) {
			conf_check_error(sec, svc->name, "user",
			                 "unknown user '%s'", svc->user);
			return -1;
		}
		svc->has_user = true;
	}
	if (svc->group != NULL) {
		if (conf_group_id(svc->group, &svc->gid) == -1) {
			conf_check_error(sec, svc->name, "group",
			                 "unknown group '%s'", svc->group);
			return -1;
		}
		svc->has_group = true;
	}
	if (svc->use_groups && svc->has_user && conf_build_groups(svc) == -1) {
		conf_check_error(sec, svc->name, "groups",
		                 "cannot read the groups of '%s'", svc->user);
		return -1;
	}
	return 0;
}

static void
conf_build_resources(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	svc->has_nice = conf_pick(sec, defs, "nice") != NULL;
	svc->nice = (int)conf_int(sec, defs, "nice", 0);
	char *mask = conf_str(sec, defs, "umask");
	svc->umask = mask ? conf_octal(mask) : -1;
	free(mask);
	svc->chroot = conf_str(sec, defs, "chroot");
	for (int i = 0; i < SVC_RLIMIT_COUNT; i++) {
		char *v = conf_str(sec, defs, svc_rlimit_names[i]);
		if (v != NULL && conf_rlimit(v, &svc->rlimits[i].value) == 0)
			svc->rlimits[i].is_set = true;
		free(v);
	}
}

static int
conf_log_bits(cfg_t *sec, cfg_t *defs, const char *name)
{
	char **items = conf_list(sec, defs, name, 0);
	int bits = 0;

	for (size_t i = 0; items && items[i]; i++) {
		bits |= conf_log_flag(items[i]);
		free(items[i]);
	}
	free(items);
	return bits;
}

static int
conf_build_access(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	cfg_t *from;

	svc->has_only_from = conf_list_is_set(sec, defs, "only_from");
	svc->only_from = conf_list(sec, defs, "only_from", 0);
	svc->no_access = conf_list(sec, defs, "no_access", 0);
	char **times = conf_list(sec, defs, "access_times", 0);
	if (times != NULL) {
		size_t n = 0;
		while (times[n] != NULL)
			n++;
		svc->access_times =
		    calloc(n ? n : 1, sizeof(*svc->access_times));
		for (size_t i = 0; i < n; i++) {
			if (svc->access_times != NULL)
				conf_time_window(times[i],
				                 &svc->access_times[i]);
			free(times[i]);
		}
		free(times);
		if (svc->access_times == NULL)
			return -1;
		svc->n_access_times = (int)n;
	}
	svc->instances = (int)conf_int(sec, defs, "instances", 0);
	svc->per_source = (int)conf_int(sec, defs, "per_source", 0);
	if ((from = conf_pick(sec, defs, "cps")) != NULL) {
		if (cfg_size(from, "cps") != 2) {
			conf_check_error(
			    sec, svc->name, "cps",
			    "cps must be {RATE, SECONDS}, both positive");
			return -1;
		}
		svc->cps_rate = (int)cfg_getnint(from, "cps", 0);
		svc->cps_pause = (int)cfg_getnint(from, "cps", 1);
	}
	from = conf_pick(sec, defs, "max_load");
	svc->max_load = from ? cfg_getfloat(from, "max_load") : 0;
	svc->internal_max =
	    (int)conf_int(sec, defs, "internal_max", CONF_DEFAULT_INTERNAL_MAX);
	svc->banner = conf_str(sec, defs, "banner");
	svc->banner_success = conf_str(sec, defs, "banner_success");
	svc->banner_fail = conf_str(sec, defs, "banner_fail");
	svc->log_on_success = conf_log_bits(sec, defs, "log_on_success");
	svc->log_on_failure = conf_log_bits(sec, defs, "log_on_failure");
	return 0;
}

/*
 * reply_rate: the UDP reply budget (lib/udpguard.c), kept for internal
 * services and passed to handlers as PORTIER_UDP_RATE when it is set.
 */
static int
conf_build_replies(struct service *svc, cfg_t *sec, cfg_t *defs)
{
	cfg_t *from = conf_pick(sec, defs, "reply_rate");
	char env[64];

	svc->reply_rate = UDPGUARD_RATE;
	svc->reply_burst = UDPGUARD_BURST;
	/* libConfuse validates no value of {}: it would read as RATE 0,
	 * which lifts the cap nobody asked to lift. */
	if (from != NULL && cfg_size(from, "reply_rate") == 0) {
		conf_check_error(sec, svc->name, "reply_rate",
		                 "reply_rate = {} names no rate: write {RATE} "
		                 "or {RATE, BURST}");
		return -1;
	}
	/* defaults{} may set it for every UDP service; a service says it
	 * alone. */
	if (conf_is_set(sec, "reply_rate") && svc->protocol != PROTO_UDP) {
		conf_check_error(sec, svc->name, "reply_rate",
		                 "reply_rate is for protocol = udp only");
		return -1;
	}
	if (from == NULL || svc->protocol != PROTO_UDP)
		return 0;
	svc->reply_rate = (unsigned)cfg_getnint(from, "reply_rate", 0);
	if (cfg_size(from, "reply_rate") == 2)
		svc->reply_burst = (unsigned)cfg_getnint(from, "reply_rate", 1);
	snprintf(env, sizeof(env), "%s=%u,%u", UDPGUARD_RATE_ENV,
	         svc->reply_rate, svc->reply_burst);
	svc->reply_env = strdup(env);
	return svc->reply_env == NULL ? -1 : 0;
}

static struct service *
conf_build_service(cfg_t *sec, cfg_t *defs)
{
	struct service *svc = calloc(1, sizeof(*svc));

	if (svc == NULL)
		return NULL;
	TAILQ_INIT(&svc->listeners);
	svc->name = strdup(cfg_title(sec));
	svc->file = strdup(sec->filename ? sec->filename : "?");
	svc->line = sec->line;
	conf_build_kind(svc, sec, defs);
	if (conf_build_socket(svc, sec, defs) == -1 ||
	    conf_build_address(svc, sec, defs) == -1 ||
	    conf_build_wait(svc, sec, defs) == -1 ||
	    conf_build_proxy(svc, sec, defs) == -1 ||
	    conf_build_metrics(svc, sec) == -1 ||
	    conf_build_server(svc, sec, defs) == -1 ||
	    conf_build_credentials(svc, sec, defs) == -1 ||
	    conf_build_access(svc, sec, defs) == -1 ||
	    conf_build_replies(svc, sec, defs) == -1) {
		svc_free(svc);
		return NULL;
	}
	conf_build_resources(svc, sec, defs);
	/* A disabled service's handler may well not be installed. */
	if (conf_check_internal(svc, sec) == -1 ||
	    (!svc->is_disabled && conf_check_server(svc, sec) == -1)) {
		svc_free(svc);
		return NULL;
	}
	svc->port_line = conf_check_port_line(svc, sec);
	return svc;
}

struct config *
conf_build(cfg_t *cfg, const char *file)
{
	struct config *config = calloc(1, sizeof(*config));
	cfg_t *defs = cfg_getsec(cfg, "defaults");

	if (config == NULL)
		return NULL;
	TAILQ_INIT(&config->services);
	config->file = strdup(file);
	const char *v = cfg_getstr(cfg, "log_level");
	config->log_level = v ? strdup(v) : NULL;
	v = cfg_getstr(cfg, "log_type");
	config->log_type = v ? strdup(v) : NULL;
	v = cfg_size(cfg, "include_dir") ? cfg_getnstr(cfg, "include_dir", 0)
	                                 : NULL;
	config->include_dir = v ? strdup(v) : NULL;
	v = cfg_getstr(cfg, "control_socket");
	config->control_socket = v ? strdup(v) : NULL;
	config->max_children = (int)cfg_getint(cfg, "max_children");
	for (unsigned i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "service", i);
		struct service *svc = conf_build_service(sec, defs);
		if (svc == NULL) {
			config_free(config);
			return NULL;
		}
		/* Messages about a service point at its first line. */
		TAILQ_INSERT_TAIL(&config->services, svc, entry);
	}
	if (conf_addr_check(config, cfg) == -1) {
		config_free(config);
		return NULL;
	}
	return config;
}
