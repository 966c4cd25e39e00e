/* SPDX-License-Identifier: ISC */
/* promcheck.h -- a strict parser of the Prometheus text format (0.0.4) */
#ifndef PORTIER_TEST_PROMCHECK_H
#define PORTIER_TEST_PROMCHECK_H

/*
 * NULL when TEXT is strictly valid exposition text (names, labels and
 * their escapes, one TYPE before each family's samples, families not
 * split, histograms cumulative with +Inf equal to _count), else why not.
 */
const char *promcheck_error(const char *text);

#endif
