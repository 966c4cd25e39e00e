/* SPDX-License-Identifier: ISC */
/* main.c -- portierd: options, daemonize, pidfile, the loop's top */
#include <config.h>
#include <stdio.h>

int
main(void)
{
	puts("portierd: not yet");
	return 0;
}
