/* SPDX-License-Identifier: ISC */
/* starve.h -- out of descriptors: every service that needs one pauses */
#ifndef PORTIER_STARVE_H
#define PORTIER_STARVE_H

#include <stdbool.h>

#include "service.h"

/* A pause began or ended: the caller re-judges every service. */
typedef void starve_changed_fn(void);
void starve_init(starve_changed_fn *on_change);

/* ERR (an errno) stopped SVC's WHAT: pause admitting; one line a pause.
 * True when no pause began because a descriptor was freed instead (the
 * caller may try again at once). */
bool starve_begin(const struct service *svc, const char *what, int err);
/* A client was served (its handler started, or an internal service took
 * it): the next pause starts short again.  An accepted client is not
 * enough: with one descriptor free, accept(2) works and the spawn fails.
 * Time alone is not enough either: a descriptor freed in each pause and
 * a client waiting for it make every pause begin as the last ends, yet
 * each serves one.  A pause that begins long after the last one ended
 * starts short too. */
void starve_served(void);
/* True while SVC must wait: it needs a descriptor to admit a client. */
bool starve_blocks(const struct service *svc);

#endif
