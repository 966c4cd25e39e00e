/* SPDX-License-Identifier: ISC */
/* backoff.h -- a service whose handlers keep failing at once rests a while */
#ifndef PORTIER_BACKOFF_H
#define PORTIER_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "service.h"

/* A back-off pause of SVC ended: the caller decides what to watch. */
typedef void backoff_resume_fn(struct service *svc);
void backoff_init(backoff_resume_fn *on_resume);

int backoff_service_init(struct service *);
void backoff_service_fini(struct service *);
void backoff_adopt(struct service *old, struct service *new);

/*
 * A handler of SVC failed at once (WHY says how).  True when that makes
 * the service pause (logged once); ON_RESUME is called when it ends.
 */
bool backoff_failed(struct service *svc, const char *why);
/* A handler did its work: forget earlier failures and pauses. */
void backoff_succeeded(struct service *);
bool backoff_is_paused(const struct service *);

/*
 * wait = yes: note the input waiting on listener FD before its handler
 * starts; after it exited, ask whether that input is still there.
 */
void backoff_mark_input(struct service *, int fd);
bool backoff_input_left(struct service *);
void backoff_forget_input(struct service *);

/* wait = no: the handler just started failed before exec, or did not. */
void backoff_judge_spawn(struct service *svc, bool failed_before_exec);
/*
 * A wait = yes handler exited with STATUS (started at START_MS): quick
 * failures count toward a back-off, work done forgets them.
 */
void backoff_judge_exit(struct service *svc, int status, uint64_t start_ms);

#endif
