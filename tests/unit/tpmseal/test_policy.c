/* policy: software digests against values swtpm computed, approvals. */
#include <string.h>

#include <openssl/ec.h>
#include <sodium.h>

#include "policy.h"
#include "tests.h"

/* swtpm's trial PolicyPCR over sha256 PCRs 7 and 13, both zero */
#define PCR_7_13_ZERO "fd48791b46ef1f06d1376806163935bbe055f63824d0c3ec74591636bf7a6495"
/* swtpm (tpm2-tools trial session): PolicyCommandCode(NV_Write) then
 * PolicyNvWritten(NO); and PolicyOR(32 x 0x11, that) */
#define FIRST_WRITE "b7afecee9bf7bcbd5078f264de85f7e361dc84f745da7efa34e91fdaf200ee9b"
#define OR_11_FIRST "07d26699a13775e7fc32675eb9a560b48900654907158bc7a411a97956ab7945"

static void test_epoch_digests_golden(void **state)
{
	uint8_t fw[32], a[32], d[32], n1[POLICY_NAME_BYTES], n2[POLICY_NAME_BYTES];
	char hex[65];

	(void)state;
	policy_first_write_digest(fw);
	sodium_bin2hex(hex, sizeof hex, fw, sizeof fw);
	assert_string_equal(hex, FIRST_WRITE);
	memset(a, 0x11, sizeof a);
	policy_or_digest(a, fw, d);
	sodium_bin2hex(hex, sizeof hex, d, sizeof d);
	assert_string_equal(hex, OR_11_FIRST);
	/* the name depends on the handle and on the key's policy */
	assert_int_equal(policy_epoch_name(0x01851E7D, a, n1), 0);
	assert_int_equal(policy_epoch_name(0x01851E7C, a, n2), 0);
	assert_memory_not_equal(n1, n2, sizeof n1);
	a[0] ^= 1;
	assert_int_equal(policy_epoch_name(0x01851E7D, a, n2), 0);
	assert_memory_not_equal(n1, n2, sizeof n1);
	assert_int_equal(n1[0], 0x00);
	assert_int_equal(n1[1], 0x0B);
}

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
	struct policy_approval a = { .version = 1, .mask = 1u << 7 }, b;
	uint8_t rec[POLICY_APPROVAL_MAX_BYTES], h[32], der[128], *cur = der;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY_CTX *ctx;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r, *s;
	int dlen;
	size_t i;

	(void)state;
	assert_non_null(key);
	randombytes_buf(a.digest, sizeof a.digest);
	assert_int_equal(policy_approval_sign(&a, key, NULL), 0);
	assert_int_equal(policy_approval_render(&a, rec), POLICY_APPROVAL_V1_BYTES);
	assert_int_equal(policy_approval_parse(rec, POLICY_APPROVAL_V1_BYTES, &b), 0);
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
	assert_int_equal(policy_approval_parse(rec, POLICY_APPROVAL_V1_BYTES - 1, &b), -1);
	assert_int_equal(policy_approval_parse(rec, POLICY_APPROVAL_V1_BYTES + 1, &b), -1);
	for (i = 0; i < 9; i++) {  /* bytes 9..11 are PCR bits: any is valid */
		uint8_t bad[POLICY_APPROVAL_MAX_BYTES];
		memcpy(bad, rec, sizeof bad);
		bad[i] ^= 0x80;
		assert_int_equal(policy_approval_parse(bad, POLICY_APPROVAL_V1_BYTES, &b), -1);
	}
	EVP_PKEY_free(key);
	/* only P-256 signs */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_int_equal(policy_approval_sign(&a, key, NULL), -1);
	EVP_PKEY_free(key);
}

/* v2 records, and files of records back to back. */
static void test_approvals_file(void **state)
{
	struct policy_approval v1 = { .version = 1, .mask = 1u << 7 };
	struct policy_approval v2 = { .version = 2, .mask = (1u << 7) | (1u << 13), .epoch = 0x0102030405060708ull };
	struct policy_approval out[4];
	uint8_t file[4 * POLICY_APPROVAL_MAX_BYTES], name[POLICY_NAME_BYTES], d1[32], d2[32];
	size_t n = 0, count = 0;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	(void)state;
	assert_non_null(key);
	memset(name, 0x22, sizeof name);
	randombytes_buf(v1.digest, sizeof v1.digest);
	randombytes_buf(v2.digest, sizeof v2.digest);
	assert_int_equal(policy_approval_sign(&v1, key, NULL), 0);
	assert_int_equal(policy_approval_sign(&v2, key, name), 0);
	/* v2 approves PolicyPCR extended by PolicyNV: not the PCR digest */
	policy_approved(&v2, name, d2);
	assert_memory_not_equal(d2, v2.digest, 32);
	policy_nv_le_digest(v2.digest, v2.epoch, name, sizeof name, d1);
	assert_memory_equal(d1, d2, 32);
	policy_nv_le_digest(v2.digest, v2.epoch + 1, name, sizeof name, d1);
	assert_memory_not_equal(d1, d2, 32);
	policy_approved(&v1, NULL, d1);
	assert_memory_equal(d1, v1.digest, 32);

	n += policy_approval_render(&v2, file + n);
	assert_int_equal(n, POLICY_APPROVAL_V2_BYTES);
	assert_int_equal(file[12], 0x01);  /* epoch big-endian at 12 */
	assert_int_equal(file[19], 0x08);
	n += policy_approval_render(&v1, file + n);
	n += policy_approval_render(&v2, file + n);
	assert_int_equal(policy_approvals_parse(file, n, out, 4, &count), 0);
	assert_int_equal(count, 3);
	assert_memory_equal(&out[0], &v2, sizeof v2);
	assert_memory_equal(&out[1], &v1, sizeof v1);
	assert_memory_equal(&out[2], &v2, sizeof v2);
	/* an empty file holds no record */
	assert_int_equal(policy_approvals_parse(file, 0, out, 4, &count), 0);
	assert_int_equal(count, 0);
	/* more records than room, a truncated last one, a bad version */
	assert_int_equal(policy_approvals_parse(file, n, out, 2, &count), -1);
	assert_int_equal(count, 0);
	assert_int_equal(policy_approvals_parse(file, n - 1, out, 4, &count), -1);
	assert_int_equal(policy_approvals_parse(file, n + 1, out, 4, &count), -1);
	file[POLICY_APPROVAL_V2_BYTES + 4] = 3;
	assert_int_equal(policy_approvals_parse(file, n, out, 4, &count), -1);
	EVP_PKEY_free(key);
}

int run_policy_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_digests_golden),
		cmocka_unit_test(test_approvals_file),
		cmocka_unit_test(test_pcr_digest_golden),
		cmocka_unit_test(test_mask_parse),
		cmocka_unit_test(test_approval_sign_verify),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
