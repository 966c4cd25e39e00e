/* SPDX-License-Identifier: ISC */
/* ctlstatus.h -- what the control socket tells: status, metrics, changes */
#ifndef PORTIER_CTLSTATUS_H
#define PORTIER_CTLSTATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "textbuf.h"

/* Facts about the daemon itself, from main.c. */
struct ctlstatus_daemon {
	const char *version;
	const char *config_file;
	time_t started; /* wall clock, kept across upgrades */
	long pid;
};

/* The status answer, as text for people or one JSON document. */
void ctlstatus_write(struct textbuf *out, const struct ctlstatus_daemon *,
                     bool is_json);

/*
 * One line per enabled service of the running configuration, saying
 * what it is and where it listens: compare two to tell what a reload
 * changed.  The caller frees the text (textbuf_free).
 */
void ctlstatus_snapshot(struct textbuf *out);
/* "added a, b; removed c; changed d; N unchanged", from two snapshots. */
void ctlstatus_changes(struct textbuf *out, const char *before,
                       const char *after);

#endif
