/* SPDX-License-Identifier: ISC */
/* test_loop_unit.c -- loop.c: what a busy descriptor may not take away */
#include <config.h>

#include <sys/socket.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "loop.h"

/* A pipe whose byte is never read is ready in every round: the loop is
 * under load and spins on it, as it would on a listener under a flood. */
static int busy[2], quiet[2];
static long busy_calls, busy_calls_at_write, quiet_calls;

/* After a while of load, a byte for the quiet pipe; stop when it is seen
 * or after a bound far beyond any full look. */
static void
on_busy(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	busy_calls++;
	if (busy_calls == 1000) {
		cr_assert_eq(write(quiet[1], "q", 1), 1);
		busy_calls_at_write = busy_calls;
	}
	if (busy_calls >= 5000000)
		loop_stop();
}

static void
on_quiet(int fd, void *arg)
{
	char c;

	(void)arg;
	cr_assert_eq(read(fd, &c, 1), 1);
	quiet_calls++;
	loop_stop();
}

static void
open_pipes(int quiet_fd)
{
	cr_assert_eq(loop_init(), 0);
	cr_assert_eq(pipe2(busy, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_eq(pipe2(quiet, O_CLOEXEC | O_NONBLOCK), 0);
	if (quiet_fd >= 0) {
		/* High enough that a dispatch by words must reach its word. */
		cr_assert_eq(dup2(quiet[0], quiet_fd), quiet_fd);
		close(quiet[0]);
		quiet[0] = quiet_fd;
	}
	cr_assert_eq(write(busy[1], "b", 1), 1);
	cr_assert_eq(loop_watch_read(busy[0], on_busy, NULL), 0);
	cr_assert_eq(loop_watch_read(quiet[0], on_quiet, NULL), 0);
}

/* While it spins on its hot descriptors, the loop still takes a full look
 * now and then: a descriptor that was quiet when the load began is seen. */
Test(loop_unit, a_busy_descriptor_does_not_starve_a_quiet_one)
{
	open_pipes(-1);
	cr_assert_eq(loop_run(), 0);
	cr_assert_eq(quiet_calls, 1, "quiet pipe never seen in %ld rounds",
	             busy_calls - busy_calls_at_write);
	cr_assert_gt(busy_calls_at_write, 0);
}

Test(loop_unit, a_descriptor_in_a_high_word_is_dispatched)
{
	open_pipes(700);
	cr_assert_eq(loop_run(), 0);
	cr_assert_eq(quiet_calls, 1, "fd 700 never seen in %ld rounds",
	             busy_calls - busy_calls_at_write);
}

/* Victims ready to read and write in the same rounds as the busy pipe:
 * one is closed by another descriptor's callback, one closes itself from
 * its read callback, one drops its write watch and keeps reading.  A
 * spin selects only the hot descriptors, so a closed one left hot would
 * fail select (EBADF) and end the loop with -1. */
enum { VICTIMS = 3 };
static int victim[VICTIMS][2];
static long victim_reads[VICTIMS], victim_writes[VICTIMS], rounds;

static void
victim_drop(int i)
{
	loop_unwatch_read(victim[i][0]);
	loop_unwatch_write(victim[i][0]);
	close(victim[i][0]);
	victim[i][0] = -1;
}

static void
on_spin_busy(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	if (++rounds == 10 && victim[0][0] != -1)
		victim_drop(0); /* ready later in this very dispatch */
	if (rounds >= 20000)
		loop_stop();
}

static void
on_victim_read(int fd, void *arg)
{
	int i = (int)(long)arg;

	(void)fd;
	victim_reads[i]++;
	if (i == 1 && rounds >= 10)
		victim_drop(1); /* its write watch goes too */
	else if (i == 2 && rounds >= 10)
		loop_unwatch_write(victim[2][0]);
}

static void
on_victim_write(int fd, void *arg)
{
	(void)fd;
	victim_writes[(int)(long)arg]++;
}

Test(loop_unit, a_descriptor_unwatched_during_dispatch_is_not_selected)
{
	cr_assert_eq(loop_init(), 0);
	cr_assert_eq(pipe2(busy, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_eq(write(busy[1], "b", 1), 1);
	cr_assert_eq(loop_watch_read(busy[0], on_spin_busy, NULL), 0);
	for (long i = 0; i < VICTIMS; i++) {
		/* A socket with a byte waiting is readable and writable. */
		cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
		                        victim[i]),
		             0);
		cr_assert_eq(write(victim[i][1], "v", 1), 1);
		cr_assert_eq(
		    loop_watch_read(victim[i][0], on_victim_read, (void *)i),
		    0);
		cr_assert_eq(
		    loop_watch_write(victim[i][0], on_victim_write, (void *)i),
		    0);
	}
	cr_assert_eq(loop_run(), 0, "select failed after %ld rounds", rounds);
	cr_assert_eq(rounds, 20000);
	cr_assert_gt(victim_reads[2], victim_writes[2], "reads go on alone");
}

/* Return addresses seen from inside a loop callback. */
static void *trace[64];
static int trace_depth;

static void
on_timer_trace(void *arg)
{
	(void)arg;
	trace_depth = backtrace(trace, 64);
	loop_stop();
}

/* Runs the loop; a stack trace from a callback must come back out here. */
static __attribute__((noinline)) void
trace_through_loop(void)
{
	static struct loop_timer timer;

	loop_timer_set(&timer, 0, on_timer_trace, NULL);
	cr_assert_eq(loop_run(), 0);
	__asm__ volatile(""); /* not a tail call: its frame stays */
}

/*
 * A crash in the master is read from a stack trace (a core of a stripped
 * binary, systemd-coredump): it needs the unwind tables of the daemon's
 * own code to get from a callback through loop_run to its caller.
 */
Test(loop, a_stack_trace_walks_out_of_the_loop)
{
	uintptr_t from = (uintptr_t)trace_through_loop;
	bool found = false;

	cr_assert_eq(loop_init(), 0);
	trace_through_loop();
	for (int i = 0; i < trace_depth; i++)
		found |= (uintptr_t)trace[i] > from &&
		         (uintptr_t)trace[i] < from + 256;
	cr_assert(found, "the trace stops after %d frames", trace_depth);
}
