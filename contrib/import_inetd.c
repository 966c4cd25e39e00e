/* SPDX-License-Identifier: ISC */
/* import_inetd.c -- an inetd.conf line as the xinetd attributes it means */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* Fields of one line: service socktype proto wait user server args... */
#define IMPORT_INETD_FIELDS 6

struct import_inetd_line {
	char *field[IMPORT_INETD_FIELDS];
	char *args; /* the rest: argv[0] and the arguments */
	bool is_off;
};

static int
import_set(struct import_section *s, const char *name, const char *value,
           int line)
{
	struct import_attr *a = import_attr_add(s, name, IMPORT_SET, line);

	return a != NULL && import_value_add(a, value, strlen(value)) == 0 ? 0
	                                                                   : -1;
}

/*
 * The protocol field: tcp and udp are IPv4 only in the BSD inetds, the
 * 6 forms IPv6 only, the 46 forms both; rpc/ and unix as they say.
 */
static int
import_inetd_proto(struct import_section *s, const char *proto, int line)
{
	bool is_udp = strncmp(proto, "udp", 3) == 0;
	const char *v = proto + 3;
	int rc = 0;

	if (strncmp(proto, "rpc/", 4) == 0)
		return import_set(s, "type", "RPC", line) |
		       import_set(s, "protocol", proto + 4, line);
	if (strcmp(proto, "unix") == 0)
		return import_set(s, "protocol", "unix", line);
	if (!is_udp && strncmp(proto, "tcp", 3) != 0)
		return import_set(s, "protocol", proto, line);
	rc |= import_set(s, "protocol", is_udp ? "udp" : "tcp", line);
	if (strcmp(v, "") == 0 || strcmp(v, "4") == 0)
		rc |= import_set(s, "flags", "IPv4", line);
	else if (strcmp(v, "6") == 0)
		rc |= import_set(s, "flags", "IPv6", line) |
		      import_set(s, "v6only", "yes", line);
	else if (strcmp(v, "46") != 0) /* 46: portier's default */
		rc |= import_set(s, "protocol", proto, line);
	return rc;
}

/*
 * wait or nowait, then OpenBSD's .MAX (starts a minute) or FreeBSD's
 * /MAX-CHILD[/MAX-PER-IP-PER-MINUTE[/MAX-CHILD-PER-IP]].
 */
static int
import_inetd_wait(struct import_section *s, char *wait, int line)
{
	static const char *freebsd[] = {"instances", "inetd_ip_rate",
	                                "per_source"};
	char *rest = wait + strcspn(wait, "./");
	int rc = 0;

	if (*rest == '.') {
		*rest++ = '\0';
		rc |= import_set(s, "inetd_max", rest, line);
	} else if (*rest == '/') {
		*rest++ = '\0';
		for (size_t i = 0; i < 3 && *rest != '\0'; i++) {
			size_t n = strcspn(rest, "/");
			bool more = rest[n] == '/';
			rest[n] = '\0';
			rc |= import_set(s, freebsd[i], rest, line);
			rest += n + more;
		}
	}
	if (strcmp(wait, "wait") == 0)
		return rc | import_set(s, "wait", "yes", line);
	if (strcmp(wait, "nowait") == 0)
		return rc | import_set(s, "wait", "no", line);
	return rc | import_set(s, "wait", wait, line);
}

static int
import_inetd_user(struct import_section *s, char *user, int line)
{
	char *group = user + strcspn(user, ".:");
	int rc = 0;

	if (*group != '\0') {
		*group++ = '\0';
		rc |= import_set(s, "group", group, line);
	}
	return rc | import_set(s, "user", user, line);
}

/* `internal`, or a program whose argv[0] is the first of ARGS. */
static int
import_inetd_server(struct import_section *s, const char *server,
                    const char *args, int line)
{
	if (strcmp(server, "internal") == 0)
		return import_set(s, "type", "INTERNAL", line);
	struct import_attr *a =
	    import_attr_add(s, "server_args", IMPORT_SET, line);
	if (a == NULL)
		return -1;
	for (const char *p = args; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		size_t n = strcspn(p, " \t");
		if (n > 0 && import_value_add(a, p, n) == -1)
			return -1;
		p += n;
	}
	/* Added to the IPv4 or IPv6 flag the protocol may have set. */
	struct import_attr *flags =
	    import_attr_add(s, "flags", IMPORT_ADD, line);
	if (flags == NULL || import_value_add(flags, "NAMEINARGS", 10) == -1)
		return -1;
	return import_set(s, "server", server, line);
}

static int
import_inetd_section(struct import_config *cfg, const char *file, int line,
                     struct import_inetd_line *l, const char *host)
{
	char *service = l->field[0];
	char *colon = strrchr(service, ':');

	/* An RPC service is NAME/VERSIONS; the name is what it is called. */
	if (strncmp(l->field[2], "rpc/", 4) == 0)
		service[strcspn(service, "/")] = '\0';
	if (colon != NULL && strcmp(l->field[2], "unix") != 0) {
		*colon = '\0';
		host = service;
		service = colon + 1;
	}
	struct import_section *s = import_section_add(cfg, service, file, line);
	if (s == NULL)
		return import_error(cfg, file, line, "out of memory");
	s->is_inetd = true;
	int rc = import_set(s, "socket_type", l->field[1], line);
	rc |= import_inetd_proto(s, l->field[2], line);
	if (strcmp(l->field[2], "unix") == 0)
		rc |= import_set(s, "socket", service, line);
	else if (host != NULL && strcmp(host, "*") != 0)
		rc |= import_set(s, "bind", host, line);
	rc |= import_inetd_wait(s, l->field[3], line);
	rc |= import_inetd_user(s, l->field[4], line);
	rc |= import_inetd_server(s, l->field[5], l->args, line);
	if (l->is_off)
		rc |= import_set(s, "disable", "yes", line);
	return rc == 0 ? 0 : import_error(cfg, file, line, "out of memory");
}

/* Split TEXT into the six fields and the rest; false if too few. */
static bool
import_inetd_fields(char *text, struct import_inetd_line *l)
{
	char *p = text;

	for (int i = 0; i < IMPORT_INETD_FIELDS; i++) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return false;
		l->field[i] = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	l->args = p;
	return true;
}

int
import_parse_inetd_text(struct import_config *cfg, const char *file,
                        const char *text)
{
	char *copy = strdup(text), *save = NULL, *host = NULL;
	int lineno = 0, rc = copy == NULL ? -1 : 0;

	for (char *line = copy; rc == 0 && line != NULL; line = save) {
		struct import_inetd_line l = {0};
		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		lineno++;
		/* update-inetd's mark for a service switched off. */
		if (strncmp(line, "#<off>#", 7) == 0) {
			l.is_off = true;
			line += 7;
		}
		line += strspn(line, " \t");
		size_t len = strcspn(line, " \t");
		if (*line == '#' || *line == '\0')
			continue;
		if (line[len] == '\0' && line[len - 1] == ':') {
			/* OpenBSD: `host:` alone sets the address after it. */
			line[len - 1] = '\0';
			host = line;
		} else if (!import_inetd_fields(line, &l)) {
			rc = import_error(
			    cfg, file, lineno,
			    "expected SERVICE SOCKET_TYPE PROTOCOL "
			    "WAIT USER SERVER [ARGS]");
		} else {
			rc = import_inetd_section(cfg, file, lineno, &l, host);
		}
	}
	free(copy);
	return rc;
}
