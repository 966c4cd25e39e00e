/* SPDX-License-Identifier: ISC */
/* test_trim_unit.c -- trim.c: read-only pages go, written ones stay */
#include <config.h>

#include <sys/mman.h>

#include <fcntl.h>
#include <link.h>
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

/* How many of the N pages from START this process has mapped now. */
static int
pages_mapped(uintptr_t start, size_t n)
{
	uint64_t entry[512];
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int mapped = 0;

	cr_assert(fd != -1, "/proc/self/pagemap");
	cr_assert_leq(n, sizeof(entry) / sizeof(entry[0]));
	cr_assert_eq(pread(fd, entry, n * sizeof(entry[0]),
	                   (off_t)(start / PAGE * sizeof(entry[0]))),
	             (ssize_t)(n * sizeof(entry[0])));
	close(fd);
	for (size_t i = 0; i < n; i++)
		mapped += (int)(entry[i] >> 63);
	return mapped;
}

/* The table's whole pages. */
static int
table_pages_mapped(void)
{
	return pages_mapped(((uintptr_t)table + PAGE - 1) &
	                        ~(uintptr_t)(PAGE - 1),
	                    TABLE_PAGES - 1);
}

/* libc's code, whole pages: [start, end). */
struct text {
	uintptr_t start, end;
};

static int
find_libc_text(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct text *t = arg;

	(void)size;
	if (strstr(info->dlpi_name, "/libc.so") == NULL)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			t->start = (start + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
			t->end =
			    (start + ph->p_filesz) & ~(uintptr_t)(PAGE - 1);
			return 1;
		}
	}
	return 0;
}

Test(trim, read_only_pages_are_dropped_and_come_back)
{
	const volatile unsigned char *p = table;

	for (size_t i = 0; i < sizeof(table); i += PAGE)
		(void)p[i];
	cr_assert_eq(table_pages_mapped(), TABLE_PAGES - 1);
	trim_now();
	/* Faults beside the table's ends may map a 64 kB window back on each
	 * side (15-26 pages seen), never most of it. */
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

Test(trim, a_library_s_code_is_dropped_too)
{
	struct text libc = {0, 0};

	cr_assert_eq(dl_iterate_phdr(find_libc_text, &libc), 1, "no libc.so");
	size_t n = (libc.end - libc.start) / PAGE;
	if (n > 512) /* pages_mapped's most: 2 MB of code is plenty */
		n = 512;
	for (uintptr_t a = libc.start; a < libc.start + n * PAGE; a += PAGE)
		(void)*(const volatile unsigned char *)a;
	cr_assert_eq(pages_mapped(libc.start, n), (int)n);
	trim_now();
	/* What runs between the trim and the count (open, pread, close, the
	 * assertions) maps a few 64 kB windows back: 64-80 of 341 pages here.
	 */
	int left = pages_mapped(libc.start, n);
	cr_assert_lt(left, (int)n / 2, "%d of libc's %zu pages still mapped",
	             left, n);
}

/*
 * Where the kernel can (trim_maps_single_pages), a page touched after a
 * trim comes back alone, not with the 64 kB around it: the loop then
 * holds only the code it runs.
 */
Test(trim, a_page_touched_after_a_trim_comes_back_alone)
{
	if (!trim_maps_single_pages())
		cr_skip_test(
		    "this kernel maps 64 kB windows (before Linux 6.7)");
	const volatile unsigned char *p = table;

	trim_now();
	cr_assert_eq(p[TABLE_PAGES / 2 * PAGE], 0);
	int back = table_pages_mapped();
	cr_assert_eq(back, 1, "%d pages came back", back);
}
