/* SPDX-License-Identifier: ISC */
/* addr.c -- socket address formatting shared by the daemon and the handlers */
#include <config.h>

#include <sys/un.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

static int
addr_format_v6(const struct sockaddr_in6 *sin6, char *ip, uint16_t *port)
{
	*port = ntohs(sin6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		/* The last four bytes are the IPv4 address. */
		return inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip,
		                 ADDR_TEXT_MAX)
		           ? 0
		           : -1;
	}
	return inet_ntop(AF_INET6, &sin6->sin6_addr, ip, ADDR_TEXT_MAX) ? 0
	                                                                : -1;
}

int
addr_format(const struct sockaddr *sa, socklen_t len, char *ip, uint16_t *port)
{
	ip[0] = '\0';
	*port = 0;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)sa;
		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, ip, ADDR_TEXT_MAX)
		           ? 0
		           : -1;
	}
	case AF_INET6:
		return addr_format_v6((const void *)sa, ip, port);
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		if (len > off && sun->sun_path[0] != '\0')
			strlcpy(ip, sun->sun_path, ADDR_TEXT_MAX);
		return 0;
	}
	default:
		return -1;
	}
}
