/* SPDX-License-Identifier: ISC */
/* import_map.c -- each xinetd attribute as portier's, or a comment why not */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

/* A value as libConfuse reads it: bare when a plain word, else quoted. */
void
import_put_value(FILE *out, const char *value)
{
	if (value[0] != '\0' &&
	    strspn(value,
	           "abcdefghijklmnopqrstuvwxyz"
	           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(value)) {
		fputs(value, out);
		return;
	}
	fputc('"', out);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static void
import_put(struct import_ctx *c, const char *name, const char *value)
{
	fprintf(c->out, "\t%s = ", name);
	import_put_value(c->out, value);
	fputc('\n', c->out);
}

static void
import_put_list(struct import_ctx *c, const char *name, char **values, size_t n)
{
	fprintf(c->out, "\t%s = {", name);
	for (size_t i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : "", c->out);
		import_put_value(c->out, values[i]);
	}
	fputs("}\n", c->out);
}

/* `# name = values: why`, what could not be carried over. */
static void
import_note(struct import_ctx *c, const struct import_attr *a, const char *fmt,
            ...)
{
	va_list ap;

	fprintf(c->out, "\t# %s =", a->name);
	for (size_t i = 0; i < a->n_values; i++)
		fprintf(c->out, " %s", a->values[i]);
	fputs(": ", c->out);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

static void
import_refuse(struct import_ctx *c, const struct import_attr *a,
              const char *why)
{
	if (c->reason[0] == '\0')
		snprintf(c->reason, sizeof(c->reason), "%s = %s: %s", a->name,
		         a->n_values > 0 ? a->values[0] : "", why);
}

static const char *
import_one(const struct import_attr *a)
{
	return a->n_values > 0 ? a->values[0] : "";
}

static void
import_map_string(struct import_ctx *c, const struct import_attr *a)
{
	if (a->n_values != 1)
		import_note(c, a, "needs exactly one value");
	else
		import_put(c, a->name, a->values[0]);
}

static void
import_map_bool(struct import_ctx *c, const struct import_attr *a)
{
	const char *v = import_one(a);

	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "no") == 0)
		fprintf(c->out, "\t%s = %s\n", a->name,
		        strcasecmp(v, "yes") == 0 ? "yes" : "no");
	else
		import_note(c, a, "not yes or no");
}

/* instances and per_source: UNLIMITED is portier's 0. */
static void
import_map_count(struct import_ctx *c, const struct import_attr *a)
{
	const char *errstr = NULL;
	const char *v = import_one(a);
	long long n = strcasecmp(v, "UNLIMITED") == 0
	                  ? 0
	                  : strtonum(v, 0, 1000000, &errstr);

	if (errstr != NULL)
		import_note(c, a, "not a number from 0 to 1000000");
	else
		fprintf(c->out, "\t%s = %lld\n", a->name, n);
}

static void
import_map_nice(struct import_ctx *c, const struct import_attr *a)
{
	const char *errstr = NULL;
	long long n = strtonum(import_one(a), -20, 19, &errstr);

	if (errstr != NULL)
		import_note(c, a, "not a nice value from -20 to 19");
	else
		fprintf(c->out, "\tnice = %lld\n", n);
}

static void
import_map_load(struct import_ctx *c, const struct import_attr *a)
{
	char *end;
	double v = strtod(import_one(a), &end);

	if (end == import_one(a) || *end != '\0' || v < 0)
		import_note(c, a, "not a load average");
	else
		fprintf(c->out, "\tmax_load = %s\n", import_one(a));
}

static void
import_map_cps(struct import_ctx *c, const struct import_attr *a)
{
	const char *e1 = NULL, *e2 = NULL;

	if (a->n_values != 2) {
		import_note(c, a, "needs RATE SECONDS");
		return;
	}
	long long rate = strtonum(a->values[0], 1, 1000000, &e1);
	long long secs = strtonum(a->values[1], 1, 1000000, &e2);
	if (e1 != NULL || e2 != NULL)
		import_note(c, a, "RATE and SECONDS must be positive numbers");
	else
		fprintf(c->out, "\tcps = {%lld, %lld}\n", rate, secs);
}

/* inetd's .MAX: that many a minute, then the service is off 10 minutes. */
static void
import_map_inetd_max(struct import_ctx *c, const struct import_attr *a)
{
	const char *errstr = NULL;
	long long max = strtonum(import_one(a), 1, 1000000, &errstr);

	if (errstr != NULL) {
		import_note(c, a, "not a number of connections a minute");
		return;
	}
	fprintf(c->out, "\tcps = {%lld, 600}\n", (max + 59) / 60);
	fprintf(c->out,
	        "\t# wait/nowait.%lld: inetd counts a minute, portier a "
	        "second: %lld a minute is at most %lld a second\n",
	        max, max, (max + 59) / 60);
}

/* FreeBSD's second number: connections per address a minute. */
static void
import_map_inetd_ip_rate(struct import_ctx *c, const struct import_attr *a)
{
	fprintf(c->out,
	        "\t# wait/nowait/N/%s: %s a minute from one address has no "
	        "counterpart; per_source limits handlers at once\n",
	        import_one(a), import_one(a));
}

/* K, M or G after digits, or UNLIMITED, as both xinetd and portier say. */
static void
import_map_rlimit(struct import_ctx *c, const struct import_attr *a)
{
	const char *v = import_one(a);
	size_t digits = strspn(v, "0123456789");
	char value[64];

	if (strcasecmp(v, "UNLIMITED") == 0) {
		fprintf(c->out, "\t%s = unlimited\n", a->name);
		return;
	}
	if (digits == 0 || digits >= sizeof(value) - 1 ||
	    (v[digits] != '\0' &&
	     (strchr("KkMmGg", v[digits]) == NULL || v[digits + 1] != '\0'))) {
		import_note(c, a, "not a number with K, M or G, or UNLIMITED");
		return;
	}
	snprintf(value, sizeof(value), "%s", v);
	if (v[digits] != '\0')
		value[digits] = (char)(v[digits] & ~0x20); /* upper case */
	import_put(c, a->name, value);
}

static void
import_map_list(struct import_ctx *c, const struct import_attr *a)
{
	import_put_list(c, a->name, a->values, a->n_values);
}

static void
import_map_bind(struct import_ctx *c, const struct import_attr *a)
{
	if (a->n_values != 1)
		import_note(c, a, "needs exactly one address");
	else
		import_put(c, "bind", a->values[0]);
}

static void
import_map_redirect(struct import_ctx *c, const struct import_attr *a)
{
	char value[512];

	if (a->n_values != 2) {
		import_note(c, a, "needs HOST PORT");
		return;
	}
	snprintf(value, sizeof(value), "%s %s", a->values[0], a->values[1]);
	import_put(c, "redirect", value);
}

static void
import_map_log_flags(struct import_ctx *c, const struct import_attr *a)
{
	static const char *known[] = {"PID",  "HOST",    "DURATION",
	                              "EXIT", "TRAFFIC", "ATTEMPT"};
	char *kept[16];
	size_t n = 0;

	for (size_t i = 0; i < a->n_values; i++) {
		bool ok = false;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= strcasecmp(a->values[i], known[k]) == 0;
		if (ok && n < sizeof(kept) / sizeof(kept[0]))
			kept[n++] = a->values[i];
		else if (strcasecmp(a->values[i], "USERID") == 0)
			fprintf(c->out,
			        "\t# %s USERID: portier makes no RFC 1413 "
			        "ident lookups\n",
			        a->name);
		else
			fprintf(c->out, "\t# %s %s: not a portier log item\n",
			        a->name, a->values[i]);
	}
	import_put_list(c, a->name, kept, n);
}

/* SYSLOG facility [level] or FILE path [soft [hard]]: one global option. */
static void
import_map_log_type(struct import_ctx *c, const struct import_attr *a)
{
	char value[1024];
	const char *kind = import_one(a);

	if (!c->is_defaults) {
		import_note(c, a,
		            "portier has one log_type for all services, "
		            "set at the top of the file");
		return;
	}
	if (strcasecmp(kind, "SYSLOG") == 0 && a->n_values >= 2 &&
	    a->n_values <= 3)
		snprintf(value, sizeof(value), "syslog %s%s%s", a->values[1],
		         a->n_values == 3 ? " " : "",
		         a->n_values == 3 ? a->values[2] : "");
	else if (strcasecmp(kind, "FILE") == 0 && a->n_values >= 2)
		snprintf(value, sizeof(value), "file %s", a->values[1]);
	else {
		import_note(c, a, "not SYSLOG FACILITY [LEVEL] or FILE PATH");
		return;
	}
	if (a->n_values > 2 && strcasecmp(kind, "FILE") == 0)
		import_note(c, a,
		            "portier has no size limits on its log file; "
		            "rotate it with logrotate (SIGUSR2 reopens it)");
	free(c->log_type);
	c->log_type = strdup(value);
}

static void
import_map_type(struct import_ctx *c, const struct import_attr *a)
{
	char *kept[2];
	size_t n = 0;

	for (size_t i = 0; i < a->n_values; i++) {
		const char *v = a->values[i];
		if (strcasecmp(v, "INTERNAL") == 0)
			kept[n++] = "internal";
		else if (strcasecmp(v, "UNLISTED") == 0)
			kept[n++] = "unlisted";
		else if (strcasecmp(v, "RPC") == 0)
			import_refuse(c, a, "portier serves no ONC RPC");
		else if (strncasecmp(v, "TCPMUX", 6) == 0)
			import_refuse(c, a, "portier has no TCPMUX dispatch");
		else
			import_refuse(c, a, "unknown type");
		if (n == 2)
			break;
	}
	if (n == 1)
		fprintf(c->out, "\ttype = %s\n", kept[0]);
	else if (n == 2)
		fprintf(c->out, "\ttype = {%s, %s}\n", kept[0], kept[1]);
}

static void
import_map_socket_type(struct import_ctx *c, const struct import_attr *a)
{
	const char *v = import_one(a);

	if (strcmp(v, "stream") == 0 || strcmp(v, "dgram") == 0)
		fprintf(c->out, "\tsocket_type = %s\n", v);
	else
		import_refuse(c, a, "portier serves stream and dgram only");
}

static void
import_map_protocol(struct import_ctx *c, const struct import_attr *a)
{
	const char *v = import_one(a);

	if (strcmp(v, "tcp") == 0 || strcmp(v, "udp") == 0 ||
	    strcmp(v, "unix") == 0)
		fprintf(c->out, "\tprotocol = %s\n", v);
	else
		import_refuse(c, a, "portier serves tcp, udp and unix only");
}

static void
import_map_wait(struct import_ctx *c, const struct import_attr *a)
{
	const char *v = import_one(a);

	if (c->is_dgram && !c->is_internal && strcasecmp(v, "no") == 0) {
		fputs("\twait = yes\n", c->out);
		import_note(c, a,
		            "a dgram handler always gets the socket in "
		            "portier (xinetd refuses this too)");
		return;
	}
	import_map_bool(c, a);
}

/* IPv4 or IPv6: a bind address of that family, unless one is given. */
static void
import_map_family(struct import_ctx *c, const char *flag)
{
	bool is_v4 = strcasecmp(flag, "IPv4") == 0;

	if (c->has_bind) {
		/* inetd's protocol field implies it; nobody wrote it. */
		if (!c->s->is_inetd)
			fprintf(c->out,
			        "\t# flags %s: the bind address decides the "
			        "family\n",
			        flag);
		return;
	}
	fprintf(c->out, "\tbind = \"%s\"\n", is_v4 ? "0.0.0.0" : "::");
	if (is_v4)
		fprintf(c->out, "\t# flags IPv4: %s\n",
		        c->s->is_inetd ? "inetd's tcp and udp are IPv4 only; "
		                         "drop bind for both"
		                       : "IPv4 only");
}

/* xinetd's flags, each on its own: a socket option, an address family,
 * or a feature portier does not have, said so. */
static void
import_map_flags(struct import_ctx *c, const struct import_attr *a)
{
	static const struct {
		const char *flag, *why;
	} unsupported[] = {
	    {"INTERCEPT", "portier checks addresses before it forks, so "
	                  "there is nothing to intercept"},
	    {"NORETRY", "portier does not retry a failed fork either"},
	    {"IDONLY", "portier makes no RFC 1413 ident lookups"},
	    {"NOLIBWRAP", "portier has no tcp_wrappers: nothing to skip"},
	    {"SENSOR", "portier has no sensor services"},
	    {"LABELED", "portier sets no SELinux context"},
	    {"REUSE", "portier always sets SO_REUSEADDR"},
	    {"NAMEINARGS", NULL},
	};

	for (size_t i = 0; i < a->n_values; i++) {
		const char *f = a->values[i];
		if (strcasecmp(f, "NODELAY") == 0) {
			fputs("\ttcp_nodelay = yes\n", c->out);
		} else if (strcasecmp(f, "KEEPALIVE") == 0) {
			fputs("\tkeepalive = yes\n", c->out);
		} else if (strcasecmp(f, "IPv4") == 0 ||
		           strcasecmp(f, "IPv6") == 0) {
			import_map_family(c, f);
		} else {
			size_t k = 0;
			while (k < sizeof(unsupported) /
			               sizeof(unsupported[0]) &&
			       strcasecmp(f, unsupported[k].flag) != 0)
				k++;
			if (k == sizeof(unsupported) / sizeof(unsupported[0]))
				fprintf(c->out, "\t# flags %s: unknown flag\n",
				        f);
			else if (unsupported[k].why != NULL)
				fprintf(c->out, "\t# flags %s: %s\n", f,
				        unsupported[k].why);
		}
	}
}

/* The program and its arguments; with NAMEINARGS the first is argv[0],
 * which portier takes from the server's name instead.  tcpd in front is
 * dropped: portier's only_from and no_access do its job before fork. */
static void
import_map_server(struct import_ctx *c, const struct import_attr *a)
{
	const struct import_attr *args = import_find(c->s, "server_args");
	char **argv = args ? args->values : NULL;
	size_t argc = args ? args->n_values : 0;
	const char *server = import_one(a);
	const char *base = strrchr(server, '/');
	char path[1024];

	base = base ? base + 1 : server;
	if (c->names_in_args && argc > 0 && strcmp(base, "tcpd") == 0) {
		/* tcpd finds a bare name in its REAL_DAEMON_DIR. */
		snprintf(path, sizeof(path), "%s%s",
		         argv[0][0] == '/' ? "" : "/usr/sbin/", argv[0]);
		fprintf(c->out,
		        "\t# server = %s: tcp_wrappers dropped, use only_from "
		        "and no_access (hosts.allow is not read)\n",
		        server);
		server = path;
		base = strrchr(path, '/') + 1;
	}
	if (server[0] != '/') {
		import_refuse(c, a, "portier needs an absolute path");
		return;
	}
	import_put(c, "server", server);
	if (c->names_in_args && argc > 0) {
		const char *argv0 = strrchr(argv[0], '/');
		argv0 = argv0 ? argv0 + 1 : argv[0];
		if (strcmp(argv0, base) != 0)
			fprintf(c->out,
			        "\t# argv[0] %s: portier passes the server's "
			        "name, %s\n",
			        argv[0], base);
		argv++;
		argc--;
	}
	if (argc > 0)
		import_put_list(c, "server_args", argv, argc);
}

static void
import_map_server_args(struct import_ctx *c, const struct import_attr *a)
{
	if (!c->has_server)
		import_note(c, a, "there is no server to pass them to");
}

static void
import_map_nothing(struct import_ctx *c, const struct import_attr *a)
{
	(void)c;
	(void)a;
}

/* Attributes with no portier counterpart, and why (a comment each). */
static const struct {
	const char *name, *why;
} import_unsupported[] = {
    {"rlimit_rss", "Linux ignores RLIMIT_RSS; use rlimit_as"},
    {"libwrap", "portier has no tcp_wrappers; use only_from and no_access"},
    {"deny_time", "portier has no sensor services"},
    {"rpc_version", "portier serves no ONC RPC"},
    {"rpc_number", "portier serves no ONC RPC"},
    {"mdns", "xinetd itself no longer reads it"},
    {"leaky_bucket", "portier has cps only"},
    {"enabled", "applied below: services not named are disable = yes"},
    {"disabled", "applied below: services named are disable = yes"},
};

static const struct {
	const char *name;
	void (*map)(struct import_ctx *, const struct import_attr *);
} import_mappers[] = {
    {"id", import_map_nothing},
    {"type", import_map_type},
    {"flags", import_map_flags},
    {"disable", import_map_bool},
    {"socket_type", import_map_socket_type},
    {"protocol", import_map_protocol},
    {"wait", import_map_wait},
    {"user", import_map_string},
    {"group", import_map_string},
    {"groups", import_map_bool},
    {"server", import_map_server},
    {"server_args", import_map_server_args},
    {"port", import_map_string},
    {"socket", import_map_string},
    {"bind", import_map_bind},
    {"interface", import_map_bind},
    {"v6only", import_map_bool},
    {"instances", import_map_count},
    {"per_source", import_map_count},
    {"cps", import_map_cps},
    {"inetd_max", import_map_inetd_max},
    {"inetd_ip_rate", import_map_inetd_ip_rate},
    {"max_load", import_map_load},
    {"nice", import_map_nice},
    {"umask", import_map_string},
    {"rlimit_as", import_map_rlimit},
    {"rlimit_cpu", import_map_rlimit},
    {"rlimit_data", import_map_rlimit},
    {"rlimit_files", import_map_rlimit},
    {"rlimit_stack", import_map_rlimit},
    {"only_from", import_map_addresses},
    {"no_access", import_map_addresses},
    {"access_times", import_map_list},
    {"env", import_map_list},
    {"passenv", import_map_list},
    {"log_type", import_map_log_type},
    {"log_on_success", import_map_log_flags},
    {"log_on_failure", import_map_log_flags},
    {"redirect", import_map_redirect},
    {"banner", import_map_string},
    {"banner_success", import_map_string},
    {"banner_fail", import_map_string},
};

void
import_map_attr(struct import_ctx *c, const struct import_attr *a)
{
	for (size_t i = 0; i < sizeof(import_mappers) / sizeof(*import_mappers);
	     i++)
		if (strcmp(a->name, import_mappers[i].name) == 0) {
			import_mappers[i].map(c, a);
			return;
		}
	for (size_t i = 0;
	     i < sizeof(import_unsupported) / sizeof(*import_unsupported); i++)
		if (strcmp(a->name, import_unsupported[i].name) == 0) {
			import_note(c, a, "%s", import_unsupported[i].why);
			return;
		}
	import_note(c, a, "not an xinetd attribute portier knows");
}
