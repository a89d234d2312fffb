/* Bundle parsing and the checks of check-enroll, on a software enrollment
 * (fixture.c): the valid one passes, and each single change is refused by
 * the check that names it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>

#include "tlog.h"
#include "bundle.h"
#include "check.h"
#include "fixture.h"
#include "tests.h"
#include "tpmobj.h"

static struct fx base;
static char text[ATTESTD_BUNDLE_MAX + 64];
static struct bundle b;

/* Runs bundle_parse and check_enroll on f; the refusal (or "") in why. */
static int run_check(struct fx *f, const char *t, size_t len, struct check_result *res, char why[256])
{
	struct ekca ca;
	struct attest_err err = {{0}};
	int rc;

	assert_int_equal(ekca_init(&ca), 0);
	assert_int_equal(ekca_add_pem(&ca, f->ca_pem, f->ca_pem_len, &err), 0);
	rc = bundle_parse(t, len, &b, &err);
	if (!rc)
		rc = check_enroll(&b, &ca, f->tls_key, f->node, res, &err);
	ekca_free(&ca);
	snprintf(why, 256, "%s", rc ? err.msg : "");
	return rc;
}

static void expect_refused(struct fx *f, const char *want)
{
	struct check_result res;
	char why[256];
	size_t len = fx_bundle(f, text, sizeof text);

	assert_int_equal(run_check(f, text, len, &res, why), -1);
	if (!strstr(why, want))
		fail_msg("refused for '%s', expected '%s'", why, want);
}

static void test_valid(void **state)
{
	struct fx f = base;
	struct check_result res;
	char why[256];
	uint8_t pub[sizeof(TPM2B_PUBLIC)], name[34];
	size_t n = 0, len = fx_bundle(&f, text, sizeof text);
	unsigned int dl = 0;

	(void)state;
	assert_int_equal(run_check(&f, text, len, &res, why), 0);
	/* The AK name, computed here the long way. */
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&f.ak, pub, sizeof pub, &n), 0);
	name[0] = 0;
	name[1] = 0x0b;
	assert_true(EVP_Digest(pub + 2, n - 2, name + 2, &dl, EVP_sha256(), NULL));
	assert_memory_equal(res.ak_name, name, 34);
}

static void test_crlf_and_other_lines(void **state)
{
	struct fx f = base;
	struct check_result res;
	char why[256], *crlf = malloc(2 * sizeof text);
	size_t len = fx_bundle(&f, text, sizeof text), i, j = 0;

	(void)state;
	assert_non_null(crlf);
	j += (size_t)sprintf(crlf, "-----BEGIN CERTIFICATE REQUEST-----\r\n");
	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = text[i];
	}
	assert_int_equal(run_check(&f, crlf, j, &res, why), 0);
	free(crlf);
}

static void test_bundle_errors(void **state)
{
	struct fx f = base;
	struct attest_err err;
	size_t len = fx_bundle(&f, text, sizeof text);
	char *big, *p;

	(void)state;
	/* An unknown attest-* name. */
	memcpy(text + len, "attest-quote: AAAA\n", 19);
	assert_int_equal(bundle_parse(text, len + 19, &b, &err), -1);
	assert_non_null(strstr(err.msg, "unknown line attest-quote"));
	/* A line twice. */
	memcpy(text + len, "attest-ak-public: AAAA\n", 23);
	assert_int_equal(bundle_parse(text, len + 23, &b, &err), -1);
	assert_non_null(strstr(err.msg, "attest-ak-public given twice"));
	/* A missing line. */
	p = strstr(text, "attest-certify-sig");
	assert_int_equal(bundle_parse(text, (size_t)(p - text), &b, &err), -1);
	assert_non_null(strstr(err.msg, "no attest-certify-sig"));
	/* Truncated base64 (the last line cut mid-value). */
	assert_int_equal(bundle_parse(text, len - 3, &b, &err), -1);
	assert_non_null(strstr(err.msg, "attest-certify-sig is not base64"));
	/* No space after the colon. */
	assert_int_equal(bundle_parse("attest-ek-cert:AAAA\n", 20, &b, &err), -1);
	assert_non_null(strstr(err.msg, "malformed"));
	/* A NUL byte. */
	text[3] = '\0';
	assert_int_equal(bundle_parse(text, len, &b, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	/* Over 64 KiB. */
	big = malloc(ATTESTD_BUNDLE_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', ATTESTD_BUNDLE_MAX + 1);
	assert_int_equal(bundle_parse(big, ATTESTD_BUNDLE_MAX + 1, &b, &err), -1);
	assert_non_null(strstr(err.msg, "larger than"));
	/* A field longer than its type: 2000 bytes of ak-public. */
	memcpy(big, "attest-ak-public: ", 18);
	memset(big + 18, 'A', 2668);
	big[18 + 2668] = '\n';
	assert_int_equal(bundle_parse(big, 18 + 2669, &b, &err), -1);
	assert_non_null(strstr(err.msg, "attest-ak-public is not base64 of at most"));
	free(big);
}

static void test_b64(void **state)
{
	uint8_t out[8];
	size_t n = 0;

	(void)state;
	assert_int_equal(tlog_b64_decode("AAEC", 4, out, sizeof out, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tlog_b64_decode("AAE=", 4, out, sizeof out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tlog_b64_decode("AA==", 4, out, sizeof out, &n), 0);
	assert_int_equal(n, 1);
	/* Non-zero pad bits, missing padding, pad inside, bad characters. */
	assert_int_equal(tlog_b64_decode("AB==", 4, out, sizeof out, &n), -1);
	assert_int_equal(tlog_b64_decode("AAE", 3, out, sizeof out, &n), -1);
	assert_int_equal(tlog_b64_decode("A=AA", 4, out, sizeof out, &n), -1);
	assert_int_equal(tlog_b64_decode("AA==AAAA", 8, out, sizeof out, &n), -1);
	assert_int_equal(tlog_b64_decode("AA-_", 4, out, sizeof out, &n), -1);
	assert_int_equal(tlog_b64_decode("AAAAAAAAAAAA", 12, out, sizeof out, &n), -1); /* 9 > 8 */
}

static void test_ek_template(void **state)
{
	struct fx f;

	(void)state;
	f = base;
	f.ek.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
	expect_refused(&f, "ek-public: attributes");
	f = base;
	f.ek.publicArea.authPolicy.size = 0;
	expect_refused(&f, "ek-public: authPolicy");
	f = base;
	f.ek.publicArea.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CBC;
	expect_refused(&f, "ek-public: symmetric");
	f = base;
	f.ek.publicArea.parameters.rsaDetail.exponent = 3;
	expect_refused(&f, "ek-public: not RSA 2048");
	f = base;
	f.ek.publicArea.nameAlg = TPM2_ALG_SHA384;
	expect_refused(&f, "ek-public: nameAlg");
	/* Another modulus than the certificate's. */
	f = base;
	f.ek.publicArea.unique.rsa.buffer[100] ^= 1;
	expect_refused(&f, "ek-cert: certified key is not attest-ek-public");
}

static void test_ak_template(void **state)
{
	struct fx f;

	(void)state;
	f = base;
	f.ak.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	expect_refused(&f, "ak-public: attributes");
	f = base;
	f.ak.publicArea.objectAttributes |= TPMA_OBJECT_DECRYPT;
	expect_refused(&f, "ak-public: attributes");
	f = base;
	f.ak.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA384;
	expect_refused(&f, "ak-public: scheme");
	f = base;
	f.ak.publicArea.authPolicy.size = 32;
	expect_refused(&f, "ak-public: authPolicy");
}

static void test_tls_key(void **state)
{
	struct fx f;

	(void)state;
	f = base;
	f.tls.publicArea.objectAttributes &= ~TPMA_OBJECT_FIXEDTPM;
	expect_refused(&f, "tls-public: attributes");
	/* The TPM's key is not the CSR's. */
	f = base;
	fx_ecc_public(f.other_key, 0x00040072, &f.tls);
	expect_refused(&f, "tls-public: point is not the key of --tls-pem");
	/* The node id is not the key's. */
	f = base;
	f.node[0] = f.node[0] == 'a' ? 'b' : 'a';
	expect_refused(&f, "not the node id");
}

static void test_certify(void **state)
{
	struct fx f;

	(void)state;
	f = base;
	f.flip_sig = 1;
	expect_refused(&f, "certify-sig: AK signature does not verify");
	/* Other qualifying data. */
	f = base;
	fx_bundle(&f, text, sizeof text);
	f.keep_attest = 1;
	f.attest.extraData.buffer[0] ^= 1;
	expect_refused(&f, "certify: qualifying data");
	/* A certify of another key. */
	f = base;
	fx_bundle(&f, text, sizeof text);
	f.keep_attest = 1;
	f.attest.attested.certify.name.name[10] ^= 1;
	expect_refused(&f, "certify: certified object is not attest-tls-public");
	f = base;
	/* Creation data marshals like a certify (two sized buffers). */
	f.attest.type = TPM2_ST_ATTEST_CREATION;
	expect_refused(&f, "certify: type");
	f = base;
	f.attest.magic = 0x12345678;
	expect_refused(&f, "certify: magic");
	/* Signed by another key than the AK. */
	f = base;
	f.ak_key = base.other_key;
	expect_refused(&f, "certify-sig: AK signature does not verify");
}

static void test_ek_chain(void **state)
{
	struct fx f = base;
	EVP_PKEY *other = EVP_EC_gen("P-256");
	X509 *other_ca;
	char pem[4096];
	size_t pem_len;

	(void)state;
	assert_non_null(other);
	other_ca = fx_ca(other, "test EK CA", pem, sizeof pem, &pem_len);
	/* Same CA name, another key. */
	f.ek_der_len = fx_ek_cert(other, other_ca, f.ek_key, f.ek_der, sizeof f.ek_der);
	expect_refused(&f, "ek-cert: does not chain");
	X509_free(other_ca);
	EVP_PKEY_free(other);
	/* Not one DER certificate: trailing garbage. */
	f = base;
	f.ek_der[f.ek_der_len++] = 0;
	expect_refused(&f, "ek-cert: not one DER");
}

/* A TPM2B_PUBLIC with a byte more than its size is refused, not read. */
static void test_noncanonical(void **state)
{
	TPM2B_PUBLIC pub;
	uint8_t buf[sizeof(TPM2B_PUBLIC) + 1], name[34];
	struct attest_err err;
	size_t n = 0;

	(void)state;
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&base.ak, buf, sizeof buf, &n), 0);
	assert_int_equal(tpmobj_load(buf, n, "ak-public", &pub, name, &err), 0);
	buf[n] = 0;
	assert_int_equal(tpmobj_load(buf, n + 1, "ak-public", &pub, name, &err), -1);
	assert_int_equal(tpmobj_load(buf, n - 1, "ak-public", &pub, name, &err), -1);
	buf[1]++; /* size one more than the area */
	assert_int_equal(tpmobj_load(buf, n + 1, "ak-public", &pub, name, &err), -1);
}

static int group_setup(void **state)
{
	(void)state;
	fx_init(&base);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_free(&base);
	return 0;
}

int test_check_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_crlf_and_other_lines),
		cmocka_unit_test(test_bundle_errors),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_ek_template),
		cmocka_unit_test(test_ak_template),
		cmocka_unit_test(test_tls_key),
		cmocka_unit_test(test_certify),
		cmocka_unit_test(test_ek_chain),
		cmocka_unit_test(test_noncanonical),
	};

	return cmocka_run_group_tests_name("check", tests, group_setup, group_teardown);
}
