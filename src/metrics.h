/* SPDX-License-Identifier: ISC */
/* metrics.h -- per-service counters and histograms, Prometheus text */
#ifndef PORTIER_METRICS_H
#define PORTIER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"

/* Distinct refusal reasons / exit statuses kept per service; more are
 * counted under "other", so a hostile pattern cannot grow the table. */
#define METRICS_LABELS 16
#define METRICS_LABEL_MAX 24
/* Finite buckets of each histogram; one more counts the +Inf rest. */
#define METRICS_BUCKETS 14

struct metrics_count {
	char label[METRICS_LABEL_MAX];
	uint64_t count;
};

struct metrics_counts {
	size_t n;
	struct metrics_count item[METRICS_LABELS];
};

/* bucket[i] counts observations in (bound[i-1], bound[i]] (not
 * cumulative); bucket[METRICS_BUCKETS] those above the last bound. */
struct metrics_histogram {
	uint64_t bucket[METRICS_BUCKETS + 1];
	uint64_t count;
	uint64_t sum_us;
};

/* One service's numbers: zero it, then let the layers above count. */
struct metrics {
	uint64_t accepted;  /* connections (or datagrams) admitted */
	uint64_t failed;    /* admitted but not served: fork/exec failed */
	uint64_t running;   /* handlers running now (a gauge) */
	uint64_t bytes_in;  /* internal services: from clients */
	uint64_t bytes_out; /* internal services: to clients */
	struct metrics_counts refused; /* by reason: only_from, cps, ... */
	struct metrics_counts exits;   /* by status: "0", "111", "SIGKILL" */
	struct metrics_histogram spawn_latency; /* accept to fork done */
	struct metrics_histogram duration;      /* handler start to exit */
};

void metrics_refused(struct metrics *, const char *reason);
/* A handler's wait(2) status: its exit code, or the signal's name. */
void metrics_exited(struct metrics *, int wstatus);
void metrics_observe_spawn(struct metrics *, uint64_t usec);
void metrics_observe_duration(struct metrics *, uint64_t usec);

struct metrics_entry {
	const char *service;
	const struct metrics *metrics;
};

/*
 * Append the Prometheus text exposition (format 0.0.4) of N services to
 * OUT, each family once with all services' samples together.  -1 when
 * OUT's cap was reached (its text is then incomplete).
 */
int metrics_write(struct textbuf *out, const struct metrics_entry *, size_t n);

/*
 * An upgrade hands the counters to the next image: one line of text
 * (no newline), and back; -1 when OUT is full or TEXT malformed.  The
 * running gauge is not in it: adopted handlers count themselves.
 */
int metrics_save(struct textbuf *out, const struct metrics *);
int metrics_load(struct metrics *, const char *text);

/* Content-Type of that text, for the HTTP scrape. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
