/* SPDX-License-Identifier: ISC */
/* conf_fixture.h -- a temp dir of config files for the conf_load tests */
#ifndef PORTIER_CONF_FIXTURE_H
#define PORTIER_CONF_FIXTURE_H

#include <sys/types.h>
#include <limits.h>

#include "conf.h"

extern char fx_dir[PATH_MAX]; /* this test's temp dir */
extern char fx_err[1024];     /* conf_load's last message */

/* Criterion .init / .fini: make and remove fx_dir. */
void fx_setup(void);
void fx_teardown(void);
/* Write TEXT to fx_dir/NAME with MODE; returns the path (static). */
const char *fx_write(const char *name, const char *text, mode_t mode);
/* conf_load of TEXT written as fx_dir/portier.conf. */
struct config *fx_load(const char *text);
/* Assert TEXT is refused with exactly "<fx_dir>/portier.conf:LINE: MSG";
 * a %s in MESSAGE stands for fx_dir. */
void fx_refused(const char *text, int line, const char *message);

#endif
