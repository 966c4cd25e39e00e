/* SPDX-License-Identifier: ISC */
/* svc.h -- the running service table: start, reload by merging, stop */
#ifndef PORTIER_SVC_H
#define PORTIER_SVC_H

#include <stddef.h>

#include "service.h"

/* Open every enabled service of CFG; on failure nothing stays open. */
int svc_start(struct config *cfg, char *err, size_t errlen);
/* What -C adds to conf_load: resolve the access rules' names and read
 * the banners, as a start would; -1 with ERR ("FILE:LINE: ..."). */
int svc_check(struct config *cfg, char *err, size_t errlen);
/* Re-read FILE and merge it into the running table (SIGHUP). */
int svc_reload(const char *file);
/* Close every listener (SIGTERM); handlers keep running. */
void svc_close_listeners(void);
/* A retired service's last handler exited. */
void svc_retired_done(struct service *);
void svc_dump(void);
/* FN for every enabled service of the running configuration. */
void svc_foreach(void (*fn)(struct service *));
void svc_counts(int *services, int *listeners);

#endif
