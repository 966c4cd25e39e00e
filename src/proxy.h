/* SPDX-License-Identifier: ISC */
/* proxy.h -- PROXY protocol v1/v2 headers: a pure parser and a reader */
#ifndef PORTIER_PROXY_H
#define PORTIER_PROXY_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* v1: the longest line the spec allows, CRLF included. */
#define PROXY_V1_MAX 107
/* v2: the fixed part, and our cap on what follows it (addresses + TLVs). */
#define PROXY_V2_FIXED 16
#define PROXY_V2_MAX_BLOCK 2048
/* No header this parser accepts is longer. */
#define PROXY_HEADER_MAX (PROXY_V2_FIXED + PROXY_V2_MAX_BLOCK)
/* A balancer sends the header at once on connecting; a late one is an
 * attack on the master's connection slots. */
#define PROXY_TIMEOUT_MS 3000

enum proxy_status {
	PROXY_ERROR = -1,
	PROXY_NEED_MORE = 0,
	PROXY_DONE = 1,
};

struct proxy_result {
	int version;       /* 1 or 2 */
	size_t header_len; /* bytes of the header; the handler's data follows */
	/*
	 * true for v1 UNKNOWN, v2 LOCAL, and v2 families we do not map
	 * (UNSPEC, UNIX): use the connection's own endpoints.
	 */
	bool is_local;
	int socktype; /* SOCK_STREAM or SOCK_DGRAM (v2), 0 when not known */
	struct sockaddr_storage src, dst; /* the real client, the address it
	                                     connected to (when !is_local) */
	socklen_t addrlen;
	const char *error; /* static text when PROXY_ERROR */
};

/*
 * Parse the header at the start of BUF (LEN bytes).  PROXY_DONE fills OUT
 * and OUT->header_len; PROXY_NEED_MORE promises that all LEN bytes belong
 * to the header (so a reader may consume them); PROXY_ERROR sets
 * OUT->error: the connection must be closed.
 */
enum proxy_status proxy_parse(const uint8_t *buf, size_t len,
                              struct proxy_result *out);

/*
 * One connection whose header is being read by a non-blocking loop.  The
 * reader peeks, parses, then consumes exactly the header's bytes, so what
 * the client sent after it (even in the same segment) stays in the socket
 * for the handler.
 */
struct proxy_conn {
	int fd;
	uint64_t deadline_ms; /* on the caller's clock */
	size_t have;          /* header bytes consumed so far, kept in buf */
	uint8_t buf[PROXY_HEADER_MAX];
};

void proxy_conn_init(struct proxy_conn *, int fd, uint64_t now_ms);
/* Past PROXY_TIMEOUT_MS without a whole header: close it, log "late". */
bool proxy_conn_is_expired(const struct proxy_conn *, uint64_t now_ms);
/*
 * Call when FD is readable.  PROXY_NEED_MORE: wait for readability again
 * (the caller owns the time limit); PROXY_DONE: OUT is the header, and
 * nothing after it was read; PROXY_ERROR: OUT->error says why (including
 * a close before the header was complete).
 */
enum proxy_status proxy_conn_read(struct proxy_conn *,
                                  struct proxy_result *out);

#endif
