/* SPDX-License-Identifier: ISC */
/* notify.h -- tell systemd about the daemon's state (sd_notify's protocol) */
#ifndef PORTIER_NOTIFY_H
#define PORTIER_NOTIFY_H

/*
 * Send STATE ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...", or
 * several joined by newlines) as one datagram to $NOTIFY_SOCKET.  Without
 * that variable (not started by systemd, or Type= is not notify) it does
 * nothing and returns 0.  Never blocks: a full or absent receiver is -1
 * with errno set, and the daemon goes on either way.
 */
int notify_send(const char *state);

#endif
