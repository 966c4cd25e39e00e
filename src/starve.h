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
/* True while SVC must wait: it needs a descriptor to admit a client. */
bool starve_blocks(const struct service *svc);

#endif
