/* SPDX-License-Identifier: ISC */
/* conf_build.h -- turn libConfuse's parsed tree into struct config */
#ifndef PORTIER_CONF_BUILD_H
#define PORTIER_CONF_BUILD_H

#include <confuse.h>

#include "service.h"

/*
 * The configuration CFG (parsed from FILE) describes, every value
 * checked; NULL after reporting the first problem (conf_error.h).
 */
struct config *conf_build(cfg_t *cfg, const char *file);

#endif
