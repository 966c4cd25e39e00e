/* SPDX-License-Identifier: ISC */
/* ideal.c -- the floors: accept and posix_spawn /bin/cat, or answer in-process
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Reap in the handler so the children's CPU shows in our cutime/cstime,
 * as it does for portierd: the CPU-per-connection figures compare. */
static void
ideal_reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
}

static void
ideal_spawn(int c)
{
	static char *args[] = {"cat", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, c, 0);
	posix_spawn_file_actions_adddup2(&fa, c, 1);
	posix_spawn(&pid, "/bin/cat", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
}

/* In-process echo: what an internal service costs at the least. */
static void
ideal_echo(int c)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		if (write(c, buf, (size_t)n) != n)
			break;
}

static void
ideal_daytime(int c)
{
	char line[64];
	time_t now = time(NULL);
	size_t n = strlen(ctime_r(&now, line));

	if (write(c, line, n) != (ssize_t)n)
		return;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int one = 1;
	void (*serve)(int) = ideal_spawn;

	if (argc < 2 || argc > 3)
		return 100;
	if (argc == 3 && strcmp(argv[2], "echo") == 0)
		serve = ideal_echo;
	else if (argc == 3 && strcmp(argv[2], "daytime") == 0)
		serve = ideal_daytime;
	struct sigaction sa = {.sa_handler = ideal_reap,
	                       .sa_flags = SA_RESTART};
	sigaction(SIGCHLD, &sa, NULL);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1024) == -1) {
		perror("ideal");
		return 111;
	}
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1)
			continue;
		serve(c);
		close(c);
	}
}
