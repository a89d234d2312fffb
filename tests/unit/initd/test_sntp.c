/* sntp.c: the request, reply checks, timestamps, offset and agreement. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sntp.h"

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* A good reply to xmit: stratum 2, received rx, sent tx (Unix ms). */
static void reply(uint8_t pkt[SNTP_PACKET], uint64_t xmit, int64_t rx, int64_t tx)
{
	memset(pkt, 0, SNTP_PACKET);
	pkt[0] = 0 << 6 | 4 << 3 | 4;
	pkt[1] = 2;
	put64(pkt + 24, xmit);
	put64(pkt + 32, sntp_from_unix_ms(rx));
	put64(pkt + 40, sntp_from_unix_ms(tx));
}

static void test_sntp_request(void **state)
{
	uint8_t pkt[SNTP_PACKET];
	size_t i;

	(void)state;
	sntp_request(pkt, 0x0102030405060708ull);
	assert_int_equal(pkt[0], 0x23); /* LI 0, VN 4, mode 3 */
	for (i = 1; i < 40; i++)
		assert_int_equal(pkt[i], 0);
	assert_int_equal(pkt[40], 1);
	assert_int_equal(pkt[47], 8);
}

static void test_sntp_timestamps(void **state)
{
	(void)state;
	/* 2026-11-22 00:00:00 UTC, and back */
	assert_true(sntp_to_unix_ms(sntp_from_unix_ms(1795305600123LL)) == 1795305600123LL);
	assert_true(sntp_to_unix_ms((uint64_t)SNTP_UNIX_EPOCH << 32) == 0);
	/* era 1: NTP seconds 0 is 2036-02-07 06:28:16 UTC */
	assert_true(sntp_to_unix_ms(0) == 2085978496000LL);
	assert_true(sntp_to_unix_ms(sntp_from_unix_ms(2085978496500LL)) == 2085978496500LL);
	/* half a second of fraction */
	assert_true(sntp_to_unix_ms(((uint64_t)SNTP_UNIX_EPOCH << 32) | 0x80000000u) == 500);
}

static void test_sntp_parse(void **state)
{
	uint8_t pkt[SNTP_PACKET + 20];
	struct sntp_reply r;
	char const *why;
	uint64_t x = 0xdeadbeef12345678ull;
	int64_t t = 1795305600000LL;

	(void)state;
	reply(pkt, x, t + 100, t + 101);
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), 0);
	assert_int_equal(r.stratum, 2);
	assert_true(r.rx_ms == t + 100 && r.tx_ms == t + 101);
	/* offset: local clock 5 s behind, 20 ms each way */
	assert_true(sntp_offset_ms(t - 5000 + 80, &r, t - 5000 + 121) == 5000);
	/* extension fields after the header are fine */
	memset(pkt + SNTP_PACKET, 0xaa, 20);
	assert_int_equal(sntp_parse(pkt, sizeof pkt, x, &r, &why), 0);

	assert_int_equal(sntp_parse(pkt, SNTP_PACKET - 1, x, &r, &why), -EINVAL);
	assert_string_equal(why, "bad length");
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x + 1, &r, &why), -EINVAL);
	assert_string_equal(why, "originate timestamp is not ours");
	pkt[0] = 0x23; /* a client request echoed back */
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	pkt[0] = 3 << 6 | 4 << 3 | 4;
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	assert_string_equal(why, "server not synchronized");
	pkt[0] = 0 << 6 | 2 << 3 | 4;
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	pkt[0] = 0 << 6 | 3 << 3 | 4; /* version 3 is accepted */
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), 0);
	pkt[1] = 0;
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	assert_string_equal(why, "kiss-o'-death");
	pkt[1] = 16;
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	reply(pkt, x, t + 100, t + 99);
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	assert_true(r.rx_ms == 0 && r.tx_ms == 0);
	reply(pkt, x, t, t);
	put64(pkt + 32, 0);
	assert_int_equal(sntp_parse(pkt, SNTP_PACKET, x, &r, &why), -EINVAL);
	assert_string_equal(why, "zero timestamp");
}

static void test_sntp_agree(void **state)
{
	int64_t a[4] = { 30, -10, 20, 0 }, b[3] = { 0, 5000, 10 }, c[1] = { -7 }, m;

	(void)state;
	assert_int_equal(sntp_agree(a, 4, 2000, &m), 0);
	assert_true(m == 0); /* the lower median of -10 0 20 30 */
	assert_int_equal(sntp_agree(b, 3, 2000, &m), -1);
	assert_int_equal(sntp_agree(c, 1, 2000, &m), 0);
	assert_true(m == -7);
	assert_int_equal(sntp_agree(c, 0, 2000, &m), -1);
	assert_int_equal(sntp_agree(a, 5, 2000, &m), -1);
}

int main(void)
{
	struct CMUnitTest const tests[] = {
		cmocka_unit_test(test_sntp_request),
		cmocka_unit_test(test_sntp_timestamps),
		cmocka_unit_test(test_sntp_parse),
		cmocka_unit_test(test_sntp_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
