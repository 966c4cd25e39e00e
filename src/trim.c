/* SPDX-License-Identifier: ISC */
/* trim.c -- give back free heap, and the code pages only a load used */
#include <config.h>

#ifdef HAVE_DL_ITERATE_PHDR
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#endif
#if defined(HAVE_DL_ITERATE_PHDR) && defined(HAVE_LINUX_USERFAULTFD_H) &&      \
    defined(SYS_userfaultfd)
#include <sys/ioctl.h>

#include <linux/userfaultfd.h>
#define TRIM_UFFD 1
#endif
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "log.h"
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

#ifdef TRIM_UFFD
/* Linux 6.7's; Debian 12's headers are older. */
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

/* -2: not tried yet; -1: this kernel cannot, or given back. */
static int trim_uffd = -2;

/*
 * Whether read-only pages come back a page at a time after a trim, not
 * 64 kB around each page touched.  A userfaultfd registration in
 * asynchronous write-protect mode (Linux 6.7) turns the kernel's
 * fault-around off for a range, and the code runs as before: it is never
 * written, and a write anyway (a debugger's breakpoint) the kernel lets
 * through itself, with no message to read.  What it does cost: a fault
 * for each page touched (once), and a mapping split where a registered
 * range ends inside one.  The descriptor stays open: closing it would
 * undo the registrations.
 */
bool
trim_maps_single_pages(void)
{
	if (trim_uffd == -2) {
		struct uffdio_api api = {.api = UFFD_API,
		                         .features = UFFD_FEATURE_WP_ASYNC};

		trim_uffd =
		    (int)syscall(SYS_userfaultfd,
		                 O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
		if (trim_uffd >= 0 &&
		    ioctl(trim_uffd, UFFDIO_API, &api) == -1) {
			close(trim_uffd);
			trim_uffd = -1;
		}
	}
	return trim_uffd >= 0;
}

/*
 * The userfaultfd only saves memory; a master out of descriptors needs
 * it for a client (an exec'd handler takes two): without it the master
 * would refuse every one while keeping its code small.  Closing it
 * undoes the registrations: pages come back 64 kB at a time again.
 */
bool
trim_give_back_descriptor(void)
{
	bool had = trim_uffd >= 0;

	if (had)
		close(trim_uffd);
	trim_uffd = -1;
	return had;
}

/* From now on, map [START, END) back a page at a time where we can. */
static void
trim_fault_single_pages(uintptr_t start, uintptr_t end)
{
	struct uffdio_register reg = {.range = {start, end - start},
	                              .mode = UFFDIO_REGISTER_MODE_WP};

	if (trim_maps_single_pages())
		(void)ioctl(trim_uffd, UFFDIO_REGISTER, &reg);
}
#else
/* inline: unused, and so unremarked, where there is nothing to trim */
static inline void
trim_fault_single_pages(uintptr_t start, uintptr_t end)
{
	(void)start;
	(void)end;
}

bool
trim_maps_single_pages(void)
{
	return false;
}

bool
trim_give_back_descriptor(void)
{
	return false;
}
#endif

#ifdef HAVE_DL_ITERATE_PHDR
/* /proc/self/pagemap's bits for one page (the kernel's pagemap.rst). */
#define TRIM_PM_PRESENT (UINT64_C(1) << 63)
#define TRIM_PM_SWAPPED (UINT64_C(1) << 62)
#define TRIM_PM_FILE (UINT64_C(1) << 61)
/* Pagemap entries read at once: 4 kB of stack, 2 MB of address space. */
#define TRIM_PM_BATCH 512

/* What trim_object needs: the page size, /proc/self/pagemap open, and
 * where the vDSO is (not a file: never dropped). */
struct trim_walk {
	uintptr_t page;
	int pagemap;
	uintptr_t vdso;
};

/*
 * A page of a read-only segment that is this process's own copy, not the
 * file's: written by the loader's text relocations, a debugger's
 * breakpoint, a uprobe.  MADV_DONTNEED would throw the writes away.
 */
static bool
trim_page_is_own(uint64_t entry)
{
	return (entry & TRIM_PM_SWAPPED) ||
	       ((entry & TRIM_PM_PRESENT) && !(entry & TRIM_PM_FILE));
}

static void
trim_drop(uintptr_t start, uintptr_t end)
{
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

/*
 * Drop [START, END) but the pages this process holds its own copy of;
 * where the pagemap cannot be read, keep the rest.
 */
static void
trim_range(const struct trim_walk *w, uintptr_t start, uintptr_t end)
{
	uint64_t entry[TRIM_PM_BATCH];
	uintptr_t run = start, at = start;

	while (at < end) {
		size_t n = (end - at) / w->page;

		if (n > TRIM_PM_BATCH)
			n = TRIM_PM_BATCH;
		if (pread(w->pagemap, entry, n * sizeof(entry[0]),
		          (off_t)(at / w->page * sizeof(entry[0]))) !=
		    (ssize_t)(n * sizeof(entry[0])))
			break;
		for (size_t i = 0; i < n; i++, at += w->page)
			if (trim_page_is_own(entry[i])) {
				trim_drop(run, at);
				run = at + w->page;
			}
	}
	trim_drop(run, at);
}

/*
 * Drop this process's mappings of one object's read-only segments (code
 * and constants).  Those pages are the file's (the relro part sits in
 * the writable segment), so nothing is lost: they stay in the page cache
 * and come back on first touch; a page written anyway is kept
 * (trim_page_is_own).  Ends are rounded inward: a page shared with
 * another segment is kept.  The ranges are read before any is dropped:
 * the program headers sit in the first segment, and reading them again
 * would map it back.
 */
static int
trim_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	const struct trim_walk *w = arg;
	struct {
		uintptr_t start, end;
	} drop[8]; /* ELF objects have two to four read-only segments */
	size_t n = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_filesz;

		if (ph->p_type != PT_LOAD)
			continue;
		if (start <= w->vdso && w->vdso < end)
			return 0;
		start = (start + w->page - 1) & ~(w->page - 1);
		end &= ~(w->page - 1);
		if (!(ph->p_flags & PF_W) && end > start &&
		    n < sizeof(drop) / sizeof(drop[0])) {
			drop[n].start = start;
			drop[n++].end = end;
		}
	}
	for (size_t i = 0; i < n; i++) {
		trim_fault_single_pages(drop[i].start, drop[i].end);
		trim_range(w, drop[i].start, drop[i].end);
	}
	return 0;
}
#endif

/*
 * The kernel maps file pages 64 kB around each one touched, so loading
 * the config (libConfuse, the checks, user and group lookups) leaves
 * nearly all of libc and portierd mapped, though the loop uses a third
 * of it.  Dropping the read-only mappings after a load, and mapping them
 * back a page at a time, lets the loop hold only what it runs: the idle
 * master's RSS goes from 2.3 MB to 0.6 MB (1.5 MB where the kernel still
 * maps 64 kB windows).
 */
void
trim_now(void)
{
	trim_heap();
#ifdef HAVE_DL_ITERATE_PHDR
	/* Without the pagemap, written pages cannot be told apart: keep all. */
	struct trim_walk w = {(uintptr_t)sysconf(_SC_PAGESIZE),
	                      open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
	                      getauxval(AT_SYSINFO_EHDR)};

	if (w.pagemap == -1)
		return;
	(void)dl_iterate_phdr(trim_object, &w);
	close(w.pagemap);
#endif
}

static void
trim_on_timer(void *arg)
{
	(void)arg;
	trim_heap();
	log_debug("heap given back after a busy spell");
}

void
trim_soon(void)
{
	if (!trim_timer.is_armed)
		loop_timer_set(&trim_timer, TRIM_DELAY_MS, trim_on_timer, NULL);
}
