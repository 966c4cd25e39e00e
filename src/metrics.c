/* SPDX-License-Identifier: ISC */
/* metrics.c -- per-service counters and histograms, Prometheus text */
#include <config.h>

#include <sys/wait.h>
#include <inttypes.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Microseconds.  Spawning is fast (fork, exec): 50 us .. 1 s; handlers
 * run from a millisecond (daytime) to an hour (a shell). */
static const uint64_t metrics_spawn_bounds[METRICS_BUCKETS] = {
    50,    100,   250,   500,    1000,   2500,   5000,
    10000, 25000, 50000, 100000, 250000, 500000, 1000000};
static const uint64_t metrics_duration_bounds[METRICS_BUCKETS] = {
    1000,    5000,     10000,    50000,    100000,    500000,    1000000,
    5000000, 10000000, 30000000, 60000000, 300000000, 600000000, 3600000000};

static void
metrics_count(struct metrics_counts *c, const char *label)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n; i++)
			if (strcmp(c->item[i].label, label) == 0) {
				c->item[i].count++;
				return;
			}
		/* The last slot is kept for "other". */
		if (c->n < METRICS_LABELS - 1 || pass == 1)
			break;
		label = "other";
	}
	struct metrics_count *item = &c->item[c->n++];
	snprintf(item->label, sizeof(item->label), "%s", label);
	item->count = 1;
}

void
metrics_refused(struct metrics *m, const char *reason)
{
	metrics_count(&m->refused, reason);
}

void
metrics_exited(struct metrics *m, int wstatus)
{
	char label[METRICS_LABEL_MAX];
	const char *name;

	if (WIFEXITED(wstatus))
		snprintf(label, sizeof(label), "%d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus) &&
	         (name = sigabbrev_np(WTERMSIG(wstatus))) != NULL)
		snprintf(label, sizeof(label), "SIG%s", name);
	else
		snprintf(label, sizeof(label), "signal_%d", WTERMSIG(wstatus));
	metrics_count(&m->exits, label);
}

static void
metrics_observe(struct metrics_histogram *h, const uint64_t *bounds,
                uint64_t usec)
{
	size_t i = 0;

	while (i < METRICS_BUCKETS && usec > bounds[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_us += usec;
}

void
metrics_observe_spawn(struct metrics *m, uint64_t usec)
{
	metrics_observe(&m->spawn_latency, metrics_spawn_bounds, usec);
}

void
metrics_observe_duration(struct metrics *m, uint64_t usec)
{
	metrics_observe(&m->duration, metrics_duration_bounds, usec);
}

/* Exact decimal seconds from microseconds: "0.00005", "2.5", "1". */
static const char *
metrics_seconds(char *buf, size_t size, uint64_t usec)
{
	snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, usec / 1000000,
	         usec % 1000000);
	char *end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	return buf;
}

/* A label value: \\, " and newline escaped, as the format requires. */
static void
metrics_escape(struct textbuf *out, const char *value)
{
	static const char *const with[] = {"\\\\", "\\\"", "\\n"};

	textbuf_escape(out, value, "\\\"\n", with);
}

/* NAME{service="S"[,KEY="VALUE"]} TEXT */
static void
metrics_sample(struct textbuf *out, const char *name, const char *service,
               const char *key, const char *value, const char *text)
{
	textbuf_printf(out, "%s{service=\"", name);
	metrics_escape(out, service);
	if (key != NULL) {
		textbuf_printf(out, "\",%s=\"", key);
		metrics_escape(out, value);
	}
	textbuf_printf(out, "\"} %s\n", text);
}

static void
metrics_sample_u64(struct textbuf *out, const char *name, const char *service,
                   const char *key, const char *value, uint64_t n)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, n);
	metrics_sample(out, name, service, key, value, text);
}

enum metrics_kind {
	METRICS_SCALAR,    /* one uint64_t per service */
	METRICS_COUNTS,    /* struct metrics_counts, labelled by KEY */
	METRICS_HISTOGRAM, /* struct metrics_histogram with BOUNDS */
	METRICS_BYTES,     /* bytes_in / bytes_out as direction="in|out" */
};

struct metrics_family {
	const char *name, *type, *help;
	enum metrics_kind kind;
	size_t offset; /* of the field in struct metrics */
	const char *key;
	const uint64_t *bounds;
};

#define METRICS_AT(field) offsetof(struct metrics, field)

static const struct metrics_family metrics_families[] = {
    {"portier_connections_accepted_total", "counter",
     "Connections (or datagrams) admitted to a service.", METRICS_SCALAR,
     METRICS_AT(accepted), NULL, NULL},
    {"portier_connections_refused_total", "counter",
     "Connections refused before fork, by the rule that refused them.",
     METRICS_COUNTS, METRICS_AT(refused), "reason", NULL},
    {"portier_connections_failed_total", "counter",
     "Connections admitted whose handler could not be started.", METRICS_SCALAR,
     METRICS_AT(failed), NULL, NULL},
    {"portier_handlers_running", "gauge", "Handlers running now.",
     METRICS_SCALAR, METRICS_AT(running), NULL, NULL},
    {"portier_handler_exits_total", "counter",
     "Handlers that ended, by exit status or signal.", METRICS_COUNTS,
     METRICS_AT(exits), "status", NULL},
    {"portier_spawn_latency_seconds", "histogram",
     "Time from admitting a connection to its handler's fork.",
     METRICS_HISTOGRAM, METRICS_AT(spawn_latency), NULL, metrics_spawn_bounds},
    {"portier_handler_duration_seconds", "histogram", "How long handlers ran.",
     METRICS_HISTOGRAM, METRICS_AT(duration), NULL, metrics_duration_bounds},
    {"portier_internal_bytes_total", "counter",
     "Bytes moved by services answered inside the daemon, by direction.",
     METRICS_BYTES, 0, NULL, NULL},
};

static void
metrics_write_histogram(struct textbuf *out, const struct metrics_family *f,
                        const char *service, const struct metrics_histogram *h)
{
	char name[96], le[32];
	uint64_t sum = 0;

	snprintf(name, sizeof(name), "%s_bucket", f->name);
	for (size_t i = 0; i < METRICS_BUCKETS; i++) {
		sum += h->bucket[i]; /* the format's buckets are cumulative */
		metrics_seconds(le, sizeof(le), f->bounds[i]);
		metrics_sample_u64(out, name, service, "le", le, sum);
	}
	sum += h->bucket[METRICS_BUCKETS];
	metrics_sample_u64(out, name, service, "le", "+Inf", sum);
	snprintf(name, sizeof(name), "%s_sum", f->name);
	metrics_sample(out, name, service, NULL, NULL,
	               metrics_seconds(le, sizeof(le), h->sum_us));
	snprintf(name, sizeof(name), "%s_count", f->name);
	metrics_sample_u64(out, name, service, NULL, NULL, h->count);
}

/* One service's samples of family F. */
static void
metrics_write_one(struct textbuf *out, const struct metrics_family *f,
                  const char *service, const struct metrics *m)
{
	const void *field = (const char *)m + f->offset;

	switch (f->kind) {
	case METRICS_SCALAR:
		metrics_sample_u64(out, f->name, service, NULL, NULL,
		                   *(const uint64_t *)field);
		break;
	case METRICS_COUNTS: {
		const struct metrics_counts *c = field;
		for (size_t i = 0; i < c->n; i++)
			metrics_sample_u64(out, f->name, service, f->key,
			                   c->item[i].label, c->item[i].count);
		break;
	}
	case METRICS_HISTOGRAM:
		metrics_write_histogram(out, f, service, field);
		break;
	case METRICS_BYTES:
		metrics_sample_u64(out, f->name, service, "direction", "in",
		                   m->bytes_in);
		metrics_sample_u64(out, f->name, service, "direction", "out",
		                   m->bytes_out);
		break;
	}
}

int
metrics_write(struct textbuf *out, const struct metrics_entry *entries,
              size_t n)
{
	size_t nfamilies =
	    sizeof(metrics_families) / sizeof(metrics_families[0]);

	for (size_t i = 0; i < nfamilies; i++) {
		const struct metrics_family *f = &metrics_families[i];
		textbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name,
		               f->help, f->name, f->type);
		for (size_t j = 0; j < n; j++)
			metrics_write_one(out, f, entries[j].service,
			                  entries[j].metrics);
	}
	return out->is_full ? -1 : 0;
}

/* An upgrade carries the counters over as text: "v1 ACCEPTED FAILED IN
 * OUT", both histograms, then "R N label count..." and "E N ...". */
static void
metrics_save_histogram(struct textbuf *out, const struct metrics_histogram *h)
{
	textbuf_printf(out, " %" PRIu64 " %" PRIu64, h->count, h->sum_us);
	for (int i = 0; i <= METRICS_BUCKETS; i++)
		textbuf_printf(out, " %" PRIu64, h->bucket[i]);
}

static void
metrics_save_counts(struct textbuf *out, char tag,
                    const struct metrics_counts *c)
{
	textbuf_printf(out, " %c %zu", tag, c->n);
	for (size_t i = 0; i < c->n; i++)
		textbuf_printf(out, " %s %" PRIu64, c->item[i].label,
		               c->item[i].count);
}

int
metrics_save(struct textbuf *out, const struct metrics *m)
{
	textbuf_printf(out, "v1 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
	               m->accepted, m->failed, m->bytes_in, m->bytes_out);
	metrics_save_histogram(out, &m->spawn_latency);
	metrics_save_histogram(out, &m->duration);
	metrics_save_counts(out, 'R', &m->refused);
	metrics_save_counts(out, 'E', &m->exits);
	return out->is_full ? -1 : 0;
}

/* The next number of *P, or -1 at the end of the text. */
static int
metrics_next(const char **p, uint64_t *v)
{
	char *end;

	*v = strtoull(*p, &end, 10);
	if (end == *p)
		return -1;
	*p = end;
	return 0;
}

static int
metrics_load_counts(const char **p, char tag, struct metrics_counts *c)
{
	char label[METRICS_LABEL_MAX];
	uint64_t n;
	int used = 0;

	if (sscanf(*p, " %c%n", &label[0], &used) != 1 || label[0] != tag)
		return -1;
	*p += used;
	if (metrics_next(p, &n) == -1 || n > METRICS_LABELS)
		return -1;
	for (c->n = 0; c->n < n; c->n++) {
		struct metrics_count *item = &c->item[c->n];
		if (sscanf(*p, " %23s%n", item->label, &used) != 1)
			return -1;
		*p += used;
		if (metrics_next(p, &item->count) == -1)
			return -1;
	}
	return 0;
}

int
metrics_load(struct metrics *m, const char *text)
{
	uint64_t *plain[] = {&m->accepted, &m->failed, &m->bytes_in,
	                     &m->bytes_out};
	struct metrics_histogram *h[] = {&m->spawn_latency, &m->duration};
	const char *p = text;

	if (strncmp(p, "v1 ", 3) != 0)
		return -1;
	p += 3;
	for (size_t i = 0; i < 4; i++)
		if (metrics_next(&p, plain[i]) == -1)
			return -1;
	for (size_t i = 0; i < 2; i++) {
		if (metrics_next(&p, &h[i]->count) == -1 ||
		    metrics_next(&p, &h[i]->sum_us) == -1)
			return -1;
		for (int b = 0; b <= METRICS_BUCKETS; b++)
			if (metrics_next(&p, &h[i]->bucket[b]) == -1)
				return -1;
	}
	if (metrics_load_counts(&p, 'R', &m->refused) == -1 ||
	    metrics_load_counts(&p, 'E', &m->exits) == -1)
		return -1;
	return 0;
}
