/* SPDX-License-Identifier: ISC */
/* tally.h -- a connection's books: per-source counts, log line, counters */
#ifndef PORTIER_TALLY_H
#define PORTIER_TALLY_H

#include "connlog.h"
#include "metrics.h"
#include "service.h"

/* SVC's counters; a service never opened gets a scratch set. */
struct metrics *tally_metrics(struct service *svc);
/* Connection C of SVC began or ended. */
void tally_started(struct service *svc, const struct connlog_conn *c);
void tally_ended(struct service *svc, const struct connlog_conn *c);

#endif
