/* SPDX-License-Identifier: ISC */
/* activate.h -- sockets handed over by systemd (LISTEN_FDS), kept for reuse */
#ifndef PORTIER_ACTIVATE_H
#define PORTIER_ACTIVATE_H

#include <sys/socket.h>
#include <stdbool.h>

/*
 * Take the sockets of sd_listen_fds(3) when LISTEN_PID is this process:
 * how many, 0 when none were passed, -1 (errno) when one is unusable.
 * The variables are removed so that handlers do not see them.
 */
int activate_init(void);
/* A passed socket named SERVICE (FileDescriptorName=) of this TYPE and
 * PROTOCOL (0 for AF_UNIX), marked taken; -1 when there is none left. */
int activate_take_named(const char *service, int type, int protocol);
/* Whether any passed socket carries the name SERVICE. */
bool activate_has_name(const char *service);
/* An unnamed passed socket bound to SA with TYPE and PROTOCOL, or -1. */
int activate_take_address(int type, int protocol, const struct sockaddr *sa,
                          socklen_t len);
/*
 * FD is closed by its service (a reload): if it was passed, keep it open
 * for the next service that matches and return true; false: close it.
 */
bool activate_give_back(int fd);
/* Log and close every passed socket that no service took (at start). */
void activate_close_unused(void);

#endif
