/* SPDX-License-Identifier: ISC */
/* limit.h -- the pure parts of the limits: time windows, cps, per-source counts
 */
#ifndef PORTIER_LIMIT_H
#define PORTIER_LIMIT_H

#include <sys/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "loop.h" /* defines the __unused RB_GENERATE_STATIC needs */
#include "service.h"

/*
 * True when MINUTE (0..1439, local time) lies in one of the N windows;
 * N == 0 means no restriction.  Both ends are inclusive minutes, and a
 * window whose end is before its start wraps past midnight.
 */
bool limit_time_allowed(const struct svc_time_window *, int n, int minute);

/* cps = {RATE, SECONDS}: new connections counted per wall-clock second. */
struct limit_cps {
	time_t second;
	int count;
};

/* Count one connection at NOW; false when it is over RATE this second. */
bool limit_cps_count(struct limit_cps *, time_t now, int rate);

/* Running handlers per client address (a 128-bit key, IPv4 mapped). */
struct limit_source {
	RB_ENTRY(limit_source) node;
	uint8_t addr[16];
	int count;
};
RB_HEAD(limit_source_tree, limit_source);

void limit_sources_init(struct limit_source_tree *);
void limit_sources_clear(struct limit_source_tree *);
/* How many handlers ADDR has now. */
int limit_source_count(struct limit_source_tree *, const uint8_t addr[16]);
/* One more handler for ADDR; -1 when out of memory. */
int limit_source_enter(struct limit_source_tree *, const uint8_t addr[16]);
/* One fewer; the entry goes when it reaches zero. */
void limit_source_leave(struct limit_source_tree *, const uint8_t addr[16]);
/* In address order, for the SIGUSR1 dump. */
struct limit_source *limit_source_first(struct limit_source_tree *);
struct limit_source *limit_source_next(struct limit_source_tree *,
                                       struct limit_source *);

#endif
