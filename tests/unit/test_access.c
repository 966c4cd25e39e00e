/* SPDX-License-Identifier: ISC */
/* test_access.c -- the pure parts of access control: CIDR, trie, limits */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "access.h"
#include "connlog.h"
#include "acl.h"
#include "limit.h"

/* The 128-bit key of a textual peer, as a socket would give it. */
static void
key_of(const char *text, uint8_t key[16])
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, text, &sin->sin_addr), 1);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	}
	acl_key((struct sockaddr *)&ss, key);
}

static enum acl_verdict
verdict(struct acl *acl, const char *peer)
{
	uint8_t key[16];

	key_of(peer, key);
	return acl_check(acl, key);
}

static struct acl *
acl_of(bool has_only_from, char **only_from, char **no_access)
{
	char err[256] = "";
	struct acl *acl =
	    acl_new(has_only_from, only_from, no_access, err, sizeof(err));

	cr_assert_not_null(acl, "%s", err);
	return acl;
}

Test(acl, parses_addresses_and_prefixes)
{
	uint8_t a[16];
	int p;

	cr_assert_eq(acl_parse_cidr("10.1.2.3", a, &p), 0);
	cr_assert_eq(p, 128);
	cr_assert_eq(a[10], 0xff);
	cr_assert_eq(a[11], 0xff);
	cr_assert_eq(a[12], 10);
	cr_assert_eq(a[15], 3);
	cr_assert_eq(acl_parse_cidr("10.0.0.0/8", a, &p), 0);
	cr_assert_eq(p, 96 + 8);
	cr_assert_eq(acl_parse_cidr("0.0.0.0/0", a, &p), 0);
	cr_assert_eq(p, 96);
	cr_assert_eq(acl_parse_cidr("2001:db8::/32", a, &p), 0);
	cr_assert_eq(p, 32);
	cr_assert_eq(a[0], 0x20);
	cr_assert_eq(a[1], 0x01);
	cr_assert_eq(acl_parse_cidr("::1", a, &p), 0);
	cr_assert_eq(p, 128);
	cr_assert_eq(a[15], 1);
	cr_assert_eq(acl_parse_cidr("::/0", a, &p), 0);
	cr_assert_eq(p, 0);
}

Test(acl, refuses_malformed_text)
{
	static const char *bad[] = {
	    "",
	    "10.0.0.0/33",
	    "10.0.0.0/",
	    "::1/129",
	    "10.0.0.0/-1",
	    "10.0.0.0/8x",
	    "1.2.3.4.5",
	    "localhost",
	    "10.0.0.0/8/8",
	    "::1/ 64",
	    "10.0.0.0/+8",
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
	    NULL};
	uint8_t a[16];
	int p;

	for (int i = 0; bad[i] != NULL; i++)
		cr_expect_eq(acl_parse_cidr(bad[i], a, &p), -1, "'%s'", bad[i]);
}

Test(acl, no_rules_admit_everyone)
{
	struct acl *acl = acl_of(false, NULL, NULL);

	cr_assert_eq(verdict(acl, "192.0.2.1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "2001:db8::1"), ACL_ALLOW);
	acl_free(acl);
}

Test(acl, empty_only_from_admits_nobody)
{
	char *none[] = {NULL};
	struct acl *acl = acl_of(true, none, NULL);

	cr_assert_eq(verdict(acl, "127.0.0.1"), ACL_NOT_LISTED);
	cr_assert_eq(verdict(acl, "::1"), ACL_NOT_LISTED);
	acl_free(acl);
}

Test(acl, most_specific_rule_wins_across_both_lists)
{
	char *allow[] = {"10.0.0.0/8", "10.1.2.3", "2001:db8::/32",
	                 "2001:db8:1:2::5", NULL};
	char *deny[] = {"10.1.0.0/16", "2001:db8:1::/48", NULL};
	struct acl *acl = acl_of(true, allow, deny);

	cr_assert_eq(verdict(acl, "10.9.9.9"), ACL_ALLOW); /* /8 */
	cr_assert_eq(verdict(acl, "10.1.9.9"), ACL_DENY);  /* /16 */
	cr_assert_eq(verdict(acl, "10.1.2.3"), ACL_ALLOW); /* /32 */
	cr_assert_eq(verdict(acl, "11.0.0.1"), ACL_NOT_LISTED);
	cr_assert_eq(verdict(acl, "2001:db8:2::1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "2001:db8:1:3::1"), ACL_DENY);
	cr_assert_eq(verdict(acl, "2001:db8:1:2::5"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "2001:db9::1"), ACL_NOT_LISTED);
	acl_free(acl);
}

Test(acl, a_tie_goes_to_no_access)
{
	char *allow[] = {"192.0.2.0/24", NULL};
	char *deny[] = {"192.0.2.0/24", NULL};
	struct acl *acl = acl_of(true, allow, deny);

	cr_assert_eq(verdict(acl, "192.0.2.7"), ACL_DENY);
	acl_free(acl);
}

Test(acl, no_access_alone_admits_the_rest)
{
	char *deny[] = {"192.0.2.0/24", "::1", NULL};
	struct acl *acl = acl_of(false, NULL, deny);

	cr_assert_eq(verdict(acl, "192.0.2.200"), ACL_DENY);
	cr_assert_eq(verdict(acl, "192.0.3.1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "::1"), ACL_DENY);
	cr_assert_eq(verdict(acl, "::2"), ACL_ALLOW);
	acl_free(acl);
}

Test(acl, ipv4_mapped_peers_meet_ipv4_rules)
{
	char *allow[] = {"127.0.0.0/8", NULL};
	struct acl *acl = acl_of(true, allow, NULL);

	/* A v4 client on a dual-stack socket arrives as ::ffff:a.b.c.d. */
	cr_assert_eq(verdict(acl, "::ffff:127.0.0.2"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "::ffff:10.0.0.1"), ACL_NOT_LISTED);
	/* ... but an IPv4 rule does not admit the IPv6 loopback. */
	cr_assert_eq(verdict(acl, "::1"), ACL_NOT_LISTED);
	acl_free(acl);
}

Test(acl, a_rule_for_every_address_is_ipv4_only_in_v4_form)
{
	char *allow[] = {"0.0.0.0/0", NULL};
	struct acl *acl = acl_of(true, allow, NULL);

	cr_assert_eq(verdict(acl, "203.0.113.9"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "2001:db8::1"), ACL_NOT_LISTED);
	acl_free(acl);
	char *all6[] = {"::/0", NULL};
	acl = acl_of(true, all6, NULL);
	cr_assert_eq(verdict(acl, "2001:db8::1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "203.0.113.9"), ACL_ALLOW);
	acl_free(acl);
}

Test(acl, host_names_resolve_at_load)
{
	char *allow[] = {"localhost", NULL};
	struct acl *acl = acl_of(true, allow, NULL);

	cr_assert_eq(verdict(acl, "127.0.0.1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "127.0.0.2"), ACL_NOT_LISTED);
	acl_free(acl);
}

Test(acl, an_unknown_name_is_an_error_naming_it)
{
	char *allow[] = {"no-such-host.invalid", NULL};
	char err[256] = "";

	cr_assert_null(acl_new(true, allow, NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "only_from: 'no-such-host.invalid' is not an "
	                      "address, prefix or known host");
}

Test(acl, a_long_list_is_looked_up_by_walking_bits)
{
	enum { N = 20000 };
	char **allow = calloc(N + 1, sizeof(*allow));

	cr_assert_not_null(allow);
	for (int i = 0; i < N; i++) {
		allow[i] = malloc(32);
		snprintf(allow[i], 32, "10.%d.%d.0/24", i / 256, i % 256);
	}
	struct acl *acl = acl_of(true, allow, NULL);
	cr_assert_eq(verdict(acl, "10.0.0.1"), ACL_ALLOW);
	cr_assert_eq(verdict(acl, "10.78.31.200"), ACL_ALLOW); /* i=19999 */
	cr_assert_eq(verdict(acl, "10.78.32.1"), ACL_NOT_LISTED);
	acl_free(acl);
	for (int i = 0; i < N; i++)
		free(allow[i]);
	free(allow);
}

static int
minute(int h, int m)
{
	return h * 60 + m;
}

Test(limit, no_windows_means_always)
{
	cr_assert(limit_time_allowed(NULL, 0, minute(3, 0)));
}

Test(limit, a_day_window_holds_its_ends)
{
	struct svc_time_window w[] = {{minute(9, 0), minute(17, 30)}};

	cr_assert_not(limit_time_allowed(w, 1, minute(8, 59)));
	cr_assert(limit_time_allowed(w, 1, minute(9, 0)));
	cr_assert(limit_time_allowed(w, 1, minute(12, 0)));
	cr_assert(limit_time_allowed(w, 1, minute(17, 30)));
	cr_assert_not(limit_time_allowed(w, 1, minute(17, 31)));
}

Test(limit, a_night_window_wraps_past_midnight)
{
	struct svc_time_window w[] = {{minute(22, 0), minute(6, 0)}};

	cr_assert(limit_time_allowed(w, 1, minute(23, 59)));
	cr_assert(limit_time_allowed(w, 1, minute(0, 0)));
	cr_assert(limit_time_allowed(w, 1, minute(6, 0)));
	cr_assert_not(limit_time_allowed(w, 1, minute(6, 1)));
	cr_assert_not(limit_time_allowed(w, 1, minute(21, 59)));
}

Test(limit, any_of_several_windows)
{
	struct svc_time_window w[] = {{minute(1, 0), minute(2, 0)},
	                              {minute(13, 0), minute(14, 0)}};

	cr_assert(limit_time_allowed(w, 2, minute(1, 30)));
	cr_assert(limit_time_allowed(w, 2, minute(13, 30)));
	cr_assert_not(limit_time_allowed(w, 2, minute(7, 0)));
}

Test(limit, cps_counts_per_second)
{
	struct limit_cps cps = {0};

	for (int i = 0; i < 3; i++)
		cr_assert(limit_cps_count(&cps, 1000, 3));
	cr_assert_not(limit_cps_count(&cps, 1000, 3), "fourth in a second");
	cr_assert_not(limit_cps_count(&cps, 1000, 3));
	/* A new second starts a new count. */
	cr_assert(limit_cps_count(&cps, 1001, 3));
	cr_assert(limit_cps_count(&cps, 1001, 3));
}

Test(limit, cps_rate_zero_is_no_limit)
{
	struct limit_cps cps = {0};

	for (int i = 0; i < 10000; i++)
		cr_assert(limit_cps_count(&cps, 5, 0));
}

Test(limit, per_source_counts_by_address)
{
	struct limit_source_tree t;
	uint8_t a[16], b[16], mapped[16];

	limit_sources_init(&t);
	key_of("127.0.0.2", a);
	key_of("127.0.0.3", b);
	key_of("::ffff:127.0.0.2", mapped);
	cr_assert_eq(limit_source_count(&t, a), 0);
	cr_assert_eq(limit_source_enter(&t, a), 0);
	cr_assert_eq(limit_source_enter(&t, mapped), 0); /* the same peer */
	cr_assert_eq(limit_source_enter(&t, b), 0);
	cr_assert_eq(limit_source_count(&t, a), 2);
	cr_assert_eq(limit_source_count(&t, b), 1);
	limit_source_leave(&t, a);
	limit_source_leave(&t, b);
	limit_source_leave(&t, b); /* one too many: harmless */
	cr_assert_eq(limit_source_count(&t, a), 1);
	cr_assert_eq(limit_source_count(&t, b), 0);
	cr_assert(RB_EMPTY(&t) == false);
	limit_source_leave(&t, a);
	cr_assert(RB_EMPTY(&t), "an address at zero is forgotten");
	limit_source_enter(&t, b);
	limit_source_enter(&t, a);
	struct limit_source *s = limit_source_first(&t);
	cr_assert_eq(memcmp(s->addr, a, 16), 0, "address order");
	s = limit_source_next(&t, s);
	cr_assert_eq(memcmp(s->addr, b, 16), 0);
	cr_assert_null(limit_source_next(&t, s));
	limit_sources_clear(&t);
	cr_assert(RB_EMPTY(&t));
}

Test(access, relay_traffic_line)
{
	uint64_t in = 1, out = 1;
	const char *ok = "traffic in=200000 out=7";

	cr_assert_eq(connlog_parse_traffic(ok, strlen(ok), &in, &out), 0);
	cr_assert_eq(in, 200000);
	cr_assert_eq(out, 7);
	static const char *bad[] = {"traffic in=1 out=",
	                            "traffic in= out=1",
	                            "traffic in=1 out=2 ",
	                            "traffic in=1  out=2",
	                            "Traffic in=1 out=2",
	                            "traffic in=-1 out=2",
	                            "traffic in=99999999999999999999 out=1",
	                            "traffic in=1",
	                            "",
	                            NULL};
	for (int i = 0; bad[i] != NULL; i++)
		cr_expect_eq(
		    connlog_parse_traffic(bad[i], strlen(bad[i]), &in, &out),
		    -1, "'%s'", bad[i]);
	/* Not NUL-terminated: only LEN bytes count. */
	cr_assert_eq(
	    connlog_parse_traffic("traffic in=5 out=66", 18, &in, &out), 0);
	cr_assert_eq(out, 6);
}

Test(acl, ipv6_rules_above_the_mapped_range_reach_ipv4_peers)
{
	char *allow[] = {"10.0.0.0/8", "::/1", NULL};
	char *deny[] = {"::ffff:0:0/96", NULL};
	struct acl *acl = acl_of(true, allow, deny);

	cr_assert_eq(verdict(acl, "10.1.1.1"), ACL_ALLOW); /* /104 */
	cr_assert_eq(verdict(acl, "11.1.1.1"), ACL_DENY);  /* /96 */
	cr_assert_eq(verdict(acl, "::2"), ACL_ALLOW);      /* /1 */
	cr_assert_eq(verdict(acl, "8000::1"), ACL_NOT_LISTED);
	acl_free(acl);
	char *only6[] = {"::/1", NULL};
	acl = acl_of(true, only6, NULL);
	cr_assert_eq(verdict(acl, "192.0.2.1"), ACL_ALLOW); /* /1 */
	acl_free(acl);
}

/* The rule the trie must agree with, the slow way: every rule, the
 * longest prefix that matches, a tie to no_access. */
struct ref_rule {
	uint8_t addr[16];
	int prefix;
	bool allow;
};

static bool
ref_matches(const struct ref_rule *r, const uint8_t a[16])
{
	for (int i = 0; i < r->prefix; i++) {
		int bit = 7 - i % 8;
		if (((r->addr[i / 8] >> bit) & 1) != ((a[i / 8] >> bit) & 1))
			return false;
	}
	return true;
}

static enum acl_verdict
ref_check(const struct ref_rule *rules, int n, bool has_only_from,
          const uint8_t a[16])
{
	int best = -1;
	bool allow = false;

	for (int i = 0; i < n; i++) {
		if (!ref_matches(&rules[i], a) || rules[i].prefix < best)
			continue;
		if (rules[i].prefix > best)
			allow = rules[i].allow;
		else
			allow = allow && rules[i].allow;
		best = rules[i].prefix;
	}
	if (best < 0)
		return has_only_from ? ACL_NOT_LISTED : ACL_ALLOW;
	return allow ? ACL_ALLOW : ACL_DENY;
}

static uint32_t
rng(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Addresses drawn near each other, so that rules overlap often. */
static void
random_text(uint32_t *st, char *text, size_t size, bool with_prefix)
{
	uint32_t r = rng(st);

	if (r & 1)
		snprintf(text, size, "10.%u.%u.%u", (r >> 1) & 3, (r >> 3) & 3,
		         (r >> 5) & 7);
	else if (r & 2)
		snprintf(text, size, "::ffff:10.%u.0.%u", (r >> 2) & 3,
		         (r >> 4) & 7);
	else
		snprintf(text, size, "2001:db8:%x::%x", (r >> 2) & 3,
		         (r >> 4) & 7);
	if (with_prefix) {
		size_t len = strlen(text);
		bool v4 = strchr(text, ':') == NULL;
		snprintf(text + len, size - len, "/%u",
		         (rng(st) % (v4 ? 33 : 129)));
	}
}

Test(acl, agrees_with_a_linear_scan_on_random_rules)
{
	uint32_t st = 0x1234567;

	for (int round = 0; round < 200; round++) {
		enum { N = 24 };
		static char text[N][64];
		char *allow[N + 1] = {0}, *deny[N + 1] = {0};
		struct ref_rule rules[N];
		int na = 0, nd = 0;
		bool has_only_from = rng(&st) & 1;

		for (int i = 0; i < N; i++) {
			random_text(&st, text[i], sizeof(text[i]), true);
			rules[i].allow = rng(&st) & 1;
			cr_assert_eq(acl_parse_cidr(text[i], rules[i].addr,
			                            &rules[i].prefix),
			             0, "%s", text[i]);
			if (rules[i].allow)
				allow[na++] = text[i];
			else
				deny[nd++] = text[i];
		}
		struct acl *acl = acl_of(has_only_from, allow, deny);
		for (int j = 0; j < 200; j++) {
			char peer[64];
			uint8_t key[16];
			int prefix;
			random_text(&st, peer, sizeof(peer), false);
			cr_assert_eq(acl_parse_cidr(peer, key, &prefix), 0);
			cr_assert_eq(acl_check(acl, key),
			             ref_check(rules, N, has_only_from, key),
			             "round %d, peer %s", round, peer);
		}
		acl_free(acl);
	}
}
