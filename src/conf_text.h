/* SPDX-License-Identifier: ISC */
/* conf_text.h -- read a config file with its comments blanked out */
#ifndef PORTIER_CONF_TEXT_H
#define PORTIER_CONF_TEXT_H

#include <stddef.h>

/* Longest config file we read. */
#define CONF_TEXT_MAX (4 * 1024 * 1024)

/*
 * Blank out every comment of TEXT (LEN bytes) the way libConfuse's lexer
 * finds them ('#' and '//' to the end of the line, C-style blocks, never
 * inside quotes), keeping every newline so line numbers stay true.
 */
void conf_text_strip_comments(char *text, size_t len);

/*
 * FILE's contents, comments blanked, NUL-terminated, length in *LEN; or
 * NULL with errno set (EFBIG past CONF_TEXT_MAX).
 */
char *conf_text_read(const char *file, size_t *len);

#endif
