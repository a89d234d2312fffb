/* A small SNTP client (RFC 4330): one request per server, the reply
 * checked against the request (mode, version, stratum, leap indicator,
 * originate timestamp), the offset from the four timestamps, and a step
 * only when the servers that answered agree.  The packet functions are
 * pure (fuzzed: tests/fuzz/initd_sntp); sntp_main() is the hidden
 * "initd --sntp" mode PID 1 runs as its clock step. */
#ifndef INITD_SNTP_H
#define INITD_SNTP_H

#include <stddef.h>
#include <stdint.h>

#define SNTP_PACKET 48
#define SNTP_SERVERS_MAX 4
/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define SNTP_UNIX_EPOCH 2208988800u

/* The request: version 4, mode 3 (client), transmit timestamp xmit (an
 * NTP 32.32 value the reply must echo as its originate timestamp). */
void sntp_request(uint8_t pkt[SNTP_PACKET], uint64_t xmit);

struct sntp_reply {
	unsigned stratum;
	int64_t rx_ms;   /* server receive time, Unix ms */
	int64_t tx_ms;   /* server transmit time, Unix ms */
};

/* Checks a reply to the request that carried xmit.  Returns 0, or
 * -EINVAL with *why set. */
int sntp_parse(uint8_t const *buf, size_t len, uint64_t xmit, struct sntp_reply *r,
	char const **why);

/* NTP 32.32 timestamp to Unix milliseconds (eras 0 and 1: 1968..2104). */
int64_t sntp_to_unix_ms(uint64_t ntp);
uint64_t sntp_from_unix_ms(int64_t ms);

/* Clock offset (server - local) from t1 (sent) and t4 (received), local
 * Unix ms, and the reply's times: ((t2 - t1) + (t3 - t4)) / 2. */
int64_t sntp_offset_ms(int64_t t1, struct sntp_reply const *r, int64_t t4);

/* The median of n (1..SNTP_SERVERS_MAX) offsets, sorted in place, into
 * *median; returns 0 when every offset is within bound_ms of it, -1 if
 * the servers disagree. */
int sntp_agree(int64_t *off, size_t n, int64_t bound_ms, int64_t *median);

/* initd --sntp [-t TIMEOUT_MS] [-e EPOCH] SERVER...: queries each server
 * (an IPv4 address or a name, port 123; HOST:PORT for tests), steps CLOCK_REALTIME to the
 * agreed median offset when it exceeds 500 ms.  Exit 0: stepped or
 * already right; 0 also when no server answers but the clock is after
 * EPOCH (the release's); 1 when none answers and the clock is before
 * EPOCH, or the servers disagree; 100 usage; 111 system error. */
int sntp_main(int argc, char **argv);

#endif
