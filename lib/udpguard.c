/* SPDX-License-Identifier: ISC */
/* udpguard.c -- which datagrams a UDP service may answer: no loops, no floods
 */
#include <config.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udpguard.h"

void
udpguard_ports_clear(struct udpguard_ports *set)
{
	memset(set, 0, sizeof(*set));
}

void
udpguard_ports_add(struct udpguard_ports *set, uint16_t port)
{
	set->bits[port / 64] |= (uint64_t)1 << (port % 64);
}

bool
udpguard_ports_has(const struct udpguard_ports *set, uint16_t port)
{
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

/* One port number 1..65535 at *P, which moves past it. */
static long
udpguard_parse_port(const char **p)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	long port = strtol(*p, &end, 10);
	if (errno != 0 || port < 1 || port > 65535)
		return -1;
	*p = end;
	return port;
}

int
udpguard_ports_parse(struct udpguard_ports *set, const char *text)
{
	const char *p = text;

	/* Nothing to add is a valid list: a portierd without UDP services. */
	while (*p != '\0') {
		long first = udpguard_parse_port(&p), last = first;
		if (first != -1 && *p == '-') {
			p++;
			last = udpguard_parse_port(&p);
		}
		if (first == -1 || last < first || (*p != ',' && *p != '\0'))
			goto bad;
		if (*p == ',' && *++p == '\0')
			goto bad; /* a trailing comma is a cut-off list */
		for (long port = first; port <= last; port++)
			udpguard_ports_add(set, (uint16_t)port);
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

size_t
udpguard_ports_format(const struct udpguard_ports *set, char *buf, size_t size)
{
	size_t used = 0;
	bool fits = size > 0;

	if (size > 0)
		buf[0] = '\0';
	for (long port = 1; port <= 65535; port++) {
		if (!udpguard_ports_has(set, (uint16_t)port))
			continue;
		long last = port;
		while (last < 65535 &&
		       udpguard_ports_has(set, (uint16_t)(last + 1)))
			last++;
		char one[16];
		int n = last == port ? snprintf(one, sizeof(one), "%s%ld",
		                                used ? "," : "", port)
		                     : snprintf(one, sizeof(one), "%s%ld-%ld",
		                                used ? "," : "", port, last);
		/* Whole items, and none after one that did not fit: a cut
		 * list would name other ports, a gap would hide one. */
		if (fits && used + (size_t)n < size)
			memcpy(buf + used, one, (size_t)n + 1);
		else
			fits = false;
		used += (size_t)n;
		port = last;
	}
	return used;
}

void
udpguard_init(struct udpguard *g, unsigned rate, unsigned burst,
              uint64_t now_ms)
{
	memset(g, 0, sizeof(*g));
	g->rate = rate;
	g->capacity_milli = (uint64_t)burst * 1000;
	g->tokens_milli = g->capacity_milli;
	g->last_ms = now_ms;
}

void
udpguard_set_rate(struct udpguard *g, unsigned rate, unsigned burst)
{
	g->rate = rate;
	g->capacity_milli = (uint64_t)burst * 1000;
	if (g->tokens_milli > g->capacity_milli)
		g->tokens_milli = g->capacity_milli;
}

int
udpguard_rate_parse(const char *text, unsigned *rate, unsigned *burst)
{
	char *end;
	unsigned long r, b = UDPGUARD_BURST;

	errno = 0;
	r = strtoul(text, &end, 10);
	if (end != text && *end == ',' && end[1] >= '0' && end[1] <= '9')
		b = strtoul(end + 1, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] < '0' ||
	    text[0] > '9' || r > UDPGUARD_RATE_MAX || b < 1 ||
	    b > UDPGUARD_RATE_MAX) {
		errno = EINVAL;
		return -1;
	}
	*rate = (unsigned)r;
	*burst = (unsigned)b;
	return 0;
}

int
udpguard_peer_port(const struct sockaddr *peer, socklen_t len)
{
	if (peer->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)peer)->sin_port);
	if (peer->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)peer)->sin6_port);
	return -1;
}

/* Add what RATE earned since the last call, up to the burst. */
static void
udpguard_refill(struct udpguard *g, uint64_t now_ms)
{
	if (now_ms <= g->last_ms)
		return; /* a clock that stood still (or went back) earns nothing
		         */
	uint64_t earned = (now_ms - g->last_ms) * g->rate;
	g->last_ms = now_ms;
	if (earned >= g->capacity_milli - g->tokens_milli)
		g->tokens_milli = g->capacity_milli;
	else
		g->tokens_milli += earned;
}

enum udpguard_verdict
udpguard_check(struct udpguard *g, const struct udpguard_ports *ports,
               const struct sockaddr *peer, socklen_t len, uint64_t now_ms)
{
	int port = udpguard_peer_port(peer, len);

	/* AF_UNIX and friends have no ports: only the budget applies. */
	if (g->dropped_port == 0 && g->dropped_rate == 0)
		g->since_ms = now_ms;
	if (port != -1 &&
	    (port < 1024 ||
	     (ports != NULL && udpguard_ports_has(ports, (uint16_t)port)))) {
		g->dropped_port++;
		return UDPGUARD_LOOP_PORT;
	}
	if (g->rate == 0)
		return UDPGUARD_ANSWER; /* reply_rate = {0}: no cap */
	udpguard_refill(g, now_ms);
	if (g->tokens_milli < 1000) {
		g->dropped_rate++;
		return UDPGUARD_OVER_RATE;
	}
	g->tokens_milli -= 1000;
	return UDPGUARD_ANSWER;
}

bool
udpguard_report(struct udpguard *g, uint64_t now_ms, bool force, char *buf,
                size_t size)
{
	if (g->dropped_port == 0 && g->dropped_rate == 0)
		return false;
	/* The first drop is said at once; then one line per period. */
	if (!force && g->has_reported &&
	    now_ms - g->report_ms < UDPGUARD_REPORT_MS)
		return false;
	snprintf(buf, size,
	         "%llu datagrams not answered: %llu from loop-prone ports, "
	         "%llu over %u replies/s, within %llu s",
	         (unsigned long long)(g->dropped_port + g->dropped_rate),
	         (unsigned long long)g->dropped_port,
	         (unsigned long long)g->dropped_rate, g->rate,
	         (unsigned long long)((now_ms - g->since_ms) / 1000 + 1));
	g->dropped_port = g->dropped_rate = 0;
	g->report_ms = now_ms;
	g->has_reported = true;
	return true;
}
