/* SPDX-License-Identifier: ISC */
/* udpguard.h -- which datagrams a UDP service may answer: no loops, no floods
 */
#ifndef PORTIER_UDPGUARD_H
#define PORTIER_UDPGUARD_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The environment variable that tells a handler every UDP port its
 * portierd serves, as "7,13,19" or with ranges "10000-10010,7".  A
 * handler unions every occurrence with its -u argument and its own port.
 */
#define UDPGUARD_ENV "PORTIER_UDP_PORTS"

/*
 * The environment variable that gives a handler its service's reply
 * budget when the config sets reply_rate: "RATE" or "RATE,BURST", RATE 0
 * for no cap.  Without it a handler keeps UDPGUARD_RATE and _BURST.
 */
#define UDPGUARD_RATE_ENV "PORTIER_UDP_RATE"

/*
 * Replies per second and the burst allowed above that, per guard.  A
 * spoofer chooses source addresses freely, so a per-source budget would
 * bound nothing: one budget for the whole guard is what caps the output.
 */
#define UDPGUARD_RATE 100
#define UDPGUARD_BURST 32
/* The most reply_rate may say for either number. */
#define UDPGUARD_RATE_MAX 1000000
/* At most one summary line this often, in milliseconds. */
#define UDPGUARD_REPORT_MS 10000

/* A set of UDP port numbers: one bit each. */
struct udpguard_ports {
	uint64_t bits[65536 / 64];
};

/* A token bucket and the counts of what it dropped since the last report. */
struct udpguard {
	unsigned rate;         /* tokens per second */
	uint64_t tokens_milli; /* 1000 per reply */
	uint64_t capacity_milli;
	uint64_t last_ms;      /* when the bucket was last filled */
	uint64_t dropped_port; /* from a port below 1024 or a served one */
	uint64_t dropped_rate; /* over the budget */
	uint64_t since_ms;     /* the first drop not yet reported */
	uint64_t report_ms;    /* when the last summary went out */
	bool has_reported;
};

enum udpguard_verdict {
	UDPGUARD_ANSWER,
	UDPGUARD_LOOP_PORT,
	UDPGUARD_OVER_RATE,
};

void udpguard_ports_clear(struct udpguard_ports *);
void udpguard_ports_add(struct udpguard_ports *, uint16_t port);
bool udpguard_ports_has(const struct udpguard_ports *, uint16_t port);
/* Add "7,13,19-25" to the set; -1 (errno EINVAL) on anything else. */
int udpguard_ports_parse(struct udpguard_ports *, const char *text);
/* The set as "7,13,19-25" into BUF; returns the length it needs. */
size_t udpguard_ports_format(const struct udpguard_ports *, char *buf,
                             size_t size);

/* A full bucket of BURST tokens refilled at RATE a second; RATE 0: no cap. */
void udpguard_init(struct udpguard *, unsigned rate, unsigned burst,
                   uint64_t now_ms);
/* A new budget for a guard in use (a reload); its counts are kept. */
void udpguard_set_rate(struct udpguard *, unsigned rate, unsigned burst);
/*
 * "RATE" or "RATE,BURST" (each at most UDPGUARD_RATE_MAX, BURST at least
 * 1; BURST defaults to UDPGUARD_BURST); -1 (errno EINVAL) on anything else.
 */
int udpguard_rate_parse(const char *text, unsigned *rate, unsigned *burst);
/* The source port of PEER, or -1 for a family without ports. */
int udpguard_peer_port(const struct sockaddr *peer, socklen_t len);
/*
 * May a reply go to PEER?  Never to a port below 1024 (the classic
 * services and every other privileged one) nor to one in PORTS (two of
 * ours would answer each other forever); the rest while the bucket has
 * a token, or always when the rate is 0.  Counts what it refuses.
 */
enum udpguard_verdict udpguard_check(struct udpguard *,
                                     const struct udpguard_ports *,
                                     const struct sockaddr *peer, socklen_t len,
                                     uint64_t now_ms);
/*
 * A summary of what was dropped into BUF, at most once per
 * UDPGUARD_REPORT_MS (or now if FORCE); false when there is nothing to say.
 */
bool udpguard_report(struct udpguard *, uint64_t now_ms, bool force, char *buf,
                     size_t size);

#endif
