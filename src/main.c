/* SPDX-License-Identifier: ISC */
/* main.c -- portierd: options, daemonize, pidfile, the loop's top */
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

#include "conf.h"
#include "log.h"
#include "loop.h"
#include "spawn.h"
#include "svc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Handlers get this long to leave after SIGTERM before SIGKILL. */
#define MAIN_STOP_GRACE_MS 5000

static const char *config_file = SYSCONFDIR "/portier.conf";
static bool is_stopping;
static struct loop_timer stop_timer;

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
	        "usage: portierd [-Cnsvh] [-f file] [-l level] [-p pidfile]\n"
	        "  -f file     configuration (default %s)\n"
	        "  -C          check the configuration and exit\n"
	        "  -n          stay in the foreground, log to stderr\n"
	        "  -s          log to syslog even in the foreground\n"
	        "  -l level    error, warning, notice, info or debug\n"
	        "  -p pidfile  write the PID there; refuse a second instance\n"
	        "  -v          print the version\n"
	        "  -h          this help\n",
	        SYSCONFDIR "/portier.conf");
	exit(status);
}

static void
main_update_title(void)
{
	int services, listeners;

	svc_counts(&services, &listeners);
	setproctitle("%d service%s, %d listener%s", services,
	             services == 1 ? "" : "s", listeners,
	             listeners == 1 ? "" : "s");
}

static void
main_check_stopped(void)
{
	if (is_stopping && spawn_count() == 0)
		loop_stop();
}

static void
main_on_child(int signo)
{
	spawn_reap(signo);
	main_check_stopped();
}

static void
main_stop_timeout(void *arg)
{
	int n = spawn_signal_all(SIGKILL);

	log_warnx("%d handler%s still running: killed", n, n == 1 ? "" : "s");
}

static void
main_on_stop(int signo)
{
	if (is_stopping)
		return;
	is_stopping = true;
	log_info("%s: stopping", strsignal(signo));
	svc_close_listeners();
	spawn_signal_all(SIGTERM);
	spawn_signal_all(SIGCONT);
	loop_timer_set(&stop_timer, MAIN_STOP_GRACE_MS, main_stop_timeout,
	               NULL);
	main_check_stopped();
}

static void
main_on_reload(int signo)
{
	log_reopen();
	if (!is_stopping && svc_reload(config_file) == 0)
		main_update_title();
}

static void
main_on_reopen(int signo)
{
	if (log_reopen() == -1)
		log_warn("reopening the log");
}

static void
main_on_dump(int signo)
{
	svc_dump();
}

static void
main_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (loop_on_signal(SIGCHLD, main_on_child) == -1 ||
	    loop_on_signal(SIGTERM, main_on_stop) == -1 ||
	    loop_on_signal(SIGINT, main_on_stop) == -1 ||
	    loop_on_signal(SIGHUP, main_on_reload) == -1 ||
	    loop_on_signal(SIGUSR1, main_on_dump) == -1 ||
	    loop_on_signal(SIGUSR2, main_on_reopen) == -1)
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

int
main(int argc, char *argv[], char *envp[])
{
	bool is_foreground = false, is_check = false, use_syslog = false;
	const char *pidfile = NULL, *level = NULL;
	struct pidfh *pfh = NULL;
	char msg[1024];
	int ch;

	setproctitle_init(argc, argv, envp);
	while ((ch = getopt(argc, argv, "Cf:hl:np:sv")) != -1) {
		switch (ch) {
		case 'C':
			is_check = true;
			break;
		case 'f':
			config_file = optarg;
			break;
		case 'h':
			usage(0);
		case 'l':
			level = optarg;
			break;
		case 'n':
			is_foreground = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			printf("portierd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(100);
		}
	}
	if (optind != argc)
		usage(100);
	if (level != NULL && log_set_level(level) == -1)
		errx(100, "unknown log level: %s", level);
	if (is_check)
		return main_check();

	struct config *cfg = conf_load(config_file, msg, sizeof(msg));
	if (cfg == NULL)
		errx(1, "%s", msg);
	if (level == NULL && cfg->log_level != NULL &&
	    log_set_level(cfg->log_level) == -1)
		errx(1, "%s: unknown log_level %s", config_file,
		     cfg->log_level);
	if (pidfile != NULL) {
		pid_t other;
		pfh = pidfile_open(pidfile, 0644, &other);
		if (pfh == NULL) {
			int saved = errno;
			config_free(cfg); /* a clean exit for LeakSanitizer */
			errno = saved;
			if (errno == EEXIST)
				errx(1, "already running as PID %ld (%s)",
				     (long)other, pidfile);
			err(1, "pidfile %s", pidfile);
		}
	}
	if (loop_init() == -1 || spawn_init() == -1)
		err(1, "loop");
	main_signals();
	if (svc_start(cfg, msg, sizeof(msg)) == -1) {
		pidfile_remove(pfh);
		errx(1, "%s", msg);
	}
	if (!is_foreground && daemon(0, 0) == -1)
		err(1, "daemon");
	log_init(use_syslog || !is_foreground);
	if (log_configure(cfg->log_type) == -1)
		fatalx("%s: log_type %s: cannot open", config_file,
		       cfg->log_type);
	pidfile_write(pfh);
	main_update_title();
	log_info("ready");
	int rc = loop_run();
	pidfile_remove(pfh);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}
