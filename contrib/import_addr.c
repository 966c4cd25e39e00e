/* SPDX-License-Identifier: ISC */
/* import_addr.c -- xinetd's only_from and no_access forms as portier's */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* xinetd's a.b.0.0 (trailing zeros are wildcards) as a CIDR prefix. */
static bool
import_wildcard_quad(const char *v, char *out, size_t len)
{
	unsigned o[4];
	char tail;

	if (sscanf(v, "%u.%u.%u.%u%c", &o[0], &o[1], &o[2], &o[3], &tail) !=
	        4 ||
	    o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255)
		return false;
	int zeros = 0;
	while (zeros < 4 && o[3 - zeros] == 0)
		zeros++;
	if (zeros == 0)
		snprintf(out, len, "%s", v);
	else
		snprintf(out, len, "%u.%u.%u.%u/%d", o[0], o[1], o[2], o[3],
		         32 - 8 * zeros);
	return true;
}

/* xinetd's a.b.{c,d}: one /8-aligned prefix per member. */
static bool
import_factorized(FILE *out, const char *v, size_t *count)
{
	const char *brace = strchr(v, '{');
	char addr[64], cidr[64];

	if (brace == NULL || brace[strlen(brace) - 1] != '}')
		return false;
	int dots = 0;
	for (const char *p = v; p < brace; p++)
		dots += *p == '.';
	for (const char *p = brace + 1; *p != '\0' && *p != '}';) {
		size_t n = strcspn(p, ",}");
		snprintf(addr, sizeof(addr), "%.*s%.*s", (int)(brace - v), v,
		         (int)n, p);
		for (int i = dots + 1; i < 4; i++)
			strlcat(addr, ".0", sizeof(addr));
		if (!import_wildcard_quad(addr, cidr, sizeof(cidr)))
			return false;
		fputs(*count > 0 ? ", " : "", out);
		import_put_value(out, cidr);
		(*count)++;
		p += n + (p[n] == ',');
	}
	return true;
}

void
import_map_addresses(struct import_ctx *c, const struct import_attr *a)
{
	char cidr[64], *text = NULL;
	size_t len = 0, count = 0;
	FILE *list = open_memstream(&text, &len);

	for (size_t i = 0; list != NULL && i < a->n_values; i++) {
		const char *v = a->values[i];
		if (import_factorized(list, v, &count))
			continue;
		if (v[0] == '.') {
			fprintf(c->out,
			        "\t# %s %s: portier matches no domain suffix; "
			        "list the hosts or their prefix\n",
			        a->name, v);
			continue;
		}
		fputs(count++ > 0 ? ", " : "", list);
		if (strchr(v, '/') == NULL &&
		    import_wildcard_quad(v, cidr, sizeof(cidr)))
			import_put_value(list, cidr);
		else
			import_put_value(list, v); /* prefix, IPv6 or host */
	}
	if (list != NULL)
		fclose(list);
	fprintf(c->out, "\t%s = {%s}\n", a->name, text ? text : "");
	free(text);
}
