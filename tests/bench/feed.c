/* SPDX-License-Identifier: ISC */
/* feed.c -- run PROG with FILE on stdin, for hyperfine without a shell */
#include <fcntl.h>
#include <unistd.h>

/* Built -static by tests/bench/run: it adds the same small cost to the
 * handler and to the no-op it is compared with. */
int
main(int argc, char **argv)
{
	if (argc < 3)
		return 100;
	int fd = open(argv[1], O_RDONLY);
	if (fd == -1 || dup2(fd, 0) == -1)
		return 111;
	close(fd);
	execv(argv[2], argv + 2);
	return 111;
}
