/* The in-memory verifier: certificate chains, duplicates, thresholds,
 * signatures, and the exit codes for malformed input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "testutil.h"
#include "certchk.h"
#include "descriptor.h"
#include "digest.h"
#include "ed25519.h"
#include "err.h"
#include "ospkg.h"

#define DAY 86400

static struct {
	time_t now;
	EVP_PKEY *root_key, *a_key, *b_key, *other_root_key;
	X509 *root, *a, *b, *other_root;
	struct buf zip;
	uint8_t hash[DIGEST_BYTES];
} fx;

static int setup(void **state)
{
	(void)state;
	fx.now = 1800000000; /* 2027-01-15 */
	fx.root_key = tc_key();
	fx.a_key = tc_key();
	fx.b_key = tc_key();
	fx.other_root_key = tc_key();
	fx.root = tc_cert(fx.root_key, "root", NULL, fx.root_key, fx.now - 100 * DAY,
		fx.now + 3650 * DAY, TC_CA);
	fx.other_root = tc_cert(fx.other_root_key, "root", NULL, fx.other_root_key,
		fx.now - 100 * DAY, fx.now + 3650 * DAY, TC_CA);
	fx.a = tc_cert(fx.a_key, "a", fx.root, fx.root_key, fx.now - DAY, fx.now + 365 * DAY, 0);
	fx.b = tc_cert(fx.b_key, "b", fx.root, fx.root_key, fx.now - DAY, fx.now + 365 * DAY, 0);
	tu_make_package(&fx.zip, "kernel", "initramfs", "console=ttyS0");
	assert_int_equal(digest_sha256(fx.zip.p, fx.zip.len, fx.hash), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(fx.root);
	X509_free(fx.a);
	X509_free(fx.b);
	X509_free(fx.other_root);
	EVP_PKEY_free(fx.root_key);
	EVP_PKEY_free(fx.a_key);
	EVP_PKEY_free(fx.b_key);
	EVP_PKEY_free(fx.other_root_key);
	buf_free(&fx.zip);
	return 0;
}

/* One descriptor pair: certificate as PEM text (or DER) and a signature. */
struct pair {
	X509 *cert;
	EVP_PKEY *key;       /* signs fx.hash; NULL: use sig/siglen */
	int der;
	const uint8_t *sig;
	size_t siglen;
};

static void make_desc(struct buf *out, const struct pair *p, size_t n)
{
	struct tool_err e = { 0, "" };
	struct descriptor d;
	size_t i;

	assert_int_equal(descriptor_init(&d, "https://example.org/p.zip", &e), 0);
	for (i = 0; i < n; i++) {
		struct buf c = BUF_ZERO;
		uint8_t sig[ED25519_SIG_BYTES];
		const uint8_t *s = p[i].sig;
		size_t sl = p[i].siglen;

		if (p[i].der)
			assert_int_equal(cert_der(p[i].cert, &c), 0);
		else
			assert_int_equal(cert_pem(p[i].cert, &c), 0);
		if (p[i].key) {
			assert_int_equal(ed25519_sign(p[i].key, fx.hash, sizeof fx.hash, sig), 0);
			s = sig;
			sl = sizeof sig;
		}
		assert_int_equal(descriptor_add(&d, c.p, c.len, s, sl, &e), 0);
		buf_free(&c);
	}
	out->len = 0;
	assert_int_equal(descriptor_render(&d, out, &e), 0);
	descriptor_free(&d);
}

/* Runs the verifier; diag output is returned in *diag (malloc'd). */
static int run(X509 *root, const struct buf *zip, const struct pair *p, size_t n,
	unsigned threshold, time_t now, struct verify_result *r, struct tool_err *e, char **diag)
{
	struct buf desc = BUF_ZERO;
	struct verify_input in;
	size_t dlen = 0;
	FILE *f;
	int rc;

	make_desc(&desc, p, n);
	memset(&in, 0, sizeof in);
	in.root = root;
	in.zip = zip->p;
	in.zip_len = zip->len;
	in.desc = desc.p;
	in.desc_len = desc.len;
	in.threshold = threshold;
	in.now = now;
	*diag = NULL;
	f = open_memstream(diag, &dlen);
	assert_non_null(f);
	rc = verify_package(&in, f, r, e);
	assert_int_equal(fclose(f), 0);
	buf_free(&desc);
	return rc;
}

static void test_one_good_signature(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 0);
	assert_int_equal(r.valid, 1);
	assert_int_equal(r.total, 1);
	assert_memory_equal(r.hash, fx.hash, sizeof fx.hash);
	assert_string_equal(diag, "");
	free(diag);
}

static void test_threshold_two_distinct(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 }, { fx.b, fx.b_key, 1, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 2, fx.now, &r, &e, &diag), 0);
	assert_int_equal(r.valid, 2);
	free(diag);
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 3, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(e.msg, "2 of 2 signatures valid, threshold 3"));
	free(diag);
}

static void test_duplicate_cert_counts_once(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 }, { fx.a, fx.a_key, 1, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 2, fx.now, &r, &e, &diag), 1);
	assert_int_equal(r.valid, 1);
	assert_non_null(strstr(diag, "signatures[1]: skipped: certificate or key already used by signatures[0]"));
	free(diag);
}

static void test_same_key_new_cert_counts_once(void **state)
{
	X509 *a2 = tc_cert(fx.a_key, "a-again", fx.root, fx.root_key, fx.now - DAY,
		fx.now + DAY, 0);
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 }, { a2, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 2, fx.now, &r, &e, &diag), 1);
	assert_int_equal(r.valid, 1);
	assert_non_null(strstr(diag, "already used"));
	free(diag);
	X509_free(a2);
}

/* stboot marks a certificate used before checking its signature, so a bad
 * signature followed by a good one under the same certificate counts 0. */
static void test_bad_then_good_same_cert_counts_zero(void **state)
{
	static const uint8_t zero[ED25519_SIG_BYTES];
	struct pair p[] = { { fx.a, NULL, 0, zero, sizeof zero }, { fx.a, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 1, fx.now, &r, &e, &diag), 1);
	assert_int_equal(r.valid, 0);
	assert_non_null(strstr(diag, "signatures[0]: invalid: Ed25519 signature does not verify"));
	assert_non_null(strstr(diag, "signatures[1]: skipped"));
	free(diag);
}

static void test_root_signs_directly(void **state)
{
	struct pair p[] = { { fx.root, fx.root_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 0);
	assert_int_equal(r.valid, 1);
	free(diag);
}

static void test_wrong_root(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	/* Same subject name, different key: the key identifiers differ. */
	assert_int_equal(run(fx.other_root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_int_equal(r.valid, 0);
	assert_non_null(strstr(diag, "signatures[0]: skipped: certificate is not issued by the signing root"));
	assert_non_null(strstr(e.msg, "0 of 1 signatures valid, threshold 1"));
	free(diag);
}

static void test_leaf_validity_period(void **state)
{
	X509 *old = tc_cert(fx.a_key, "old", fx.root, fx.root_key, fx.now - 20 * DAY,
		fx.now - 10 * DAY, 0);
	X509 *future = tc_cert(fx.b_key, "future", fx.root, fx.root_key, fx.now + 10 * DAY,
		fx.now + 20 * DAY, 0);
	struct pair p1[] = { { old, fx.a_key, 0, NULL, 0 } }, p2[] = { { future, fx.b_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(fx.root, &fx.zip, p1, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(diag, "certificate expired at"));
	free(diag);
	assert_int_equal(run(fx.root, &fx.zip, p1, 1, 1, fx.now - 15 * DAY, &r, &e, &diag), 0);
	free(diag);
	/* The bounds are inclusive, as in Go. */
	assert_int_equal(run(fx.root, &fx.zip, p1, 1, 1, fx.now - 10 * DAY, &r, &e, &diag), 0);
	free(diag);
	assert_int_equal(run(fx.root, &fx.zip, p1, 1, 1, fx.now - 10 * DAY + 1, &r, &e, &diag), 1);
	free(diag);
	assert_int_equal(run(fx.root, &fx.zip, p2, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(diag, "certificate is not valid before"));
	free(diag);
	assert_int_equal(run(fx.root, &fx.zip, p2, 1, 1, fx.now + 10 * DAY, &r, &e, &diag), 0);
	free(diag);
	X509_free(old);
	X509_free(future);
}

static void test_root_validity_period(void **state)
{
	EVP_PKEY *rk = tc_key();
	X509 *root = tc_cert(rk, "old root", NULL, rk, fx.now - 30 * DAY, fx.now - DAY, TC_CA);
	X509 *leaf = tc_cert(fx.a_key, "a", root, rk, fx.now - 20 * DAY, fx.now + DAY, 0);
	struct pair p[] = { { leaf, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(run(root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(diag, "signing root expired at"));
	free(diag);
	assert_int_equal(run(root, &fx.zip, p, 1, 1, fx.now - 10 * DAY, &r, &e, &diag), 0);
	free(diag);
	X509_free(root);
	X509_free(leaf);
	EVP_PKEY_free(rk);
}

static void expect_skipped(X509 *leaf, EVP_PKEY *key, const char *why)
{
	struct pair p[] = { { leaf, key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	assert_int_equal(run(fx.root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_int_equal(r.valid, 0);
	if (!strstr(diag, why))
		fail_msg("expected \"%s\" in \"%s\"", why, diag);
	free(diag);
}

static void test_leaf_shape_rules(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *eku, *ku, *crit, *ecleaf, *noku;

	(void)state;
	assert_non_null(ec);
	eku = tc_cert(fx.a_key, "eku", fx.root, fx.root_key, fx.now - DAY, fx.now + DAY, TC_EKU);
	ku = tc_cert(fx.a_key, "ku", fx.root, fx.root_key, fx.now - DAY, fx.now + DAY, TC_KU_CERTSIGN);
	crit = tc_cert(fx.a_key, "crit", fx.root, fx.root_key, fx.now - DAY, fx.now + DAY,
		TC_CRIT_UNKNOWN);
	ecleaf = tc_cert(ec, "ec", fx.root, fx.root_key, fx.now - DAY, fx.now + DAY, 0);
	noku = tc_cert(fx.a_key, "noku", fx.root, fx.root_key, fx.now - DAY, fx.now + DAY, TC_NO_KU);
	expect_skipped(eku, fx.a_key, "extended key usage");
	expect_skipped(ku, fx.a_key, "lacks digitalSignature");
	expect_skipped(crit, fx.a_key, "unsupported critical extension");
	expect_skipped(ecleaf, fx.a_key, "not Ed25519");
	{
		/* Without keyUsage at all the leaf is fine (Go does not look). */
		struct pair p[] = { { noku, fx.a_key, 0, NULL, 0 } };
		struct tool_err e = { 0, "" };
		struct verify_result r;
		char *diag;

		assert_int_equal(run(fx.root, &fx.zip, p, 1, 1, fx.now, &r, &e, &diag), 0);
		free(diag);
	}
	X509_free(eku);
	X509_free(ku);
	X509_free(crit);
	X509_free(ecleaf);
	X509_free(noku);
	EVP_PKEY_free(ec);
}

/* A leaf that names the root as issuer but whose signature is broken. */
static void test_forged_leaf(void **state)
{
	struct buf der = BUF_ZERO;
	struct tool_err e = { 0, "" };
	X509 *forged;

	(void)state;
	assert_int_equal(cert_der(fx.a, &der), 0);
	der.p[der.len - 1] ^= 1; /* last byte of the signature BIT STRING */
	assert_int_equal(cert_decode(der.p, der.len, &forged, &e), 0);
	expect_skipped(forged, fx.a_key, "does not verify with the signing root key");
	X509_free(forged);
	buf_free(&der);
}

static void test_bad_signatures(void **state)
{
	uint8_t sig[ED25519_SIG_BYTES];
	struct pair p[] = { { fx.a, NULL, 0, sig, sizeof sig }, { fx.b, NULL, 0, sig, 63 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	char *diag;

	(void)state;
	assert_int_equal(ed25519_sign(fx.a_key, fx.hash, sizeof fx.hash, sig), 0);
	sig[10] ^= 0x40;
	assert_int_equal(run(fx.root, &fx.zip, p, 2, 1, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(diag, "signatures[0]: invalid: Ed25519 signature does not verify"));
	assert_non_null(strstr(diag, "signatures[1]: invalid: 63 bytes, not a 64-byte Ed25519 signature"));
	free(diag);
}

/* Signatures over one package do not verify another. */
static void test_other_package(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	struct buf other = BUF_ZERO;
	char *diag;

	(void)state;
	tu_make_package(&other, "kernel", "initramfs", "console=ttyS0 init=/bin/sh");
	assert_int_equal(run(fx.root, &other, p, 1, 1, fx.now, &r, &e, &diag), 1);
	assert_non_null(strstr(diag, "does not verify"));
	free(diag);
	buf_free(&other);
}

static void test_malformed_inputs(void **state)
{
	struct pair p[] = { { fx.a, fx.a_key, 0, NULL, 0 } };
	struct tool_err e = { 0, "" };
	struct verify_result r;
	struct verify_input in;
	struct buf zip = BUF_ZERO, desc = BUF_ZERO;
	char *diag;

	(void)state;
	/* A structurally broken archive is malformed input (100), whatever the signatures. */
	assert_int_equal(buf_append(&zip, fx.zip.p, fx.zip.len), 0);
	zip.p[zip.len - 1] = 7;
	assert_int_equal(run(fx.root, &zip, p, 1, 1, fx.now, &r, &e, &diag), 100);
	assert_non_null(strstr(e.msg, "unable to parse archive"));
	free(diag);
	/* Threshold 0 is refused. */
	assert_int_equal(run(fx.root, &fx.zip, p, 1, 0, fx.now, &r, &e, &diag), 100);
	free(diag);
	/* A certificate that does not parse aborts, as in stboot. */
	memset(&in, 0, sizeof in);
	assert_int_equal(buf_puts(&desc, "{\"version\":1,\"os_pkg_url\":\"\",\"certificates\":[\"Zm9v\"],"
		"\"signatures\":[\"AQ==\"]}"), 0);
	in.root = fx.root;
	in.zip = fx.zip.p;
	in.zip_len = fx.zip.len;
	in.desc = desc.p;
	in.desc_len = desc.len;
	in.threshold = 1;
	in.now = fx.now;
	assert_int_equal(verify_package(&in, stderr, &r, &e), 100);
	assert_non_null(strstr(e.msg, "certificates[0]: not an X.509 certificate"));
	buf_free(&zip);
	buf_free(&desc);
}

static void test_cert_decode_forms(void **state)
{
	struct buf pem = BUF_ZERO, der = BUF_ZERO, t = BUF_ZERO;
	struct tool_err e = { 0, "" };
	X509 *x;
	size_t i;

	(void)state;
	assert_int_equal(cert_pem(fx.a, &pem), 0);
	assert_int_equal(cert_der(fx.a, &der), 0);
	/* Our PEM is byte-identical to OpenSSL's PEM_write. */
	{
		BIO *bio = BIO_new(BIO_s_mem());
		char *p;
		long n;

		assert_int_equal(PEM_write_bio_X509(bio, fx.a), 1);
		n = BIO_get_mem_data(bio, &p);
		assert_int_equal((size_t)n, pem.len);
		assert_memory_equal(p, pem.p, pem.len);
		BIO_free(bio);
	}
	assert_int_equal(cert_decode(pem.p, pem.len, &x, &e), 0);
	assert_int_equal(X509_cmp(x, fx.a), 0);
	X509_free(x);
	assert_int_equal(cert_decode(der.p, der.len, &x, &e), 0);
	X509_free(x);
	/* CRLF line ends and trailing whitespace are fine. */
	for (i = 0, t.len = 0; i < pem.len; i++) {
		if (pem.p[i] == '\n')
			assert_int_equal(buf_putc(&t, '\r'), 0);
		assert_int_equal(buf_putc(&t, (char)pem.p[i]), 0);
	}
	assert_int_equal(buf_puts(&t, "\n \n"), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 0);
	X509_free(x);
	/* Rejected: trailing text, a second block, headers, DER with a tail. */
	t.len = 0;
	assert_int_equal(buf_append(&t, pem.p, pem.len), 0);
	assert_int_equal(buf_puts(&t, "junk\n"), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 100);
	assert_non_null(strstr(e.msg, "after the PEM block"));
	t.len = 0;
	assert_int_equal(buf_append(&t, pem.p, pem.len), 0);
	assert_int_equal(buf_append(&t, pem.p, pem.len), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 100);
	t.len = 0;
	assert_int_equal(buf_puts(&t, CERT_PEM_BEGIN "\nProc-Type: 4,ENCRYPTED\n\n"), 0);
	assert_int_equal(buf_append(&t, pem.p + 28, pem.len - 28), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 100);
	t.len = 0;
	assert_int_equal(buf_puts(&t, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 100);
	t.len = 0;
	assert_int_equal(buf_append(&t, der.p, der.len), 0);
	assert_int_equal(buf_putc(&t, 0), 0);
	assert_int_equal(cert_decode(t.p, t.len, &x, &e), 100);
	assert_non_null(strstr(e.msg, "1 bytes after the certificate"));
	assert_int_equal(cert_decode(der.p, der.len - 1, &x, &e), 100);
	assert_int_equal(cert_decode(der.p, 0, &x, &e), 100);
	buf_free(&pem);
	buf_free(&der);
	buf_free(&t);
}

static void test_root_rules(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *notca = tc_cert(fx.a_key, "x", NULL, fx.a_key, fx.now - DAY, fx.now + DAY, 0);
	X509 *ecroot, *crit;
	struct tool_err e = { 0, "" };

	(void)state;
	assert_non_null(ec);
	ecroot = tc_cert(ec, "ec", NULL, ec, fx.now - DAY, fx.now + DAY, TC_CA);
	crit = tc_cert(fx.a_key, "c", NULL, fx.a_key, fx.now - DAY, fx.now + DAY,
		TC_CA | TC_CRIT_UNKNOWN);
	assert_int_equal(cert_check_root(fx.root, &e), 0);
	assert_int_equal(cert_check_root(notca, &e), 100);
	assert_non_null(strstr(e.msg, "not a CA"));
	assert_int_equal(cert_check_root(ecroot, &e), 100);
	assert_non_null(strstr(e.msg, "not Ed25519"));
	assert_int_equal(cert_check_root(crit, &e), 100);
	assert_non_null(strstr(e.msg, "critical"));
	X509_free(notca);
	X509_free(ecroot);
	X509_free(crit);
	EVP_PKEY_free(ec);
}

int run_verify_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_good_signature),
		cmocka_unit_test(test_threshold_two_distinct),
		cmocka_unit_test(test_duplicate_cert_counts_once),
		cmocka_unit_test(test_same_key_new_cert_counts_once),
		cmocka_unit_test(test_bad_then_good_same_cert_counts_zero),
		cmocka_unit_test(test_root_signs_directly),
		cmocka_unit_test(test_wrong_root),
		cmocka_unit_test(test_leaf_validity_period),
		cmocka_unit_test(test_root_validity_period),
		cmocka_unit_test(test_leaf_shape_rules),
		cmocka_unit_test(test_forged_leaf),
		cmocka_unit_test(test_bad_signatures),
		cmocka_unit_test(test_other_package),
		cmocka_unit_test(test_malformed_inputs),
		cmocka_unit_test(test_cert_decode_forms),
		cmocka_unit_test(test_root_rules),
	};

	return cmocka_run_group_tests_name("verify", tests, setup, teardown);
}
