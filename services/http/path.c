/* SPDX-License-Identifier: ISC */
/* path.c -- decode once, normalise, then confine a request path to the root */
#include <config.h>

#include <sys/stat.h>
#include <sys/syscall.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "http.h"

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decode [P, END) into OUT exactly once: "%252e" becomes "%2e",
 * never ".".  Returns the decoded length or an HTTP status as negative.
 */
static long
path_decode(const char *p, const char *end, char *out, size_t outsize)
{
	size_t o = 0;

	for (; p < end; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			if (end - p < 3 || hex_value(p[1]) < 0 ||
			    hex_value(p[2]) < 0)
				return -400;
			c = hex_value(p[1]) * 16 + hex_value(p[2]);
			p += 2;
			/* An encoded '/' would smuggle a separator past us. */
			if (c == '/')
				return -400;
		}
		if (c == 0 || c == '\\' || c < 0x20 || c == 0x7f)
			return -400;
		if (o + 1 >= outsize)
			return -414;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (long)o;
}

/* Absolute-form targets (RFC 9112 3.2.2): keep only the path. */
static const char *
path_skip_authority(const char *target)
{
	if (strncasecmp(target, "http://", 7) == 0 ||
	    strncasecmp(target, "https://", 8) == 0) {
		const char *p = strstr(target, "://") + 3;
		p += strcspn(p, "/?");
		return *p == '/' ? p : NULL;
	}
	return target;
}

/* Remove ".", "..", and empty segments from DECODED (in place in OUT). */
static int
path_remove_dots(const char *decoded, char *out, size_t outsize)
{
	size_t o = 0;
	const char *p = decoded;

	out[o++] = '/';
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 1)
				return 400; /* above the root */
			o--;                /* drop the trailing '/' */
			while (o > 0 && out[o - 1] != '/')
				o--;
		} else {
			if (p[0] == '.')
				return 404; /* dotfiles are never served */
			if (o + n + 2 > outsize)
				return 414;
			memcpy(out + o, p, n);
			o += n;
			out[o++] = '/';
		}
		p += n;
	}
	if (o > 1)
		o--; /* no trailing '/' in the normal form */
	out[o] = '\0';
	return 0;
}

int
http_path_normalize(const char *target, char *out, size_t outsize,
                    const char **query, bool *trailing_slash)
{
	const char *path = path_skip_authority(target);

	*query = NULL;
	if (path == NULL || path[0] != '/')
		return 400;
	const char *q = strchr(path, '?');
	const char *end = q ? q : path + strlen(path);
	if (q != NULL)
		*query = q + 1;
	const char *hash = memchr(path, '#', (size_t)(end - path));
	if (hash != NULL)
		end = hash;
	/* Decoding never lengthens: sized by need, where a request line's
	 * worth on the stack cost a page fault in a one-shot handler.  Past
	 * a request line it is refused (414) as before. */
	size_t size = (size_t)(end - path);
	if (size > HTTP_MAX_REQUEST_LINE)
		size = HTTP_MAX_REQUEST_LINE;
	char *decoded = malloc(size + 1);
	if (decoded == NULL)
		return 500;
	long n = path_decode(path, end, decoded, size + 1);
	int rc = n < 0 ? (int)-n : 0;
	if (rc == 0) {
		*trailing_slash = n > 0 && decoded[n - 1] == '/';
		rc = path_remove_dots(decoded, out, outsize);
	}
	free(decoded);
	return rc;
}

static bool
path_is_inside(const char *root, const char *real)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(real, root, n) == 0 &&
	       (real[n] == '\0' || real[n] == '/');
}

/*
 * Check the candidate in R->buf (ROOT + first segments of the path) by
 * realpath; 1 = keep walking.  R->buf becomes the real path.
 */
static int
path_check_prefix(const char *root, struct http_resolved *r)
{
	char real[PATH_MAX];

	if (realpath(r->buf, real) == NULL)
		return errno == EACCES ? 403 : 404;
	if (!path_is_inside(root, real))
		return 403;
	if (stat(real, &r->st) == -1)
		return 404;
	strlcpy(r->buf, real, HTTP_RESOLVED_PART);
	return S_ISDIR(r->st.st_mode) ? 1 : 0;
}

/* The root's descriptor, opened once per process, and its name. */
static int path_root = -1;
static char *path_root_name;

/* Make FD, opened on ROOT, the root every lookup starts from. */
static int
path_root_keep(const char *root, int fd)
{
	char *name = strdup(root);

	if (name == NULL) {
		close(fd);
		return -1;
	}
	if (path_root != -1)
		close(path_root);
	free(path_root_name);
	path_root = fd;
	path_root_name = name;
	return fd;
}

/*
 * Every lookup starts from the root's descriptor: its own components are
 * never walked again.  Keyed by the name, so a caller with another root
 * (the unit tests) gets its own.
 */
static int
path_root_fd(const char *root)
{
	if (path_root != -1 && strcmp(path_root_name, root) == 0)
		return path_root;
	int fd = open(*root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd == -1 ? -1 : path_root_keep(root, fd);
}

/*
 * Open REAL, a name realpath gave, following no symlink: a component
 * swapped for one since (by whoever owns a parent) would leave the
 * descriptor on another directory than the name, and CGI, checked and
 * run by name, apart from what is served.
 */
static int
path_open_real(const char *real)
{
	const char *name = *real ? real : "/";
	int fd;
#ifdef SYS_openat2
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS,
	};
	fd = (int)syscall(SYS_openat2, AT_FDCWD, name, &how, sizeof(how));
	if (fd != -1 || errno != ENOSYS)
		return fd;
#endif
	/* Without openat2: the name must still lead to what was opened. */
	struct stat named, opened;
	fd = open(name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 &&
	    (stat(name, &named) == -1 || fstat(fd, &opened) == -1 ||
	     named.st_dev != opened.st_dev || named.st_ino != opened.st_ino)) {
		close(fd);
		errno = ELOOP;
		fd = -1;
	}
	return fd;
}

/*
 * The docroot's real name, and its descriptor opened by that name: every
 * later lookup starts from the descriptor.  realpath costs one readlink
 * per component, answered from the dentry cache; asking the kernel for
 * the name of an open descriptor (/proc/self/fd/N) made procfs build
 * inodes for a process that had never looked there, which cost a one-shot
 * request more than the walk.
 */
char *
http_root_open(const char *dir)
{
	char real[PATH_MAX];

	if (realpath(dir, real) == NULL)
		return NULL;
	if (strcmp(real, "/") == 0)
		real[0] = '\0'; /* so root + "/path" stays one slash */
	char *root = strdup(real);
	int fd = root == NULL ? -1 : path_open_real(root);
	if (fd == -1 || path_root_keep(root, fd) == -1) {
		free(root);
		return NULL;
	}
	return root;
}

/* Whether REL is plain names only: no ".", "..", or empty segment. */
static bool
path_is_plain(const char *rel)
{
	for (const char *p = rel; *p; p += strcspn(p, "/")) {
		if (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0 ||
		    (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
			return false;
	}
	return true;
}

/*
 * path_check_prefix without realpath: lstat the prefix REL (R->buf past
 * ROOT and its '/') from the root's descriptor.  The prefixes before it
 * were checked the same way, so when this one is no symlink either,
 * R->buf is its real path.  -1: a symlink (or an odd name) -- take the
 * realpath way.
 */
static int
path_check_fast(int dir, const char *root, const char *rel,
                struct http_resolved *r)
{
	if (!path_is_plain(rel))
		return -1;
	if (fstatat(dir, *rel ? rel : ".", &r->st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == EACCES ? 403 : 404;
	if (S_ISLNK(r->st.st_mode))
		return -1;
	if (*rel == '\0')
		strlcpy(r->buf, *root ? root : "/", HTTP_RESOLVED_PART);
	return S_ISDIR(r->st.st_mode) ? 1 : 0;
}

/* One step of http_resolve: ROOT + PATH's first NEXT bytes. */
static int
path_check(const char *root, const char *path, size_t next, int *dir,
           struct http_resolved *r)
{
	size_t n = strlen(root);

	if (n + next >= PATH_MAX)
		return 414; /* never look up a truncated path */
	/* The candidate goes where the real path is kept: on the fast way
	 * it is the real path. */
	memcpy(r->buf, root, n);
	memcpy(r->buf + n, path, next);
	r->buf[n + next] = '\0';
	if (*dir != -1) {
		int rc = path_check_fast(*dir, root, r->buf + n + 1, r);
		if (rc != -1)
			return rc;
		*dir = -1; /* past a symlink: realpath from here on */
	}
	return path_check_prefix(root, r);
}

/*
 * Pack the URL parts behind the real path in R->buf: SCRIPT_NAME is PATH's
 * first NEXT bytes, PATH_INFO the rest.  Each is cut at
 * HTTP_RESOLVED_PART - 1 bytes, as the arrays they replace were.
 */
static void
path_pack(struct http_resolved *r, const char *path, size_t next)
{
	char *p = r->buf + strlen(r->buf) + 1;
	size_t n = next < HTTP_RESOLVED_PART ? next : HTTP_RESOLVED_PART - 1;

	r->file = r->buf;
	r->script_name = p;
	memcpy(p, path, n);
	p[n] = '\0';
	r->path_info = p += n + 1;
	strlcpy(p, path + next, HTTP_RESOLVED_PART);
}

int
http_resolve(const char *root, const char *path,
             bool (*is_script)(const char *file, const void *arg),
             const void *arg, struct http_resolved *r)
{
	size_t at = 0;
	int dir = path_root_fd(root);

	/* Not the buffer: the paths are packed in its first bytes. */
	memset(&r->st, 0, sizeof(r->st));
	r->file = r->script_name = r->path_info = "";
	/* Walk segment by segment: a CGI script may be followed by
	 * PATH_INFO, and every step is confined to ROOT. */
	for (;;) {
		size_t next = at + 1 + strcspn(path + at + 1, "/");
		if (strcmp(path, "/") == 0)
			next = 1;
		int rc = path_check(root, path, next, &dir, r);
		if (rc > 1)
			return rc;
		if (path[next] == '\0') {
			path_pack(r, path, next);
			return 0;
		}
		if (rc == 0) {
			/* A file with more path after it: only a script. */
			if (!S_ISREG(r->st.st_mode) || is_script == NULL ||
			    !is_script(r->buf, arg))
				return 404;
			path_pack(r, path, next);
			return 0;
		}
		at = next;
	}
}

/*
 * http_resolve checked FILE's real path; between that check and the open,
 * a local user who can write in the tree could swap a directory for a
 * symlink to "/".  openat2 (Linux 5.6) refuses any symlink on the way
 * and any step out of ROOT, so what is opened is what was checked.
 */
int
http_open_beneath(const char *root, const char *file, int flags)
{
#ifdef SYS_openat2
	size_t n = strlen(root);

	if (strncmp(file, root, n) == 0 &&
	    (file[n] == '/' || file[n] == '\0')) {
		const char *rel =
		    file[n] == '/' && file[n + 1] ? file + n + 1 : ".";
		int dir = path_root_fd(root);
		if (dir == -1)
			return -1;
		struct open_how how = {
		    .flags = (uint64_t)(flags | O_CLOEXEC),
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
		};
		int fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
		if (fd != -1 || errno != ENOSYS)
			return fd;
	}
#endif
	return open(file, flags | O_NOFOLLOW | O_CLOEXEC);
}
