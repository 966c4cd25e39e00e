/* SPDX-License-Identifier: ISC */
/* test_proxy.c -- PROXY protocol v1/v2 parser and reader, exact vectors */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "proxy.h"

static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static enum proxy_status
parse_text(const char *text, struct proxy_result *r)
{
	return proxy_parse((const uint8_t *)text, strlen(text), r);
}

/* "IP PORT" of an address the parser filled. */
static const char *
addr_text(const struct sockaddr_storage *ss)
{
	static char text[2][80];
	static int which;
	char ip[INET6_ADDRSTRLEN];
	char *out = text[which++ % 2];
	uint16_t port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(out, sizeof(text[0]), "%s %u", ip, port);
	return out;
}

/* A v1 TEXT that must parse with HLEN header bytes to SRC / DST. */
static void
expect_v1(const char *text, size_t hlen, const char *src, const char *dst)
{
	struct proxy_result r;

	cr_assert_eq(parse_text(text, &r), PROXY_DONE, "%s: %s", text,
	             r.error ? r.error : "");
	cr_assert_eq(r.version, 1);
	cr_assert_eq(r.header_len, hlen);
	cr_assert_not(r.is_local);
	cr_assert_str_eq(addr_text(&r.src), src);
	cr_assert_str_eq(addr_text(&r.dst), dst);
}

static void
expect_error(const char *text)
{
	struct proxy_result r;

	cr_assert_eq(parse_text(text, &r), PROXY_ERROR, "accepted: %s", text);
	cr_assert_not_null(r.error);
}

/* Every proper prefix of a good header wants more, never an error. */
static void
expect_prefixes_need_more(const uint8_t *buf, size_t hlen)
{
	struct proxy_result r;

	for (size_t n = 0; n < hlen; n++)
		cr_assert_eq(proxy_parse(buf, n, &r), PROXY_NEED_MORE,
		             "prefix of %zu bytes", n);
}

Test(proxy_v1, tcp4_with_data_after)
{
	expect_v1("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /", 47,
	          "192.168.0.1 56324", "192.168.0.11 443");
}

Test(proxy_v1, tcp6)
{
	expect_v1("PROXY TCP6 2001:db8::1 ::1 1234 80\r\n", 36,
	          "2001:db8::1 1234", "::1 80");
}

Test(proxy_v1, tcp6_longest_line_is_104_bytes)
{
	const char *text = "PROXY TCP6 "
	                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	                   "65535 65535\r\n";
	cr_assert_eq(strlen(text), 104);
	expect_v1(text, 104, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535",
	          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535");
}

Test(proxy_v1, ports_zero_and_max)
{
	expect_v1("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", 44,
	          "0.0.0.0 0", "255.255.255.255 65535");
}

Test(proxy_v1, unknown_short_and_long)
{
	struct proxy_result r;
	char worst[128];

	cr_assert_eq(parse_text("PROXY UNKNOWN\r\nxyz", &r), PROXY_DONE);
	cr_assert(r.is_local);
	cr_assert_eq(r.header_len, 15);
	snprintf(worst, sizeof(worst), "PROXY UNKNOWN %s %s 65535 65535\r\n",
	         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_eq(strlen(worst), PROXY_V1_MAX);
	cr_assert_eq(parse_text(worst, &r), PROXY_DONE);
	cr_assert(r.is_local);
	cr_assert_eq(r.header_len, 107);
	/* Anything after UNKNOWN is ignored, even nonsense. */
	cr_assert_eq(parse_text("PROXY UNKNOWN what ever\r\n", &r), PROXY_DONE);
	cr_assert(r.is_local);
}

Test(proxy_v1, line_of_108_bytes_is_refused)
{
	char text[160];

	snprintf(text, sizeof(text), "PROXY UNKNOWN %092d\r\n", 0);
	cr_assert_eq(strlen(text), 108);
	expect_error(text);
	/* Refused as soon as 107 bytes hold no CRLF, without waiting. */
	text[107] = '\0';
	text[106] = 'x';
	expect_error(text);
}

Test(proxy_v1, truncated_wants_more)
{
	const char *text = "PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n";

	expect_prefixes_need_more((const uint8_t *)text, strlen(text));
	expect_v1(text, strlen(text), "10.0.0.1 1", "10.0.0.2 2");
}

Test(proxy_v1, malformed_lines)
{
	expect_error("GET / HTTP/1.0\r\n");
	expect_error("G");
	expect_error("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");    /* bare LF */
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx\n"); /* bare CR */
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n");
	expect_error("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n");
	expect_error("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY UNKNOWNX\r\n");
	expect_error("PROXY \r\n");
	expect_error("PROXY\r\n");
	expect_error("PROXY TCP4\r\n");
}

Test(proxy_v1, bad_addresses)
{
	expect_error("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2..4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.-4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 0x1.2.3.4 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP4 ::1 5.6.7.8 1 2\r\n");
	expect_error("PROXY TCP6 1.2.3.4 ::1 1 2\r\n");
	expect_error("PROXY TCP6 ::1::2 ::1 1 2\r\n");
	expect_error("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n");
	expect_error("PROXY TCP6 12345::1 ::1 1 2\r\n");
}

Test(proxy_v1, bad_ports)
{
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n");
	expect_error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2x\r\n");
}

Test(proxy_v1, nul_byte_is_refused)
{
	struct proxy_result r;
	const uint8_t text[] = "PROXY UNKNOWN \0\r\n";

	cr_assert_eq(proxy_parse(text, sizeof(text) - 1, &r), PROXY_ERROR);
}

/* The 16 fixed bytes then BLOCK; returns the total length. */
static size_t
v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const uint8_t *block, size_t len)
{
	memcpy(out, sig, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(len >> 8);
	out[15] = (uint8_t)len;
	if (len > 0)
		memcpy(out + 16, block, len);
	return 16 + len;
}

static const uint8_t ipv4_block[12] = {127, 0, 0,    2,    127,  0,
                                       0,   1, 0x9c, 0x40, 0x1f, 0x90};

Test(proxy_v2, proxy_tcp4_with_data_after)
{
	uint8_t buf[64];
	struct proxy_result r;
	size_t n = v2(buf, 0x21, 0x11, ipv4_block, 12);

	cr_assert_eq(n, 28);
	memcpy(buf + n, "hello", 5);
	cr_assert_eq(proxy_parse(buf, n + 5, &r), PROXY_DONE);
	cr_assert_eq(r.version, 2);
	cr_assert_eq(r.header_len, 28);
	cr_assert_not(r.is_local);
	cr_assert_eq(r.socktype, SOCK_STREAM);
	cr_assert_eq(r.addrlen, sizeof(struct sockaddr_in));
	cr_assert_str_eq(addr_text(&r.src), "127.0.0.2 40000");
	cr_assert_str_eq(addr_text(&r.dst), "127.0.0.1 8080");
	expect_prefixes_need_more(buf, n);
}

Test(proxy_v2, proxy_tcp6)
{
	uint8_t block[36] = {0}, buf[64];
	struct proxy_result r;

	block[0] = 0x20, block[1] = 0x01, block[2] = 0x0d, block[3] = 0xb8;
	block[15] = 1;  /* 2001:db8::1 */
	block[31] = 1;  /* ::1 */
	block[32] = 1;  /* port 256 */
	block[35] = 80; /* port 80 */
	size_t n = v2(buf, 0x21, 0x21, block, 36);
	cr_assert_eq(proxy_parse(buf, n, &r), PROXY_DONE);
	cr_assert_eq(r.header_len, 52);
	cr_assert_eq(r.addrlen, sizeof(struct sockaddr_in6));
	cr_assert_str_eq(addr_text(&r.src), "2001:db8::1 256");
	cr_assert_str_eq(addr_text(&r.dst), "::1 80");
}

/* A v2 header that must parse as "use the real endpoints". */
static void
expect_v2_local(uint8_t ver_cmd, uint8_t fam, const uint8_t *block, size_t len)
{
	uint8_t buf[300];
	struct proxy_result r;

	cr_assert_eq(proxy_parse(buf, v2(buf, ver_cmd, fam, block, len), &r),
	             PROXY_DONE, "%02x %02x %zu", ver_cmd, fam, len);
	cr_assert(r.is_local);
	cr_assert_eq(r.header_len, 16 + len);
}

Test(proxy_v2, local_skips_whatever_block)
{
	expect_v2_local(0x20, 0x00, NULL, 0);
	/* LOCAL with an address block: skipped by its length, not parsed. */
	expect_v2_local(0x20, 0x11, ipv4_block, 5);
}

Test(proxy_v2, unspec_and_unix_use_the_real_endpoints)
{
	uint8_t block[216] = {0}, buf[300];
	struct proxy_result r;

	expect_v2_local(0x21, 0x00, block, 0);
	expect_v2_local(0x21, 0x10, ipv4_block, 12); /* transport UNSPEC */
	expect_v2_local(0x21, 0x31, block, 216);
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x31, block, 215), &r),
	             PROXY_ERROR);
}

Test(proxy_v2, dgram_transport_is_reported)
{
	uint8_t buf[64];
	struct proxy_result r;

	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x12, ipv4_block, 12), &r),
	             PROXY_DONE);
	cr_assert_eq(r.socktype, SOCK_DGRAM);
}

Test(proxy_v2, tlvs_skipped_and_bounds_checked)
{
	uint8_t block[64], buf[128];
	struct proxy_result r;
	const uint8_t tlvs[] = {0x04, 0x00, 0x03, 0,   0,  0, /* NOOP */
	                        0x01, 0x00, 0x02, 'h', '2'};
	size_t len = 12 + sizeof(tlvs);

	memcpy(block, ipv4_block, 12);
	memcpy(block + 12, tlvs, sizeof(tlvs));
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x11, block, len), &r),
	             PROXY_DONE);
	cr_assert_eq(r.header_len, 16 + len);
	cr_assert_str_eq(addr_text(&r.src), "127.0.0.2 40000");
	/* The last TLV claims one byte more than the block holds. */
	block[12 + 8] = 0x03;
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x11, block, len), &r),
	             PROXY_ERROR);
	cr_assert_str_eq(r.error, "v2: TLV overruns the header");
	/* Two stray bytes: too short for a TLV's type and length. */
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x11, block, 14), &r),
	             PROXY_ERROR);
	cr_assert_str_eq(r.error, "v2: truncated TLV");
}

Test(proxy_v2, bad_fixed_part)
{
	uint8_t buf[64];
	struct proxy_result r;

	v2(buf, 0x21, 0x11, ipv4_block, 12);
	buf[11] = 0x0B; /* signature */
	cr_assert_eq(proxy_parse(buf, 28, &r), PROXY_ERROR);
	/* A wrong signature byte is refused before the 16 bytes arrive. */
	cr_assert_eq(proxy_parse(buf, 12, &r), PROXY_ERROR);
	const uint8_t bad[][2] = {{0x11, 0x11}, {0x31, 0x11}, {0x22, 0x11},
	                          {0x2F, 0x11}, {0x21, 0x41}, {0x21, 0x13}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v2(buf, bad[i][0], bad[i][1], ipv4_block, 12);
		cr_assert_eq(proxy_parse(buf, 16, &r), PROXY_ERROR, "%02x %02x",
		             bad[i][0], bad[i][1]);
	}
}

Test(proxy_v2, short_address_blocks)
{
	uint8_t block[36] = {0}, buf[64];
	struct proxy_result r;

	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x11, block, 11), &r),
	             PROXY_ERROR);
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x21, block, 35), &r),
	             PROXY_ERROR);
	cr_assert_eq(proxy_parse(buf, v2(buf, 0x21, 0x21, block, 12), &r),
	             PROXY_ERROR);
}

Test(proxy_v2, length_limit)
{
	static uint8_t block[PROXY_V2_MAX_BLOCK + 1], buf[PROXY_HEADER_MAX + 1];
	struct proxy_result r;

	/* The largest block we take: addresses and one long TLV. */
	memcpy(block, ipv4_block, 12);
	block[12] = 0x05;
	block[13] = (PROXY_V2_MAX_BLOCK - 15) >> 8;
	block[14] = (PROXY_V2_MAX_BLOCK - 15) & 0xFF;
	size_t n = v2(buf, 0x21, 0x11, block, PROXY_V2_MAX_BLOCK);
	cr_assert_eq(proxy_parse(buf, n, &r), PROXY_DONE, "%s", r.error);
	cr_assert_eq(r.header_len, PROXY_HEADER_MAX);
	/* One more is refused as soon as the length is known. */
	v2(buf, 0x21, 0x11, block, PROXY_V2_MAX_BLOCK + 1);
	cr_assert_eq(proxy_parse(buf, 16, &r), PROXY_ERROR);
}

/* The reader on a socketpair: header and data in one write. */
Test(proxy_conn, data_after_header_stays_in_the_socket)
{
	const char *text =
	    "PROXY TCP4 10.1.2.3 10.0.0.1 5555 80\r\nGET / HTTP/1.0"
	    "\r\n\r\n";
	struct proxy_conn pc;
	struct proxy_result r;
	char rest[64];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[0], text, strlen(text)), (ssize_t)strlen(text));
	proxy_conn_init(&pc, sv[1], 1000);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_DONE);
	cr_assert_str_eq(addr_text(&r.src), "10.1.2.3 5555");
	close(sv[0]);
	ssize_t n = read(sv[1], rest, sizeof(rest));
	cr_assert_eq(n, 18);
	cr_assert_eq(memcmp(rest, "GET / HTTP/1.0\r\n\r\n", 18), 0);
	close(sv[1]);
}

/* One byte at a time, as a slow or hostile balancer would. */
Test(proxy_conn, byte_by_byte)
{
	uint8_t buf[64];
	struct proxy_conn pc;
	struct proxy_result r;
	int sv[2];
	size_t n = v2(buf, 0x21, 0x11, ipv4_block, 12);

	memcpy(buf + n, "XY", 2);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	proxy_conn_init(&pc, sv[1], 1000);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_NEED_MORE); /* nothing */
	for (size_t i = 0; i < n - 1; i++) {
		cr_assert_eq(write(sv[0], buf + i, 1), 1);
		cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_NEED_MORE);
	}
	cr_assert_eq(write(sv[0], buf + n - 1, 3), 3);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_DONE);
	cr_assert_str_eq(addr_text(&r.src), "127.0.0.2 40000");
	char rest[8];
	cr_assert_eq(recv(sv[1], rest, sizeof(rest), MSG_DONTWAIT), 2);
	cr_assert_eq(memcmp(rest, "XY", 2), 0);
	close(sv[0]);
	close(sv[1]);
}

Test(proxy_conn, close_mid_header_and_garbage)
{
	struct proxy_conn pc;
	struct proxy_result r;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[0], "PROXY TCP4 1.2", 14), 14);
	proxy_conn_init(&pc, sv[1], 1000);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_NEED_MORE);
	close(sv[0]);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_ERROR);
	cr_assert_str_eq(r.error, "closed before the header was complete");
	close(sv[1]);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[0], "SSH-2.0-x\r\n", 11), 11);
	proxy_conn_init(&pc, sv[1], 1000);
	cr_assert_eq(proxy_conn_read(&pc, &r), PROXY_ERROR);
	close(sv[0]);
	close(sv[1]);
}

Test(proxy_conn, late_header_expires)
{
	struct proxy_conn pc;

	proxy_conn_init(&pc, -1, 1000);
	cr_assert_not(proxy_conn_is_expired(&pc, 1000 + PROXY_TIMEOUT_MS - 1));
	cr_assert(proxy_conn_is_expired(&pc, 1000 + PROXY_TIMEOUT_MS));
}
