/* SPDX-License-Identifier: ISC */
/* trim.h -- give back free heap, and the code pages only a load used */
#ifndef PORTIER_TRIM_H
#define PORTIER_TRIM_H

/* After a config load: free heap pages back to the kernel, and the
 * mappings of code and constants dropped (they come back when touched). */
void trim_now(void);
/* A connection ended: trim once things have been quiet for a moment. */
void trim_soon(void);

#endif
