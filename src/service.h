/* SPDX-License-Identifier: ISC */
/* service.h -- the services: what conf.c fills, the running table, reload */
#ifndef PORTIER_SERVICE_H
#define PORTIER_SERVICE_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

enum svc_protocol {
	PROTO_TCP,
	PROTO_UDP,
	PROTO_UNIX,
};

/* Bits of log_on_success / log_on_failure. */
#define LOGF_PID 0x01
#define LOGF_HOST 0x02
#define LOGF_DURATION 0x04
#define LOGF_EXIT 0x08
#define LOGF_TRAFFIC 0x10
#define LOGF_ATTEMPT 0x20

/* One rlimit attribute; is_set false means "leave the inherited value". */
struct svc_rlimit {
	bool is_set;
	rlim_t value; /* RLIM_INFINITY for "unlimited" */
};

enum {
	SVC_RLIMIT_AS,
	SVC_RLIMIT_CPU,
	SVC_RLIMIT_DATA,
	SVC_RLIMIT_FILES,
	SVC_RLIMIT_STACK,
	SVC_RLIMIT_COUNT
};
/* Their attribute names, "rlimit_as" ..., for the parser and -P. */
extern const char *const svc_rlimit_names[SVC_RLIMIT_COUNT];

/* An access_times window, minutes since midnight; end < start wraps. */
struct svc_time_window {
	int start_minute;
	int end_minute;
};

struct listener;
struct metrics;

/*
 * One `service NAME { }` section after defaults{} have been applied and
 * every value has been validated.  All strings are owned by the service
 * and freed by svc_free().  Fields below "runtime" are never touched by
 * conf.c.
 */
struct service {
	TAILQ_ENTRY(service) entry;

	char *name;
	/* For messages: the file, and the line libConfuse gives the section
	 * (its closing brace). */
	char *file;
	int line;
	int port_line; /* where port (else socket, bind) is: "in use" */

	/* what it is */
	bool is_disabled;
	bool is_internal;    /* type = internal */
	bool is_unlisted;    /* type = unlisted: port required, no lookup */
	char *internal_name; /* internal = NAME, defaults to name */
	bool is_wait;
	int socket_type; /* SOCK_STREAM or SOCK_DGRAM */
	enum svc_protocol protocol;

	/* where it listens */
	char *port;           /* as written: number or /etc/services name */
	uint16_t port_number; /* resolved, host order; 0 for UNIX */
	char *bind;           /* NULL: every address (dual-stack) */
	char *socket_path;    /* PROTO_UNIX only */
	mode_t socket_mode;   /* default 0666 */
	bool has_socket_owner;
	uid_t socket_uid;
	gid_t socket_gid;
	int backlog;
	int v6only; /* -1 unset, 0 no, 1 yes */
	bool tcp_nodelay;
	bool keepalive;
	bool proxy_protocol; /* a PROXY v1/v2 header precedes the data */
	char **proxy_from;   /* the balancers trusted to send it */

	/* what it runs */
	char *server;
	char **argv;    /* NULL-terminated; argv[0] is server's basename */
	char **env;     /* NULL-terminated "NAME=value" */
	char **passenv; /* NULL-terminated names */

	/* credentials and resources */
	bool has_user;
	char *user;
	uid_t uid;
	bool has_group;
	char *group;
	gid_t gid;       /* group's gid, else the user's primary gid */
	bool use_groups; /* groups = yes: the user's supplementary groups */
	gid_t *groups;   /* resolved at load for groups = yes */
	int ngroups;
	bool has_nice;
	int nice;
	int umask; /* -1: leave as is */
	char *chroot;
	struct svc_rlimit rlimits[SVC_RLIMIT_COUNT];

	/* access control and limits (0 or NULL: no limit / no rule) */
	bool has_only_from; /* only_from given, possibly empty = nobody */
	char **only_from;
	char **no_access;
	struct svc_time_window *access_times;
	int n_access_times;
	int instances;
	int per_source;
	int cps_rate;
	int cps_pause;
	double max_load;
	int internal_max; /* open in-loop internal connections */
	/* UDP replies a second and the burst above it (rate 0: no cap) */
	unsigned reply_rate;
	unsigned reply_burst;
	char *reply_env; /* PORTIER_UDP_RATE=... for handlers; NULL: default */
	char *banner;
	char *banner_success;
	char *banner_fail;
	char *redirect_host;
	char *redirect_port;
	int log_on_success; /* LOGF_* bits */
	int log_on_failure;

	/* runtime: owned by service.c, listen.c, gate.c, children.c */
	TAILQ_HEAD(, listener) listeners;
	int running;      /* live handlers */
	bool is_paused;   /* limits or wait = yes: listeners not watched */
	bool was_limited; /* a PAUSE line awaits its RESUME line */
	uint64_t limit_logged_ms;
	bool is_retired; /* removed by a reload, children still running */
	bool is_open;    /* started (listeners, state), or adopted */
	void *access;    /* access.c's state */
	void *banners;   /* banner.c's state */
	void *internal;  /* internal.c's state */
	void *backoff;   /* backoff.c's state */
	void *refusals;  /* connlog.c's: refused datagrams not yet logged */
	void *proxy;     /* proxywait.c's state: headers being read */
	struct metrics *metrics; /* gate.c counts; kept across reloads */
};

TAILQ_HEAD(service_list, service);

/* The whole parsed configuration. */
struct config {
	char *file;
	char *log_level; /* NULL: leave as is */
	char *include_dir;
	char *control_socket; /* NULL: the default; "": none */
	int max_children;     /* 0: unlimited */
	char *log_type;       /* as written, NULL: default */
	/* -A: a service that cannot open stops the start, else it is
	 * skipped with one line and the others run, as in xinetd. */
	bool is_all_or_nothing;
	struct service_list services;
};

void svc_free(struct service *);
void config_free(struct config *);
/* "FILE:LINE: service NAME: WHY" into ERR, as conf.c words its errors. */
void svc_error(const struct service *, const char *why, char *err,
               size_t errlen);

/* ERR about SVC's sockets, with "FILE:LINE: " of its port (or socket,
 * bind) in front unless ERR already names its file. */
void svc_locate(const struct service *, char *err, size_t errlen);

/*
 * What the table asks of the layers above it (gate.c fills them in), so
 * that it never calls up: the table decides when, they know how.
 */
struct svc_hooks {
	/* Resolve the rules and read the banners: what -C checks too. */
	int (*prepare)(struct service *, char *err, size_t errlen);
	void (*unprepare)(struct service *);
	/* Open the listeners and start admitting; -1 with ERR. */
	int (*open)(struct service *, char *err, size_t errlen);
	/* Stop admitting and close the listeners (handlers run on). */
	void (*close)(struct service *);
	/* A reload kept OLD's sockets: move them, and its handlers, to NEW. */
	void (*adopt)(struct service *old, struct service *new);
	/* The configuration's max_children, before services are opened. */
	void (*set_max_children)(int);
};

void svc_init(const struct svc_hooks *);
/* Open every enabled service of CFG.  One that fails is logged and
 * skipped, unless cfg->is_all_or_nothing: then nothing stays open. */
int svc_start(struct config *cfg, char *err, size_t errlen);
/* What -C adds to conf_load: prepare every service, as a start would. */
int svc_check(struct config *cfg, char *err, size_t errlen);
/* Merge a freshly loaded CFG into the running table (SIGHUP): how many
 * of its services could not listen (the others serve; ERR says why the
 * first did not), or -1 (ERR says why): CFG is freed, the old table stays. */
int svc_merge(struct config *cfg, char *err, size_t errlen);
/* Close every listener (SIGTERM); handlers keep running. */
void svc_close_listeners(void);
/* FN for every enabled service of the running configuration. */
void svc_foreach(void (*fn)(struct service *));
/* The running configuration, or NULL before svc_start. */
const struct config *svc_running(void);

#endif
