/* SPDX-License-Identifier: ISC */
/* httpd_site.c -- the test docroot with every case, portierd serving it
 * with httpd, and the clients the httpd tests talk to it with */
#include <config.h>

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "httpd_site.h"

struct h_daemon d;
uint16_t port;
char root[PATH_MAX + 8];

void
mkdir_in(const char *name)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", root, name);
	cr_assert_eq(mkdir(p, 0755), 0, "%s: %s", p, strerror(errno));
}

void
file_in(const char *name, const char *text, int mode)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "www/%s", name);
	h_write_file(&d, p, text, mode);
}

/* A sparse file of SIZE bytes, modified 2026-01-02 03:04:05 UTC. */
static void
sized_file_in(const char *name, off_t size)
{
	char p[PATH_MAX * 2];
	const struct timespec when[2] = {{1767323045, 0}, {1767323045, 0}};

	snprintf(p, sizeof(p), "%s/%s", root, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_neq(fd, -1, "%s: %s", p, strerror(errno));
	cr_assert_eq(ftruncate(fd, size), 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(futimens(fd, when), 0);
	close(fd);
}

/* portierd running httpd on DOCROOT, on a free loopback port. */
void
serve(const char *docroot, const char *extra_args)
{
	char conf[PATH_MAX * 3];

	port = h_free_port();
	snprintf(conf, sizeof(conf),
	         "service www {\n port = %u\n bind = \"127.0.0.1\"\n"
	         " user = \"root\"\n server = \"%s/services/httpd\"\n"
	         " server_args = {\"-r\", \"%s\", \"-t\", \"5\", \"-T\", \"6\","
	         " \"-H\", \"2\", \"-b\", \"1000\"%s}\n}\n",
	         port, TOP_BUILDDIR, docroot, extra_args);
	h_start(&d, conf);
}

/* The scripts of every shape the CGI tests run. */
static void
start_scripts(void)
{
	file_in("cgi/env.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\r\\n\\r\\n'\nenv | sort\n",
	        0755);
	file_in("cgi/post.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\r\\n\\r\\n'\nprintf 'got %s bytes: ' \"$CONTENT_LENGTH\"\n"
	        "head -c \"$CONTENT_LENGTH\"\n",
	        0755);
	file_in("cgi/garbage.cgi", "#!/bin/sh\necho 'this is not a header'\n",
	        0755);
	file_in("cgi/hang.cgi", "#!/bin/sh\nexec sleep 30\n", 0755);
	file_in("cgi/status.cgi",
	        "#!/bin/sh\nprintf 'Status: 418 Teapot\\n"
	        "Content-Type: text/plain\\n\\nshort and stout\\n'\n",
	        0755);
	file_in("cgi/redirect.cgi",
	        "#!/bin/sh\nprintf 'Location: "
	        "/hello.txt\\n\\n'\n",
	        0755);
	file_in("cgi/away.cgi",
	        "#!/bin/sh\nprintf 'Location: "
	        "http://example.org/\\n\\n'\n",
	        0755);
	file_in("cgi/nph-raw.cgi",
	        "#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\n"
	        "Content-Type: text/plain\\r\\n\\r\\nraw\\n'\n",
	        0755);
	file_in("cgi/noexec.cgi", "#!/bin/sh\necho no\n", 0644);
	/* cwd, stdin to EOF (the server must end it at CONTENT_LENGTH), and
	 * a line on stderr that belongs in the log. */
	file_in("cgi/cwd.cgi",
	        "#!/bin/sh\necho cgi-stderr-line >&2\n"
	        "printf 'Content-Type: text/plain\\n\\n'\npwd\ncat\n"
	        "printf '|end'\n",
	        0755);
	file_in("cgi/nph-404.cgi",
	        "#!/bin/sh\nprintf 'HTTP/1.1 404 Nope\\r"
	        "\\n\\r\\n'\n",
	        0755);
	file_in("run/plain",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\n\\nran\\n'\n",
	        0755);
}

/* A docroot with every case, and the daemon serving it. */
void
start(const char *extra_args)
{
	char p[PATH_MAX * 2];

	memset(&d, 0, sizeof(d));
	h_mkdir(&d);
	snprintf(root, sizeof(root), "%s/www", d.dir);
	mkdir(root, 0755);
	mkdir_in("dir");
	mkdir_in("dir/sub");
	mkdir_in("withindex");
	mkdir_in("with space");
	mkdir_in("cgi");
	mkdir_in("run");
	mkdir_in("app");
	file_in("hello.txt", "hello, world\n", 0644);
	file_in("page.html", "<p>page</p>\n", 0644);
	file_in(".secret", "hidden\n", 0644);
	file_in("dir/b.txt", "b\n", 0644);
	file_in("dir/a <&> \"q\".txt", "odd\n", 0644);
	file_in("dir/.dotfile", "x\n", 0644);
	sized_file_in("dir/kilo.bin", 1234);
	sized_file_in("dir/mega.tar", 3565158);
	sized_file_in("dir/giga.iso", 5368709120);
	sized_file_in("dir/almost.bin", 1048575);
	file_in("withindex/index.html", "<p>index</p>\n", 0644);
	file_in("digits.txt", "0123456789", 0644);
	start_scripts();
	file_in("odd.xyz", "x", 0644);
	file_in("app/index.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\n\\n%s %s\\n' \"$REQUEST_METHOD\" \"$SCRIPT_NAME\"\n",
	        0755);
	file_in("image.png", "\x89PNG", 0644);
	file_in("noext", "n", 0644);
	snprintf(p, sizeof(p), "%s/outside", root);
	cr_assert_eq(symlink("/etc", p), 0);
	serve(root, extra_args);
}

/* curl ARGS against the daemon; returns stdout (headers with -i). */
char *
curl(const char *args, int *status)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "curl -s -S --max-time 20 %s", args);
	return h_run(cmd, status);
}

char *
curl_url(const char *opts, const char *path)
{
	char args[2048];
	int status;

	snprintf(args, sizeof(args), "%s 'http://127.0.0.1:%u%s'", opts, port,
	         path);
	char *out = curl(args, &status);
	cr_assert_eq(status, 0, "curl %s failed", args);
	return out;
}

/* The status code of a raw request (sent exactly as given). */
int
raw_status(const char *request, char *reply, size_t size)
{
	return raw_exchange(request, strlen(request), reply, size);
}

int
get_status(const char *path)
{
	char req[16384], reply[4096];

	snprintf(req, sizeof(req),
	         "GET %s HTTP/1.1\r\nHost: t\r\n"
	         "Connection: close\r\n\r\n",
	         path);
	return raw_status(req, reply, sizeof(reply));
}

/* Send REQUEST (LEN bytes) on a fresh connection; the reply until EOF. */
int
raw_exchange(const char *request, size_t len, char *reply, size_t size)
{
	int fd = h_connect("127.0.0.1", port);

	cr_assert_neq(fd, -1);
	h_write_all(fd, request, len);
	ssize_t n = h_read_all(fd, reply, size - 1, 10000);
	close(fd);
	reply[n > 0 ? n : 0] = '\0';
	int code = 0;
	sscanf(reply, "HTTP/1.1 %d", &code);
	return code;
}
