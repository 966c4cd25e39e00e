/* SPDX-License-Identifier: ISC */
/* trim.c -- give the heap's free pages back after a load or a busy spell */
#include <config.h>

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "loop.h"
#include "trim.h"

/*
 * After a busy spell: late enough that a steady load never pays for it
 * (at most one trim a second), soon enough that an idle master is small.
 */
#define TRIM_DELAY_MS 1000

static struct loop_timer trim_timer;

/*
 * libConfuse's parse tree is freed after every load, but our own service
 * table was allocated between its pieces, so the holes stay in the heap
 * (about 8 kB a service) unless handed back explicitly; likewise the
 * buffers of in-loop connections after a burst.
 */
void
trim_now(void)
{
	loop_timer_cancel(&trim_timer);
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

static void
trim_on_timer(void *arg)
{
	(void)arg;
	trim_now();
}

void
trim_soon(void)
{
	if (!trim_timer.is_armed)
		loop_timer_set(&trim_timer, TRIM_DELAY_MS, trim_on_timer, NULL);
}
