/* SPDX-License-Identifier: ISC */
/* counters.c -- per-service numbers for the dump: accepted, refused, exits */
#include <config.h>

#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"

static void
counters_bump(struct counters_table *t, const char *label)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->item[i].label, label) == 0)
			break;
	if (i == t->n) {
		if (t->n == COUNTERS_LABELS)
			i = COUNTERS_LABELS - 1; /* the last slot is "other" */
		else
			t->n++;
		strlcpy(t->item[i].label,
		        i == COUNTERS_LABELS - 1 ? "other" : label,
		        sizeof(t->item[i].label));
	}
	t->item[i].count++;
}

void
counters_refused(struct svc_counters *c, const char *reason)
{
	counters_bump(&c->refused, reason);
}

void
counters_exited(struct svc_counters *c, int wstatus)
{
	char label[COUNTERS_LABEL_MAX];

	if (WIFSIGNALED(wstatus))
		snprintf(label, sizeof(label), "SIG%s",
		         sigabbrev_np(WTERMSIG(wstatus))
		             ? sigabbrev_np(WTERMSIG(wstatus))
		             : "?");
	else
		snprintf(label, sizeof(label), "%d", WEXITSTATUS(wstatus));
	counters_bump(&c->exits, label);
}

void
counters_format(const struct counters_table *t, char *out, size_t len)
{
	size_t used = 0;

	snprintf(out, len, "none");
	for (size_t i = 0; i < t->n && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%s=%llu",
		                 i ? " " : "", t->item[i].label,
		                 (unsigned long long)t->item[i].count);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
