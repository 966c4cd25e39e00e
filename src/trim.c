/* SPDX-License-Identifier: ISC */
/* trim.c -- give back the heap and the code pages a load or a busy spell used
 */
#include <config.h>

#ifdef HAVE_DL_ITERATE_PHDR
#include <sys/auxv.h>
#include <sys/mman.h>

#include <link.h>
#endif
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdint.h>
#include <unistd.h>

#include "loop.h"
#include "trim.h"

/*
 * After a busy spell: late enough that a steady load never pays for it
 * (at most one trim a second), soon enough that an idle master is small.
 */
#define TRIM_DELAY_MS 1000

static struct loop_timer trim_timer;

/*
 * libConfuse's parse tree is freed after every load, but our own service
 * table was allocated between its pieces, so the holes stay in the heap
 * (about 8 kB a service) unless handed back explicitly; likewise the
 * buffers of in-loop connections after a burst.
 */
static void
trim_heap(void)
{
	loop_timer_cancel(&trim_timer);
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

#ifdef HAVE_DL_ITERATE_PHDR
/*
 * Drop this process's mappings of one object's read-only segments (code
 * and constants).  Those pages are never copied-on-write (the relro part
 * sits in the writable segment), so nothing is lost: the pages stay in
 * the page cache and come back on first touch.  Ends are rounded inward:
 * a page shared with another segment is kept.  The vDSO is not a file.
 * The ranges are read before any is dropped: the program headers sit in
 * the first segment, and reading them again would map it back.
 */
static int
trim_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
	uintptr_t page = *(const uintptr_t *)arg;
	struct {
		uintptr_t start, end;
	} drop[8];
	size_t n = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_filesz;

		if (ph->p_type != PT_LOAD)
			continue;
		if (start <= vdso && vdso < end)
			return 0;
		start = (start + page - 1) & ~(page - 1);
		end &= ~(page - 1);
		if (!(ph->p_flags & PF_W) && end > start &&
		    n < sizeof(drop) / sizeof(drop[0])) {
			drop[n].start = start;
			drop[n++].end = end;
		}
	}
	for (size_t i = 0; i < n; i++)
		(void)madvise((void *)drop[i].start,
		              drop[i].end - drop[i].start, MADV_DONTNEED);
	return 0;
}
#endif

/*
 * The kernel maps file pages 64 kB around each one touched, so loading
 * the config (libConfuse, the checks, user and group lookups) leaves
 * nearly all of libc and portierd mapped, though the loop uses a third
 * of it.  Dropping the read-only mappings after a load lets the loop map
 * back only what it runs: the idle master's RSS goes from 2.2 to 1.5 MB.
 */
void
trim_now(void)
{
	trim_heap();
#ifdef HAVE_DL_ITERATE_PHDR
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)dl_iterate_phdr(trim_object, &page);
#endif
}

static void
trim_on_timer(void *arg)
{
	(void)arg;
	trim_heap();
}

void
trim_soon(void)
{
	if (!trim_timer.is_armed)
		loop_timer_set(&trim_timer, TRIM_DELAY_MS, trim_on_timer, NULL);
}
