/* SPDX-License-Identifier: ISC */
/* conf_addr.c -- no two enabled services may take the same address */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf_addr.h"
#include "conf_check.h"

static bool
conf_addr_same(const struct service *a, const struct service *b)
{
	if (a->protocol != b->protocol)
		return false;
	if (a->protocol == PROTO_UNIX)
		return strcmp(a->socket_path, b->socket_path) == 0;
	if (a->port_number != b->port_number)
		return false;
	/* An unset bind takes every address, so it meets any other. */
	return a->bind == NULL || b->bind == NULL ||
	       strcmp(a->bind, b->bind) == 0;
}

/* A service and its place in the file, for the address check. */
struct conf_addr_ref {
	struct service *svc;
	unsigned idx;
};

/* Same protocol and port (or path) side by side, in file order. */
static int
conf_addr_cmp(const void *a, const void *b)
{
	const struct conf_addr_ref *x = a, *y = b;
	const struct service *p = x->svc, *q = y->svc;
	int c = 0;

	if (p->protocol != q->protocol)
		c = p->protocol < q->protocol ? -1 : 1;
	else if (p->protocol == PROTO_UNIX)
		c = strcmp(p->socket_path, q->socket_path);
	else if (p->port_number != q->port_number)
		c = p->port_number < q->port_number ? -1 : 1;
	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Sorted by port first, so only services sharing a port are compared:
 * pairwise, 1,000 services were half a million comparisons. */
int
conf_addr_check(struct config *config, cfg_t *cfg)
{
	struct conf_addr_ref *v, *a = NULL, *b = NULL;
	struct service *svc;
	unsigned n = 0, i = 0;

	if ((v = calloc(cfg_size(cfg, "service") + 1, sizeof(*v))) == NULL)
		return -1;
	TAILQ_FOREACH(svc, &config->services, entry)
	{
		if (!svc->is_disabled)
			v[n++] = (struct conf_addr_ref){svc, i};
		i++;
	}
	qsort(v, n, sizeof(*v), conf_addr_cmp);
	for (unsigned k = 1, start = 0; k < n; k++) {
		if (conf_addr_cmp(&(struct conf_addr_ref){v[k].svc, 0},
		                  &(struct conf_addr_ref){v[start].svc, 0}))
			start = k; /* a new port: nothing earlier shares it */
		for (unsigned j = start; j < k && (!a || v[k].idx < a->idx);
		     j++)
			if (conf_addr_same(v[k].svc, v[j].svc)) {
				a = &v[k];
				b = &v[j];
				break;
			}
	}
	if (a != NULL)
		conf_check_error(cfg_getnsec(cfg, "service", a->idx),
		                 a->svc->name, "port",
		                 "same address, port and protocol as service "
		                 "%s (%s:%d)",
		                 b->svc->name, b->svc->file, b->svc->port_line);
	free(v);
	return a != NULL ? -1 : 0;
}
