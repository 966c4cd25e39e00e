/* SPDX-License-Identifier: ISC */
/* holder.c -- which process holds a port: -C tells "in use" from "ours" */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holder.h"

/* Socket inodes bound to PORT in one /proc/net table, into INODES. */
static size_t
holder_inodes(const char *table, unsigned port, bool is_tcp,
              unsigned long *inodes, size_t max, size_t n)
{
	char line[512], local[64];
	unsigned lport, state;
	unsigned long inode;
	FILE *fp = fopen(table, "re");

	if (fp == NULL)
		return n;
	while (fgets(line, sizeof(line), fp) != NULL && n < max) {
		if (sscanf(line,
		           " %*u: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s "
		           "%*s %lu",
		           local, &lport, &state, &inode) != 4)
			continue;
		/* TCP: only a listener (0A) holds the port for bind(2). */
		if (lport == port && (!is_tcp || state == 0x0A) && inode != 0)
			inodes[n++] = inode;
	}
	fclose(fp);
	return n;
}

/* Whether process PID has one of INODES open and is called portierd. */
static bool
holder_pid_is_portierd(const char *pid, const unsigned long *inodes, size_t n)
{
	char path[300], link[64], comm[32] = "";
	struct dirent *de;
	bool holds = false;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return false;
	while (!holds && (de = readdir(d)) != NULL) {
		char fd[PATH_MAX];
		unsigned long inode;
		snprintf(fd, sizeof(fd), "%s/%s", path, de->d_name);
		ssize_t len = readlink(fd, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (size_t i = 0; i < n && !holds; i++)
			holds = inodes[i] == inode;
	}
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	FILE *fp = holds ? fopen(path, "re") : NULL;
	if (fp != NULL) {
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
	}
	return holds && strcmp(comm, "portierd\n") == 0;
}

bool
holder_is_portierd(unsigned port, bool is_tcp)
{
	unsigned long inodes[64];
	size_t n = 0;
	struct dirent *de;
	bool found = false;

	n = holder_inodes(is_tcp ? "/proc/net/tcp" : "/proc/net/udp", port,
	                  is_tcp, inodes, 64, n);
	n = holder_inodes(is_tcp ? "/proc/net/tcp6" : "/proc/net/udp6", port,
	                  is_tcp, inodes, 64, n);
	DIR *d = n > 0 ? opendir("/proc") : NULL;
	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]) &&
		    strtol(de->d_name, NULL, 10) != (long)getpid())
			found = holder_pid_is_portierd(de->d_name, inodes, n);
	closedir(d);
	return found;
}
