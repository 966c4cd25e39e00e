/* SPDX-License-Identifier: ISC */
/* conf_addr.h -- no two enabled services may take the same address */
#ifndef PORTIER_CONF_ADDR_H
#define PORTIER_CONF_ADDR_H

#include <confuse.h>

#include "service.h"

/*
 * The first service of CONFIG (in file order, CFG's service sections)
 * that takes the address of an earlier one is reported at its port
 * line: -1.  0 when every address is taken once.
 */
int conf_addr_check(struct config *config, cfg_t *cfg);

#endif
