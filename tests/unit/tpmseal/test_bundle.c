/* bundle: marshal/unmarshal round trips, the size budget, strict refusal. */
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "tests.h"

/* A bundle with COUNT instances whose fields have the given prime length. */
static struct bundle *t_bundle(unsigned count, uint8_t plen, int family)
{
	struct bundle *b = bundle_new();
	unsigned i;

	assert_non_null(b);
	b->count = count;
	for (i = 0; i < count && i < TPMSEAL_MAX_INSTANCES; i++) {
		randombytes_buf(b->inst[i].p, plen);
		randombytes_buf(b->inst[i].q, plen);
		randombytes_buf(b->inst[i].ed, sizeof b->inst[i].ed);
		b->inst[i].p[0] |= 0x80;
		b->inst[i].q[0] |= 0x80;
		b->inst[i].plen = b->inst[i].qlen = plen;
	}
	if (family) {
		b->has_family = 1;
		memset(b->family_name, 'f', BUNDLE_NAME_MAX);
		randombytes_buf(b->family, sizeof b->family);
	}
	return b;
}

static void t_same(const struct bundle *a, const struct bundle *b)
{
	unsigned i;

	assert_int_equal(a->count, b->count);
	assert_int_equal(a->has_family, b->has_family);
	for (i = 0; i < a->count; i++) {
		assert_int_equal(a->inst[i].plen, b->inst[i].plen);
		assert_int_equal(a->inst[i].qlen, b->inst[i].qlen);
		assert_memory_equal(a->inst[i].p, b->inst[i].p, a->inst[i].plen);
		assert_memory_equal(a->inst[i].q, b->inst[i].q, a->inst[i].qlen);
		assert_memory_equal(a->inst[i].ed, b->inst[i].ed, 64);
	}
	if (a->has_family) {
		assert_string_equal(a->family_name, b->family_name);
		assert_memory_equal(a->family, b->family, 64);
	}
}

static void test_roundtrip_one(void **state)
{
	struct bundle *b = t_bundle(1, 64, 0), *c = bundle_new();
	uint8_t buf[BUNDLE_MAX_BYTES], again[BUNDLE_MAX_BYTES];
	size_t n, m;

	(void)state;
	n = bundle_marshal(b, buf, sizeof buf);
	assert_int_equal(n, 12 + 2 + 64 + 64 + 64 + 32);
	assert_int_equal(bundle_peek_length(buf, n), n);
	assert_int_equal(bundle_unmarshal(buf, n, c), 0);
	t_same(b, c);
	m = bundle_marshal(c, again, sizeof again);
	assert_int_equal(m, n);
	assert_memory_equal(buf, again, n);
	bundle_free(b);
	bundle_free(c);
}

/* The budget: 8 instances with the largest primes we accept and a family
 * key with the longest name still fit one 2048-byte index. */
static void test_max_fits(void **state)
{
	struct bundle *b = t_bundle(8, BUNDLE_PRIME_MAX, 1), *c = bundle_new();
	uint8_t buf[BUNDLE_MAX_BYTES];
	size_t n;

	(void)state;
	n = bundle_marshal(b, buf, sizeof buf);
	assert_true(n > 0 && n <= BUNDLE_MAX_BYTES);
	assert_int_equal(bundle_unmarshal(buf, n, c), 0);
	t_same(b, c);
	/* and a buffer one byte short is refused, not overrun */
	assert_int_equal(bundle_marshal(b, buf, n - 1), 0);
	bundle_free(b);
	bundle_free(c);
}

static void test_marshal_refuses(void **state)
{
	struct bundle *b = t_bundle(1, 64, 0);
	uint8_t buf[BUNDLE_MAX_BYTES];

	(void)state;
	b->count = 0;
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	b->count = 9;
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	b->count = 1;
	b->inst[0].p[0] = 0;  /* leading zero: two encodings of one prime */
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	b->inst[0].p[0] = 1;
	b->inst[0].qlen = 0;
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	b->inst[0].qlen = 64;
	b->has_family = 1;
	strcpy(b->family_name, "bad name");
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	strcpy(b->family_name, "");
	assert_int_equal(bundle_marshal(b, buf, sizeof buf), 0);
	strcpy(b->family_name, "ok_Name-1");
	assert_true(bundle_marshal(b, buf, sizeof buf) > 0);
	bundle_free(b);
}

/* Recomputes the checksum so a test reaches the field checks behind it. */
static void t_reseal(uint8_t *buf, size_t n)
{
	crypto_generichash(buf + n - 32, 32, buf, n - 32, NULL, 0);
}

static void test_unmarshal_refuses(void **state)
{
	struct bundle *b = t_bundle(2, 64, 1), *c = bundle_new();
	uint8_t buf[BUNDLE_MAX_BYTES], bad[BUNDLE_MAX_BYTES + 1];
	size_t n, i;
	unsigned bit;

	(void)state;
	n = bundle_marshal(b, buf, sizeof buf);
	assert_true(n > 0);
	/* every truncation and one extra byte */
	for (i = 0; i < n; i++)
		assert_int_equal(bundle_unmarshal(buf, i, c), -1);
	memcpy(bad, buf, n);
	bad[n] = 0;
	assert_int_equal(bundle_unmarshal(bad, n + 1, c), -1);
	/* every single-bit flip anywhere */
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, buf, n);
			bad[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(bundle_unmarshal(bad, n, c), -1);
		}
	/* header fields that are wrong even with a valid checksum */
	{
		static const size_t field[] = { 4, 5, 7, 10, 11 };
		for (i = 0; i < sizeof field / sizeof field[0]; i++) {
			memcpy(bad, buf, n);
			bad[field[i]] ^= 0x40;
			t_reseal(bad, n);
			assert_int_equal(bundle_unmarshal(bad, n, c), -1);
		}
	}
	memcpy(bad, buf, n);
	bad[6] = 0;
	t_reseal(bad, n);
	assert_int_equal(bundle_unmarshal(bad, n, c), -1);
	bad[6] = 9;
	t_reseal(bad, n);
	assert_int_equal(bundle_unmarshal(bad, n, c), -1);
	bad[6] = 1;  /* claims one instance: the rest is trailing garbage */
	t_reseal(bad, n);
	assert_int_equal(bundle_unmarshal(bad, n, c), -1);
	memcpy(bad, buf, n);
	bad[12] = 200;  /* prime length beyond the limit */
	t_reseal(bad, n);
	assert_int_equal(bundle_unmarshal(bad, n, c), -1);
	/* a failed parse leaves nothing behind */
	assert_int_equal(c->count, 0);
	assert_int_equal(bundle_unmarshal(buf, n, c), 0);
	t_same(b, c);
	bundle_free(b);
	bundle_free(c);
}

static void test_zero_and_ff(void **state)
{
	uint8_t buf[BUNDLE_MAX_BYTES];
	struct bundle *c = bundle_new();

	(void)state;
	memset(buf, 0, sizeof buf);
	assert_int_equal(bundle_peek_length(buf, sizeof buf), 0);
	assert_int_equal(bundle_unmarshal(buf, sizeof buf, c), -1);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(bundle_unmarshal(buf, sizeof buf, c), -1);
	assert_int_equal(bundle_peek_length(buf, 3), 0);
	bundle_free(c);
}

int run_bundle_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_one),
		cmocka_unit_test(test_max_fits),
		cmocka_unit_test(test_marshal_refuses),
		cmocka_unit_test(test_unmarshal_refuses),
		cmocka_unit_test(test_zero_and_ff),
	};
	return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
