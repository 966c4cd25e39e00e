/* SPDX-License-Identifier: ISC */
/* trim.h -- give back free heap, and the code pages only a load used */
#ifndef PORTIER_TRIM_H
#define PORTIER_TRIM_H

#include <stdbool.h>

/* After a config load: free heap pages back to the kernel, and the
 * mappings of code and constants dropped (they come back when touched). */
void trim_now(void);
/* Whether this kernel maps trimmed pages back one at a time (Linux 6.7),
 * not 64 kB around each one touched. */
bool trim_maps_single_pages(void);
/* Out of descriptors: close the one trim_maps_single_pages keeps, for
 * good.  True if one was freed (the caller may try again at once). */
bool trim_give_back_descriptor(void);
/* A connection ended: trim once things have been quiet for a moment. */
void trim_soon(void);

#endif
