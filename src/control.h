/* SPDX-License-Identifier: ISC */
/* control.h -- the control socket: portierctl's requests, in the loop */
#ifndef PORTIER_CONTROL_H
#define PORTIER_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "ctlstatus.h"

/* What main.c does for a request; the control socket only carries it. */
struct control_hooks {
	/* 0 and what changed in MSG, or -1 and the FILE:LINE error. */
	int (*reload)(char *msg, size_t msglen);
	/* Re-execute the binary; CONN is the client's to answer (by
	 * the new image, or by the old one when that failed). */
	void (*upgrade)(int conn);
	void (*stop)(void);
	const struct ctlstatus_daemon *daemon;
};

/*
 * Listen on PATH (mode 0600; a stale socket is replaced, a live one is
 * an error).  -1 with ERR.
 */
int control_open(const char *path, const struct control_hooks *, char *err,
                 size_t errlen);
/* Close every control connection and remove the socket (at exit). */
void control_close(void);
/* Before an exec: drop the socket and connections, keep the file. */
void control_forget(void);
/* Answer a request the previous image took (an upgrade), and close. */
void control_answer_fd(int conn, bool ok, const char *message);

#endif
