/* The firmware event log (eventlog.c): logs built here byte by byte replay
 * to the values this file computes on its own (OpenSSL, not pcr.c), and
 * each malformed log is refused with the reason that names it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "eventlog.h"
#include "tests.h"

#define SHA1 0x0004
#define SHA256 0x000b
#define SHA384 0x000c
#define EV_NO_ACTION 0x3u
#define EV_SEPARATOR 0x4u
#define EV_S_CRTM_VERSION 0x8u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008u
#define EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_ACTION 0x80000007u
#define LOG_CAP (1024 * 1024)

/* A log being written, and the replay this file expects of it. */
struct log {
	uint8_t p[LOG_CAP];
	size_t n;
	unsigned nalgs;
	uint16_t alg[16], size[16];
	uint8_t want[EVENTLOG_PCRS][32];
	uint32_t logged;
	size_t events;
};

static struct log lg;

static void put(const void *d, size_t n)
{
	assert_true(n <= LOG_CAP - lg.n);
	memcpy(lg.p + lg.n, d, n);
	lg.n += n;
}

static void put8(uint8_t v)
{
	put(&v, 1);
}

static void put16(uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	put(b, 2);
}

static void put32(uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	put(b, 4);
}

static void sha256(const void *d, size_t n, uint8_t out[32])
{
	assert_true(EVP_Digest(d, n, out, NULL, EVP_sha256(), NULL));
}

static void extend(uint8_t pcr[32], const uint8_t d[32])
{
	uint8_t buf[64];

	memcpy(buf, pcr, 32);
	memcpy(buf + 32, d, 32);
	sha256(buf, 64, pcr);
}

/* The bank's digest of data: SHA-1 and SHA-256 for real, anything else
 * a filler of its size (the replay reads only SHA-256). */
static void digest(uint16_t alg, uint16_t size, const void *d, size_t n, uint8_t *out)
{
	if (alg == SHA1 && size == 20)
		assert_true(EVP_Digest(d, n, out, NULL, EVP_sha1(), NULL));
	else if (alg == SHA256 && size == 32)
		sha256(d, n, out);
	else
		memset(out, 0xa5, size);
}

/* Starts a log: the TCG_PCR_EVENT carrying the Spec ID event with these
 * banks, vendorInfo of vendor bytes. */
static void log_start(const uint16_t *algs, const uint16_t *sizes, unsigned nalgs, uint8_t vendor)
{
	uint8_t zero[20] = {0};
	unsigned i;

	memset(&lg, 0, sizeof lg);
	assert_true(nalgs <= 16);
	lg.nalgs = nalgs;
	memcpy(lg.alg, algs, nalgs * sizeof *algs);
	memcpy(lg.size, sizes, nalgs * sizeof *sizes);
	put32(0);
	put32(EV_NO_ACTION);
	put(zero, sizeof zero);
	put32(16 + 4 + 4 + 4 + 4 * nalgs + 1 + vendor);
	put("Spec ID Event03", 16);
	put32(0);  /* platformClass: client */
	put8(0);   /* specVersionMinor */
	put8(2);   /* specVersionMajor */
	put8(0);   /* specErrata */
	put8(2);   /* uintnSize: UINT64 */
	put32(nalgs);
	for (i = 0; i < nalgs; i++) {
		put16(algs[i]);
		put16(sizes[i]);
	}
	put8(vendor);
	for (i = 0; i < vendor; i++)
		put8((uint8_t)i);
	lg.events = 1;
}

static void log_ovmf(void)
{
	static const uint16_t algs[] = {SHA1, SHA256}, sizes[] = {20, 32};

	log_start(algs, sizes, 2, 0);
}

static void log_sha256(void)
{
	static const uint16_t algs[] = {SHA256}, sizes[] = {32};

	log_start(algs, sizes, 1, 0);
}

/* A TCG_PCR_EVENT2 with every bank, in the Spec ID event's order. */
static void log_event(uint32_t pcr, uint32_t type, const void *d, size_t n)
{
	uint8_t buf[64], want[32];
	unsigned i;

	put32(pcr);
	put32(type);
	put32(lg.nalgs);
	for (i = 0; i < lg.nalgs; i++) {
		put16(lg.alg[i]);
		if (type == EV_NO_ACTION)
			memset(buf, 0, lg.size[i]);
		else
			digest(lg.alg[i], lg.size[i], d, n, buf);
		put(buf, lg.size[i]);
	}
	put32((uint32_t)n);
	put(d, n);
	lg.events++;
	if (type != EV_NO_ACTION && pcr < EVENTLOG_PCRS) {
		sha256(d, n, want);
		extend(lg.want[pcr], want);
		lg.logged |= 1u << pcr;
	}
}

static void log_string(uint32_t pcr, uint32_t type, const char *s)
{
	log_event(pcr, type, s, strlen(s));
}

static void expect_replay(void)
{
	struct eventlog_replay r;
	struct attest_err err = {{0}};
	int rc = eventlog_replay(lg.p, lg.n, &r, &err);

	if (rc)
		fail_msg("refused: %s", err.msg);
	assert_int_equal(r.events, lg.events);
	assert_int_equal(r.logged, lg.logged);
	assert_memory_equal(r.pcr, lg.want, sizeof r.pcr);
}

static void expect_refused_n(size_t n, const char *want)
{
	static const struct eventlog_replay zero;
	struct eventlog_replay r;
	struct attest_err err = {{0}};

	assert_int_equal(eventlog_replay(lg.p, n, &r, &err), -1);
	if (!strstr(err.msg, want) || strchr(err.msg, '\n'))
		fail_msg("refused for '%s', expected '%s'", err.msg, want);
	assert_memory_equal(&r, &zero, sizeof r);
}

static void expect_refused(const char *want)
{
	expect_refused_n(lg.n, want);
}

/* What OVMF logs on a UEFI direct boot, in outline. */
static void ovmf_events(void)
{
	static const uint8_t sep[4] = {0};
	uint32_t pcr;

	log_event(0, EV_S_CRTM_VERSION, "\0\0", 2);
	log_string(0, EV_EFI_PLATFORM_FIRMWARE_BLOB, "0123456789abcdef");
	log_string(7, EV_EFI_VARIABLE_DRIVER_CONFIG, "SecureBoot=0");
	log_string(1, EV_NO_ACTION, "SP800-155 Event");
	log_string(4, EV_EFI_ACTION, "Calling EFI Application from Boot Option");
	for (pcr = 0; pcr <= 7; pcr++)
		log_event(pcr, EV_SEPARATOR, sep, sizeof sep);
	log_string(4, EV_EFI_BOOT_SERVICES_APPLICATION, "lethe.efi image load event");
	log_string(9, 0xdu, "initrd");
	log_string(11, 0xdu, ".linux");
}

static void test_ovmf(void **state)
{
	(void)state;
	log_ovmf();
	ovmf_events();
	expect_replay();
	/* The one value everybody knows: PCR 7 ends with the separator after
	 * one event; PCR 5 had the separator alone. */
	log_ovmf();
	log_event(5, EV_SEPARATOR, "\0\0\0\0", 4);
	expect_replay();
	{
		static const uint8_t sep5[32] = {
			0x3d, 0x45, 0x8c, 0xfe, 0x55, 0xcc, 0x03, 0xea, 0x1f, 0x44, 0x3f,
			0x15, 0x62, 0xbe, 0xec, 0x8d, 0xf5, 0x1c, 0x75, 0xe1, 0x4a, 0x9f,
			0xcf, 0x9a, 0x72, 0x34, 0xa1, 0x3f, 0x19, 0x8e, 0x79, 0x69};
		struct eventlog_replay r;
		struct attest_err err;

		assert_int_equal(eventlog_replay(lg.p, lg.n, &r, &err), 0);
		assert_memory_equal(r.pcr[5], sep5, 32);
		assert_int_equal(r.logged, 1u << 5);
		assert_int_equal(r.events, 2);
	}
}

static void test_sha256_only(void **state)
{
	(void)state;
	log_sha256();
	ovmf_events();
	expect_replay();
	/* The Spec ID event alone is a log too: nothing extended. */
	log_sha256();
	expect_replay();
}

/* Banks in another order, an unknown one, vendorInfo, and each event's
 * digests in its own order. */
static void test_bank_order(void **state)
{
	static const uint16_t algs[] = {SHA256, 0x1234, SHA1}, sizes[] = {32, 7, 20};
	uint8_t d[32];
	size_t at;

	(void)state;
	log_start(algs, sizes, 3, 5);
	log_string(4, EV_EFI_ACTION, "one");
	expect_replay();
	/* Another event, written by hand: SHA-1, the unknown, SHA-256. */
	at = lg.n;
	put32(4);
	put32(EV_EFI_ACTION);
	put32(3);
	put16(SHA1);
	put("01234567890123456789", 20);
	put16(0x1234);
	put("abcdefg", 7);
	put16(SHA256);
	sha256("two", 3, d);
	put(d, 32);
	put32(3);
	put("two", 3);
	extend(lg.want[4], d);
	lg.events++;
	expect_replay();
	assert_true(lg.n - at == 12 + 22 + 9 + 34 + 4 + 3);
}

static void test_startup_locality(void **state)
{
	static const uint8_t want0[32] = {
		0x5a, 0xe9, 0x6c, 0x90, 0x36, 0x06, 0x85, 0x19, 0xbd, 0x42, 0xe7,
		0x4e, 0x35, 0x7b, 0x09, 0xe1, 0x2d, 0x43, 0xe7, 0x5b, 0xe9, 0x74,
		0x95, 0x42, 0x15, 0x3e, 0xd7, 0x49, 0xaf, 0xef, 0x18, 0x86};
	uint8_t loc[17] = "StartupLocality";
	struct eventlog_replay r;
	struct attest_err err;

	(void)state;
	loc[16] = 3;
	log_ovmf();
	log_event(0, EV_NO_ACTION, loc, sizeof loc);
	lg.want[0][31] = 3;
	log_string(0, EV_S_CRTM_VERSION, "lethe");
	expect_replay();
	assert_int_equal(eventlog_replay(lg.p, lg.n, &r, &err), 0);
	assert_memory_equal(r.pcr[0], want0, 32);
	assert_int_equal(r.logged, 1);

	/* Only at the start, once, and exactly 17 bytes. */
	log_ovmf();
	log_string(0, EV_S_CRTM_VERSION, "lethe");
	log_event(0, EV_NO_ACTION, loc, sizeof loc);
	expect_refused("event 2: StartupLocality after PCR 0's first event");
	log_ovmf();
	log_event(0, EV_NO_ACTION, loc, sizeof loc);
	log_event(0, EV_NO_ACTION, loc, sizeof loc);
	expect_refused("event 2: StartupLocality after");
	log_ovmf();
	log_event(0, EV_NO_ACTION, loc, 16);
	expect_refused("event 1: StartupLocality event of 16 bytes");
	/* On another PCR it is no StartupLocality, just informational. */
	log_ovmf();
	log_event(3, EV_NO_ACTION, loc, sizeof loc);
	expect_replay();
}

static void test_no_action(void **state)
{
	struct eventlog_replay r;
	struct attest_err err;
	static const uint8_t zero[32];

	(void)state;
	log_ovmf();
	log_string(5, EV_NO_ACTION, "not measured");
	log_string(4, EV_EFI_ACTION, "measured");
	assert_int_equal(eventlog_replay(lg.p, lg.n, &r, &err), 0);
	assert_int_equal(r.logged, 1u << 4);
	assert_memory_equal(r.pcr[5], zero, 32);
	assert_int_equal(r.events, 3);
	expect_replay();
}

/* Spec ID events whose banks are refused. */
static const struct {
	uint16_t alg[9], size[9];
	unsigned n;
	const char *want;
} bad_banks[] = {
	{{SHA1}, {20}, 1, "event 0: no SHA-256 bank"},
	{{SHA1, SHA256}, {20, 48}, 2, "event 0: SHA-256 digest size 48 (want 32)"},
	{{SHA1, SHA256}, {0, 32}, 2, "event 0: algorithm 0x0004 digest size 0"},
	{{SHA1, SHA256}, {65, 32}, 2, "event 0: algorithm 0x0004 digest size 65"},
	{{1, 2, 3, 5, 6, 7, 8, 9, SHA256}, {20, 20, 20, 20, 20, 20, 20, 20, 32}, 9,
	 "event 0: 9 algorithms (want 1 to 8)"},
	{{SHA256}, {32}, 0, "event 0: 0 algorithms"},
	{{SHA256, SHA256}, {32, 32}, 2, "event 0: algorithm 0x000b listed twice"},
};

static void test_refused_start(void **state)
{
	static const uint16_t ovmf[] = {SHA1, SHA256}, ovmf_sizes[] = {20, 32};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_banks / sizeof *bad_banks; i++) {
		log_start(bad_banks[i].alg, bad_banks[i].size, bad_banks[i].n, 0);
		expect_refused(bad_banks[i].want);
	}
	log_ovmf();
	expect_refused_n(0, "empty event log");
	/* A SHA-1 log (TPM 1.2 format): its first event measures. */
	memset(&lg, 0, sizeof lg);
	put32(0);
	put32(EV_S_CRTM_VERSION);
	put("01234567890123456789", 20);
	put32(2);
	put16(0);
	expect_refused("event 0: not a Spec ID event (PCR 0, type 0x00000008)");
	log_ovmf();
	lg.p[0] = 1;
	expect_refused("event 0: not a Spec ID event (PCR 1");
	log_ovmf();
	lg.p[10] = 1;
	expect_refused("event 0: not a Spec ID event");
	log_ovmf();
	lg.p[32 + 14] = '2'; /* "Spec ID Event02" */
	expect_refused("event 0: no 'Spec ID Event03' signature");
	/* vendorInfo must end the event exactly. */
	log_start(ovmf, ovmf_sizes, 2, 3);
	lg.p[lg.n - 4]++; /* vendorInfoSize 4 in an event with room for 3 */
	expect_refused("event 0: vendorInfo of 4 bytes past");
	log_start(ovmf, ovmf_sizes, 2, 3);
	lg.p[lg.n - 4]--;
	expect_refused("event 0: 1 bytes after the Spec ID event's vendorInfo");
	/* The header, the Spec ID data cut short. */
	log_ovmf();
	expect_refused_n(31, "truncated event 0");
	expect_refused_n(lg.n - 1, "truncated event 0");
	expect_refused_n(40, "truncated event 0");
}

/* The offset of event 1's fields in an OVMF log (SHA-1 then SHA-256). */
#define E1 (32 + 16 + 12 + 8 + 1)

static void test_refused_events(void **state)
{
	size_t start;

	(void)state;
	log_ovmf();
	assert_int_equal(lg.n, E1);
	log_string(4, EV_EFI_ACTION, "x");
	log_string(24, EV_EFI_ACTION, "x");
	expect_refused("event 2: PCR index 24 out of range");
	log_ovmf();
	log_string(4, EV_EFI_ACTION, "x");
	lg.p[E1 + 8] = 1; /* count 1 of 2 banks */
	expect_refused("event 1: 1 digests (the Spec ID event lists 2)");
	lg.p[E1 + 8] = 3;
	expect_refused("event 1: 3 digests");
	log_ovmf();
	log_string(4, EV_EFI_ACTION, "x");
	lg.p[E1 + 34] = SHA1; /* SHA-1 where SHA-256 was, twice */
	expect_refused("event 1: algorithm 0x0004 twice");
	lg.p[E1 + 12] = SHA384;
	expect_refused("event 1: algorithm 0x000c not in the Spec ID event");

	/* Cut anywhere inside an event: header, digest, size, data. */
	log_ovmf();
	log_string(4, EV_EFI_ACTION, "x");
	start = lg.n;
	log_string(4, EV_EFI_ACTION, "data");
	expect_refused_n(start + 5, "truncated event 2");
	expect_refused_n(start + 11, "truncated event 2");
	expect_refused_n(start + 12 + 10, "truncated event 2");
	expect_refused_n(start + 12 + 22 + 1, "truncated event 2");
	expect_refused_n(start + 12 + 22 + 34 + 2, "truncated event 2");
	expect_refused_n(lg.n - 1, "truncated event 2");
	expect_replay();
	/* eventSize past the end, by one and by the most a u32 says. */
	lg.p[lg.n - 8]++;
	expect_refused("truncated event 2");
	memset(lg.p + lg.n - 8, 0xff, 4);
	expect_refused("truncated event 2");
	/* One byte of trailing garbage. */
	log_ovmf();
	log_string(4, EV_EFI_ACTION, "x");
	put8(0);
	expect_refused("truncated event 2");
}

static void test_limits(void **state)
{
	static uint8_t big[LETHE_ATTEST_EVENTLOG_MAX + 1];
	size_t i, fit;

	(void)state;
	/* As many of the smallest events as the largest log holds: the event
	 * limit is a backstop the byte limit reaches first. */
	log_sha256();
	fit = (LETHE_ATTEST_EVENTLOG_MAX - lg.n) / 50;
	assert_true(fit < EVENTLOG_EVENTS_MAX);
	for (i = 0; i < fit; i++)
		log_event(7, EV_EFI_ACTION, "", 0);
	assert_true(lg.n <= LETHE_ATTEST_EVENTLOG_MAX);
	expect_replay();
	log_sha256();
	for (i = 0; i < EVENTLOG_EVENTS_MAX; i++)
		log_event(7, EV_EFI_ACTION, "", 0);
	assert_int_equal(lg.events, EVENTLOG_EVENTS_MAX + 1);
	expect_refused("(at most 262144)");
	/* A valid log, then anything, one byte over. */
	log_sha256();
	memcpy(big, lg.p, lg.n);
	memcpy(lg.p, big, sizeof big);
	expect_refused_n(sizeof big, "event log of 262145 bytes (at most 262144)");
}

int test_eventlog_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf),
		cmocka_unit_test(test_sha256_only),
		cmocka_unit_test(test_bank_order),
		cmocka_unit_test(test_startup_locality),
		cmocka_unit_test(test_no_action),
		cmocka_unit_test(test_refused_start),
		cmocka_unit_test(test_refused_events),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
