/* policy: software digests against values swtpm computed, approvals. */
#include <string.h>

#include <openssl/ec.h>
#include <sodium.h>

#include "policy.h"
#include "tests.h"

/* swtpm's trial PolicyPCR over sha256 PCRs 7 and 13, both zero */
#define PCR_7_13_ZERO "fd48791b46ef1f06d1376806163935bbe055f63824d0c3ec74591636bf7a6495"

static void test_pcr_digest_golden(void **state)
{
	uint8_t values[2][32] = { { 0 } }, d[32];
	char hex[65];

	(void)state;
	assert_int_equal(policy_pcr_digest((1u << 7) | (1u << 13), (const uint8_t (*)[32])values, d), 0);
	sodium_bin2hex(hex, sizeof hex, d, sizeof d);
	assert_string_equal(hex, PCR_7_13_ZERO);
	values[1][0] = 1;
	assert_int_equal(policy_pcr_digest((1u << 7) | (1u << 13), (const uint8_t (*)[32])values, d), 0);
	sodium_bin2hex(hex, sizeof hex, d, sizeof d);
	assert_string_not_equal(hex, PCR_7_13_ZERO);
	assert_int_equal(policy_pcr_digest(0, (const uint8_t (*)[32])values, d), -1);
	assert_int_equal(policy_pcr_digest(1u << 24, (const uint8_t (*)[32])values, d), -1);
}

static void test_mask_parse(void **state)
{
	uint32_t m = 0;

	(void)state;
	assert_int_equal(policy_mask_parse("7,13", &m), 0);
	assert_int_equal(m, (1u << 7) | (1u << 13));
	assert_int_equal(policy_mask_parse("7,13,14", &m), 0);
	assert_int_equal(policy_mask_count(m), 3);
	assert_int_equal(policy_mask_parse("0", &m), 0);
	assert_int_equal(m, 1);
	assert_int_equal(policy_mask_parse("23", &m), 0);
	assert_int_equal(policy_mask_parse("", &m), -1);
	assert_int_equal(policy_mask_parse("24", &m), -1);
	assert_int_equal(policy_mask_parse("7,7", &m), -1);
	assert_int_equal(policy_mask_parse("7,", &m), -1);
	assert_int_equal(policy_mask_parse(",7", &m), -1);
	assert_int_equal(policy_mask_parse("7;13", &m), -1);
	assert_int_equal(policy_mask_parse("0007", &m), -1);
	assert_int_equal(policy_mask_parse("-1", &m), -1);
}

static void test_approval_sign_verify(void **state)
{
	struct policy_approval a = { .mask = 1u << 7 }, b;
	uint8_t rec[POLICY_APPROVAL_BYTES], h[32], der[128], *cur = der;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY_CTX *ctx;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r, *s;
	int dlen;
	size_t i;

	(void)state;
	assert_non_null(key);
	randombytes_buf(a.digest, sizeof a.digest);
	assert_int_equal(policy_approval_sign(&a, key), 0);
	policy_approval_render(&a, rec);
	assert_int_equal(policy_approval_parse(rec, sizeof rec, &b), 0);
	assert_memory_equal(&a, &b, sizeof a);
	/* r||s verify over SHA-256(approved || policyRef) with OpenSSL */
	r = BN_bin2bn(b.r, 32, NULL);
	s = BN_bin2bn(b.s, 32, NULL);
	assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
	dlen = i2d_ECDSA_SIG(sig, &cur);
	assert_true(dlen > 0);
	policy_approval_hash(b.digest, h);
	ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, der, (size_t)dlen, h, sizeof h), 1);
	h[0] ^= 1;
	assert_int_not_equal(EVP_PKEY_verify(ctx, der, (size_t)dlen, h, sizeof h), 1);
	EVP_PKEY_CTX_free(ctx);
	ECDSA_SIG_free(sig);
	/* parse is strict */
	assert_int_equal(policy_approval_parse(rec, sizeof rec - 1, &b), -1);
	for (i = 0; i < 9; i++) {  /* bytes 9..11 are PCR bits: any is valid */
		uint8_t bad[POLICY_APPROVAL_BYTES];
		memcpy(bad, rec, sizeof bad);
		bad[i] ^= 0x80;
		assert_int_equal(policy_approval_parse(bad, sizeof bad, &b), -1);
	}
	EVP_PKEY_free(key);
	/* only P-256 signs */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_int_equal(policy_approval_sign(&a, key), -1);
	EVP_PKEY_free(key);
}

int run_policy_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcr_digest_golden),
		cmocka_unit_test(test_mask_parse),
		cmocka_unit_test(test_approval_sign_verify),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
