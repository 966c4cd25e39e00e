/* SPDX-License-Identifier: ISC */
/* starve.c -- out of descriptors: every service that needs one pauses */
#include <config.h>

#include <sys/socket.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "starve.h"
#include "trim.h"

/*
 * Out of descriptors (EMFILE, ENFILE) or another error that a readable
 * listener would repeat at once: every service that needs a descriptor
 * to admit a client waits a moment, and what is open is served on.
 * The first pause, doubled in a row up to STARVE_MAX_SHIFT times.
 */
#define STARVE_FIRST_MS 100
#define STARVE_MAX_SHIFT 4
/* A pause that begins this long after the last one ended starts short:
 * the shortage was over, served client or not (only refused ones may
 * have come).  Under a shortage, the next begins as the last ends. */
#define STARVE_QUIET_MS (STARVE_FIRST_MS << STARVE_MAX_SHIFT)

static bool starve_is_on;
static int starve_rounds; /* pauses with no client served between */
static uint64_t starve_ended_ms;
static struct loop_timer starve_timer;
static starve_changed_fn *starve_on_change;

void
starve_init(starve_changed_fn *on_change)
{
	starve_on_change = on_change;
}

static void
starve_over(void *arg)
{
	(void)arg;
	starve_is_on = false;
	starve_ended_ms = loop_now_ms();
	starve_on_change();
}

bool
starve_begin(const struct service *svc, const char *what, int err)
{
	if (starve_is_on)
		return false;
	if (loop_now_ms() - starve_ended_ms > STARVE_QUIET_MS)
		starve_rounds = 0;
	int shift =
	    starve_rounds < STARVE_MAX_SHIFT ? starve_rounds : STARVE_MAX_SHIFT;
	uint64_t ms = (uint64_t)STARVE_FIRST_MS << shift;

	/* First the descriptor kept only to save memory: with it closed,
	 * this client or the next may well be served, so no pause. */
	if ((err == EMFILE || err == ENFILE) && trim_give_back_descriptor()) {
		log_warnx("service %s: %s: %s: code trimming gave its "
		          "descriptor back",
		          svc->name, what, strerror(err));
		return true;
	}
	log_warnx("service %s: %s: %s: admitting no client for %.1f s",
	          svc->name, what, strerror(err), (double)ms / 1000.0);
	starve_rounds++;
	starve_is_on = true;
	loop_timer_set(&starve_timer, ms, starve_over, NULL);
	starve_on_change();
	return false;
}

void
starve_served(void)
{
	starve_rounds = 0;
}

/* An internal datagram service answers from the socket it has. */
bool
starve_blocks(const struct service *svc)
{
	return starve_is_on &&
	       !(svc->is_internal && svc->socket_type == SOCK_DGRAM);
}
