/* SPDX-License-Identifier: ISC */
/* conf_list.h -- a list attribute's values: the service's, or defaults' +/- */
#ifndef PORTIER_CONF_LIST_H
#define PORTIER_CONF_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include <confuse.h>

/* cfg_getopt(SEC, NAME) for a plain name, fast; NULL for a NULL SEC. */
cfg_opt_t *conf_opt(cfg_t *sec, const char *name);
/* Free what conf_opt remembers; conf_load calls it at its end. */
void conf_opt_forget(void);
/* Whether SEC (may be NULL) sets NAME, an empty list included. */
bool conf_is_set(cfg_t *sec, const char *name);
/* Whether list NAME has a value from SEC or DEFS, by = or by +=. */
bool conf_list_is_set(cfg_t *sec, cfg_t *defs, const char *name);
/*
 * List NAME of a service as xinetd reads it: the service's own "=" list,
 * else defaults'; then what "+=" adds and "-=" takes away (defaults'
 * first, then the service's).  NULL-terminated copy with EXTRA empty
 * slots in front; NULL when nothing sets it and EXTRA is 0.
 */
char **conf_list(cfg_t *sec, cfg_t *defs, const char *name, size_t extra);

#endif
