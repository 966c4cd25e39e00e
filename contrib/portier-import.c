/* SPDX-License-Identifier: ISC */
/* portier-import.c -- xinetd.conf and inetd.conf as a portier.conf */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <err.h>

#include "import.h"

#define IMPORT_XINETD_CONF "/etc/xinetd.conf"
#define IMPORT_INETD_CONF "/etc/inetd.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: portier-import [-R root] [-x xinetd.conf] "
	                "[-i inetd.conf] [-o file]\n");
	exit(2);
}

/* With neither -x nor -i: the usual files, those that exist. */
static bool
import_exists(const char *root, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root ? root : "", file);
	return access(path, R_OK) == 0;
}

/* Never over an admin's file: -o creates, or fails. */
static FILE *
import_open_output(const char *file)
{
	if (file == NULL)
		return stdout;
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *fp = fd == -1 ? NULL : fdopen(fd, "w");
	if (fp == NULL)
		err(1, "%s", file);
	return fp;
}

static void
import_header(FILE *fp, const char *xinetd, const char *inetd)
{
	fprintf(fp,
	        "# portier.conf made by portier-import from %s%s%s.\n"
	        "# Every attribute portier has is carried over; a comment "
	        "names each one\n"
	        "# it has not, and why.  Check: portierd -C -f THIS_FILE\n",
	        xinetd ? xinetd : "", xinetd && inetd ? " and " : "",
	        inetd ? inetd : "");
}

static size_t
import_count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* What the admin should read before using the file. */
static void
import_summary(const char *text, const char *output)
{
	size_t services = import_count(text, "\nservice ");
	size_t skipped = import_count(text, "\n# not imported: ");
	size_t notes = import_count(text, "\n\t# ");

	fprintf(stderr,
	        "portier-import: %zu service%s written, %zu commented out, "
	        "%zu comment%s on attributes; read them, then: portierd -C "
	        "-f %s\n",
	        services, services == 1 ? "" : "s", skipped, notes,
	        notes == 1 ? "" : "s", output ? output : "FILE");
}

int
main(int argc, char **argv)
{
	struct import_config cfg = {0};
	const char *xinetd = NULL, *inetd = NULL, *output = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "R:x:i:o:h")) != -1) {
		switch (ch) {
		case 'R':
			cfg.root = optarg;
			break;
		case 'x':
			xinetd = optarg;
			break;
		case 'i':
			inetd = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (xinetd == NULL && inetd == NULL) {
		if (import_exists(cfg.root, IMPORT_XINETD_CONF))
			xinetd = IMPORT_XINETD_CONF;
		if (import_exists(cfg.root, IMPORT_INETD_CONF))
			inetd = IMPORT_INETD_CONF;
		if (xinetd == NULL && inetd == NULL)
			errx(1,
			     "neither %s nor %s exists: name one with -x "
			     "or -i",
			     IMPORT_XINETD_CONF, IMPORT_INETD_CONF);
	}
	if ((xinetd && import_read_xinetd(&cfg, xinetd) == -1) ||
	    (inetd && import_read_inetd(&cfg, inetd) == -1))
		errx(1, "%s", cfg.err);
	char *text = import_emit(&cfg);
	if (text == NULL)
		err(1, "out of memory");
	FILE *fp = import_open_output(output);
	import_header(fp, xinetd, inetd);
	fputs(text, fp);
	if (fflush(fp) != 0 || ferror(fp))
		err(1, "%s", output ? output : "stdout");
	import_summary(text, output);
	free(text);
	import_config_free(&cfg);
	return 0;
}
