/* SPDX-License-Identifier: ISC */
/* proxy.c -- PROXY protocol v1/v2 headers (HAProxy's proxy-protocol.txt) */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

static const uint8_t proxy_v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
static const char proxy_v1_sig[] = "PROXY";

/* 1: BUF starts with SIG; 0: BUF is a proper prefix of SIG; -1: neither. */
static int
proxy_match(const uint8_t *buf, size_t len, const void *sig, size_t siglen)
{
	size_t n = len < siglen ? len : siglen;

	if (memcmp(buf, sig, n) != 0)
		return -1;
	return n == siglen ? 1 : 0;
}

static enum proxy_status
proxy_fail(struct proxy_result *out, const char *why)
{
	out->error = why;
	return PROXY_ERROR;
}

/* Decimal 0..MAX, no sign, no leading zero (the spec forbids them). */
static int
proxy_decimal(const char *s, unsigned long max, unsigned long *value)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0' || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	*value = strtoul(s, NULL, 10);
	return *value <= max ? 0 : -1;
}

/* Exactly four decimal octets, as the v1 spec words it. */
static int
proxy_ipv4(const char *s, struct in_addr *addr)
{
	uint8_t octets[4];
	char part[4];

	for (int i = 0; i < 4; i++) {
		size_t n = strcspn(s, ".");
		unsigned long v;
		if (n == 0 || n >= sizeof(part) || (i < 3) != (s[n] == '.'))
			return -1;
		memcpy(part, s, n);
		part[n] = '\0';
		if (proxy_decimal(part, 255, &v) != 0)
			return -1;
		octets[i] = (uint8_t)v;
		s += n + (i < 3);
	}
	memcpy(&addr->s_addr, octets, 4);
	return 0;
}

static int
proxy_ipv6(const char *s, struct in6_addr *addr)
{
	/* inet_pton is lenient about nothing we care for, but keep the
	 * alphabet to what an address can hold before handing it over. */
	if (s[strspn(s, "0123456789abcdefABCDEF:.")] != '\0')
		return -1;
	return inet_pton(AF_INET6, s, addr) == 1 ? 0 : -1;
}

/* One address field of FAMILY into SA with PORT (host order). */
static int
proxy_v1_addr(int family, const char *text, unsigned long port,
              struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return proxy_ipv4(text, &sin->sin_addr);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	return proxy_ipv6(text, &sin6->sin6_addr);
}

/* Split "a b c d" (single spaces, none empty) into exactly four fields. */
static int
proxy_v1_fields(char *s, char *field[4])
{
	for (int i = 0; i < 4; i++) {
		field[i] = s;
		s += strcspn(s, " ");
		if (s == field[i] || (i < 3) != (*s == ' '))
			return -1;
		if (i < 3)
			*s++ = '\0';
	}
	return 0;
}

/* The fields after "PROXY TCP4 " / "PROXY TCP6 ". */
static enum proxy_status
proxy_v1_tcp(int family, char *rest, struct proxy_result *out)
{
	char *field[4];
	unsigned long sport, dport;

	if (proxy_v1_fields(rest, field) != 0)
		return proxy_fail(out, "v1: malformed address fields");
	if (proxy_decimal(field[2], 65535, &sport) != 0 ||
	    proxy_decimal(field[3], 65535, &dport) != 0)
		return proxy_fail(out, "v1: bad port");
	if (proxy_v1_addr(family, field[0], sport, &out->src) != 0 ||
	    proxy_v1_addr(family, field[1], dport, &out->dst) != 0)
		return proxy_fail(out, "v1: bad address");
	out->addrlen = family == AF_INET ? sizeof(struct sockaddr_in)
	                                 : sizeof(struct sockaddr_in6);
	out->socktype = SOCK_STREAM;
	return PROXY_DONE;
}

/* Where the v1 line ends (just past CRLF), 0 if not yet, -1 if bad. */
static long
proxy_v1_end(const uint8_t *buf, size_t len)
{
	size_t scan = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;

	for (size_t i = 0; i < scan; i++) {
		if (buf[i] == '\n')
			return i > 0 && buf[i - 1] == '\r' ? (long)i + 1 : -1;
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return -1;
		if (buf[i] == '\0')
			return -1;
	}
	return len >= PROXY_V1_MAX ? -1 : 0;
}

static enum proxy_status
proxy_v1(const uint8_t *buf, size_t len, struct proxy_result *out)
{
	char line[PROXY_V1_MAX + 1];
	long end = proxy_v1_end(buf, len);

	if (end < 0)
		return proxy_fail(out, "v1: no CRLF within 107 bytes");
	if (end == 0)
		return PROXY_NEED_MORE;
	out->version = 1;
	out->header_len = (size_t)end;
	memcpy(line, buf, (size_t)end - 2);
	line[end - 2] = '\0';
	if (strncmp(line, "PROXY UNKNOWN", 13) == 0 &&
	    (line[13] == '\0' || line[13] == ' ')) {
		out->is_local = true; /* the rest is to be ignored */
		return PROXY_DONE;
	}
	if (strncmp(line, "PROXY TCP4 ", 11) == 0)
		return proxy_v1_tcp(AF_INET, line + 11, out);
	if (strncmp(line, "PROXY TCP6 ", 11) == 0)
		return proxy_v1_tcp(AF_INET6, line + 11, out);
	return proxy_fail(out, "v1: unknown protocol");
}

static uint16_t
proxy_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* TLVs fill the rest of the block exactly; we skip them, bounds-checked. */
static enum proxy_status
proxy_v2_tlvs(const uint8_t *p, size_t len, struct proxy_result *out)
{
	while (len > 0) {
		if (len < 3)
			return proxy_fail(out, "v2: truncated TLV");
		size_t tlv = 3 + (size_t)proxy_be16(p + 1);
		if (tlv > len)
			return proxy_fail(out, "v2: TLV overruns the header");
		p += tlv;
		len -= tlv;
	}
	return PROXY_DONE;
}

/* The address block of a PROXY command, family INET or INET6. */
static enum proxy_status
proxy_v2_inet(int family, const uint8_t *block, size_t len,
              struct proxy_result *out)
{
	size_t alen = family == AF_INET ? 4 : 16, need = 2 * alen + 4;
	struct sockaddr_storage *ss[2] = {&out->src, &out->dst};

	if (len < need)
		return proxy_fail(out, "v2: address block too short");
	for (int i = 0; i < 2; i++) {
		const uint8_t *addr = block + i * alen;
		uint16_t port = proxy_be16(block + 2 * alen + 2 * i);
		memset(ss[i], 0, sizeof(*ss[i]));
		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss[i];
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, addr, 4);
			sin->sin_port = htons(port);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss[i];
			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, addr, 16);
			s6->sin6_port = htons(port);
		}
	}
	out->addrlen = family == AF_INET ? sizeof(struct sockaddr_in)
	                                 : sizeof(struct sockaddr_in6);
	return proxy_v2_tlvs(block + need, len - need, out);
}

/* The block after the 16 fixed bytes, for the PROXY command. */
static enum proxy_status
proxy_v2_block(uint8_t fam, const uint8_t *block, size_t len,
               struct proxy_result *out)
{
	int family = fam >> 4, transport = fam & 0x0F;

	out->socktype = transport == 1   ? SOCK_STREAM
	                : transport == 2 ? SOCK_DGRAM
	                                 : 0;
	/* UNSPEC transport or family: ignore the addresses (spec 2.2). */
	if (family == 0 || transport == 0) {
		out->is_local = true;
		return PROXY_DONE;
	}
	if (family == 3) { /* AF_UNIX: two 108-byte paths, not mapped */
		if (len < 216)
			return proxy_fail(out, "v2: address block too short");
		out->is_local = true;
		return proxy_v2_tlvs(block + 216, len - 216, out);
	}
	return proxy_v2_inet(family == 1 ? AF_INET : AF_INET6, block, len, out);
}

static enum proxy_status
proxy_v2(const uint8_t *buf, size_t len, struct proxy_result *out)
{
	if (len < PROXY_V2_FIXED)
		return PROXY_NEED_MORE;
	uint8_t ver_cmd = buf[12], fam = buf[13];
	size_t block = proxy_be16(buf + 14);
	if (ver_cmd >> 4 != 2)
		return proxy_fail(out, "v2: unsupported version");
	if ((ver_cmd & 0x0F) > 1)
		return proxy_fail(out, "v2: unknown command");
	if (fam >> 4 > 3 || (fam & 0x0F) > 2)
		return proxy_fail(out, "v2: unknown family or transport");
	if (block > PROXY_V2_MAX_BLOCK)
		return proxy_fail(out, "v2: header longer than 2064 bytes");
	if (len < PROXY_V2_FIXED + block)
		return PROXY_NEED_MORE;
	out->version = 2;
	out->header_len = PROXY_V2_FIXED + block;
	if ((ver_cmd & 0x0F) == 0) { /* LOCAL: a health check, skip all */
		out->is_local = true;
		return PROXY_DONE;
	}
	return proxy_v2_block(fam, buf + PROXY_V2_FIXED, block, out);
}

enum proxy_status
proxy_parse(const uint8_t *buf, size_t len, struct proxy_result *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PROXY_NEED_MORE;
	int v1 = proxy_match(buf, len, proxy_v1_sig, 5);
	if (v1 == 0)
		return PROXY_NEED_MORE;
	if (v1 == 1)
		return proxy_v1(buf, len, out);
	int v2 = proxy_match(buf, len, proxy_v2_sig, sizeof(proxy_v2_sig));
	if (v2 == 0)
		return PROXY_NEED_MORE;
	if (v2 == 1)
		return proxy_v2(buf, len, out);
	return proxy_fail(out, "not a PROXY protocol header");
}

void
proxy_conn_init(struct proxy_conn *pc, int fd, uint64_t now_ms)
{
	pc->fd = fd;
	pc->deadline_ms = now_ms + PROXY_TIMEOUT_MS;
	pc->have = 0;
}

bool
proxy_conn_is_expired(const struct proxy_conn *pc, uint64_t now_ms)
{
	return now_ms >= pc->deadline_ms;
}

enum proxy_status
proxy_conn_read(struct proxy_conn *pc, struct proxy_result *out)
{
	size_t room = sizeof(pc->buf) - pc->have;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (room == 0)
		return proxy_fail(out, "header too long");
	/* Peek first: only the parser knows where the header ends. */
	n = recv(pc->fd, pc->buf + pc->have, room, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
		           ? PROXY_NEED_MORE
		           : proxy_fail(out, "read error before the header");
	if (n == 0)
		return proxy_fail(out, "closed before the header was complete");
	enum proxy_status st = proxy_parse(pc->buf, pc->have + (size_t)n, out);
	if (st == PROXY_ERROR)
		return st;
	/* NEED_MORE: every peeked byte is header; DONE: up to its end. */
	size_t take = st == PROXY_DONE ? out->header_len - pc->have : (size_t)n;
	if (recv(pc->fd, pc->buf + pc->have, take, MSG_DONTWAIT) !=
	    (ssize_t)take)
		return proxy_fail(out, "read error in the header");
	pc->have += take;
	return st;
}
