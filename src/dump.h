/* SPDX-License-Identifier: ISC */
/* dump.h -- SIGUSR1: the daemon's state for an admin, one line at a time */
#ifndef PORTIER_DUMP_H
#define PORTIER_DUMP_H

/*
 * Log the version, uptime (since START, CLOCK_MONOTONIC seconds) and
 * CONFIG_FILE, then every service: its listeners with their protocol,
 * its counters (accepted, refused by reason, exits by status, running),
 * its per-source counts; then every handler.
 */
void dump_state(const char *config_file, long long start);

#endif
