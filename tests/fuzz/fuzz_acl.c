/* SPDX-License-Identifier: ISC */
/* fuzz_acl.c -- libFuzzer target: address/CIDR parsing and the access trie */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128], err[256];
	uint8_t addr[16];
	int prefix;

	if (size >= sizeof(text) || memchr(data, '\0', size))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (acl_parse_cidr(text, addr, &prefix) != 0)
		return 0;
	if (prefix < 0 || prefix > 128)
		abort();
	char *list[] = {text, NULL};
	struct acl *acl = acl_new(true, list, NULL, err, sizeof(err));
	if (acl == NULL || acl_check(acl, addr) != ACL_ALLOW)
		abort(); /* an address always matches its own rule */
	acl_free(acl);
	return 0;
}
