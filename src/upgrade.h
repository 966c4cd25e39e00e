/* SPDX-License-Identifier: ISC */
/* upgrade.h -- re-execute the binary in place: same PID, listeners and
 * handlers handed over */
#ifndef PORTIER_UPGRADE_H
#define PORTIER_UPGRADE_H

#include <stdbool.h>
#include <time.h>

/* The signal that asks for an upgrade (USR2 reopens the log). */
#define UPGRADE_SIGNAL SIGURG
/* In-loop connections get this long to finish before the exec. */
#define UPGRADE_DRAIN_MS 3000
/* The new binary's -C check of the configuration may take this long. */
#define UPGRADE_CHECK_MS 10000

/* Once, first thing in main: remember the binary and its arguments. */
void upgrade_init(int argc, char *argv[]);

/*
 * Old image: check the new binary and the configuration (its -C), hold
 * the listeners, let in-loop connections finish, then exec.  CONN (or
 * -1) is a control client to answer: by the new image on success, here
 * on failure (then the old image serves on).
 */
void upgrade_start(int conn, const char *config_file, time_t started);

/* The daemon stops while in-loop connections drain: no exec. */
void upgrade_cancel(void);

/*
 * New image, before gate_init: true when started by an upgrade; takes
 * the state the old image left and offers its listeners to listen.c.
 */
bool upgrade_restore_begin(void);
/*
 * New image, after svc_start: adopt the handlers, close listeners the
 * configuration dropped, answer the control client.  *STARTED is the
 * daemon's first start.
 */
void upgrade_restore_finish(time_t *started);

#endif
