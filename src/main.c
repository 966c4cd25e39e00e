/* SPDX-License-Identifier: ISC */
/* main.c -- portierd: options, daemonize, pidfile, signals, wiring */
#include <config.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libutil.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "activate.h"
#include "children.h"
#include "conf.h"
#include "control.h"
#include "ctlproto.h"
#include "dump.h"
#include "gate.h"
#include "holder.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "svc_text.h"
#include "trim.h"
#include "upgrade.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Handlers get this long to leave after SIGTERM before SIGKILL. */
#define MAIN_STOP_GRACE_MS 5000

static const char *config_file = SYSCONFDIR "/portier.conf";
/* -f made absolute at start: reloads read it after chdir("/"). */
static char config_path[PATH_MAX];
static bool is_stopping;
static long long start_seconds; /* CLOCK_MONOTONIC, for the uptime */
static struct loop_timer stop_timer;
static struct ctlstatus_daemon main_daemon = {.version = PACKAGE_VERSION};

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
	        "usage: portierd [-ACPnsvh] [-f file] [-l level] [-p pidfile] "
	        "[-S socket]\n"
	        "  -f file     configuration (default %s)\n"
	        "  -A          all or nothing: no start if a service cannot "
	        "listen\n"
	        "  -C          check the configuration and exit\n"
	        "  -P          print the effective configuration and exit\n"
	        "  -n          stay in the foreground, log to stderr\n"
	        "  -s          log to syslog even in the foreground\n"
	        "  -l level    error, warning, notice, info or debug\n"
	        "  -p pidfile  write the PID there; refuse a second instance\n"
	        "  -S socket   control socket (default %s; \"\" for none)\n"
	        "  -v          print the version\n"
	        "  -h          this help\n",
	        SYSCONFDIR "/portier.conf", CTL_SOCKET_DEFAULT);
	exit(status);
}

/* Options from the command line. */
struct main_options {
	bool is_foreground;
	bool is_check;
	bool is_print;
	bool is_all_or_nothing;
	bool use_syslog;
	const char *pidfile;
	const char *level;
	const char *control; /* -S, NULL when not given */
};

/* "N services, M listeners": the process title and systemd's STATUS. */
static void
main_summary(char *buf, size_t len)
{
	const struct config *cfg = svc_running();
	const struct service *svc;
	const struct listener *l;
	int services = 0, listeners = 0;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		services++;
		TAILQ_FOREACH(l, &svc->listeners, entry)
		listeners++;
	}
	snprintf(buf, len, "%d service%s, %d listener%s", services,
	         services == 1 ? "" : "s", listeners,
	         listeners == 1 ? "" : "s");
}

static void
main_update_title(void)
{
	char summary[128];

	main_summary(summary, sizeof(summary));
	setproctitle("%s", summary);
}

/* Tell systemd (Type=notify) the state, with a STATUS= summary. */
static void
main_notify(const char *state)
{
	char msg[256], summary[128];
	int n = children_count();

	main_summary(summary, sizeof(summary));
	snprintf(msg, sizeof(msg), "%s\nSTATUS=%s, %d handler%s running", state,
	         summary, n, n == 1 ? "" : "s");
	if (notify_send(msg) == -1)
		log_warn("notify %s", getenv("NOTIFY_SOCKET"));
}

/* systemd's Type=notify-reload wants the clock with RELOADING=1. */
static void
main_notify_reloading(void)
{
	char msg[64];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	         (unsigned long long)ts.tv_sec * 1000000ULL +
	             (unsigned long long)ts.tv_nsec / 1000);
	if (notify_send(msg) == -1)
		log_warn("notify %s", getenv("NOTIFY_SOCKET"));
}

static void
main_check_stopped(void)
{
	if (is_stopping && children_count() == 0)
		loop_stop();
}

static void
main_on_child(int signo)
{
	(void)signo;
	gate_reap();
	main_check_stopped();
}

static void
main_stop_timeout(void *arg)
{
	int n = children_signal_all(SIGKILL);

	(void)arg;

	log_warnx("%d handler%s still running: killed", n, n == 1 ? "" : "s");
}

static void
main_on_stop(int signo)
{
	if (is_stopping)
		return;
	is_stopping = true;
	log_info("%s: stopping", strsignal(signo));
	main_notify("STOPPING=1");
	upgrade_cancel();
	svc_close_listeners();
	children_signal_all(SIGTERM);
	children_signal_all(SIGCONT);
	loop_timer_set(&stop_timer, MAIN_STOP_GRACE_MS, main_stop_timeout,
	               NULL);
	main_check_stopped();
}

/* Re-read the configuration: what changed in MSG, or the error. */
static int
main_reload(char *msg, size_t msglen)
{
	char changes[512], why[1024];
	struct config *cfg;
	int rc = -1;

	if (is_stopping) {
		snprintf(msg, msglen, "stopping");
		return -1;
	}
	main_notify_reloading();
	/* "+added -removed ~changed (N services)", compared as -P prints */
	if ((cfg = conf_load(config_file, msg, msglen)) != NULL) {
		svc_text_changes(svc_running(), cfg, changes, sizeof(changes));
		int failed = svc_merge(cfg, why, sizeof(why));
		if (failed == -1)
			snprintf(msg, msglen, "%s", why);
		else if (failed == 0)
			snprintf(msg, msglen, "%s", changes + 1);
		else /* like a start: the rest serve, the admin is told */
			snprintf(msg, msglen, "%s; %d not started: %s",
			         changes + 1, failed, why);
		if (failed != -1) {
			main_update_title();
			rc = 0;
		}
	}
	trim_now(); /* the old table and the parse tree are freed */
	if (rc == -1)
		log_warnx("reload failed: %s", msg);
	else
		log_info("reloaded: %s", msg);
	main_notify("READY=1");
	return rc;
}

static void
main_on_reload(int signo)
{
	char msg[1024];

	(void)signo;
	log_reopen();
	if (!is_stopping)
		(void)main_reload(msg, sizeof(msg));
}

static void
main_on_reopen(int signo)
{
	(void)signo;
	if (log_reopen() == -1)
		log_warn("reopening the log");
}

/* SIGUSR1: the state, for an admin (dump.c). */
static void
main_on_dump(int signo)
{
	(void)signo;
	dump_state(config_file, start_seconds);
}

static void main_on_upgrade(int signo);

static void
main_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (loop_on_signal(SIGCHLD, main_on_child) == -1 ||
	    loop_on_signal(SIGTERM, main_on_stop) == -1 ||
	    loop_on_signal(SIGINT, main_on_stop) == -1 ||
	    loop_on_signal(SIGHUP, main_on_reload) == -1 ||
	    loop_on_signal(SIGUSR1, main_on_dump) == -1 ||
	    loop_on_signal(SIGUSR2, main_on_reopen) == -1 ||
	    loop_on_signal(UPGRADE_SIGNAL, main_on_upgrade) == -1)
		err(1, "sigaction");
}

/*
 * -C: can every TCP and UDP service bind its address now?  A port that a
 * running portierd holds counts as free: -C is run beside the daemon
 * before a reload.  (UNIX sockets are left alone: opening one replaces a
 * stale socket file.)
 */
static int
main_check_ports(struct config *cfg, char *msg, size_t len)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled || svc->protocol == PROTO_UNIX)
			continue;
		if (listen_open(svc, msg, len) == 0) {
			listen_close_all(svc);
			continue;
		}
		if (errno == EADDRINUSE &&
		    holder_is_portierd(svc->port_number,
		                       svc->protocol == PROTO_TCP))
			continue;
		svc_locate(svc, msg, len);
		return -1;
	}
	return 0;
}

/* -P: what the daemon would run, in the config's own syntax. */
static int
main_print(void)
{
	char msg[1024];
	struct config *cfg = conf_load(config_file, msg, sizeof(msg));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	svc_text_config(stdout, cfg);
	config_free(cfg);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
main_check(void)
{
	char msg[1024];
	struct config *cfg = conf_load(config_file, msg, sizeof(msg));

	if (cfg == NULL || svc_check(cfg, msg, sizeof(msg)) == -1 ||
	    main_check_ports(cfg, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "%s\n", msg);
		config_free(cfg);
		return 1;
	}
	config_free(cfg);
	printf("configuration OK\n");
	return 0;
}

/* A relative -f is taken from the directory portierd started in. */
static void
main_absolute_config(void)
{
	char cwd[PATH_MAX];

	if (config_file[0] == '/')
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		err(1, "getcwd");
	if ((size_t)snprintf(config_path, sizeof(config_path), "%s/%s", cwd,
	                     config_file) >= sizeof(config_path))
		errx(1, "%s: path too long", config_file);
	config_file = config_path;
}

static void
main_parse_options(int argc, char *argv[], struct main_options *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "ACPf:hl:np:S:sv")) != -1) {
		switch (ch) {
		case 'A':
			o->is_all_or_nothing = true;
			break;
		case 'C':
			o->is_check = true;
			break;
		case 'P':
			o->is_print = true;
			break;
		case 'f':
			config_file = optarg;
			break;
		case 'h':
			usage(0);
		case 'l':
			o->level = optarg;
			break;
		case 'n':
			o->is_foreground = true;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 's':
			o->use_syslog = true;
			break;
		case 'S':
			o->control = optarg;
			break;
		case 'v':
			printf("portierd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(100);
		}
	}
	if (optind != argc)
		usage(100);
	main_absolute_config();
	if (o->level != NULL && log_set_level(o->level) == -1)
		errx(100, "unknown log level: %s", o->level);
}

/* The first load: any problem is fatal, before anything is opened. */
static struct config *
main_load(const struct main_options *o)
{
	char msg[1024];
	struct config *cfg = conf_load(config_file, msg, sizeof(msg));

	if (cfg == NULL)
		errx(1, "%s", msg);
	if (o->level == NULL && cfg->log_level != NULL &&
	    log_set_level(cfg->log_level) == -1)
		errx(1, "%s: unknown log_level %s", config_file,
		     cfg->log_level);
	return cfg;
}

static struct pidfh *
main_pidfile(const char *pidfile, struct config *cfg)
{
	struct pidfh *pfh;
	pid_t other;

	if (pidfile == NULL)
		return NULL;
	pfh = pidfile_open(pidfile, 0644, &other);
	/* After an upgrade the file names us: not a second instance. */
	if (pfh == NULL && errno == EEXIST && other == getpid())
		return NULL;
	if (pfh == NULL) {
		int saved = errno;
		config_free(cfg); /* a clean exit for LeakSanitizer */
		errno = saved;
		if (errno == EEXIST)
			errx(1, "already running as PID %ld (%s)", (long)other,
			     pidfile);
		err(1, "pidfile %s", pidfile);
	}
	return pfh;
}

static void
main_stop(void)
{
	main_on_stop(SIGTERM);
}

static void
main_upgrade(int conn)
{
	if (is_stopping) {
		if (conn != -1)
			control_answer_fd(conn, false, "stopping");
		return;
	}
	upgrade_start(conn, config_file, main_daemon.started);
}

static void
main_on_upgrade(int signo)
{
	(void)signo;
	main_upgrade(-1);
}

static const struct control_hooks main_control_hooks = {
    .reload = main_reload,
    .upgrade = main_upgrade,
    .stop = main_stop,
    .daemon = &main_daemon,
};

/*
 * -S wins over control_socket in the file; "" turns it off.  A path the
 * user chose must work; the default may fail (not root, no /run): then
 * the daemon runs without one, and says so.
 */
static void
main_control(const struct main_options *o, const struct config *cfg)
{
	const char *path = o->control ? o->control : cfg->control_socket;
	bool is_default = path == NULL;
	char msg[1024];

	if (is_default)
		path = CTL_SOCKET_DEFAULT;
	if (path[0] == '\0')
		return;
	if (path[0] != '/')
		errx(1, "control socket %s: not an absolute path", path);
	if (control_open(path, &main_control_hooks, msg, sizeof(msg)) == 0)
		return;
	if (!is_default)
		errx(1, "%s", msg);
	warnx("%s: running without one", msg);
}

/* Listening: detach (never after an upgrade: the PID stays), log, run. */
static int
main_serve(const struct main_options *o, struct config *cfg, struct pidfh *pfh,
           bool is_upgrade)
{
	main_daemon.config_file = config_file;
	main_daemon.started = time(NULL);
	main_control(o, cfg);
	/* Before daemon(): this is the last time stderr reaches someone. */
	if (cfg->log_type != NULL ? strncasecmp(cfg->log_type, "syslog", 6) == 0
	                          : o->use_syslog || !o->is_foreground)
		log_check_syslog();
	if (!is_upgrade && !o->is_foreground && daemon(0, 0) == -1)
		err(1, "daemon");
	main_daemon.pid = (long)getpid(); /* daemon(3) forked */
	log_init(o->use_syslog || !o->is_foreground);
	if (log_configure(cfg->log_type) == -1)
		fatalx("%s: log_type %s: cannot open", config_file,
		       cfg->log_type);
	activate_close_unused();
	pidfile_write(pfh);
	if (is_upgrade)
		upgrade_restore_finish(&main_daemon.started);
	main_update_title();
	/* The parse tree is freed, start-up is over: give their pages back. */
	trim_now();
	log_info("ready");
	main_notify("READY=1");
	int rc = loop_run();
	control_close();
	pidfile_remove(pfh);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}

/*
 * Started with fd 0, 1 or 2 closed, the first descriptors made would take
 * those numbers (the signal pipe, the pidfile), and daemon(3) would then
 * put /dev/null over them: signals unheard, the pidfile empty.  /dev/null
 * holds each closed one first (the lowest free number is the one).
 */
static void
main_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			exit(1);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct main_options o = {0};
	char msg[1024];

	main_std_fds();
	upgrade_init(argc, argv); /* before setproctitle reuses argv */
	setproctitle_init(argc, argv, envp);
	main_parse_options(argc, argv, &o);
	svc_init(&gate_svc_hooks);
	if (o.is_check)
		return main_check();
	if (o.is_print)
		return main_print();

	struct config *cfg = main_load(&o);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	start_seconds = now.tv_sec;
	cfg->is_all_or_nothing = o.is_all_or_nothing;
	struct pidfh *pfh = main_pidfile(o.pidfile, cfg);
	if (loop_init() == -1)
		err(1, "loop");
	bool is_upgrade = upgrade_restore_begin();
	if (gate_init() == -1)
		err(1, "loop");
	main_signals();
	if (activate_init() == -1)
		err(1, "LISTEN_FDS: passed socket");
	if (svc_start(cfg, msg, sizeof(msg)) == -1) {
		pidfile_remove(pfh);
		errx(1, "%s", msg);
	}
	return main_serve(&o, cfg, pfh, is_upgrade);
}
