/* SPDX-License-Identifier: ISC */
/* lsroot.c -- list "/" and say who we are: a static handler for chroot tests */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	char *names[64];
	int n = 0;
	DIR *dir = opendir("/");
	struct dirent *de;

	while (dir != NULL && (de = readdir(dir)) != NULL && n < 64)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	qsort(names, (size_t)n, sizeof(*names), compare);
	for (int i = 0; i < n; i++)
		printf("%s\n", names[i]);
	printf("uid %ld\n", (long)getuid());
	return 0;
}
