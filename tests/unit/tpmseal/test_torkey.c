/* torkey: tor's key formats against fixtures made at test time by real tor
 * 0.4.9 and by `openssl genrsa -traditional`, with the fingerprints tor (and
 * openssl + sha1sum) printed for them (tests/unit/tpmseal/mkfixtures.sh). */
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "tests.h"
#include "torkey.h"

#define TOR_RSA_FPR t_golden("tor/rsa_fpr")
#define TOR_ED_ID t_golden("tor/ed_id")
#define TOR_FAMILY_ID t_golden("tor/family_id")
#define PKCS1_FPR t_golden("pkcs1.fpr")

static void test_ed_tor_fixture(void **state)
{
	uint8_t file[200], esk[64], pk[32], out[TORKEY_ED_FILE_BYTES];
	char id[TORKEY_ED_ID_B64];
	size_t n;

	(void)state;
	n = t_slurp(TDATA "/tor/ed25519_master_id_secret_key", file, sizeof file);
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_MASTER, esk), 0);
	assert_int_equal(torkey_ed_public(esk, pk), 0);
	torkey_ed_id(pk, id);
	assert_string_equal(id, TOR_ED_ID);
	/* rendering gives back tor's bytes exactly */
	assert_int_equal(torkey_ed_file_render(esk, TORKEY_TAG_MASTER, out), 0);
	assert_memory_equal(out, file, sizeof out);
	/* the family key: same container, another tag */
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_FAMILY, esk), -1);
	n = t_slurp(TDATA "/tor/fxfam.secret_family_key", file, sizeof file);
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_FAMILY, esk), 0);
	assert_int_equal(torkey_ed_public(esk, pk), 0);
	torkey_ed_id(pk, id);
	assert_string_equal(id, TOR_FAMILY_ID);
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_MASTER, esk), -1);
}

static void test_ed_refuses(void **state)
{
	uint8_t file[TORKEY_ED_FILE_BYTES + 1], esk[64];
	size_t n;

	(void)state;
	n = t_slurp(TDATA "/tor/ed25519_master_id_secret_key", file, sizeof file);
	assert_int_equal(n, TORKEY_ED_FILE_BYTES);
	assert_int_equal(torkey_ed_file_parse(file, n - 1, TORKEY_TAG_MASTER, esk), -1);
	file[n] = 0;
	assert_int_equal(torkey_ed_file_parse(file, n + 1, TORKEY_TAG_MASTER, esk), -1);
	file[31] = 'x';  /* padding must be NUL */
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_MASTER, esk), -1);
	file[31] = 0;
	file[32] |= 1;   /* a scalar tor never writes (not clamped) */
	assert_int_equal(torkey_ed_file_parse(file, n, TORKEY_TAG_MASTER, esk), -1);
}

/* Our expansion of a seed gives the key libsodium derives from that seed:
 * the same public key, so the same ed25519 identity. */
static void test_ed_generate_matches_libsodium(void **state)
{
	uint8_t seed[32], esk[64], pk[32], spk[32], ssk[64];
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		randombytes_buf(seed, sizeof seed);
		crypto_hash_sha512(esk, seed, sizeof seed);
		esk[0] &= 248;
		esk[31] &= 63;
		esk[31] |= 64;
		assert_int_equal(torkey_ed_public(esk, pk), 0);
		crypto_sign_seed_keypair(spk, ssk, seed);
		assert_memory_equal(pk, spk, 32);
	}
	assert_int_equal(torkey_ed_generate(esk), 0);
	assert_int_equal(esk[0] & 7, 0);
	assert_int_equal(esk[31] & 0xC0, 0x40);
}

static void test_rsa_tor_fixture(void **state)
{
	uint8_t pem[2048], out[TORKEY_PEM_MAX], p[BUNDLE_PRIME_MAX], q[BUNDLE_PRIME_MAX];
	uint8_t p2[BUNDLE_PRIME_MAX], q2[BUNDLE_PRIME_MAX], plen, qlen, plen2, qlen2;
	char fpr[TORKEY_FPR_HEX];
	EVP_PKEY *k;
	size_t n, m;

	(void)state;
	n = t_slurp(TDATA "/tor/secret_id_key", pem, sizeof pem);
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), 0);
	k = torkey_rsa_from_primes(p, plen, q, qlen);
	assert_non_null(k);
	assert_int_equal(torkey_rsa_fingerprint(k, fpr), 0);
	assert_string_equal(fpr, TOR_RSA_FPR);
	m = torkey_rsa_pem(k, out, sizeof out);
	assert_true(m > 0);
	assert_memory_equal(out, "-----BEGIN RSA PRIVATE" " KEY-----\n", 32);
	/* what we write parses back to the same primes */
	assert_int_equal(torkey_rsa_pem_parse(out, m, p2, &plen2, q2, &qlen2, sizeof p2), 0);
	assert_int_equal(plen, plen2);
	assert_int_equal(qlen, qlen2);
	assert_memory_equal(p, p2, plen);
	assert_memory_equal(q, q2, qlen);
	EVP_PKEY_free(k);

	n = t_slurp(TDATA "/pkcs1.pem", pem, sizeof pem);
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), 0);
	k = torkey_rsa_from_primes(p, plen, q, qlen);
	assert_non_null(k);
	assert_int_equal(torkey_rsa_fingerprint(k, fpr), 0);
	assert_string_equal(fpr, PKCS1_FPR);
	EVP_PKEY_free(k);
}

static void test_rsa_refuses(void **state)
{
	uint8_t pem[2048], p[BUNDLE_PRIME_MAX], q[BUNDLE_PRIME_MAX], plen, qlen;
	size_t n;

	(void)state;
	/* tor reads only PKCS#1 */
	n = t_slurp(TDATA "/pkcs8.pem", pem, sizeof pem);
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), -1);
	/* e = 3 */
	n = t_slurp(TDATA "/e3.pem", pem, sizeof pem);
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), -1);
	/* 2048 bits make tor abort */
	n = t_slurp(TDATA "/rsa2048.pem", pem, sizeof pem);
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), -1);
	/* a damaged body */
	n = t_slurp(TDATA "/pkcs1.pem", pem, sizeof pem);
	pem[100] = pem[100] == 'A' ? 'B' : 'A';
	assert_int_equal(torkey_rsa_pem_parse(pem, n, p, &plen, q, &qlen, sizeof p), -1);
	assert_int_equal(torkey_rsa_pem_parse(pem, 10, p, &plen, q, &qlen, sizeof p), -1);
}

static void test_rsa_generate(void **state)
{
	uint8_t p[BUNDLE_PRIME_MAX], q[BUNDLE_PRIME_MAX], plen, qlen;
	uint8_t pem1[TORKEY_PEM_MAX], pem2[TORKEY_PEM_MAX];
	char f1[TORKEY_FPR_HEX], f2[TORKEY_FPR_HEX];
	EVP_PKEY *k1, *k2;
	size_t n1, n2;

	(void)state;
	assert_int_equal(torkey_rsa_generate(p, &plen, q, &qlen, sizeof p), 0);
	assert_true(plen <= BUNDLE_PRIME_MAX && qlen <= BUNDLE_PRIME_MAX);
	k1 = torkey_rsa_from_primes(p, plen, q, qlen);
	k2 = torkey_rsa_from_primes(p, plen, q, qlen);
	assert_non_null(k1);
	assert_non_null(k2);
	/* the same primes always give the same file and fingerprint */
	n1 = torkey_rsa_pem(k1, pem1, sizeof pem1);
	n2 = torkey_rsa_pem(k2, pem2, sizeof pem2);
	assert_true(n1 > 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(pem1, pem2, n1);
	assert_int_equal(torkey_rsa_fingerprint(k1, f1), 0);
	assert_int_equal(torkey_rsa_fingerprint(k2, f2), 0);
	assert_string_equal(f1, f2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	/* not primes: refused */
	p[plen - 1] ^= 2;
	assert_null(torkey_rsa_from_primes(p, plen, q, qlen));
	/* p == q: refused */
	assert_null(torkey_rsa_from_primes(q, qlen, q, qlen));
}

int run_torkey_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed_tor_fixture),
		cmocka_unit_test(test_ed_refuses),
		cmocka_unit_test(test_ed_generate_matches_libsodium),
		cmocka_unit_test(test_rsa_tor_fixture),
		cmocka_unit_test(test_rsa_refuses),
		cmocka_unit_test(test_rsa_generate),
	};
	return cmocka_run_group_tests_name("torkey", tests, NULL, NULL);
}
