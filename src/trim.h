/* SPDX-License-Identifier: ISC */
/* trim.h -- give the heap's free pages back after a load or a busy spell */
#ifndef PORTIER_TRIM_H
#define PORTIER_TRIM_H

/* Return free heap pages to the kernel now (after a config load). */
void trim_now(void);
/* A connection ended: trim once things have been quiet for a moment. */
void trim_soon(void);

#endif
