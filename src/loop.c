/* SPDX-License-Identifier: ISC */
/* loop.c -- the select(2) loop: descriptor callbacks, timers, signals */
#include <config.h>

#include <sys/select.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

struct loop_watch {
	loop_fd_fn *read_fn;
	void *read_arg;
	loop_fd_fn *write_fn;
	void *write_arg;
};

static struct loop_watch watches[FD_SETSIZE];
static fd_set read_set, write_set;
static int max_fd = -1;
/*
 * The descriptors a look under load takes in (see loop_run): ready or
 * newly watched since the last turn, a full look once a LOOP_FULL_US
 * (hot), or in the time between the two before (warm).  A full look
 * that comes while the busy listener happens to have nothing leaves it
 * out of the new hot set, but not out of the warm one: without it the
 * sleeps that follow were deaf to the very service under load.  Both are
 * always within read_set and write_set.
 */
static fd_set hot_read, hot_write, warm_read, warm_write;
static int hot_max = -1, warm_max = -1;
static bool is_stopping;

static int signal_pipe[2] = {-1, -1};
static loop_signal_fn *signal_fns[NSIG];

/*
 * The signal handler runs on a stack of its own.  On the loop's stack a
 * signal's frame (3.4 kB on an AVX-512 machine: the whole register state)
 * lands wherever the master happens to be, now and then below the
 * deepest point of a spawn, and takes the stack a page further for good:
 * the idle master's size would depend on where its SIGCHLDs once fell.
 * Here the frame always lands at the same place.  Untouched pages of
 * this array cost nothing.
 */
static _Alignas(16) char signal_stack[64 * 1024];

RB_HEAD(timer_tree, loop_timer);
static struct timer_tree timers = RB_INITIALIZER(&timers);
static uint64_t timer_seq;

static int
timer_cmp(struct loop_timer *a, struct loop_timer *b)
{
	if (a->due_ms != b->due_ms)
		return a->due_ms < b->due_ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

RB_GENERATE_STATIC(timer_tree, loop_timer, node, timer_cmp)

uint64_t
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A signal caught and not yet run: its byte is in the pipe.  One byte a
 * signal at most, however many come: under a storm the pipe held 64 kB
 * of SIGCHLD (one read a round takes 64 bytes), and a SIGTERM behind it
 * waited a thousand rounds, or was dropped when the pipe was full.
 */
static volatile sig_atomic_t signal_is_pending[NSIG];

static void
loop_signal_handler(int signo)
{
	unsigned char c = (unsigned char)signo;
	int saved = errno;

	/* Async-signal-safe: one byte to the self-pipe, nothing else. */
	if (!signal_is_pending[signo]) {
		signal_is_pending[signo] = 1;
		if (write(signal_pipe[1], &c, 1) != 1)
			signal_is_pending[signo] = 0;
	}
	errno = saved;
}

/*
 * One read a round: under a storm of signals, reading until the pipe is
 * empty never ends, and nothing else is served; what is left is read in
 * the next round.  Each signal's function runs once for however many of
 * it came (a signal pending twice is delivered once anyway), in the
 * order they first came.  It is no longer pending before its function
 * runs: one that comes meanwhile writes a byte for the next round.
 */
static void
loop_signal_read(int fd, void *arg)
{
	unsigned char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)arg;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] >= NSIG || !signal_is_pending[buf[i]])
			continue;
		signal_is_pending[buf[i]] = 0;
		if (signal_fns[buf[i]])
			signal_fns[buf[i]](buf[i]);
	}
}

int
loop_init(void)
{
	stack_t ss = {.ss_sp = signal_stack, .ss_size = sizeof(signal_stack)};

	/* Where the kernel wants more (ENOMEM), the loop's stack serves. */
	(void)sigaltstack(&ss, NULL);
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	return loop_watch_read(signal_pipe[0], loop_signal_read, NULL);
}

int
loop_on_signal(int signo, loop_signal_fn *fn)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_signal_handler;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	signal_fns[signo] = fn;
	return sigaction(signo, &sa, NULL);
}

static int
loop_check_fd(int fd)
{
	if (fd < 0 || fd >= FD_SETSIZE) {
		errno = EMFILE;
		return -1;
	}
	if (fd > max_fd)
		max_fd = fd;
	if (fd > hot_max)
		hot_max = fd;
	return 0;
}

int
loop_watch_read(int fd, loop_fd_fn *fn, void *arg)
{
	if (loop_check_fd(fd) == -1)
		return -1;
	watches[fd].read_fn = fn;
	watches[fd].read_arg = arg;
	FD_SET(fd, &read_set);
	FD_SET(fd, &hot_read);
	return 0;
}

int
loop_watch_write(int fd, loop_fd_fn *fn, void *arg)
{
	if (loop_check_fd(fd) == -1)
		return -1;
	watches[fd].write_fn = fn;
	watches[fd].write_arg = arg;
	FD_SET(fd, &write_set);
	FD_SET(fd, &hot_write);
	return 0;
}

static void
loop_shrink_max(void)
{
	while (max_fd >= 0 && !watches[max_fd].read_fn &&
	       !watches[max_fd].write_fn)
		max_fd--;
}

void
loop_unwatch_read(int fd)
{
	if (fd < 0 || fd >= FD_SETSIZE)
		return;
	watches[fd].read_fn = NULL;
	FD_CLR(fd, &read_set);
	FD_CLR(fd, &hot_read);
	FD_CLR(fd, &warm_read);
	if (fd == max_fd)
		loop_shrink_max();
}

void
loop_unwatch_write(int fd)
{
	if (fd < 0 || fd >= FD_SETSIZE)
		return;
	watches[fd].write_fn = NULL;
	FD_CLR(fd, &write_set);
	FD_CLR(fd, &hot_write);
	FD_CLR(fd, &warm_write);
	if (fd == max_fd)
		loop_shrink_max();
}

void
loop_timer_set(struct loop_timer *t, uint64_t delay_ms, loop_timer_fn *fn,
               void *arg)
{
	loop_timer_cancel(t);
	t->due_ms = loop_now_ms() + delay_ms;
	t->seq = ++timer_seq;
	t->fn = fn;
	t->arg = arg;
	t->is_armed = true;
	RB_INSERT(timer_tree, &timers, t);
}

void
loop_timer_cancel(struct loop_timer *t)
{
	if (!t->is_armed)
		return;
	RB_REMOVE(timer_tree, &timers, t);
	t->is_armed = false;
}

/* Run due timers; return the wait until the next one, -1 for none. */
static long
loop_run_timers(void)
{
	struct loop_timer *t;
	uint64_t now = loop_now_ms();

	while ((t = RB_MIN(timer_tree, &timers)) != NULL) {
		if (t->due_ms > now)
			return (long)(t->due_ms - now);
		loop_timer_cancel(t);
		t->fn(t->arg);
		now = loop_now_ms();
	}
	return -1;
}

/*
 * fd_set as words: descriptor D is bit D % LOOP_WORD_BITS of word
 * D / LOOP_WORD_BITS, as glibc and the kernel lay it out.  A word at a
 * time, a spin that looks at three descriptors below 1,016 listeners does
 * not test a thousand bits.
 */
#define LOOP_WORD_BITS (8 * (int)sizeof(unsigned long))

/* Word I of SET (memcpy: fd_set's member has no portable name). */
static unsigned long
loop_word(const fd_set *set, size_t i)
{
	unsigned long w;

	memcpy(&w, (const char *)set + i * sizeof(w), sizeof(w));
	return w;
}

/* Call the watchers of FD, ready to read (R) and/or write (W); it is hot
 * until the next full look.  A callback may unwatch any fd, this one
 * included: each is re-checked first, and only a watched fd is made hot,
 * so the hot sets stay within the watched ones. */
static void
loop_call(int fd, bool r, bool w)
{
	if (fd > hot_max)
		hot_max = fd;
	if (r && watches[fd].read_fn) {
		FD_SET(fd, &hot_read);
		watches[fd].read_fn(fd, watches[fd].read_arg);
	}
	if (w && watches[fd].write_fn) {
		FD_SET(fd, &hot_write);
		watches[fd].write_fn(fd, watches[fd].write_arg);
	}
}

/* Call the watchers of the descriptors below NFDS that select set. */
static void
loop_dispatch(const fd_set *readable, const fd_set *writable, int nfds)
{
	for (size_t i = 0; (int)i * LOOP_WORD_BITS < nfds; i++) {
		unsigned long r = loop_word(readable, i),
		              w = loop_word(writable, i);
		for (unsigned long ready = r | w; ready != 0;
		     ready &= ready - 1) {
			int bit = __builtin_ctzl(ready);
			unsigned long mask = 1UL << bit;
			loop_call((int)i * LOOP_WORD_BITS + bit, r & mask,
			          w & mask);
		}
	}
}

/*
 * Under load, select looks again without sleeping for up to LOOP_SPIN_US
 * after a round that found work.  The next client is then nearly always
 * there within that time, and a sleeping master is costly to the client:
 * its connect must wake us, a cross-CPU interrupt (several microseconds
 * on a virtual machine) on the client's side, whose rate then falls
 * although the master has time to spare.  "Under load" means work came
 * within a spin's time of sleeping, or was already waiting right after a
 * round's work: each round that found work is followed by one look that
 * does not sleep (a peek).  The peek is what tells load at 1,000
 * services, where a select that finds work at once still takes longer
 * than a spin.  An idle or lightly loaded daemon, whose sleeps are long
 * and whose peeks find nothing, never spins.
 *
 * Peeks and spins look only at the hot and warm descriptors and the
 * signal pipe; a full look still comes every LOOP_FULL_US (every
 * LOOP_FULL_FEW_US below LOOP_MANY_FD), so under load a quiet service
 * waits that long at worst.  With many descriptors (LOOP_MANY_FD and
 * more) the sleeps under load, until LOOP_FULL_US after the last round
 * of it, do too, and the full look is then a peek: with 1,000 services a
 * full select polls 1,000 listeners, and a sleeping one queues on each
 * and off again, a sixth of the master's CPU per connection of internal
 * echo while the work sits on a handful of descriptors.  What is left is
 * the full looks' polling: with one every 2 ms the CPU per connection at
 * 1,000 services was 1.09 times that at one service, with one every 4 ms
 * 1.02 (tests/bench/scale).  Below LOOP_MANY_FD a full look costs
 * little, and every sleep is one; so is every sleep once the load is
 * gone, and for LOOP_FULL_US after a full look found work the narrow
 * looks missed (loop_found_missed): then nothing waits.
 */
#define LOOP_SPIN_US 50
#define LOOP_FULL_US 4000
#define LOOP_FULL_FEW_US 2000
#define LOOP_MANY_FD 64

static uint64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The wait for select: none for a peek or a spin, else until the next
 * timer, and CAP_US at most (-1: no cap). */
static struct timeval *
loop_wait(struct timeval *tv, long wait_ms, bool is_quick, long cap_us)
{
	long us = wait_ms < 0 ? -1 : wait_ms * 1000;

	if (is_quick)
		us = 0;
	if (cap_us >= 0 && (us < 0 || us > cap_us))
		us = cap_us;
	if (us < 0)
		return NULL;
	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
	return tv;
}

/* OUT = A | B, the words that hold descriptors below NFDS. */
static void
loop_union(fd_set *out, const fd_set *a, const fd_set *b, int nfds)
{
	for (size_t i = 0; (int)i * LOOP_WORD_BITS < nfds; i++) {
		unsigned long w = loop_word(a, i) | loop_word(b, i);
		memcpy((char *)out + i * sizeof(w), &w, sizeof(w));
	}
}

/* What this round looks at: the hot and warm descriptors, or (a full
 * look) all.  Returns the nfds for select. */
static int
loop_pick(fd_set *readable, fd_set *writable, bool is_full)
{
	if (!is_full) {
		int top = hot_max > warm_max ? hot_max : warm_max;
		int nfds = (top < max_fd ? top : max_fd) + 1;
		loop_union(readable, &hot_read, &warm_read, nfds);
		loop_union(writable, &hot_write, &warm_write, nfds);
		return nfds;
	}
	*readable = read_set;
	*writable = write_set;
	return max_fd + 1;
}

/*
 * Whether a full look found ready a descriptor outside the hot and warm
 * sets, which the looks under load take in: work those looks miss.  For
 * LOOP_FULL_US sleeps are then full looks again.  A client going from
 * service to service, each idle since its last turn, made the loop busy
 * and came each time on a listener its sleeps no longer looked at, so
 * that every trip waited for the full look (4 ms) and the full look that
 * found it kept the loop busy (one client, 100 services: 250 trips a
 * second, not 12,000).
 */
static bool
loop_found_missed(const fd_set *readable, const fd_set *writable, int nfds)
{
	for (size_t i = 0; (int)i * LOOP_WORD_BITS < nfds; i++) {
		unsigned long r = loop_word(&hot_read, i) |
		                  loop_word(&warm_read, i),
		              w = loop_word(&hot_write, i) |
		                  loop_word(&warm_write, i);
		if ((loop_word(readable, i) & ~r) |
		    (loop_word(writable, i) & ~w))
			return true;
	}
	return false;
}

/*
 * The sets turn once a LOOP_FULL_US, at a full look, not at each full
 * sleep (they would hold only the last 100 us or so, and a load on one
 * service would count its own connections as missed): the hot set
 * becomes the warm one, and a new hot set starts.
 */
static void
loop_turn(void)
{
	warm_read = hot_read;
	warm_write = hot_write;
	warm_max = hot_max;
	FD_ZERO(&hot_read);
	FD_ZERO(&hot_write);
	hot_max = -1;
	/* Signals are always looked for: a stop or a reload does not wait
	 * for the next full look. */
	if (signal_pipe[0] >= 0 && FD_ISSET(signal_pipe[0], &read_set)) {
		FD_SET(signal_pipe[0], &hot_read);
		hot_max = signal_pipe[0];
	}
}

int
loop_run(void)
{
	fd_set readable, writable;
	struct timeval tv;
	uint64_t spin_until = 0, busy_until = 0, last_full = 0, last_turn = 0,
	         missed_until = 0;
	bool is_peek = false;

	is_stopping = false;
	while (!is_stopping) {
		long wait_ms = loop_run_timers();
		if (is_stopping)
			break;
		uint64_t now = loop_now_us();
		bool is_quick = is_peek || now < spin_until;
		bool is_many = max_fd >= LOOP_MANY_FD;
		bool is_busy =
		    now < busy_until && now >= missed_until && is_many;
		uint64_t full_every = is_many ? LOOP_FULL_US : LOOP_FULL_FEW_US;
		bool is_full =
		    now - last_full >= full_every || (!is_quick && !is_busy);
		long cap_us = -1;
		bool is_turn = is_full && now - last_turn >= LOOP_FULL_US;
		if (is_full)
			last_full = now;
		if (is_turn)
			last_turn = now;
		if (is_busy && is_full)
			is_quick = true;
		else if (is_busy && !is_quick)
			cap_us = (long)(last_full + LOOP_FULL_US - now);
		int nfds = loop_pick(&readable, &writable, is_full);
		int n = select(nfds, &readable, &writable, NULL,
		               loop_wait(&tv, wait_ms, is_quick, cap_us));
		/* Before the turn: the sets are what the looks under load
		 * took in. */
		if (is_full && n > 0 &&
		    loop_found_missed(&readable, &writable, nfds))
			missed_until = loop_now_us() + LOOP_FULL_US;
		if (is_turn)
			loop_turn();
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("select");
			return -1;
		}
		is_peek = n > 0;
		if (n == 0)
			continue;
		uint64_t after = loop_now_us();
		if (is_quick || after - now < LOOP_SPIN_US) { /* under load */
			spin_until = after + LOOP_SPIN_US;
			busy_until = after + LOOP_FULL_US;
		}
		loop_dispatch(&readable, &writable, nfds);
	}
	return 0;
}

void
loop_stop(void)
{
	is_stopping = true;
}
