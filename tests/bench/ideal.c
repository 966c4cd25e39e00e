/* SPDX-License-Identifier: ISC */
/* ideal.c -- the floor for the exec path: accept, posix_spawn /bin/cat, nothing
 * else */
#include <config.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

/* Reap in the handler so the children's CPU shows in our cutime/cstime,
 * as it does for portierd: the CPU-per-connection figures compare. */
static void
reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int one = 1;

	if (argc != 2)
		return 100;
	struct sigaction sa = {.sa_handler = reap, .sa_flags = SA_RESTART};
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
	char *args[] = {"cat", NULL};
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1)
			continue;
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, c, 0);
		posix_spawn_file_actions_adddup2(&fa, c, 1);
		pid_t pid;
		posix_spawn(&pid, "/bin/cat", &fa, NULL, args, environ);
		posix_spawn_file_actions_destroy(&fa);
		close(c);
	}
}
