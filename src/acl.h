/* SPDX-License-Identifier: ISC */
/* acl.h -- only_from / no_access as a binary trie: most specific rule wins */
#ifndef PORTIER_ACL_H
#define PORTIER_ACL_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acl;

enum acl_verdict {
	ACL_NO_MATCH,
	ACL_ALLOW,
	ACL_DENY,       /* a no_access rule is the most specific match */
	ACL_NOT_LISTED, /* only_from given, and nothing in it matches */
};

/* Parse "addr" or "addr/prefix" (v4 or v6) into the 128-bit form. */
int acl_parse_cidr(const char *text, uint8_t addr[16], int *prefix);
struct acl *acl_new(bool has_only_from, char **only_from, char **no_access,
                    char *err, size_t errlen);
void acl_free(struct acl *);
/* The 128-bit key of a peer (IPv4 as ::ffff:a.b.c.d). */
void acl_key(const struct sockaddr *, uint8_t out[16]);
enum acl_verdict acl_check(const struct acl *, const uint8_t addr[16]);

#endif
