/* SPDX-License-Identifier: ISC */
/* conf.h -- load and validate portier.conf (libconfuse stays behind it) */
#ifndef PORTIER_CONF_H
#define PORTIER_CONF_H

#include <stddef.h>
#include "service.h"

/*
 * Parse FILE and everything it includes, validate every value, and return
 * the new configuration, or NULL with the first problem written to ERR as
 * "FILE:LINE: message".  Nothing is bound or opened; a failed load leaves
 * no trace, so a reload can keep the old configuration.
 */
struct config *conf_load(const char *file, char *err, size_t errlen);

#endif
