/* SPDX-License-Identifier: ISC */
/* counters.h -- per-service numbers for the dump: accepted, refused, exits */
#ifndef PORTIER_COUNTERS_H
#define PORTIER_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* Distinct labels kept per table; the rest are counted under "other",
 * so a hostile pattern cannot grow the table. */
#define COUNTERS_LABELS 12
#define COUNTERS_LABEL_MAX 24

struct counters_table {
	size_t n;
	struct {
		char label[COUNTERS_LABEL_MAX];
		uint64_t count;
	} item[COUNTERS_LABELS];
};

/* One service's numbers; a reload that keeps the service keeps them.
 * (Shaped like metrics.c's struct metrics, which may replace it.) */
struct svc_counters {
	uint64_t accepted;             /* connections or datagrams admitted */
	struct counters_table refused; /* by reason: only_from, cps, ... */
	struct counters_table exits;   /* by status: "0", "111", "SIGKILL" */
};

void counters_refused(struct svc_counters *, const char *reason);
/* A handler's wait(2) status: its exit code, or the signal's name. */
void counters_exited(struct svc_counters *, int wstatus);
/* "only_from=3 cps=1" (or "none") into OUT. */
void counters_format(const struct counters_table *, char *out, size_t len);

#endif
