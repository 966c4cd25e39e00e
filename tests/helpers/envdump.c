/* SPDX-License-Identifier: ISC */
/* envdump.c -- print the environment and open descriptors, for tests */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int
main(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	for (char **e = environ; *e != NULL; e++)
		printf("env %s\n", *e);
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(dir))
			continue;
		printf("fd %s\n", de->d_name);
	}
	printf("uid %ld\n", (long)getuid());
	return 0;
}
