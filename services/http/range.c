/* SPDX-License-Identifier: ISC */
/* range.c -- the Range header: one byte range, or none */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static bool
range_number(const char **p, off_t *out)
{
	long long v = 0;

	if (!isdigit((unsigned char)**p))
		return false;
	while (isdigit((unsigned char)**p)) {
		int digit = **p - '0';
		if (v > (LLONG_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
		(*p)++;
	}
	*out = (off_t)v;
	return true;
}

/*
 * Only a single range is honoured; a list of ranges (the "Apache Killer"
 * shape among them) is answered with the whole file, which RFC 9110
 * 14.2 allows, so no request can make us build many parts.
 */
enum http_range_result
http_parse_range(const char *value, off_t size, off_t *first, off_t *last)
{
	const char *p = value;
	off_t a = -1, b = -1;

	if (strncasecmp(p, "bytes=", 6) != 0)
		return RANGE_NONE;
	p += 6;
	while (*p == ' ')
		p++;
	if (strchr(p, ',') != NULL)
		return RANGE_NONE;
	if (*p == '-') {
		p++;
		if (!range_number(&p, &b) || *p != '\0')
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return RANGE_OK;
	}
	if (!range_number(&p, &a) || *p++ != '-')
		return RANGE_NONE;
	if (*p != '\0' && (!range_number(&p, &b) || *p != '\0'))
		return RANGE_NONE;
	if (b != -1 && b < a)
		return RANGE_NONE; /* invalid: ignored, per RFC 9110 14.2 */
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b == -1 || b >= size ? size - 1 : b;
	return RANGE_OK;
}
