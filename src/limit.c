/* SPDX-License-Identifier: ISC */
/* limit.c -- the pure parts of the limits: time windows, cps, per-source counts
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "limit.h"

bool
limit_time_allowed(const struct svc_time_window *windows, int n, int minute)
{
	if (n == 0)
		return true;
	for (int i = 0; i < n; i++) {
		const struct svc_time_window *w = &windows[i];
		bool inside =
		    w->start_minute <= w->end_minute
		        ? minute >= w->start_minute && minute <= w->end_minute
		        : minute >= w->start_minute || minute <= w->end_minute;
		if (inside)
			return true;
	}
	return false;
}

/*
 * A fixed one-second window, as xinetd counts: cheap, and a burst that
 * straddles two seconds is at worst twice the rate, which is still a
 * burst worth pausing for on the next one.
 */
bool
limit_cps_count(struct limit_cps *cps, time_t now, int rate)
{
	if (rate <= 0)
		return true;
	if (now != cps->second) {
		cps->second = now;
		cps->count = 0;
	}
	return ++cps->count <= rate;
}

static int
limit_source_cmp(struct limit_source *a, struct limit_source *b)
{
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

RB_GENERATE_STATIC(limit_source_tree, limit_source, node, limit_source_cmp)

void
limit_sources_init(struct limit_source_tree *tree)
{
	RB_INIT(tree);
}

void
limit_sources_clear(struct limit_source_tree *tree)
{
	struct limit_source *s, *next;

	RB_FOREACH_SAFE(s, limit_source_tree, tree, next)
	{
		RB_REMOVE(limit_source_tree, tree, s);
		free(s);
	}
}

static struct limit_source *
limit_source_find(struct limit_source_tree *tree, const uint8_t addr[16])
{
	struct limit_source key;

	memcpy(key.addr, addr, sizeof(key.addr));
	return RB_FIND(limit_source_tree, tree, &key);
}

int
limit_source_count(struct limit_source_tree *tree, const uint8_t addr[16])
{
	struct limit_source *s = limit_source_find(tree, addr);

	return s != NULL ? s->count : 0;
}

int
limit_source_enter(struct limit_source_tree *tree, const uint8_t addr[16])
{
	struct limit_source *s = limit_source_find(tree, addr);

	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		memcpy(s->addr, addr, sizeof(s->addr));
		RB_INSERT(limit_source_tree, tree, s);
	}
	s->count++;
	return 0;
}

void
limit_source_leave(struct limit_source_tree *tree, const uint8_t addr[16])
{
	struct limit_source *s = limit_source_find(tree, addr);

	if (s != NULL && --s->count <= 0) {
		RB_REMOVE(limit_source_tree, tree, s);
		free(s);
	}
}

struct limit_source *
limit_source_first(struct limit_source_tree *tree)
{
	return RB_MIN(limit_source_tree, tree);
}

struct limit_source *
limit_source_next(struct limit_source_tree *tree, struct limit_source *s)
{
	(void)tree;
	return RB_NEXT(limit_source_tree, tree, s);
}
