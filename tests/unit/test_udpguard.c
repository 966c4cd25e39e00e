/* SPDX-License-Identifier: ISC */
/* test_udpguard.c -- the datagram loop guard in lib/udpguard.c */
#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "udpguard.h"

static struct udpguard_ports ports;

static struct sockaddr_in
peer4(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(port)};

	sin.sin_addr.s_addr = htonl(0x0a000001);
	return sin;
}

static enum udpguard_verdict
check4(struct udpguard *g, uint16_t port, uint64_t now_ms)
{
	struct sockaddr_in sin = peer4(port);

	return udpguard_check(g, &ports, (struct sockaddr *)&sin, sizeof(sin),
	                      now_ms);
}

Test(udpguard, parse_lists_and_ranges)
{
	udpguard_ports_clear(&ports);
	cr_assert_eq(udpguard_ports_parse(&ports, "7,13,19-21,65535"), 0);
	uint16_t in[] = {7, 13, 19, 20, 21, 65535};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		cr_assert(udpguard_ports_has(&ports, in[i]), "%u", in[i]);
	uint16_t out[] = {0, 6, 8, 18, 22, 65534};
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		cr_assert(!udpguard_ports_has(&ports, out[i]), "%u", out[i]);
	/* Several lists add up; an empty one adds nothing. */
	cr_assert_eq(udpguard_ports_parse(&ports, "8"), 0);
	cr_assert_eq(udpguard_ports_parse(&ports, ""), 0);
	cr_assert(udpguard_ports_has(&ports, 8));
	cr_assert(udpguard_ports_has(&ports, 7));
}

Test(udpguard, parse_refuses_what_is_not_a_list)
{
	const char *bad[] = {
	    "0",     "65536", "7,",  ",7",  "7,,8",
	    "a",     "7 ,8",  "-7",  "9-7", "7-",
	    "1-2-3", " 7",    "7;8", "+7",  "99999999999999999999"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		udpguard_ports_clear(&ports);
		cr_assert_eq(udpguard_ports_parse(&ports, bad[i]), -1, "%s",
		             bad[i]);
	}
}

Test(udpguard, format_round_trips_with_ranges)
{
	char buf[64];

	udpguard_ports_clear(&ports);
	cr_assert_eq(udpguard_ports_format(&ports, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "");
	udpguard_ports_parse(&ports, "19,7,20,21,13,65535,1");
	cr_assert_eq(udpguard_ports_format(&ports, buf, sizeof(buf)), 18);
	cr_assert_str_eq(buf, "1,7,13,19-21,65535");
	struct udpguard_ports again;
	udpguard_ports_clear(&again);
	cr_assert_eq(udpguard_ports_parse(&again, buf), 0);
	cr_assert_eq(memcmp(&again, &ports, sizeof(ports)), 0);
}

Test(udpguard, format_never_cuts_an_item_or_leaves_a_gap)
{
	char buf[8];

	udpguard_ports_clear(&ports);
	udpguard_ports_parse(&ports, "10007,7,8");
	/* "7-8,10007" needs 10 bytes: only "7-8" fits, nothing after it. */
	cr_assert_eq(udpguard_ports_format(&ports, buf, sizeof(buf)), 9);
	cr_assert_str_eq(buf, "7-8");
	cr_assert_eq(udpguard_ports_format(&ports, buf, 0), 9);
}

Test(udpguard, privileged_and_served_ports_never_answered)
{
	struct udpguard g;

	udpguard_ports_clear(&ports);
	udpguard_ports_parse(&ports, "10007,10019");
	udpguard_init(&g, 100, 1000, 0);
	for (uint16_t p = 0; p < 1024; p++)
		cr_assert_eq(check4(&g, p, 0), UDPGUARD_LOOP_PORT, "%u", p);
	cr_assert_eq(check4(&g, 10007, 0), UDPGUARD_LOOP_PORT);
	cr_assert_eq(check4(&g, 10019, 0), UDPGUARD_LOOP_PORT);
	cr_assert_eq(check4(&g, 1024, 0), UDPGUARD_ANSWER);
	cr_assert_eq(check4(&g, 10008, 0), UDPGUARD_ANSWER);
	cr_assert_eq(g.dropped_port, 1026);
}

Test(udpguard, ipv6_and_mapped_peers_are_checked_by_port)
{
	struct udpguard g;
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
	                            .sin6_port = htons(10007)};

	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	udpguard_ports_clear(&ports);
	udpguard_ports_add(&ports, 10007);
	udpguard_init(&g, 100, 10, 0);
	cr_assert_eq(udpguard_check(&g, &ports, (struct sockaddr *)&sin6,
	                            sizeof(sin6), 0),
	             UDPGUARD_LOOP_PORT);
	sin6.sin6_port = htons(53);
	cr_assert_eq(udpguard_check(&g, &ports, (struct sockaddr *)&sin6,
	                            sizeof(sin6), 0),
	             UDPGUARD_LOOP_PORT);
	sin6.sin6_port = htons(40000);
	cr_assert_eq(udpguard_check(&g, &ports, (struct sockaddr *)&sin6,
	                            sizeof(sin6), 0),
	             UDPGUARD_ANSWER);
	/* Too short to hold a port: not trusted as one, budget only. */
	cr_assert_eq(udpguard_peer_port((struct sockaddr *)&sin6, 8), -1);
}

Test(udpguard, unix_peers_have_only_the_budget)
{
	struct udpguard g;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	udpguard_init(&g, 1, 2, 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(udpguard_check(&g, NULL, (struct sockaddr *)&sun,
		                            sizeof(sun), 0),
		             UDPGUARD_ANSWER);
	cr_assert_eq(
	    udpguard_check(&g, NULL, (struct sockaddr *)&sun, sizeof(sun), 0),
	    UDPGUARD_OVER_RATE);
}

Test(udpguard, bucket_allows_burst_then_rate)
{
	struct udpguard g;
	int answered = 0;

	udpguard_ports_clear(&ports);
	udpguard_init(&g, 100, 32, 5000);
	for (int i = 0; i < 1000; i++)
		answered += check4(&g, 40000, 5000) == UDPGUARD_ANSWER;
	cr_assert_eq(answered, 32, "the burst, then nothing");
	/* 10 ms earn one reply at 100/s; 5 ms earn half of one. */
	cr_assert_eq(check4(&g, 40000, 5005), UDPGUARD_OVER_RATE);
	cr_assert_eq(check4(&g, 40000, 5010), UDPGUARD_ANSWER);
	cr_assert_eq(check4(&g, 40000, 5010), UDPGUARD_OVER_RATE);
	/* A spoofer varying sources draws on the same budget: over one
	 * simulated minute at 10 datagrams a ms, the output is the rate. */
	answered = 0;
	for (uint64_t ms = 5011; ms < 65011; ms++)
		for (int i = 0; i < 10; i++)
			answered +=
			    check4(&g, (uint16_t)(1024 + (ms * 10 + i) % 60000),
			           ms) == UDPGUARD_ANSWER;
	cr_assert_eq(answered, 6000);
}

Test(udpguard, bucket_stays_full_after_long_silence_and_clock_steps_back)
{
	struct udpguard g;
	int answered = 0;

	udpguard_ports_clear(&ports);
	udpguard_init(&g, 100, 4, 0);
	for (int i = 0; i < 10; i++)
		answered +=
		    check4(&g, 40000, UINT64_MAX / 2) == UDPGUARD_ANSWER;
	cr_assert_eq(answered, 4, "a day of silence refills only the burst");
	cr_assert_eq(check4(&g, 40000, 1), UDPGUARD_OVER_RATE);
}

Test(udpguard, report_first_at_once_then_once_a_period)
{
	struct udpguard g;
	char line[256];

	udpguard_ports_clear(&ports);
	udpguard_init(&g, 100, 1, 1000);
	cr_assert(!udpguard_report(&g, 1000, false, line, sizeof(line)));
	check4(&g, 7, 1000);
	cr_assert(udpguard_report(&g, 1000, false, line, sizeof(line)));
	cr_assert_str_eq(line, "1 datagrams not answered: 1 from loop-prone "
	                       "ports, 0 over 100 replies/s, within 1 s");
	for (int i = 0; i < 20000; i++)
		check4(&g, i % 2 ? 7 : 40000, 2000);
	cr_assert(!udpguard_report(&g, 2000, false, line, sizeof(line)));
	cr_assert(!udpguard_report(&g, 10999, false, line, sizeof(line)));
	cr_assert(udpguard_report(&g, 11000, false, line, sizeof(line)));
	cr_assert_str_eq(line, "19999 datagrams not answered: 10000 from "
	                       "loop-prone ports, 9999 over 100 replies/s, "
	                       "within 10 s");
	/* FORCE: the end of a handler says what is left, at once. */
	check4(&g, 7, 11001);
	cr_assert(udpguard_report(&g, 11001, true, line, sizeof(line)));
	cr_assert(!udpguard_report(&g, 11002, true, line, sizeof(line)));
}

Test(udpguard, rate_zero_answers_all_but_loop_prone_ports)
{
	struct udpguard g;
	int answered = 0;

	udpguard_ports_clear(&ports);
	udpguard_ports_add(&ports, 40001);
	udpguard_init(&g, 0, 1, 0);
	for (int i = 0; i < 100000; i++)
		answered += check4(&g, 40000, 0) == UDPGUARD_ANSWER;
	cr_assert_eq(answered, 100000);
	cr_assert_eq(check4(&g, 40001, 0), UDPGUARD_LOOP_PORT);
	cr_assert_eq(check4(&g, 19, 0), UDPGUARD_LOOP_PORT);
}

Test(udpguard, set_rate_keeps_counts_and_never_grows_the_bucket)
{
	struct udpguard g;

	udpguard_ports_clear(&ports);
	udpguard_init(&g, 100, 32, 0);
	check4(&g, 7, 0);
	udpguard_set_rate(&g, 10, 2);
	cr_assert_eq(g.dropped_port, 1);
	cr_assert_eq(check4(&g, 40000, 0), UDPGUARD_ANSWER);
	cr_assert_eq(check4(&g, 40000, 0), UDPGUARD_ANSWER);
	cr_assert_eq(check4(&g, 40000, 0), UDPGUARD_OVER_RATE);
	cr_assert_eq(check4(&g, 40000, 100), UDPGUARD_ANSWER, "10/s: 100 ms");
}

Test(udpguard, rate_parse_takes_rate_and_optional_burst)
{
	unsigned rate = 7, burst = 7;

	cr_assert_eq(udpguard_rate_parse("0", &rate, &burst), 0);
	cr_assert_eq(rate, 0);
	cr_assert_eq(burst, UDPGUARD_BURST);
	cr_assert_eq(udpguard_rate_parse("500,64", &rate, &burst), 0);
	cr_assert_eq(rate, 500);
	cr_assert_eq(burst, 64);
	cr_assert_eq(udpguard_rate_parse("1000000,1", &rate, &burst), 0);
	const char *bad[] = {
	    "",          "-1",    " 5",   "5,", "5,0",  "1000001",
	    "5,1000001", "5,6,7", "5 ,6", "x",  "5,-1", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rate = burst = 7;
		errno = 0;
		cr_assert_eq(udpguard_rate_parse(bad[i], &rate, &burst), -1,
		             "'%s'", bad[i]);
		cr_assert_eq(errno, EINVAL);
		cr_assert_eq(rate, 7, "'%s' changed nothing", bad[i]);
	}
}
