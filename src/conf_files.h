/* SPDX-License-Identifier: ISC */
/* conf_files.h -- which files a load reads, and the text libConfuse gets */
#ifndef PORTIER_CONF_FILES_H
#define PORTIER_CONF_FILES_H

#include <stddef.h>

/*
 * DIR's regular files whose names match PATTERN (fnmatch), skipping what
 * editors and package managers leave behind (dotfiles, *~, #*#, .dpkg-*,
 * .ucf-*, .rpm*): full paths, sorted, NULL-terminated, *COUNT of them;
 * NULL with errno when DIR cannot be read.
 */
char **conf_files_list_dir(const char *dir, const char *pattern, size_t *count);
/*
 * FILE's text for libConfuse: comments blanked, "+=" and "-=" spelled as
 * options; NULL (reported with conf_errorf) when unreadable, binary, or
 * a section is never closed, which libConfuse would take as complete.
 */
char *conf_files_text(const char *file, size_t *len);

#endif
