/* SPDX-License-Identifier: ISC */
/* chargen.c -- RFC 864 chargen as a handler: the pattern until the client goes
 */
#include <config.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "classic.h"
#include "handler.h"
#include "io.h"

static unsigned dgram_line;

static ssize_t
chargen_reply(const char *in, size_t inlen, char *out, size_t outsize)
{
	/* RFC 864: a random number of characters, 0 to 512, whatever came. */
	size_t len = (size_t)arc4random_uniform(CHARGEN_DGRAM_MAX + 1);

	(void)in;
	(void)inlen;
	(void)outsize; /* at least CHARGEN_DGRAM_MAX */

	classic_chargen_dgram(dgram_line++, out, len);
	return (ssize_t)len;
}

int
main(int argc, char **argv)
{
	struct chargen_state st = {0, 0};
	char buf[CHARGEN_LINE * 100 + 200];
	int idle = handler_options(argc, argv,
	                           "chargen [-t idle-seconds] [-u udp-ports]");

	if (handler_is_dgram())
		return handler_dgram_loop(idle, chargen_reply);
	for (;;) {
		classic_chargen_fill(&st, buf, sizeof(buf));
		if (io_write_all(1, buf, sizeof(buf)) == -1)
			return 0; /* the client went away: done */
	}
}
