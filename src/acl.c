/* SPDX-License-Identifier: ISC */
/* acl.c -- only_from / no_access as a binary trie: most specific rule wins */
#include <config.h>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

/*
 * Every address is kept as 128 bits, IPv4 as ::ffff:a.b.c.d, so an
 * IPv4-mapped peer on a dual-stack socket meets IPv4 rules.  A lookup
 * walks at most 128 nodes, however long the lists are.
 */
struct acl_node {
	struct acl_node *child[2];
	bool has_allow;
	bool has_deny;
};

struct acl {
	struct acl_node root;
	bool has_allow_list; /* only_from given: no match means refused */
	/* Where every IPv4 peer's walk is after ::ffff:0:0/96, and the
	 * verdict so far: IPv4 lookups walk 32 bits, not 128. */
	const struct acl_node *v4_node;
	enum acl_verdict v4_best;
};

static const uint8_t acl_v4_prefix[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xff, 0xff};

static void
acl_mapped(const struct in_addr *in, uint8_t out[16])
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, in, 4);
}

/* "a.b.c.d", "a.b.c.d/n", "v6", "v6/n"; prefix in 128-bit terms. */
int
acl_parse_cidr(const char *text, uint8_t addr[16], int *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *errstr = NULL;
	struct in_addr in4;
	char *slash;
	int bits = -1;

	if (strlcpy(buf, text, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		/* Digits only: strtonum alone would take " 8" and "+8". */
		if (slash[1] == '\0' ||
		    strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -1;
		bits = (int)strtonum(slash + 1, 0, 128, &errstr);
		if (errstr != NULL)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &in4) == 1) {
		if (bits > 32)
			return -1;
		acl_mapped(&in4, addr);
		*prefix = 96 + (bits < 0 ? 32 : bits);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*prefix = bits < 0 ? 128 : bits;
		return 0;
	}
	return -1;
}

/*
 * Walk from N at depth FROM along ADDR down to depth TO, keeping in
 * *BEST the verdict of the deepest rule met; the node at TO, or NULL.
 */
static const struct acl_node *
acl_walk(const struct acl_node *n, int from, int to, const uint8_t *addr,
         enum acl_verdict *best)
{
	for (int i = from; n != NULL; i++) {
		/* A deny at the same depth as an allow wins. */
		if (n->has_deny)
			*best = ACL_DENY;
		else if (n->has_allow)
			*best = ACL_ALLOW;
		if (i == to)
			break;
		n = n->child[(addr[i / 8] >> (7 - i % 8)) & 1];
	}
	return n;
}

static int
acl_insert(struct acl *acl, const uint8_t addr[16], int prefix, bool allow)
{
	struct acl_node *n = &acl->root;

	for (int i = 0; i < prefix; i++) {
		int bit = (addr[i / 8] >> (7 - i % 8)) & 1;
		if (n->child[bit] == NULL &&
		    (n->child[bit] = calloc(1, sizeof(*n))) == NULL)
			return -1;
		n = n->child[bit];
	}
	if (allow)
		n->has_allow = true;
	else
		n->has_deny = true;
	return 0;
}

/* A host name: every address it has now (resolved at load and reload). */
static int
acl_insert_host(struct acl *acl, const char *name, bool allow)
{
	struct addrinfo hints, *res, *ai;
	uint8_t addr[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			acl_mapped(&((struct sockaddr_in *)(void *)ai->ai_addr)
			                ->sin_addr,
			           addr);
		else
			memcpy(addr,
			       &((struct sockaddr_in6 *)(void *)ai->ai_addr)
			            ->sin6_addr,
			       16);
		if (acl_insert(acl, addr, 128, allow) == -1)
			break;
	}
	freeaddrinfo(res);
	return ai == NULL ? 0 : -1;
}

static int
acl_add_list(struct acl *acl, char **list, bool allow, char *err, size_t errlen)
{
	uint8_t addr[16];
	int prefix;

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		int rc = acl_parse_cidr(list[i], addr, &prefix) == 0
		             ? acl_insert(acl, addr, prefix, allow)
		             : acl_insert_host(acl, list[i], allow);
		if (rc == -1) {
			snprintf(err, errlen,
			         "%s: '%s' is not an address, "
			         "prefix or known host",
			         allow ? "only_from" : "no_access", list[i]);
			return -1;
		}
	}
	return 0;
}

struct acl *
acl_new(bool has_only_from, char **only_from, char **no_access, char *err,
        size_t errlen)
{
	struct acl *acl = calloc(1, sizeof(*acl));

	if (acl == NULL)
		return NULL;
	acl->has_allow_list = has_only_from;
	if (acl_add_list(acl, only_from, true, err, errlen) == -1 ||
	    acl_add_list(acl, no_access, false, err, errlen) == -1) {
		acl_free(acl);
		return NULL;
	}
	acl->v4_best = ACL_NO_MATCH;
	acl->v4_node =
	    acl_walk(&acl->root, 0, 96, acl_v4_prefix, &acl->v4_best);
	return acl;
}

static void
acl_free_node(struct acl_node *n)
{
	for (int i = 0; i < 2; i++) {
		if (n->child[i] != NULL) {
			acl_free_node(n->child[i]);
			free(n->child[i]);
		}
	}
}

void
acl_free(struct acl *acl)
{
	if (acl == NULL)
		return;
	acl_free_node(&acl->root);
	free(acl);
}

void
acl_key(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET)
		acl_mapped(
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out);
	else if (sa->sa_family == AF_INET6)
		memcpy(
		    out,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
	else
		memset(out, 0, 16); /* UNIX peers: one anonymous source */
}

enum acl_verdict
acl_check(const struct acl *acl, const uint8_t addr[16])
{
	enum acl_verdict best = ACL_NO_MATCH;

	if (memcmp(addr, acl_v4_prefix, sizeof(acl_v4_prefix)) == 0) {
		best = acl->v4_best;
		acl_walk(acl->v4_node, 96, 128, addr, &best);
	} else {
		acl_walk(&acl->root, 0, 128, addr, &best);
	}
	if (best == ACL_NO_MATCH)
		return acl->has_allow_list ? ACL_NOT_LISTED : ACL_ALLOW;
	return best;
}
