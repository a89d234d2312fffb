#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "log.h"
#include "sntp.h"

#define SNTP_STEP_MIN_MS 500
#define SNTP_AGREE_MS 2000
#define SNTP_TIMEOUT_DEFAULT_MS 3000

static uint64_t sntp_be64(uint8_t const *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void sntp_request(uint8_t pkt[SNTP_PACKET], uint64_t xmit)
{
	int i;

	memset(pkt, 0, SNTP_PACKET);
	pkt[0] = 0 << 6 | 4 << 3 | 3; /* LI 0, VN 4, mode 3 */
	for (i = 0; i < 8; i++)
		pkt[40 + i] = (uint8_t)(xmit >> (56 - 8 * i));
}

int64_t sntp_to_unix_ms(uint64_t ntp)
{
	uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffu;
	int64_t s;

	/* RFC 4330 section 3: MSB clear means era 1 (after 2036-02-07) */
	if (sec & 0x80000000u)
		s = (int64_t)sec - SNTP_UNIX_EPOCH;
	else
		s = (int64_t)sec + 4294967296LL - SNTP_UNIX_EPOCH;
	return s * 1000 + (int64_t)((frac * 1000u) >> 32);
}

uint64_t sntp_from_unix_ms(int64_t ms)
{
	uint64_t sec = (uint64_t)(ms / 1000 + SNTP_UNIX_EPOCH) & 0xffffffffu;
	/* rounded up, so that sntp_to_unix_ms() gives ms back */
	uint64_t frac = (((uint64_t)(ms % 1000) << 32) + 999u) / 1000u;

	return sec << 32 | frac;
}

int sntp_parse(uint8_t const *buf, size_t len, uint64_t xmit, struct sntp_reply *r,
	char const **why)
{
	unsigned li, vn, mode;
	uint64_t orig, rx, tx;

	memset(r, 0, sizeof *r);
	*why = NULL;
	/* extension fields and a MAC may follow; we read only the header */
	if (len < SNTP_PACKET || len > 1024) {
		*why = "bad length";
		return -EINVAL;
	}
	li = buf[0] >> 6;
	vn = (buf[0] >> 3) & 7;
	mode = buf[0] & 7;
	if (mode != 4) {
		*why = "not a server reply";
		return -EINVAL;
	}
	if (vn < 3 || vn > 4) {
		*why = "bad version";
		return -EINVAL;
	}
	if (li == 3) {
		*why = "server not synchronized";
		return -EINVAL;
	}
	if (buf[1] == 0) {
		*why = "kiss-o'-death";
		return -EINVAL;
	}
	if (buf[1] > 15) {
		*why = "bad stratum";
		return -EINVAL;
	}
	orig = sntp_be64(buf + 24);
	rx = sntp_be64(buf + 32);
	tx = sntp_be64(buf + 40);
	if (orig != xmit) {
		*why = "originate timestamp is not ours";
		return -EINVAL;
	}
	if (rx == 0 || tx == 0) {
		*why = "zero timestamp";
		return -EINVAL;
	}
	r->stratum = buf[1];
	r->rx_ms = sntp_to_unix_ms(rx);
	r->tx_ms = sntp_to_unix_ms(tx);
	if (r->tx_ms < r->rx_ms) {
		memset(r, 0, sizeof *r);
		*why = "transmitted before received";
		return -EINVAL;
	}
	return 0;
}

int64_t sntp_offset_ms(int64_t t1, struct sntp_reply const *r, int64_t t4)
{
	return ((r->rx_ms - t1) + (r->tx_ms - t4)) / 2;
}

int sntp_agree(int64_t *off, size_t n, int64_t bound_ms, int64_t *median)
{
	size_t i, j;

	if (n == 0 || n > SNTP_SERVERS_MAX)
		return -1;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && off[j - 1] > off[j]; j--) {
			int64_t t = off[j];

			off[j] = off[j - 1];
			off[j - 1] = t;
		}
	/* the lower median: with two servers, the earlier clock */
	*median = off[(n - 1) / 2];
	for (i = 0; i < n; i++)
		if (off[i] - *median > bound_ms || *median - off[i] > bound_ms)
			return -1;
	return 0;
}

static int64_t sntp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sntp_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One exchange with server; 0 and *off, or -1 (logged). */
static int sntp_query(char const *server, int timeout_ms, int64_t *off)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	char host[256];
	char const *port = "123", *colon = strchr(server, ':');
	uint8_t pkt[SNTP_PACKET], buf[1025];
	struct sntp_reply r;
	char const *why;
	uint64_t xmit, nonce = 0;
	int64_t t1, t4, end;
	int fd = -1, e, ret = -1;

	/* HOST:PORT for tests; the kernel command line gives hosts only */
	if ((size_t)snprintf(host, sizeof host, "%s", server) >= sizeof host)
		return -1;
	if (colon) {
		host[colon - server] = '\0';
		port = colon + 1;
	}
	e = getaddrinfo(host, port, &hints, &ai);
	if (e != 0) {
		log_warn("sntp: unable to resolve %s: %s", server, gai_strerror(e));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		log_warn("sntp: unable to connect to %s: %s", server, strerror(errno));
		goto done;
	}
	/* the transmit timestamp doubles as a nonce: its low bits are random,
	 * so an off-path reply cannot echo it (RFC 4330 section 3) */
	if (getrandom(&nonce, sizeof nonce, GRND_NONBLOCK) < 0)
		nonce = (uint64_t)sntp_mono_ms();
	t1 = sntp_now_ms();
	xmit = (sntp_from_unix_ms(t1) & ~0xffffffffull) | (nonce & 0xffffffffu);
	sntp_request(pkt, xmit);
	if (send(fd, pkt, sizeof pkt, 0) != (ssize_t)sizeof pkt) {
		log_warn("sntp: unable to send to %s: %s", server, strerror(errno));
		goto done;
	}
	end = sntp_mono_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - sntp_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			log_warn("sntp: no answer from %s within %d ms", server, timeout_ms);
			goto done;
		}
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		t4 = sntp_now_ms();
		if (n < 0)
			continue;
		if (sntp_parse(buf, (size_t)n, xmit, &r, &why) < 0) {
			log_warn("sntp: %s: reply refused: %s", server, why);
			continue; /* a stray datagram: keep waiting until the deadline */
		}
		*off = sntp_offset_ms(t1, &r, t4);
		log_info("sntp: %s: stratum %u, offset %lld ms, delay %lld ms", server, r.stratum,
			(long long)*off, (long long)((t4 - t1) - (r.tx_ms - r.rx_ms)));
		ret = 0;
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ret;
}

int sntp_main(int argc, char **argv)
{
	int64_t off[SNTP_SERVERS_MAX], median;
	long timeout = SNTP_TIMEOUT_DEFAULT_MS;
	long long epoch = 0;
	size_t n = 0;
	char *end;
	int c, i;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+t:e:")) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || timeout < 100 || timeout > 60000)
				goto usage;
			break;
		case 'e':
			errno = 0;
			epoch = strtoll(optarg, &end, 10);
			if (errno || *end || epoch < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || argc - optind > SNTP_SERVERS_MAX)
		goto usage;
	for (i = optind; i < argc; i++)
		if (sntp_query(argv[i], (int)timeout, &off[n]) == 0)
			n++;
	if (n == 0) {
		if (sntp_now_ms() / 1000 >= epoch) {
			log_warn("sntp: no server answered; keeping the RTC time");
			return LETHE_EXIT_OK;
		}
		log_warn("sntp: no server answered and the clock is before the release");
		return LETHE_EXIT_REFUSED;
	}
	if (sntp_agree(off, n, SNTP_AGREE_MS, &median) < 0) {
		log_warn("sntp: the servers disagree by more than %d ms", SNTP_AGREE_MS);
		return LETHE_EXIT_REFUSED;
	}
	if (median > SNTP_STEP_MIN_MS || median < -SNTP_STEP_MIN_MS) {
		int64_t t = sntp_now_ms() + median;
		struct timespec ts = { .tv_sec = t / 1000, .tv_nsec = (t % 1000) * 1000000 };

		if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
			log_warn("sntp: unable to set the clock: %s", strerror(errno));
			return LETHE_EXIT_TEMP;
		}
		log_info("sntp: clock stepped by %lld ms", (long long)median);
	} else {
		log_info("sntp: clock within %d ms; not stepped", SNTP_STEP_MIN_MS);
	}
	return LETHE_EXIT_OK;
usage:
	log_fatal("usage: initd --sntp [-t TIMEOUT_MS] [-e EPOCH] SERVER...");
	return LETHE_EXIT_USAGE;
}
