/* approved: the offline rollout check.  Signatures verified in software as
 * the TPM would (the epoch index named for the key), and the release found
 * in proofs of one-entry logs made here with libsodium (the C2SP formats
 * tlog/ reads; tests/tpm/approved.t does the same with real lethe-log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <sodium.h>

#include "approved.h"
#include "logcheck.h"
#include "tests.h"
#include "tlog.h"
#include "tpmseal.h"

#define EPOCH_INDEX 0x01851E7Du
#define P7 "07070707070707070707070707070707070707070707070707070707070707aa"
#define P13 "1313131313131313131313131313131313131313131313131313131313131313"
#define P13_OTHER "1313131313131313131313131313131313131313131313131313131313131300"

struct tlog_signer {
	char name[64];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], id[4];
};

static char tdir[256];

static void t_write(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static const char *t_path(const char *name)
{
	static char slots[4][512];
	static unsigned next;
	char *p = slots[next++ % 4];

	snprintf(p, sizeof slots[0], "%s/%s", tdir, name);
	return p;
}

static void t_b64(const uint8_t *p, size_t n, char *out, size_t cap)
{
	assert_true(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) <= cap);
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* A log key named NAME and its verifier key file FILE
 * (NAME+ID+base64(0x01 || pub)). */
static void t_signer(struct tlog_signer *s, const char *name, const char *file)
{
	uint8_t raw[33], h[32];
	crypto_hash_sha256_state st;
	char b64[64], line[256];
	const uint8_t sep[2] = { '\n', 0x01 };

	snprintf(s->name, sizeof s->name, "%s", name);
	crypto_sign_keypair(s->pk, s->sk);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, sizeof sep);
	crypto_hash_sha256_update(&st, s->pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(s->id, h, 4);
	raw[0] = 0x01;
	memcpy(raw + 1, s->pk, 32);
	t_b64(raw, sizeof raw, b64, sizeof b64);
	snprintf(line, sizeof line, "%s+%02x%02x%02x%02x+%s\n", name, s->id[0], s->id[1], s->id[2],
		 s->id[3], b64);
	t_write(file, line, strlen(line));
}

/* A lethe-release/v1 entry: EPOCH NULL is "approval-epoch none". */
static size_t t_record(char *out, size_t cap, const char *version, const char *epoch, const char *p13)
{
	static const char *const art[] = { "zip", "descriptor", "kernel", "initramfs", "uki", "manifest" };
	size_t n, i;

	n = (size_t)snprintf(out, cap, "lethe-release/v1\nversion %s\ncommit %s\nsource-date-epoch "
			     "1700000000\napproval-epoch %s\n", version,
			     "0123456789abcdef0123456789abcdef01234567", epoch ? epoch : "none");
	for (i = 0; i < 6; i++)
		n += (size_t)snprintf(out + n, cap - n, "sha256 %s %s\n", art[i], P13);
	n += (size_t)snprintf(out + n, cap - n, "pcr stboot 7 %s\npcr stboot 13 %s\n", P7, p13);
	assert_true(n < cap);
	return n;
}

/* Appends to OUT the proof of ENTRY in a log holding only it, its
 * checkpoint signed by S: tlog-proof@v1, index 0, no hashes. */
static size_t t_proof(char *out, size_t cap, const struct tlog_signer *s, const char *entry, size_t elen)
{
	uint8_t root[TLOG_HASH], sig[4 + crypto_sign_BYTES];
	char b64e[8192], b64r[64], b64s[128], text[512];
	size_t n;

	tlog_leaf_hash((const uint8_t *)entry, elen, root);
	t_b64(root, sizeof root, b64r, sizeof b64r);
	snprintf(text, sizeof text, "%s\n1\n%s\n", s->name, b64r);
	memcpy(sig, s->id, 4);
	crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, strlen(text), s->sk);
	t_b64(sig, sizeof sig, b64s, sizeof b64s);
	t_b64((const uint8_t *)entry, elen, b64e, sizeof b64e);
	n = (size_t)snprintf(out, cap, "c2sp.org/tlog-proof@v1\nextra %s\nindex 0\n\n%s\n\xe2\x80\x94 %s %s\n",
			     b64e, text, s->name, b64s);
	assert_true(n < cap);
	return n;
}

/* The proofs file NAME: one proof per (version, epoch, p13), by S. */
static void t_proofs(const char *name, const struct tlog_signer *s, size_t count, const char *const (*rec)[3])
{
	static char file[65536];
	char entry[4096];
	size_t n = 0, i;

	for (i = 0; i < count; i++) {
		size_t elen = t_record(entry, sizeof entry, rec[i][0], rec[i][1], rec[i][2]);
		n += t_proof(file + n, sizeof file - n, s, entry, elen);
	}
	t_write(name, file, n);
}

/* An approval of PCR 7 = P7, 13 = P13HEX, signed by KEY for the epoch
 * index at INDEX (version 1 when EPOCH is 0). */
static struct policy_approval t_approval(EVP_PKEY *key, uint64_t epoch, const char *p13hex, uint32_t index)
{
	struct policy_approval a = { .version = epoch ? 2 : 1, .mask = (1u << 7) | (1u << 13), .epoch = epoch };
	uint8_t v[2][32], name[POLICY_NAME_BYTES];

	assert_int_equal(sodium_hex2bin(v[0], 32, P7, 64, NULL, NULL, NULL), 0);
	assert_int_equal(sodium_hex2bin(v[1], 32, p13hex, 64, NULL, NULL, NULL), 0);
	assert_int_equal(policy_pcr_digest(a.mask, (const uint8_t (*)[32])v, a.digest), 0);
	assert_int_equal(policy_key_epoch_name(key, index, name), 0);
	assert_int_equal(policy_approval_sign(&a, key, name), 0);
	return a;
}

/* The public half, as a node reads it from policy.pub. */
static EVP_PKEY *t_public(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	EVP_PKEY *pub;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, key), 1);
	pub = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(pub);
	return pub;
}

static int t_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(tdir, sizeof tdir, "%s/tpmseal-approved.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(tdir) ? 0 : -1;
}

static int t_teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Software verification agrees with signing: the key's public half, the
 * epoch index's name, every byte of the signature matter. */
static void test_verify(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *big = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *pub;
	uint8_t n1[POLICY_NAME_BYTES], n2[POLICY_NAME_BYTES], kname[POLICY_NAME_BYTES], auth[32];
	struct policy_approval a, b;
	size_t i;

	(void)state;
	assert_non_null(key);
	assert_non_null(other);
	assert_non_null(big);
	pub = t_public(key);
	/* the name from the public half equals the one approve signs with */
	assert_int_equal(policy_key_epoch_name(key, EPOCH_INDEX, n1), 0);
	assert_int_equal(policy_key_epoch_name(pub, EPOCH_INDEX, n2), 0);
	assert_memory_equal(n1, n2, sizeof n1);
	assert_int_equal(policy_authkey_name(pub, kname), 0);
	policy_authorize_digest(kname, sizeof kname, auth);
	assert_int_equal(policy_epoch_name(EPOCH_INDEX, auth, n2), 0);
	assert_memory_equal(n1, n2, sizeof n1);
	assert_int_equal(policy_key_epoch_name(big, EPOCH_INDEX, n2), -1);

	a = t_approval(key, 100, P13, EPOCH_INDEX);
	assert_int_equal(policy_approval_verify(&a, pub, n1), 0);
	assert_int_equal(policy_approval_verify(&a, other, n1), -1);
	assert_int_equal(policy_approval_verify(&a, big, n1), -1);
	/* signed for another epoch index (handle): not this node's */
	assert_int_equal(policy_key_epoch_name(key, EPOCH_INDEX - 1, n2), 0);
	assert_int_equal(policy_approval_verify(&a, pub, n2), -1);
	/* the epoch, the PCR policy, r and s are all covered */
	b = a;
	b.epoch++;
	assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
	for (i = 0; i < 32; i += 7) {
		b = a;
		b.digest[i] ^= 1;
		assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
		b = a;
		b.r[i] ^= 1;
		assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
		b = a;
		b.s[i] ^= 1;
		assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
	}
	b = a;
	memset(b.r, 0, sizeof b.r);
	assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
	b = a;
	memset(b.s, 0xff, sizeof b.s);
	assert_int_equal(policy_approval_verify(&b, pub, n1), -1);
	/* a version-1 record verifies over its PCR policy alone */
	b = t_approval(key, 0, P13, EPOCH_INDEX);
	assert_int_equal(policy_approval_verify(&b, pub, NULL), 0);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(big);
}

/* Which records count: version 2, the epoch asked, the policy key. */
static void test_signed(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *big = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	struct policy_approval ap[5], sig[5];
	size_t n = 0;
	char err[512];

	(void)state;
	ap[0] = t_approval(key, 0, P13, EPOCH_INDEX);            /* v1 */
	ap[1] = t_approval(other, 100, P13, EPOCH_INDEX);        /* another key */
	ap[2] = t_approval(key, 100, P13, EPOCH_INDEX - 1);      /* another index */
	ap[3] = t_approval(key, 200, P13, EPOCH_INDEX);          /* another epoch */
	ap[4] = t_approval(key, 100, P13_OTHER, EPOCH_INDEX);    /* the one */

	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 5, 100, sig, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(&sig[0], &ap[4], sizeof ap[4]);
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 4, 100, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_STATE);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "the approvals for epoch 100 are not signed by the policy key"));
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 2, 100, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "the approval for epoch 100 is not signed by the policy key"));
	/* version 1 never counts: it carries no epoch */
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 1, 100, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no approval for epoch 100 (1 record: 0 for other epochs, 1 of version 1"));
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 5, 300, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no approval for epoch 300 (5 records: 4 for other epochs, 1 of version 1"));
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 0, 100, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no approval for epoch 100"));
	assert_int_equal(approved_signed(key, EPOCH_INDEX, ap, 5, 200, sig, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(approved_signed(big, EPOCH_INDEX, ap, 5, 100, sig, &n, err, sizeof err),
			 TPMSEAL_EXIT_USAGE);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(big);
}

/* The whole check against proofs of one-entry logs. */
static void test_check(void **state)
{
	static const char *const cur[][3] = { { "v-other", "100", P13_OTHER }, { "v2", "100", P13 } };
	static const char *const wrong_epoch[][3] = { { "v2", "99", P13 } };
	static const char *const no_epoch[][3] = { { "v2", NULL, P13 } };
	static const char *const wrong_pcrs[][3] = { { "v2", "100", P13_OTHER } };
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct tlog_signer log, rogue;
	struct policy_approval ap[3];
	char err[2048], lk[512], rk[512];

	(void)state;
	snprintf(lk, sizeof lk, "%s", t_path("log.pub"));
	snprintf(rk, sizeof rk, "%s", t_path("rogue.pub"));
	t_signer(&log, "test.lethe.invalid/log", "log.pub");
	t_signer(&rogue, "test.lethe.invalid/log", "rogue.pub");
	t_proofs("p-cur", &log, 2, cur);
	t_proofs("p-rogue", &rogue, 2, cur);
	t_proofs("p-epoch", &log, 1, wrong_epoch);
	t_proofs("p-none", &log, 1, no_epoch);
	t_proofs("p-pcrs", &log, 1, wrong_pcrs);
	t_write("bad.pub", "not a key\n", 10);
	ap[0] = t_approval(key, 0, P13, EPOCH_INDEX);
	ap[1] = t_approval(other, 100, P13, EPOCH_INDEX);
	ap[2] = t_approval(key, 100, P13, EPOCH_INDEX);

#define CHECK(n, lkey, proofs, version, epoch) \
	approved_check(key, EPOCH_INDEX, ap, n, lkey, t_path(proofs), version, epoch, err, sizeof err)
	assert_int_equal(CHECK(3, lk, "p-cur", "v2", 100), 0);
	/* the record of another key, the v1 record: nothing to count */
	assert_int_equal(CHECK(2, lk, "p-cur", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "the approval for epoch 100 is not signed by the policy key"));
	assert_int_equal(CHECK(1, lk, "p-cur", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no approval for epoch 100"));
	/* another version or epoch: the log has no such release */
	assert_int_equal(CHECK(3, lk, "p-cur", "v3", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no logged release v3 with approval-epoch 100 (2 verified proofs"));
	assert_int_equal(CHECK(3, lk, "p-epoch", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no logged release v2 with approval-epoch 100"));
	assert_non_null(strstr(err, "v2 is logged with approval-epoch 99"));
	assert_int_equal(CHECK(3, lk, "p-none", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "v2 is logged with approval-epoch none"));
	/* the release logged with other PCRs than the approval names */
	assert_int_equal(CHECK(3, lk, "p-pcrs", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "is not the image the approval for epoch 100 names"));
	/* proofs: by another log key, missing, tampered */
	assert_int_equal(CHECK(3, lk, "p-rogue", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no logged release v2 with approval-epoch 100 ("));
	assert_non_null(strstr(err, "proof 1: checkpoint"));
	assert_int_equal(CHECK(3, rk, "p-rogue", "v2", 100), 0);
	assert_int_equal(CHECK(3, lk, "none", "v2", 100), TPMSEAL_EXIT_STATE);
	assert_non_null(strstr(err, "no proofs"));
	/* a bad log key is a usage error, whatever the approvals say */
	assert_int_equal(CHECK(3, t_path("none.pub"), "p-cur", "v2", 100), TPMSEAL_EXIT_USAGE);
	assert_int_equal(CHECK(1, t_path("bad.pub"), "p-cur", "v2", 100), TPMSEAL_EXIT_USAGE);
	assert_non_null(strstr(err, "unable to parse the log key"));
#undef CHECK
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

int run_approved_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests_name("approved", tests, t_setup, t_teardown);
}
