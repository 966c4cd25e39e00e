/* SPDX-License-Identifier: ISC */
/* scrape.h -- internal = metrics: HTTP/1.0 GET /metrics, answered in the loop
 */
#ifndef PORTIER_SCRAPE_H
#define PORTIER_SCRAPE_H

#include <stddef.h>

#include "textbuf.h"

/* A scraper gets this long to send its request and read the answer. */
#define SCRAPE_TIMEOUT_MS 5000

/* Every running service's counters, Prometheus text format 0.0.4. */
int scrape_text(struct textbuf *out);

/*
 * Is the request in BUF (LEN bytes, all that arrived) complete?  0: not
 * yet; else the HTTP status to answer (200, 400, 404, 405).  FULL: BUF
 * has no room left, so an incomplete request is answered 400.
 */
int scrape_request(const char *buf, size_t len, int full);

/* The whole HTTP/1.0 response for CODE (the metrics for 200). */
int scrape_response(struct textbuf *out, int code);

#endif
