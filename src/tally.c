/* SPDX-License-Identifier: ISC */
/* tally.c -- a connection's books: per-source counts, log line, counters */
#include <config.h>

#include "access.h"
#include "loop.h"
#include "tally.h"
#include "trim.h"

/* Counts of a service that has none (never opened): thrown away. */
static struct metrics tally_no_metrics;

struct metrics *
tally_metrics(struct service *svc)
{
	return svc->metrics != NULL ? svc->metrics : &tally_no_metrics;
}

void
tally_started(struct service *svc, const struct connlog_conn *c)
{
	access_enter(svc, c->peer);
	connlog_start(svc, c);
	tally_metrics(svc)->accepted++;
	tally_metrics(svc)->running++;
}

void
tally_ended(struct service *svc, const struct connlog_conn *c)
{
	struct metrics *m = tally_metrics(svc);

	access_leave(svc, c->peer);
	connlog_exit(svc, c);
	m->running--;
	if (c->pid == 0 && c->has_traffic) {
		m->bytes_in += c->bytes_in;
		m->bytes_out += c->bytes_out;
	}
	metrics_observe_duration(m, (loop_now_ms() - c->start_ms) * 1000);
	trim_soon();
}
