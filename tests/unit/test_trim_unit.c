/* SPDX-License-Identifier: ISC */
/* test_trim_unit.c -- trim.c: read-only pages go, written ones stay */
#include <config.h>

#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "trim.h"

#define PAGE 4096
#define TABLE_PAGES 256

/* 1 MB of constants, in the binary's read-only segment. */
static const unsigned char table[TABLE_PAGES * PAGE] = {
    [0] = 1,
    [TABLE_PAGES * PAGE - 1] = 2,
};
/* Written after start: a copied-on-write page of the data segment. */
static int counter = 5;
/* Pointers the loader relocated, then made read-only (relro). */
static const char *const names[] = {"first", "second"};

/* How many of the table's pages this process has mapped now. */
static int
table_pages_mapped(void)
{
	uintptr_t first = ((uintptr_t)table + PAGE - 1) / PAGE;
	uint64_t entry[TABLE_PAGES];
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int n = 0;

	cr_assert(fd != -1, "/proc/self/pagemap");
	cr_assert_eq(pread(fd, entry, sizeof(entry), (off_t)(first * 8)),
	             (ssize_t)sizeof(entry));
	close(fd);
	for (int i = 0; i < TABLE_PAGES - 1; i++)
		n += (int)(entry[i] >> 63);
	return n;
}

Test(trim, read_only_pages_are_dropped_and_come_back)
{
	const volatile unsigned char *p = table;

	for (size_t i = 0; i < sizeof(table); i += PAGE)
		(void)p[i];
	cr_assert_eq(table_pages_mapped(), TABLE_PAGES - 1);
	trim_now();
	/* A fault beside either end may map a 64 kB window back, no more. */
	int left = table_pages_mapped();
	cr_assert_lt(left, TABLE_PAGES / 4, "%d pages still mapped", left);
	cr_assert_eq(table[0], 1);
	cr_assert_eq(table[sizeof(table) - 1], 2);
}

Test(trim, written_and_relocated_pages_are_kept)
{
	counter = 42;
	trim_now();
	cr_assert_eq(counter, 42);
	cr_assert_str_eq(names[0], "first");
	cr_assert_str_eq(names[1], "second");
	cr_assert_eq(strlen(names[1]), 6);
}

/*
 * A page of the table this process wrote its own copy of, as the loader
 * does for an object's text relocations, a debugger for a breakpoint, the
 * kernel for a uprobe: dropping it would take the file's bytes back.
 */
Test(trim, privately_written_read_only_pages_are_kept)
{
	uintptr_t at = ((uintptr_t)table + PAGE - 1) / PAGE * PAGE + 9 * PAGE;
	volatile unsigned char *p = (volatile unsigned char *)at;

	cr_assert_eq(mprotect((void *)at, PAGE, PROT_READ | PROT_WRITE), 0);
	p[1] = 7;
	cr_assert_eq(mprotect((void *)at, PAGE, PROT_READ), 0);
	trim_now();
	cr_assert_eq(p[1], 7, "the written byte is back to %d", p[1]);
	cr_assert_eq(table[0], 1);
}
