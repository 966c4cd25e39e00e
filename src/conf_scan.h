/* SPDX-License-Identifier: ISC */
/* conf_scan.h -- a light look at config text: sections, option lines, += */
#ifndef PORTIER_CONF_SCAN_H
#define PORTIER_CONF_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* What "+=" and "-=" become: options of their own, so conf_build can add
 * to (or take from) what defaults{} set, as xinetd does. */
#define CONF_SCAN_ADD "__add"
#define CONF_SCAN_REMOVE "__remove"

/*
 * All of these take text whose comments are blanked (conf_text.c).
 *
 * The line of a '{' that is never closed, with its section's header
 * ("service echo") in SECTION; 0 when every brace is closed.  The line
 * of a quote never closed in *QUOTE_LINE, else 0.
 */
int conf_scan_unclosed(const char *text, char *section, size_t len,
                       int *quote_line);
/* The line where OPTION is set inside SECTION ("service echo",
 * "defaults"; NULL: outside any section), or 0. */
int conf_scan_option_line(const char *text, const char *section,
                          const char *option);
/* The same, read from FILE (for messages); FILE is scanned once into an
 * index kept until another file is asked for or conf_scan_forget(). */
int conf_scan_file_line(const char *file, const char *section,
                        const char *option);
void conf_scan_forget(void);
/* TEXT with "name += " as "name__add = " and "name -= " as
 * "name__remove = ", lines unchanged; malloc'd, or NULL. */
char *conf_scan_rewrite_ops(const char *text, size_t *len);

#endif
