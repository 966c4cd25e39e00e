/* SPDX-License-Identifier: ISC */
/* conf_value.c -- parse single configuration values (pure functions) */
#include <config.h>

#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdint.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_value.h"

int
conf_socket_type(const char *v)
{
	if (strcasecmp(v, "stream") == 0)
		return SOCK_STREAM;
	if (strcasecmp(v, "dgram") == 0)
		return SOCK_DGRAM;
	return -1;
}

int
conf_protocol(const char *v)
{
	if (strcasecmp(v, "tcp") == 0)
		return PROTO_TCP;
	if (strcasecmp(v, "udp") == 0)
		return PROTO_UDP;
	if (strcasecmp(v, "unix") == 0)
		return PROTO_UNIX;
	return -1;
}

int
conf_port(const char *v, const char *proto)
{
	const char *errstr = NULL;
	struct servent *se;

	if (isdigit((unsigned char)v[0])) {
		long long n = strtonum(v, 1, 65535, &errstr);
		return errstr ? -1 : (int)n;
	}
	se = getservbyname(v, proto);
	if (se == NULL && proto == NULL)
		se = getservbyname(v, "udp");
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/*
 * One load looks up the same few names for every service: the last user
 * and the last group found are kept until conf_ids_forget(), which
 * conf_load calls at its end, so a reload sees an edited /etc/passwd.
 */
static struct {
	char user[256], group[256];
	uid_t uid;
	gid_t user_gid, gid;
} conf_ids;

void
conf_ids_forget(void)
{
	memset(&conf_ids, 0, sizeof(conf_ids));
}

/* Whether SLOT holds NAME from an earlier lookup of this load. */
static bool
conf_ids_known(const char *slot, const char *name)
{
	return slot[0] != '\0' && strcmp(slot, name) == 0;
}

/* Keep NAME in SLOT; a name too long to keep is looked up each time. */
static void
conf_ids_keep(char *slot, size_t size, const char *name)
{
	if (strlcpy(slot, name, size) >= size)
		slot[0] = '\0';
}

int
conf_user_ids(const char *name, uid_t *uid, gid_t *gid)
{
	if (!conf_ids_known(conf_ids.user, name)) {
		struct passwd *pw = getpwnam(name);
		if (pw == NULL)
			return -1;
		conf_ids.uid = pw->pw_uid;
		conf_ids.user_gid = pw->pw_gid;
		conf_ids_keep(conf_ids.user, sizeof(conf_ids.user), name);
	}
	*uid = conf_ids.uid;
	*gid = conf_ids.user_gid;
	return 0;
}

int
conf_group_id(const char *name, gid_t *gid)
{
	if (!conf_ids_known(conf_ids.group, name)) {
		struct group *gr = getgrnam(name);
		if (gr == NULL)
			return -1;
		conf_ids.gid = gr->gr_gid;
		conf_ids_keep(conf_ids.group, sizeof(conf_ids.group), name);
	}
	*gid = conf_ids.gid;
	return 0;
}

/* "user" or "user:group" */
int
conf_owner(const char *v, uid_t *uid, gid_t *gid)
{
	char name[256];
	const char *colon = strchr(v, ':');

	strlcpy(name, v, sizeof(name));
	if (colon != NULL && (size_t)(colon - v) < sizeof(name))
		name[colon - v] = '\0';
	if (conf_user_ids(name, uid, gid) == -1)
		return -1;
	return colon == NULL ? 0 : conf_group_id(colon + 1, gid);
}

int
conf_octal(const char *v)
{
	char *end;
	long n;

	if (v[0] < '0' || v[0] > '7')
		return -1;
	errno = 0;
	n = strtol(v, &end, 8);
	if (errno != 0 || *end != '\0' || n < 0 || n > 07777)
		return -1;
	return (int)n;
}

int
conf_rlimit(const char *v, rlim_t *out)
{
	unsigned long long n, mult = 1;
	char *end;

	if (strcasecmp(v, "unlimited") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	default:
		return -1;
	}
	/* RLIM_INFINITY is all ones: only "unlimited" may mean it. */
	if (*end != '\0' || n > ~0ULL / mult || n * mult >= RLIM_INFINITY)
		return -1;
	*out = (rlim_t)(n * mult);
	return 0;
}

static int
conf_minute(const char *v, int *minute)
{
	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
	    v[2] != ':' || !isdigit((unsigned char)v[3]) ||
	    !isdigit((unsigned char)v[4]))
		return -1;
	int h = (v[0] - '0') * 10 + (v[1] - '0');
	int m = (v[3] - '0') * 10 + (v[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minute = h * 60 + m;
	return 0;
}

/* "HH:MM-HH:MM"; an end before the start wraps past midnight. */
int
conf_time_window(const char *v, struct svc_time_window *w)
{
	if (strlen(v) != 11 || v[5] != '-' ||
	    conf_minute(v, &w->start_minute) == -1 ||
	    conf_minute(v + 6, &w->end_minute) == -1)
		return -1;
	return 0;
}

int
conf_log_flag(const char *v)
{
	static const struct {
		const char *name;
		int bit;
	} flags[] = {
	    {"PID", LOGF_PID},           {"HOST", LOGF_HOST},
	    {"DURATION", LOGF_DURATION}, {"EXIT", LOGF_EXIT},
	    {"TRAFFIC", LOGF_TRAFFIC},   {"ATTEMPT", LOGF_ATTEMPT},
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcasecmp(v, flags[i].name) == 0)
			return flags[i].bit;
	return 0;
}

/* redirect = "HOST PORT" or {"HOST", "PORT"} */
int
conf_redirect(cfg_opt_t *opt, char **host, char **port)
{
	char h[256], p[64];

	*host = *port = NULL;
	if (cfg_opt_size(opt) == 2) {
		strlcpy(h, cfg_opt_getnstr(opt, 0), sizeof(h));
		strlcpy(p, cfg_opt_getnstr(opt, 1), sizeof(p));
	} else if (cfg_opt_size(opt) != 1 ||
	           sscanf(cfg_opt_getnstr(opt, 0), "%255s %63s", h, p) != 2) {
		return -1;
	}
	if (conf_port(p, "tcp") == -1)
		return -1;
	*host = strdup(h);
	*port = strdup(p);
	return *host && *port ? 0 : -1;
}

/* Levenshtein distance, for "did you mean"; names are short. */
size_t
conf_edit_distance(const char *a, const char *b)
{
	size_t lb = strlen(b), row[64];

	if (lb >= sizeof(row) / sizeof(row[0]))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1] != '\0'; i++) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diagonal + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = up;
		}
	}
	return row[lb];
}
