/* SPDX-License-Identifier: ISC */
/* handler.h -- what every classic handler shares: options, datagram loop */
#ifndef PORTIER_HANDLER_H
#define PORTIER_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes of the handler contract. */
#define HANDLER_EXIT_PERMANENT 100
#define HANDLER_EXIT_TEMPORARY 111

/* Default idle timeout in datagram mode, in seconds. */
#define HANDLER_IDLE_DEFAULT 10

/*
 * Reply to one datagram: IN/INLEN received, write up to OUTSIZE bytes to
 * OUT and return how many, or -1 to send nothing.
 */
typedef ssize_t handler_reply_fn(const char *in, size_t inlen, char *out,
                                 size_t outsize);

/*
 * Parse "[-t SECONDS] [-u UDP-PORTS]"; exits 100 with a usage line on
 * anything else.  -u adds to the ports a datagram loop never answers
 * (see udpguard.h), for running under a super-server other than portierd.
 */
int handler_options(int argc, char **argv, const char *usage);
/* True when fd 0 is a datagram socket (wait = yes dgram). */
bool handler_is_dgram(void);
/*
 * Answer datagrams on fd 0 until IDLE seconds pass without one; never to
 * a loop-prone port, and at most UDPGUARD_RATE replies a second.
 */
int handler_dgram_loop(int idle_seconds, handler_reply_fn *reply);

#endif
