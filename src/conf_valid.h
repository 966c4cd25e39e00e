/* SPDX-License-Identifier: ISC */
/* conf_valid.h -- each option's value checked as libConfuse reads it */
#ifndef PORTIER_CONF_VALID_H
#define PORTIER_CONF_VALID_H

#include <stdbool.h>

#include <confuse.h>

/* True when OPTION is a list that also takes "+=" and "-=". */
typedef bool conf_valid_list_fn(const char *option);

/*
 * Hang a validator on every checked option of CFG (made from conf.c's
 * tables): in service and defaults sections, and their "+=" / "-="
 * forms where IS_LIST says the option has them.
 */
void conf_valid_attach(cfg_t *cfg, conf_valid_list_fn *is_list);

#endif
