/* SPDX-License-Identifier: ISC */
/* test_http_path.c -- request paths: decode once, normalise, confine (every
 * classic attack) */
#include <config.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"

static int
norm(const char *target, char *out)
{
	const char *q;
	bool slash;

	return http_path_normalize(target, out, 4096, &q, &slash);
}

/* A target, the status wanted, and for 0 the normal form. */
struct path_case {
	const char *target;
	int want;
	const char *out;
};

static const struct path_case path_cases[] = {
    /* Traversal, plain and encoded (Apache CVE-2021-41773). */
    {"/../etc/passwd", 400, NULL},
    {"/a/../../etc/passwd", 400, NULL},
    {"/%2e%2e/etc/passwd", 400, NULL},
    {"/.%2e/etc/passwd", 400, NULL},
    {"/.%2e", 400, NULL},
    {"/a/%2e%2e", 0, "/"},
    /* Double encoding is decoded once only (CVE-2021-42013). */
    {"/%252e%252e/x", 0, "/%2e%2e/x"},
    {"/%%32%65%%32%65/x", 400, NULL},
    {"/.%%32%65/x", 400, NULL},
    /* Encoded separators, NUL, backslashes, control bytes. */
    {"/%2E%2E%2Fetc", 400, NULL},
    {"/a%2fb", 400, NULL},
    {"/..%2fx", 400, NULL},
    {"/a%00b", 400, NULL},
    {"/.%00./x", 400, NULL},
    {"/..\\..\\etc", 400, NULL},
    {"/a%5c..%5cb", 400, NULL},
    {"/a%0d%0ab", 400, NULL},
    {"/.%0d./x", 400, NULL}, /* Nostromo CVE-2019-16278 */
    {"/a%09b", 400, NULL},
    {"/a%7fb", 400, NULL},
    {"/%zz", 400, NULL},
    {"/%2", 400, NULL},
    {"relative", 400, NULL},
    {"*", 400, NULL},
    {"http://h", 400, NULL},
    /* Overlong UTF-8 dots stay two odd bytes, never "..". */
    {"/%c0%ae%c0%ae/x", 0, "/\xc0\xae\xc0\xae/x"},
    /* Dotfiles are hidden; Tomcat's "..;" is just such a name. */
    {"/.hidden", 404, NULL},
    {"/a/.git/config", 404, NULL},
    {"/a/..;/b", 404, NULL},
    /* Normal forms. */
    {"/", 0, "/"},
    {"//etc/passwd", 0, "/etc/passwd"},
    {"/a//b/./c/../d", 0, "/a/b/d"},
    {"/a%20b/%41", 0, "/a b/A"},
    {"/x#frag/../../y", 0, "/x"},
    {"https://h:1/p?x", 0, "/p"},
    {"http://example.org/x", 0, "/x"},
};

Test(path, the_classic_attacks_and_normal_forms)
{
	char out[4096];

	for (size_t i = 0; i < sizeof(path_cases) / sizeof(*path_cases); i++) {
		const struct path_case *c = &path_cases[i];
		int got = norm(c->target, out);
		cr_assert_eq(got, c->want, "%s: %d", c->target, got);
		if (c->out != NULL)
			cr_assert_str_eq(out, c->out, "%s", c->target);
	}
}

static char tree[PATH_MAX];

/* Make NAME under the test tree: a file, a directory ("/"), or a link. */
static void
make(const char *name, const char *link_to)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", tree, name);
	if (link_to == NULL)
		fclose(fopen(p, "w"));
	else if (strcmp(link_to, "/") == 0)
		cr_assert_eq(mkdir(p, 0755), 0);
	else
		cr_assert_eq(symlink(link_to, p), 0, "%s", p);
}

static void
tree_create(void)
{
	char root[] = "/tmp/portier-path.XXXXXX";

	cr_assert_not_null(mkdtemp(root));
	cr_assert_not_null(realpath(root, tree));
}

static void
tree_remove(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tree);
	cr_assert_eq(system(cmd), 0);
}

Test(path, resolve_confines_symlinks)
{
	struct http_resolved r;

	tree_create();
	make("in.txt", NULL);
	make("out", "/etc");
	make("inside", "in.txt");
	cr_assert_eq(http_resolve(tree, "/in.txt", NULL, NULL, &r), 0);
	cr_assert_eq(http_resolve(tree, "/inside", NULL, NULL, &r), 0);
	cr_assert_eq(http_resolve(tree, "/out/passwd", NULL, NULL, &r), 403);
	cr_assert_eq(http_resolve(tree, "/missing", NULL, NULL, &r), 404);
	cr_assert_eq(http_resolve(tree, "/in.txt/more", NULL, NULL, &r), 404);
	tree_remove();
}

Test(path, query_and_trailing_slash)
{
	char out[4096];
	const char *q;
	bool slash;

	cr_assert_eq(
	    http_path_normalize("/dir/?x=%2e", out, sizeof(out), &q, &slash),
	    0);
	cr_assert_str_eq(out, "/dir");
	cr_assert(slash);
	cr_assert_str_eq(q, "x=%2e");
	cr_assert_eq(
	    http_path_normalize("/a/./b/", out, sizeof(out), &q, &slash), 0);
	cr_assert_str_eq(out, "/a/b");
	cr_assert(slash);
	cr_assert_null(q);
	cr_assert_eq(http_path_normalize("/a/b", out, sizeof(out), &q, &slash),
	             0);
	cr_assert_not(slash);
}

Test(path, lengths)
{
	char out[64], target[200];

	memset(target, 'a', sizeof(target) - 1);
	target[0] = '/';
	target[sizeof(target) - 1] = '\0';
	const char *q;
	bool slash;
	cr_assert_eq(http_path_normalize(target, out, sizeof(out), &q, &slash),
	             414);
	/* Dot segments shrink a path: what counts is the normal form. */
	char big[HTTP_MAX_REQUEST_LINE + 100];
	size_t n = 0;
	while (n + 3 < sizeof(big) - 20) {
		memcpy(big + n, "/./", 3);
		n += 3;
	}
	strlcpy(big + n, "x", sizeof(big) - n);
	cr_assert_eq(http_path_normalize(big, out, sizeof(out), &q, &slash),
	             414, "longer than a request line");
}

static bool
is_script(const char *file, const void *arg)
{
	(void)arg;
	size_t n = strlen(file);

	return n > 4 && strcmp(file + n - 4, ".cgi") == 0;
}

Test(path, resolve_walks_to_scripts_and_refuses_the_rest)
{
	char p[PATH_MAX * 2];
	struct http_resolved r;

	tree_create();
	make("d", "/");
	make("d/s.cgi", NULL);
	make("d/f.txt", NULL);
	/* A link to a directory inside the root is fine, and one by an
	 * absolute name too, as long as it resolves inside. */
	make("alias", "d");
	snprintf(p, sizeof(p), "%s/d", tree);
	make("absalias", p);
	/* Relative escapes, chains, and links that dangle. */
	make("d/up", "../..");
	make("chain", "d/up");
	make("dangling", "nowhere");
	/* A root that is a prefix of a sibling: ROOT/d must not allow
	 * ROOT/dd through a link. */
	make("dd", "/");
	make("d/sib", "../dd");

	cr_assert_eq(http_resolve(tree, "/", NULL, NULL, &r), 0);
	cr_assert_str_eq(r.file, tree);
	cr_assert(S_ISDIR(r.st.st_mode));
	cr_assert_eq(http_resolve(tree, "/d/s.cgi/a/b", is_script, NULL, &r),
	             0);
	cr_assert_str_eq(r.script_name, "/d/s.cgi");
	cr_assert_str_eq(r.path_info, "/a/b");
	cr_assert_eq(http_resolve(tree, "/d/f.txt/a", is_script, NULL, &r),
	             404);
	cr_assert_eq(http_resolve(tree, "/alias/f.txt", NULL, NULL, &r), 0);
	cr_assert_eq(http_resolve(tree, "/absalias/f.txt", NULL, NULL, &r), 0);
	snprintf(p, sizeof(p), "%s/d/f.txt", tree);
	cr_assert_str_eq(r.file, p);
	cr_assert_eq(http_resolve(tree, "/d/up", NULL, NULL, &r), 403);
	cr_assert_eq(http_resolve(tree, "/d/up/etc/passwd", NULL, NULL, &r),
	             403);
	cr_assert_eq(http_resolve(tree, "/chain/tmp", NULL, NULL, &r), 403);
	cr_assert_eq(http_resolve(tree, "/dangling", NULL, NULL, &r), 404);
	snprintf(p, sizeof(p), "%s/d", tree);
	cr_assert_eq(http_resolve(p, "/sib", NULL, NULL, &r), 403);
	/* Past PATH_MAX the lookup is refused, never truncated. */
	char longp[PATH_MAX + 100];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	cr_assert_eq(http_resolve(tree, longp, NULL, NULL, &r), 414);
	tree_remove();
}

/* What http_resolve checked is what gets opened: a symlink swapped in on
 * the way (here: simply present) is refused, not followed. */
Test(path, open_beneath_refuses_links_on_the_way)
{
	char p[PATH_MAX * 2];

	tree_create();
	make("d", "/");
	make("d/f.txt", NULL);
	make("alias", "d");
	make("d/etc", "/etc");
	snprintf(p, sizeof(p), "%s/d/f.txt", tree);
	int fd = http_open_beneath(tree, p, O_RDONLY);
	cr_assert_neq(fd, -1, "%s: %s", p, strerror(errno));
	close(fd);
	snprintf(p, sizeof(p), "%s/d", tree);
	fd = http_open_beneath(tree, p, O_RDONLY | O_DIRECTORY);
	cr_assert_neq(fd, -1);
	close(fd);
	fd = http_open_beneath(tree, tree, O_RDONLY | O_DIRECTORY);
	cr_assert_neq(fd, -1, "the root itself");
	close(fd);
	snprintf(p, sizeof(p), "%s/alias/f.txt", tree);
	cr_assert_eq(http_open_beneath(tree, p, O_RDONLY), -1);
	snprintf(p, sizeof(p), "%s/d/etc/passwd", tree);
	cr_assert_eq(http_open_beneath(tree, p, O_RDONLY), -1);
	tree_remove();
}

/*
 * Under the tree, directories of 200-byte names and then a file ending in
 * SUFFIX, so that the tree's name and REL (from the root, with its '/')
 * are TOTAL bytes together.
 */
static void
make_deep(char *rel, size_t total, const char *suffix)
{
	char p[PATH_MAX + 16];
	size_t t = strlen(tree), n = 0;

	/* Stop while the rest still makes a name of at most 255 bytes. */
	while (total - t - n > 250) {
		rel[n++] = '/';
		memset(rel + n, 'd', 200);
		n += 200;
		rel[n] = '\0';
		snprintf(p, sizeof(p), "%s%s", tree, rel);
		cr_assert_eq(mkdir(p, 0755), 0, "%s", strerror(errno));
	}
	rel[n++] = '/';
	size_t s = strlen(suffix), name = total - t - n;
	memset(rel + n, 'f', name - s);
	memcpy(rel + n + name - s, suffix, s + 1);
	snprintf(p, sizeof(p), "%s%s", tree, rel);
	cr_assert_eq(strlen(p), total);
	fclose(fopen(p, "w"));
}

/* The packed paths at their longest: a path whose real name takes all of
 * PATH_MAX but its NUL resolves; one byte more is 414, never cut. */
Test(path, resolve_the_longest_path_and_414_past_it)
{
	static char rel[PATH_MAX + 8], file[PATH_MAX + 8];
	struct http_resolved r;

	tree_create();
	make_deep(rel, PATH_MAX - 1, "");
	cr_assert_eq(http_resolve(tree, rel, NULL, NULL, &r), 0);
	snprintf(file, sizeof(file), "%s%s", tree, rel);
	cr_assert_str_eq(r.file, file);
	cr_assert_str_eq(r.script_name, rel);
	cr_assert_str_eq(r.path_info, "");
	cr_assert(S_ISREG(r.st.st_mode));
	strcat(rel, "x");
	cr_assert_eq(http_resolve(tree, rel, NULL, NULL, &r), 414);
	tree_remove();
}

/* A script at the longest path with PATH_INFO past a request's worth:
 * all three parts at their longest in the one buffer, PATH_INFO cut at
 * HTTP_RESOLVED_PART - 1 bytes as it always was. */
Test(path, resolve_packs_the_longest_script_and_path_info)
{
	static char rel[PATH_MAX + 8], path[PATH_MAX + 6000],
	    file[PATH_MAX + 8];
	struct http_resolved r;

	tree_create();
	make_deep(rel, PATH_MAX - 1, ".cgi");
	size_t n = strlen(rel);
	memcpy(path, rel, n);
	path[n] = '/';
	memset(path + n + 1, 'p', 5000);
	path[n + 5001] = '\0';
	cr_assert_eq(http_resolve(tree, path, is_script, NULL, &r), 0);
	snprintf(file, sizeof(file), "%s%s", tree, rel);
	cr_assert_str_eq(r.file, file);
	cr_assert_str_eq(r.script_name, rel);
	cr_assert_eq(strlen(r.path_info), HTTP_RESOLVED_PART - 1);
	cr_assert_eq(strncmp(r.path_info, path + n, HTTP_RESOLVED_PART - 1), 0);
	tree_remove();
}

/* The decoded path is sized by the target: the normal form's limit is
 * where it was, and an encoded target longer than a request line that
 * decodes short enough is still fine. */
Test(path, normal_form_limits_with_buffers_by_need)
{
	static char target[3 * HTTP_MAX_REQUEST_LINE + 8];
	static char out[HTTP_MAX_REQUEST_LINE + 1];
	const char *q;
	bool slash;

	for (size_t len = HTTP_MAX_REQUEST_LINE - 2;
	     len <= HTTP_MAX_REQUEST_LINE; len++) {
		memset(target, 'a', len);
		target[0] = '/';
		target[len] = '\0';
		int want = len < HTTP_MAX_REQUEST_LINE ? 0 : 414;
		cr_assert_eq(
		    http_path_normalize(target, out, sizeof(out), &q, &slash),
		    want, "%zu bytes", len);
	}
	target[0] = '/';
	for (size_t i = 0; i < 8000; i++)
		memcpy(target + 1 + 3 * i, "%61", 4);
	cr_assert_eq(http_path_normalize(target, out, sizeof(out), &q, &slash),
	             0);
	cr_assert_eq(strlen(out), 8001);
	/* httpd gives the normal form the target's length and 2: enough
	 * for every target that normalises at all. */
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(*path_cases); i++) {
		const struct path_case *c = &path_cases[i];
		cr_assert_eq(http_path_normalize(c->target, out,
		                                 strlen(c->target) + 2, &q,
		                                 &slash),
		             c->want, "%s", c->target);
	}
}

/* -r's real path, as realpath(3) gives it, and "" for "/"; a directory. */
Test(path, root_open_names_the_real_root)
{
	char p[PATH_MAX * 2];
	struct http_resolved r;

	tree_create();
	make("d", "/");
	make("d/f.txt", NULL);
	make("link", "d");
	snprintf(p, sizeof(p), "%s/link", tree);
	char *root = http_root_open(p);
	cr_assert_not_null(root);
	snprintf(p, sizeof(p), "%s/d", tree);
	cr_assert_str_eq(root, p);
	cr_assert_eq(http_resolve(root, "/f.txt", NULL, NULL, &r), 0);
	free(root);
	root = http_root_open("/");
	cr_assert_str_eq(root, "");
	free(root);
	snprintf(p, sizeof(p), "%s/missing", tree);
	cr_assert_null(http_root_open(p));
	cr_assert_eq(errno, ENOENT);
	/* A file is no docroot: refused, not a site of 404s. */
	snprintf(p, sizeof(p), "%s/d/f.txt", tree);
	cr_assert_null(http_root_open(p));
	cr_assert_eq(errno, ENOTDIR);
	tree_remove();
}

/*
 * realpath names the docroot, then the name is opened: a local user who
 * owns the docroot's directory swaps it for a symlink in between.  The
 * name said "www" while every lookup went on from the symlink's target
 * "out", and CGI (checked and run by name) parted from what was served.
 * The swap is raced here, bounded in count and time.
 */
Test(path, root_open_keeps_name_and_descriptor_together)
{
	char www[PATH_MAX * 2], swap[PATH_MAX * 2], out[PATH_MAX * 2];
	struct stat o, got;
	int parted = 0, named = 0;

	tree_create();
	make("www", "/");
	make("out", "/");
	make("swap", "out");
	snprintf(www, sizeof(www), "%s/www", tree);
	snprintf(swap, sizeof(swap), "%s/swap", tree);
	snprintf(out, sizeof(out), "%s/out", tree);
	cr_assert_eq(stat(out, &o), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		for (int i = 0; i < 5000000 && getppid() != 1; i++)
			renameat2(AT_FDCWD, www, AT_FDCWD, swap,
			          RENAME_EXCHANGE);
		_exit(0);
	}
	time_t end = time(NULL) + 3;
	for (int i = 0; i < 20000 && time(NULL) < end; i++) {
		free(http_root_open(tree)); /* a fresh open for the next */
		char *root = http_root_open(www);
		if (root == NULL || strcmp(root, out) == 0) {
			free(root);
			continue;
		}
		named++;
		int fd = http_open_beneath(root, root, O_PATH | O_DIRECTORY);
		cr_assert_neq(fd, -1);
		cr_assert_eq(fstat(fd, &got), 0);
		parted += got.st_dev == o.st_dev && got.st_ino == o.st_ino;
		close(fd);
		free(root);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	tree_remove();
	cr_assert_gt(named, 0);
	cr_assert_eq(parted, 0,
	             "%d of %d roots named by one path, opened on "
	             "another",
	             parted, named);
}

/*
 * In a chroot without procfs, "/proc/self/fd/N" is a plain link anyone
 * who could write there left: one naming the docroot's parent made the
 * parent's files the ones CGI names and checks, while lookups went on
 * from the docroot's descriptor.  Forged here in a mount namespace.  The
 * name now comes from realpath alone; this keeps it from /proc for good.
 */
Test(path, root_open_ignores_a_forged_proc_link)
{
	char want[PATH_MAX], link[64];

	tree_create();
	make("d", "/");
	snprintf(want, sizeof(want), "%s/d", tree);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) == -1)
			_exit(77); /* no namespaces here: nothing to forge */
		if (mkdir("/proc/self", 0755) == -1 ||
		    mkdir("/proc/self/fd", 0755) == -1)
			_exit(2);
		for (int fd = 0; fd < 64; fd++) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			if (symlink(tree, link) == -1)
				_exit(2);
		}
		char *root = http_root_open(want);
		_exit(root != NULL && strcmp(root, want) == 0 ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	tree_remove();
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("no mount namespace for a forged /proc");
	cr_assert_eq(WEXITSTATUS(status), 0, "root named %s's parent", want);
}
