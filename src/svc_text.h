/* SPDX-License-Identifier: ISC */
/* svc_text.h -- services back in portier.conf's syntax: -P and reload diffs */
#ifndef PORTIER_SVC_TEXT_H
#define PORTIER_SVC_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "service.h"

/*
 * Every attribute of SVC, defaults applied, as a `service NAME { }`
 * section that loads back into the same service.
 */
void svc_text_service(FILE *, const struct service *svc);
/* The whole configuration: global options, then every service. */
void svc_text_config(FILE *, const struct config *cfg);
/*
 * What a reload changes, for its log line: " +new ~changed -gone (N
 * services)" into OUT.  OLD may be NULL.
 */
void svc_text_changes(const struct config *old, const struct config *new,
                      char *out, size_t outlen);

#endif
