/* SPDX-License-Identifier: ISC */
/* ctlstatus.c -- what the control socket tells: status, metrics, changes */
#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlstatus.h"
#include "gate.h"
#include "listen.h"
#include "metrics.h"
#include "service.h"

static const char *
ctlstatus_protocol(const struct service *svc)
{
	switch (svc->protocol) {
	case PROTO_UDP:
		return "udp";
	case PROTO_UNIX:
		return svc->socket_type == SOCK_DGRAM ? "unix-dgram" : "unix";
	default:
		return "tcp";
	}
}

/* A service that was never opened counts nothing. */
static const struct metrics *
ctlstatus_metrics_of(const struct service *svc)
{
	static const struct metrics none;

	return svc->metrics != NULL ? svc->metrics : &none;
}

static void
ctlstatus_text_counts(struct textbuf *out, const char *what,
                      const struct metrics_counts *c)
{
	textbuf_printf(out, "  %s", what);
	if (c->n == 0)
		textbuf_puts(out, " none");
	for (size_t i = 0; i < c->n; i++)
		textbuf_printf(out, " %s=%" PRIu64, c->item[i].label,
		               c->item[i].count);
	textbuf_puts(out, "\n");
}

static void
ctlstatus_text_service(struct textbuf *out, const struct service *svc)
{
	const struct metrics *m = ctlstatus_metrics_of(svc);
	const struct listener *l;
	const char *why = gate_pause_reason(svc);

	textbuf_printf(out,
	               "service %s: running %d, accepted %" PRIu64
	               ", failed %" PRIu64 "\n",
	               svc->name, svc->running, m->accepted, m->failed);
	TAILQ_FOREACH(l, &svc->listeners, entry)
	textbuf_printf(out, "  listen %s %s\n", l->text,
	               ctlstatus_protocol(svc));
	ctlstatus_text_counts(out, "refused", &m->refused);
	ctlstatus_text_counts(out, "exited", &m->exits);
	textbuf_printf(out, "  paused %s\n", why ? why : "no");
}

static void
ctlstatus_json_counts(struct textbuf *out, const char *what,
                      const struct metrics_counts *c)
{
	textbuf_printf(out, ",\"%s\":{", what);
	for (size_t i = 0; i < c->n; i++) {
		textbuf_puts(out, i > 0 ? "," : "");
		ctl_json_string(out, c->item[i].label);
		textbuf_printf(out, ":%" PRIu64, c->item[i].count);
	}
	textbuf_puts(out, "}");
}

static void
ctlstatus_json_service(struct textbuf *out, const struct service *svc)
{
	const struct metrics *m = ctlstatus_metrics_of(svc);
	const struct listener *l;
	const char *why = gate_pause_reason(svc);
	bool first = true;

	textbuf_puts(out, "{\"name\":");
	ctl_json_string(out, svc->name);
	textbuf_puts(out, ",\"listeners\":[");
	TAILQ_FOREACH(l, &svc->listeners, entry)
	{
		textbuf_puts(out, first ? "{\"address\":" : ",{\"address\":");
		ctl_json_string(out, l->text);
		textbuf_printf(out, ",\"protocol\":\"%s\"}",
		               ctlstatus_protocol(svc));
		first = false;
	}
	textbuf_printf(out,
	               "],\"running\":%d,\"accepted\":%" PRIu64
	               ",\"failed\":%" PRIu64,
	               svc->running, m->accepted, m->failed);
	ctlstatus_json_counts(out, "refused", &m->refused);
	ctlstatus_json_counts(out, "exited", &m->exits);
	textbuf_puts(out, ",\"paused\":");
	if (why != NULL)
		ctl_json_string(out, why);
	else
		textbuf_puts(out, "null");
	textbuf_puts(out, "}");
}

void
ctlstatus_write(struct textbuf *out, const struct ctlstatus_daemon *d,
                bool is_json)
{
	const struct config *cfg = svc_running();
	const struct service *svc;
	long up = (long)(time(NULL) - d->started);
	bool first = true;

	if (is_json) {
		textbuf_puts(out, "{\"version\":");
		ctl_json_string(out, d->version);
		textbuf_printf(
		    out, ",\"pid\":%ld,\"uptime\":%ld,\"config\":", d->pid, up);
		ctl_json_string(out, d->config_file);
		textbuf_puts(out, ",\"services\":[");
	} else {
		textbuf_printf(out, "portierd %s, pid %ld, up %ld s\n",
		               d->version, d->pid, up);
		textbuf_printf(out, "config %s\n", d->config_file);
	}
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		if (!is_json) {
			ctlstatus_text_service(out, svc);
			continue;
		}
		textbuf_puts(out, first ? "" : ",");
		ctlstatus_json_service(out, svc);
		first = false;
	}
	textbuf_puts(out, is_json ? "]}\n" : "");
}

void
ctlstatus_snapshot(struct textbuf *out)
{
	const struct config *cfg = svc_running();
	const struct service *svc;
	const struct listener *l;

	textbuf_init(out, 1 << 20);
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled)
			continue;
		textbuf_printf(out, "%s %s", svc->name,
		               svc->is_internal ? svc->internal_name
		                                : svc->server);
		for (size_t i = 0; svc->argv && svc->argv[i]; i++)
			textbuf_printf(out, " %s", svc->argv[i]);
		TAILQ_FOREACH(l, &svc->listeners, entry)
		textbuf_printf(out, " @%s", l->text);
		textbuf_puts(out, "\n");
	}
}

/* The line of TEXT that starts "NAME ", or NULL. */
static const char *
ctlstatus_find(const char *text, const char *name, size_t namelen)
{
	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, name, namelen) == 0 && p[namelen] == ' ')
			return p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static size_t
ctlstatus_line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) : strlen(p);
}

/* Names of FROM's lines (each ends in LF) that OTHER lacks
 * (WANT_MISSING) or has with other text. */
static int
ctlstatus_list(struct textbuf *out, const char *label, const char *from,
               const char *other, bool want_missing)
{
	int n = 0;

	for (const char *p = from; *p != '\0'; p += ctlstatus_line_len(p) + 1) {
		size_t len = ctlstatus_line_len(p), namelen = strcspn(p, " ");
		const char *q = ctlstatus_find(other, p, namelen);
		bool is_missing = q == NULL;
		bool is_changed = q != NULL && (ctlstatus_line_len(q) != len ||
		                                memcmp(p, q, len) != 0);
		if (want_missing ? !is_missing : !is_changed)
			continue;
		textbuf_printf(out, "%s%.*s", n == 0 ? label : ", ",
		               (int)namelen, p);
		n++;
	}
	return n;
}

void
ctlstatus_changes(struct textbuf *out, const char *before, const char *after)
{
	int n = 0, total = 0;

	n += ctlstatus_list(out, "added ", after, before, true);
	n += ctlstatus_list(out, n ? "; removed " : "removed ", before, after,
	                    true) > 0;
	n += ctlstatus_list(out, n ? "; changed " : "changed ", after, before,
	                    false) > 0;
	for (const char *p = after; *p != '\0'; p++)
		total += *p == '\n';
	if (n == 0)
		textbuf_printf(out, "nothing changed (%d services)", total);
}
