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

/*
 * -C asks about each service's port in turn: the /proc tables and the
 * sockets of running portierds are read once, at the first question, not
 * once a port (beside a daemon with 1,000 services that took 17 s, past
 * the 10 s an upgrade gives the new binary's -C).
 */
struct holder_list {
	bool is_read;
	size_t n, cap;
	unsigned long *v; /* pairs (port, inode) in a table; inodes held */
};

static struct holder_list holder_tables[4]; /* tcp, tcp6, udp, udp6 */
static struct holder_list holder_held;      /* sorted */

static void
holder_add(struct holder_list *l, unsigned long v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		unsigned long *more = realloc(l->v, cap * sizeof(*more));
		if (more == NULL)
			return; /* then "in use": -C says so, nothing worse */
		l->v = more;
		l->cap = cap;
	}
	l->v[l->n++] = v;
}

/* The sockets bound in one /proc/net table: (port, inode) pairs. */
static void
holder_read_table(struct holder_list *l, const char *table, bool is_tcp)
{
	char line[512], local[64];
	unsigned lport, state;
	unsigned long inode;
	FILE *fp = fopen(table, "re");

	l->is_read = true;
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line,
		           " %*u: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s "
		           "%*s %lu",
		           local, &lport, &state, &inode) != 4)
			continue;
		/* TCP: only a listener (0A) holds the port for bind(2). */
		if ((!is_tcp || state == 0x0A) && inode != 0) {
			holder_add(l, lport);
			holder_add(l, inode);
		}
	}
	fclose(fp);
	l->n &= ~(size_t)1; /* a pair cut short by realloc */
}

/* Whether process PID is called portierd. */
static bool
holder_pid_is_portierd(const char *pid)
{
	char path[300], comm[32] = "";

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	FILE *fp = fopen(path, "re");
	if (fp != NULL) {
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
	}
	return strcmp(comm, "portierd\n") == 0;
}

/* The socket inodes process PID has open, into holder_held. */
static void
holder_read_sockets(const char *pid)
{
	char path[300], link[64];
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char fd[PATH_MAX];
		unsigned long inode;
		snprintf(fd, sizeof(fd), "%s/%s", path, de->d_name);
		ssize_t len = readlink(fd, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			holder_add(&holder_held, inode);
	}
	closedir(d);
}

static int
holder_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a,
	              y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The sockets every other process called portierd holds, sorted. */
static void
holder_read_held(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");

	holder_held.is_read = true;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]) &&
		    strtol(de->d_name, NULL, 10) != (long)getpid() &&
		    holder_pid_is_portierd(de->d_name))
			holder_read_sockets(de->d_name);
	closedir(d);
	if (holder_held.n > 0)
		qsort(holder_held.v, holder_held.n, sizeof(*holder_held.v),
		      holder_cmp);
}

/* Whether a portierd holds a socket bound to PORT in table I. */
static bool
holder_in_table(int i, const char *table, unsigned port, bool is_tcp)
{
	struct holder_list *l = &holder_tables[i];

	if (!l->is_read)
		holder_read_table(l, table, is_tcp);
	for (size_t k = 0; k + 1 < l->n; k += 2) {
		if (l->v[k] != port)
			continue;
		if (!holder_held.is_read)
			holder_read_held();
		if (holder_held.n > 0 &&
		    bsearch(&l->v[k + 1], holder_held.v, holder_held.n,
		            sizeof(*holder_held.v), holder_cmp) != NULL)
			return true;
	}
	return false;
}

bool
holder_is_portierd(unsigned port, bool is_tcp)
{
	if (is_tcp)
		return holder_in_table(0, "/proc/net/tcp", port, true) ||
		       holder_in_table(1, "/proc/net/tcp6", port, true);
	return holder_in_table(2, "/proc/net/udp", port, false) ||
	       holder_in_table(3, "/proc/net/udp6", port, false);
}
