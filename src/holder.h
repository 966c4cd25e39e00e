/* SPDX-License-Identifier: ISC */
/* holder.h -- which process holds a port: -C tells "in use" from "ours" */
#ifndef PORTIER_HOLDER_H
#define PORTIER_HOLDER_H

#include <stdbool.h>

/*
 * Whether the socket bound to PORT (TCP listener, or UDP) belongs to a
 * running portierd: then -C, run beside the daemon it checks for, does
 * not call its own ports "in use".  From /proc; false when unsure.
 */
bool holder_is_portierd(unsigned port, bool is_tcp);

#endif
