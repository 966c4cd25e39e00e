/* SPDX-License-Identifier: ISC */
/* main.c -- portierd: options, daemonize, pidfile, signals, wiring */
#include <config.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <libutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "children.h"
#include "conf.h"
#include "control.h"
#include "ctlproto.h"
#include "gate.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "upgrade.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Handlers get this long to leave after SIGTERM before SIGKILL. */
#define MAIN_STOP_GRACE_MS 5000

static const char *config_file = SYSCONFDIR "/portier.conf";
static bool is_stopping;
static struct loop_timer stop_timer;
static struct ctlstatus_daemon main_daemon = {.version = PACKAGE_VERSION};

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
	        "usage: portierd [-Cnsvh] [-f file] [-l level] [-p pidfile] "
	        "[-S socket]\n"
	        "  -f file     configuration (default %s)\n"
	        "  -C          check the configuration and exit\n"
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
	bool use_syslog;
	const char *pidfile;
	const char *level;
	const char *control; /* -S, NULL when not given */
};

static void
main_update_title(void)
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
	setproctitle("%d service%s, %d listener%s", services,
	             services == 1 ? "" : "s", listeners,
	             listeners == 1 ? "" : "s");
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
	struct textbuf before, after, changes;
	struct config *cfg;
	int rc = -1;

	if (is_stopping) {
		snprintf(msg, msglen, "stopping");
		return -1;
	}
	ctlstatus_snapshot(&before);
	if ((cfg = conf_load(config_file, msg, msglen)) != NULL &&
	    svc_merge(cfg, msg, msglen) == 0) {
		ctlstatus_snapshot(&after);
		textbuf_init(&changes, msglen);
		ctlstatus_changes(&changes, before.data ? before.data : "",
		                  after.data ? after.data : "");
		snprintf(msg, msglen, "%s", changes.data ? changes.data : "");
		textbuf_free(&changes);
		textbuf_free(&after);
		main_update_title();
		rc = 0;
	}
	textbuf_free(&before);
	if (rc == -1)
		log_warnx("reload failed: %s", msg);
	else
		log_info("reloaded: %s", msg);
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

static void
main_dump_service(const struct service *svc)
{
	const struct listener *l;

	if (svc->is_disabled) {
		log_info("service %s: disabled", svc->name);
		return;
	}
	log_info("service %s: %s, %d running%s", svc->name,
	         svc->is_internal ? "internal" : svc->server, svc->running,
	         svc->is_paused ? ", paused" : "");
	TAILQ_FOREACH(l, &svc->listeners, entry)
	log_info("  listener %s (fd %d%s)", l->text, l->fd,
	         l->is_watched ? "" : ", not watched");
	access_dump(svc);
}

/* SIGUSR1: every service, listener and handler, one line each. */
static void
main_on_dump(int signo)
{
	const struct service *svc;

	(void)signo;
	TAILQ_FOREACH(svc, &svc_running()->services, entry)
	main_dump_service(svc);
	children_dump();
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

static int
main_check(void)
{
	char msg[1024];
	struct config *cfg = conf_load(config_file, msg, sizeof(msg));

	if (cfg == NULL || svc_check(cfg, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "%s\n", msg);
		config_free(cfg);
		return 1;
	}
	config_free(cfg);
	printf("configuration OK\n");
	return 0;
}

static void
main_parse_options(int argc, char *argv[], struct main_options *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "Cf:hl:np:S:sv")) != -1) {
		switch (ch) {
		case 'C':
			o->is_check = true;
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
	if (!is_upgrade && !o->is_foreground && daemon(0, 0) == -1)
		err(1, "daemon");
	main_daemon.pid = (long)getpid(); /* daemon(3) forked */
	log_init(o->use_syslog || !o->is_foreground);
	if (log_configure(cfg->log_type) == -1)
		fatalx("%s: log_type %s: cannot open", config_file,
		       cfg->log_type);
	pidfile_write(pfh);
	if (is_upgrade)
		upgrade_restore_finish(&main_daemon.started);
	main_update_title();
	log_info("ready");
	int rc = loop_run();
	control_close();
	pidfile_remove(pfh);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[], char *envp[])
{
	struct main_options o = {0};
	char msg[1024];

	upgrade_init(argc, argv); /* before setproctitle reuses argv */
	setproctitle_init(argc, argv, envp);
	main_parse_options(argc, argv, &o);
	svc_init(&gate_svc_hooks);
	if (o.is_check)
		return main_check();

	struct config *cfg = main_load(&o);
	struct pidfh *pfh = main_pidfile(o.pidfile, cfg);
	if (loop_init() == -1)
		err(1, "loop");
	bool is_upgrade = upgrade_restore_begin();
	if (gate_init() == -1)
		err(1, "loop");
	main_signals();
	if (svc_start(cfg, msg, sizeof(msg)) == -1) {
		pidfile_remove(pfh);
		errx(1, "%s", msg);
	}
	return main_serve(&o, cfg, pfh, is_upgrade);
}
