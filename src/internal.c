/* SPDX-License-Identifier: ISC */
/* internal.c -- classic services answered inside the master's loop */
#include <config.h>

#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classic.h"
#include "connlog.h"
#include "internal.h"
#include "udpports.h"
#include "log.h"
#include "loop.h"
#include "scrape.h"
#include "udpguard.h"

/* A connection that sees no progress for this long is closed. */
#define INTERNAL_IDLE_MS 60000
#define INTERNAL_BUF 4096
/* Datagrams answered per wakeup, so one busy port cannot starve others. */
#define INTERNAL_DGRAM_BURST 16
/* Refused connections are logged at most this often. */
#define INTERNAL_REFUSAL_LOG_MS 10000

static const struct internal_hooks *hooks;

struct internal_conn;

/*
 * Per internal service: its kind and its open connections.  Every UDP
 * service, internal or not, has one too, to put its port into the set
 * internal datagram services never answer.
 */
struct internal_state {
	struct service *svc;
	enum classic_service kind;
	bool is_metrics; /* internal = metrics: HTTP, not a classic */
	int open;
	LIST_HEAD(, internal_conn) conns;
	LIST_ENTRY(internal_state) udp_entry; /* UDP services only */
	struct udpguard guard;                /* this service's reply budget */
};

/* One in-loop TCP connection (echo, discard, chargen). */
struct internal_conn {
	LIST_ENTRY(internal_conn) entry;
	struct internal_state *st;
	int fd;
	struct loop_timer idle;
	struct chargen_state chargen;
	size_t len; /* bytes in buf waiting to be written (metrics: the
	               request read so far) */
	size_t off;
	struct textbuf answer; /* metrics: the HTTP response */
	/* for per_source and the START / EXIT lines */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint64_t start_ms;
	uint64_t bytes_in;
	uint64_t bytes_out;
	char buf[INTERNAL_BUF];
};

/* The UDP services open now, and their ports: never reply to these. */
LIST_HEAD(internal_state_list, internal_state);
static struct internal_state_list udp_states =
    LIST_HEAD_INITIALIZER(udp_states);
static struct udpguard_ports udp_ports;

static void
internal_udp_ports_rebuild(void)
{
	struct internal_state *st;

	udpguard_ports_clear(&udp_ports);
	LIST_FOREACH(st, &udp_states, udp_entry)
	udpguard_ports_add(&udp_ports, st->svc->port_number);
	udpports_publish(&udp_ports);
}

void
internal_init(const struct internal_hooks *h)
{
	hooks = h;
}

/* What ST answers: SVC's internal = (nothing for a handler's UDP). */
static void
internal_state_kind(struct internal_state *st, const struct service *svc)
{
	st->kind = svc->is_internal
	               ? (enum classic_service)classic_service_by_name(
	                     svc->internal_name)
	               : (enum classic_service)0;
	st->is_metrics =
	    svc->is_internal && strcmp(svc->internal_name, "metrics") == 0;
}

static struct internal_state *
internal_state(struct service *svc)
{
	struct internal_state *st = svc->internal;

	if (st != NULL)
		return st;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->svc = svc;
	internal_state_kind(st, svc);
	LIST_INIT(&st->conns);
	udpguard_init(&st->guard, svc->reply_rate, svc->reply_burst,
	              loop_now_ms());
	svc->internal = st;
	if (svc->protocol == PROTO_UDP) {
		LIST_INSERT_HEAD(&udp_states, st, udp_entry);
		/* Adding needs no rebuild: 1,000 UDP services would be
		 * a million steps.  The handlers' copy follows at once. */
		udpguard_ports_add(&udp_ports, svc->port_number);
		udpports_publish(&udp_ports);
	}
	return st;
}

/* What the START / EXIT lines say about an in-loop connection. */
static void
internal_conn_facts(const struct internal_conn *c, struct connlog_conn *ac)
{
	memset(ac, 0, sizeof(*ac));
	if (c->peerlen > 0) {
		ac->peer = (const struct sockaddr *)&c->peer;
		ac->peerlen = c->peerlen;
	}
	ac->start_ms = c->start_ms;
	ac->status = -1;
	ac->has_traffic = true;
	ac->bytes_in = c->bytes_in;
	ac->bytes_out = c->bytes_out;
}

static void
internal_close(struct internal_conn *c)
{
	struct internal_state *st = c->st;
	struct connlog_conn ac;

	internal_conn_facts(c, &ac);
	hooks->ended(st->svc, &ac);

	loop_unwatch_read(c->fd);
	loop_unwatch_write(c->fd);
	loop_timer_cancel(&c->idle);
	close(c->fd);
	LIST_REMOVE(c, entry);
	textbuf_free(&c->answer);
	free(c);
	/* Below the bound again: let the backlog in. */
	st->open--;
	hooks->freed(st->svc);
}

static void
internal_on_idle(void *arg)
{
	internal_close(arg);
}

static void
internal_touch(struct internal_conn *c)
{
	/* A scraper has a fixed time in all, not per byte. */
	if (!c->st->is_metrics)
		loop_timer_set(&c->idle, INTERNAL_IDLE_MS, internal_on_idle, c);
}

/* metrics: send the answer as the socket takes it, then close. */
static void
internal_on_write_answer(int fd, void *arg)
{
	struct internal_conn *c = arg;
	ssize_t n = send(fd, c->answer.data + c->off, c->answer.len - c->off,
	                 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		c->off += (size_t)n;
		c->bytes_out += (size_t)n;
	}
	if (n <= 0 || c->off == c->answer.len)
		internal_close(c);
}

/* metrics: gather the request; once whole, answer it. */
static void
internal_read_request(struct internal_conn *c)
{
	ssize_t n =
	    recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		internal_close(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	c->bytes_in += (size_t)n;
	int code = scrape_request(c->buf, c->len, c->len == sizeof(c->buf));
	if (code == 0)
		return;
	textbuf_init(&c->answer, 64 << 20);
	scrape_response(&c->answer, code);
	c->off = 0;
	loop_unwatch_read(c->fd);
	if (loop_watch_write(c->fd, internal_on_write_answer, c) == -1)
		internal_close(c);
}

static void internal_on_read(int fd, void *arg);

static void
internal_on_write(int fd, void *arg)
{
	struct internal_conn *c = arg;

	if (c->st->kind == CLASSIC_CHARGEN && c->off == c->len) {
		classic_chargen_fill(&c->chargen, c->buf, sizeof(c->buf));
		c->off = 0;
		c->len = sizeof(c->buf);
	}
	ssize_t n = send(fd, c->buf + c->off, c->len - c->off,
	                 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			internal_close(c);
		return;
	}
	c->off += (size_t)n;
	c->bytes_out += (size_t)n;
	internal_touch(c);
	if (c->st->kind == CLASSIC_ECHO && c->off == c->len) {
		/* All echoed: read more, stop asking to write. */
		c->off = c->len = 0;
		loop_unwatch_write(fd);
		loop_watch_read(fd, internal_on_read, c);
	}
}

static void
internal_on_read(int fd, void *arg)
{
	struct internal_conn *c = arg;
	char sink[INTERNAL_BUF];

	if (c->st->is_metrics) {
		internal_read_request(c);
		return;
	}
	/* Echo reads into its buffer; the others read into a sink, since
	 * chargen's buffer may hold bytes still being written. */
	char *at = c->st->kind == CLASSIC_ECHO ? c->buf : sink;
	ssize_t n = recv(fd, at, INTERNAL_BUF, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		internal_close(c);
		return;
	}
	if (n < 0)
		return;
	c->bytes_in += (size_t)n;
	internal_touch(c);
	if (c->st->kind != CLASSIC_ECHO)
		return; /* discard and chargen drop what they read */
	/* Echo: stop reading until this much is written back. */
	c->len = (size_t)n;
	c->off = 0;
	loop_unwatch_read(fd);
	loop_watch_write(fd, internal_on_write, c);
	/* The socket is nearly always writable: send now rather than after
	 * one more wait, which costs a look at every listener. */
	internal_on_write(fd, c);
}

/* daytime and time: the answer fits any socket buffer; then close. */
static void
internal_answer_once(struct internal_state *st, int conn,
                     const struct sockaddr *peer, socklen_t peerlen)
{
	struct connlog_conn ac = {.peer = peer,
	                          .peerlen = peerlen,
	                          .start_ms = loop_now_ms(),
	                          .status = -1,
	                          .has_traffic = true};
	char buf[128];
	size_t n;
	ssize_t sent;

	if (st->kind == CLASSIC_TIME) {
		classic_time((uint8_t *)buf, time(NULL));
		n = 4;
	} else {
		n = classic_daytime(buf, sizeof(buf), time(NULL));
	}
	hooks->started(st->svc, &ac);
	sent = send(conn, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(conn);
	ac.bytes_out = sent > 0 ? (uint64_t)sent : 0;
	hooks->ended(st->svc, &ac);
}

/*
 * A connection the loop cannot watch (a descriptor past FD_SETSIZE) is
 * closed.  A client can cause that at will, so it is said at most once
 * per INTERNAL_REFUSAL_LOG_MS, with how many went unsaid before it.
 */
static void
internal_log_refusal(const struct service *svc)
{
	static uint64_t last_ms;
	static unsigned long unsaid;
	uint64_t now = loop_now_ms();
	int err = errno;

	if (last_ms != 0 && now - last_ms < INTERNAL_REFUSAL_LOG_MS) {
		unsaid++;
		return;
	}
	log_warnx("service %s: connection refused: %s (%lu more before "
	          "this one since the last such line)",
	          svc->name, strerror(err), unsaid);
	last_ms = now;
	unsaid = 0;
}

bool
internal_accept(struct service *svc, int conn, const struct sockaddr *peer,
                socklen_t peerlen)
{
	struct internal_state *st = internal_state(svc);
	struct internal_conn *c;

	if (st == NULL) {
		close(conn);
		return false;
	}
	if (st->kind == CLASSIC_DAYTIME || st->kind == CLASSIC_TIME) {
		internal_answer_once(st, conn, peer, peerlen);
		return true;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(conn);
		return false;
	}
	c->st = st;
	c->fd = conn;
	c->start_ms = loop_now_ms();
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	fcntl(conn, F_SETFL, O_NONBLOCK);
	bool writes_first = st->kind == CLASSIC_CHARGEN;
	int rc = writes_first ? loop_watch_write(conn, internal_on_write, c)
	                      : loop_watch_read(conn, internal_on_read, c);
	/* chargen also reads, to see the client leave and drop its input. */
	if (rc == 0 && writes_first)
		rc = loop_watch_read(conn, internal_on_read, c);
	if (rc == -1) {
		internal_log_refusal(svc);
		loop_unwatch_write(conn);
		close(conn);
		free(c);
		return false;
	}
	LIST_INSERT_HEAD(&st->conns, c, entry);
	internal_touch(c);
	if (st->is_metrics)
		loop_timer_set(&c->idle, SCRAPE_TIMEOUT_MS, internal_on_idle,
		               c);
	struct connlog_conn ac;
	internal_conn_facts(c, &ac);
	hooks->started(svc, &ac);
	/* At the bound, new clients wait in the kernel's backlog. */
	st->open++;
	/* The client's first bytes have mostly arrived with the connection:
	 * read them now, not after one more wait (it may close C). */
	if (!writes_first)
		internal_on_read(conn, c);
	return true;
}

/*
 * Never answer a datagram from a privileged port or from the port of a
 * UDP service of ours, and at most reply_rate a second: two inetds
 * (or one, spoofed) would otherwise bounce echo or chargen between
 * themselves forever.
 */
static bool
internal_may_answer(struct internal_state *st,
                    const struct sockaddr_storage *peer, socklen_t len)
{
	char line[256];
	uint64_t now = loop_now_ms();

	if (udpguard_check(&st->guard, &udp_ports,
	                   (const struct sockaddr *)peer, len,
	                   now) == UDPGUARD_ANSWER)
		return true;
	if (udpguard_report(&st->guard, now, false, line, sizeof(line)))
		log_warnx("service %s: %s", st->svc->name, line);
	return false;
}

static size_t
internal_dgram_reply(struct internal_state *st, const char *in, size_t inlen,
                     char *out, size_t outsize)
{
	switch (st->kind) {
	case CLASSIC_ECHO:
		memcpy(out, in, inlen);
		return inlen;
	case CLASSIC_DAYTIME:
		return classic_daytime(out, outsize, time(NULL));
	case CLASSIC_TIME:
		classic_time((uint8_t *)out, time(NULL));
		return 4;
	case CLASSIC_CHARGEN: {
		size_t len = arc4random_uniform(CHARGEN_DGRAM_MAX + 1);
		classic_chargen_dgram(arc4random_uniform(CHARGEN_PRINTABLE),
		                      out, len);
		return len;
	}
	default:
		return 0;
	}
}

void
internal_datagram(struct service *svc, struct listener *l)
{
	struct internal_state *st = internal_state(svc);
	static char in[65536], out[65536];

	for (int i = 0; st != NULL && i < INTERNAL_DGRAM_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(l->fd, in, sizeof(in), MSG_DONTWAIT,
		                     (struct sockaddr *)&peer, &len);
		if (n < 0)
			return;
		/* Refused: dropped, nothing sent back. */
		if (!hooks->admit(svc, (struct sockaddr *)&peer, len))
			continue;
		if (st->kind == CLASSIC_DISCARD)
			continue;
		if (!internal_may_answer(st, &peer, len))
			continue;
		size_t put =
		    internal_dgram_reply(st, in, (size_t)n, out, sizeof(out));
		(void)sendto(l->fd, out, put, MSG_DONTWAIT,
		             (struct sockaddr *)&peer, len);
	}
}

int
internal_open(const struct service *svc)
{
	const struct internal_state *st = svc->internal;

	return st != NULL ? st->open : 0;
}

bool
internal_is_full(const struct service *svc)
{
	const struct internal_state *st = svc->internal;

	return st != NULL && svc->internal_max > 0 &&
	       st->open >= svc->internal_max;
}

int
internal_service_init(struct service *svc)
{
	bool wants_state = svc->is_internal || svc->protocol == PROTO_UDP;

	return wants_state && internal_state(svc) == NULL ? -1 : 0;
}

void
internal_service_fini(struct service *svc)
{
	struct internal_state *st = svc->internal;

	if (st == NULL)
		return;
	while (!LIST_EMPTY(&st->conns))
		internal_close(LIST_FIRST(&st->conns));
	if (svc->protocol == PROTO_UDP) {
		LIST_REMOVE(st, udp_entry);
		internal_udp_ports_rebuild();
	}
	free(st);
	svc->internal = NULL;
}

void
internal_adopt(struct service *old, struct service *new)
{
	struct internal_state *st = old->internal;

	if (st == NULL)
		return;
	/* internal = changed (echo to time, say): what was open speaks the
	 * old protocol, and ends as OLD's; new clients get NEW's. */
	if (strcmp(old->internal_name ? old->internal_name : "",
	           new->internal_name ? new->internal_name : "") != 0) {
		while (!LIST_EMPTY(&st->conns))
			internal_close(LIST_FIRST(&st->conns));
		internal_state_kind(st, new);
	}
	st->svc = new;
	new->internal = st;
	old->internal = NULL;
	udpguard_set_rate(&st->guard, new->reply_rate, new->reply_burst);
}
