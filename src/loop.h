/* SPDX-License-Identifier: ISC */
/* loop.h -- the select(2) loop: descriptor callbacks, timers, signals */
#ifndef PORTIER_LOOP_H
#define PORTIER_LOOP_H

#include <sys/tree.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * libbsd's RB_GENERATE_STATIC expands to __unused, which libbsd leaves
 * undefined (Linux headers use the name); define it after every header.
 */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif

typedef void loop_fd_fn(int fd, void *arg);
typedef void loop_timer_fn(void *arg);
typedef void loop_signal_fn(int signo);

/* Embed in the object the timer belongs to; zero-initialise. */
struct loop_timer {
	RB_ENTRY(loop_timer) node;
	uint64_t due_ms;
	uint64_t seq;
	loop_timer_fn *fn;
	void *arg;
	bool is_armed;
};

int loop_init(void);

/*
 * Watch FD for readability or writability.  Fails with EMFILE for a
 * descriptor select(2) cannot hold (fd >= FD_SETSIZE).
 */
int loop_watch_read(int fd, loop_fd_fn *fn, void *arg);
int loop_watch_write(int fd, loop_fd_fn *fn, void *arg);
void loop_unwatch_read(int fd);
void loop_unwatch_write(int fd);

void loop_timer_set(struct loop_timer *, uint64_t delay_ms, loop_timer_fn *,
                    void *arg);
void loop_timer_cancel(struct loop_timer *);
uint64_t loop_now_ms(void);

/* Run FN from the loop (never from the handler) when SIGNO arrives. */
int loop_on_signal(int signo, loop_signal_fn *fn);

int loop_run(void);
void loop_stop(void);

#endif
