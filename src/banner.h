/* SPDX-License-Identifier: ISC */
/* banner.h -- banner, banner_success and banner_fail: read once, sent whole */
#ifndef PORTIER_BANNER_H
#define PORTIER_BANNER_H

#include <stdbool.h>
#include <stddef.h>

#include "service.h"

/*
 * Read a service's banner files now (so -C and a reload see a missing
 * one); -1 with ERR.  Calling it again on a prepared service does
 * nothing.
 */
int banner_service_init(struct service *, char *err, size_t errlen);
void banner_service_fini(struct service *);
/* banner, then banner_success (GRANTED) or banner_fail, never blocking. */
void banner_send(const struct service *, int conn, bool granted);

#endif
