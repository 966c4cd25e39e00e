/* SPDX-License-Identifier: ISC */
/* import.h -- portier-import: xinetd and inetd configuration, as read */
#ifndef PORTIER_IMPORT_H
#define PORTIER_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* xinetd's three assignment operators. */
enum import_op { IMPORT_SET, IMPORT_ADD, IMPORT_REMOVE };

/* One `name op values` line, values split on blanks as xinetd does. */
struct import_attr {
	char *name;
	enum import_op op;
	char **values;
	size_t n_values;
	int line;
};

/*
 * A defaults{} or service{} section, or one inetd.conf line turned into
 * the xinetd attributes that say the same thing.
 */
struct import_section {
	char *name; /* the service name; "defaults" for defaults{} */
	char *file;
	int line;
	bool is_defaults;
	bool is_inetd;
	struct import_attr *attrs;
	size_t n_attrs;
};

struct import_config {
	struct import_section *sections;
	size_t n_sections;
	char *root; /* read every absolute path beneath this, or NULL */
	char err[512];
};

/* import_read.c: the parsers.  0, or -1 with cfg->err set. */
int import_read_xinetd(struct import_config *, const char *file);
int import_read_inetd(struct import_config *, const char *file);
/* Split TEXT (xinetd syntax) as if it were FILE; for tests. */
int import_parse_xinetd_text(struct import_config *, const char *file,
                             const char *text);
int import_parse_inetd_text(struct import_config *, const char *file,
                            const char *text);
void import_config_free(struct import_config *);

/* Shared by the readers and the mapper. */
int import_error(struct import_config *, const char *file, int line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct import_section *import_section_add(struct import_config *,
                                          const char *name, const char *file,
                                          int line);
struct import_attr *import_attr_add(struct import_section *, const char *name,
                                    enum import_op, int line);
int import_value_add(struct import_attr *, const char *value, size_t len);
struct import_attr *import_find(const struct import_section *,
                                const char *name);
bool import_has_value(const struct import_attr *, const char *value);

/* What the mapper knows about the section it is writing. */
struct import_ctx {
	FILE *out;
	const struct import_section *s;
	const char *name; /* the portier service name */
	bool is_defaults;
	bool has_bind, has_port, has_server, has_internal_name;
	bool is_internal, is_unlisted, is_dgram, names_in_args;
	char reason[256]; /* set: the whole service is commented out */
	char *log_type;   /* defaults' log_type, for the global option */
};

/* import_map.c: one attribute (+= and -= already applied). */
void import_map_attr(struct import_ctx *, const struct import_attr *);
void import_put_value(FILE *, const char *value);
/* import_addr.c: only_from, no_access. */
void import_map_addresses(struct import_ctx *, const struct import_attr *);

/* import_emit.c: the portier configuration, as text (malloc'd). */
char *import_emit(const struct import_config *);

#endif
