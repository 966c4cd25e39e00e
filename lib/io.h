/* SPDX-License-Identifier: ISC */
/* io.h -- safe descriptor I/O shared by the daemon and the handlers */
#ifndef PORTIER_IO_H
#define PORTIER_IO_H

#include <sys/types.h>

/* Write all of BUF, retrying on EINTR and short writes; -1 on error. */
ssize_t io_write_all(int fd, const void *buf, size_t len);

/* Read until LEN bytes or EOF, retrying on EINTR; returns bytes read. */
ssize_t io_read_full(int fd, void *buf, size_t len);

#endif
