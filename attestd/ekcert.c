/* ekcert.c: EK certificate verification with OpenSSL's chain builder.
 * TPM EK certificates carry an empty or dummy subject, a critical
 * SubjectAltName holding a directoryName of TCG attributes, and the EKU
 * 2.23.133.8.1; OpenSSL handles a critical SAN and, with no purpose set,
 * does not judge the EKU, so no special flags are needed. */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ekcert.h"

int ekca_init(struct ekca *ca)
{
	ca->anchors = X509_STORE_new();
	ca->untrusted = sk_X509_new_null();
	return ca->anchors && ca->untrusted ? 0 : -1;
}

void ekca_free(struct ekca *ca)
{
	X509_STORE_free(ca->anchors);
	sk_X509_pop_free(ca->untrusted, X509_free);
	ca->anchors = NULL;
	ca->untrusted = NULL;
}

static int ekca_add_bio(struct ekca *ca, BIO *bio, const char *what, struct attest_err *err)
{
	X509 *x;
	int count = 0, rc = -1;

	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		count++;
		if (X509_self_signed(x, 1) == 1) {
			if (!X509_STORE_add_cert(ca->anchors, x))
				goto out_x;
			X509_free(x);
		} else if (!sk_X509_push(ca->untrusted, x)) {
			goto out_x;
		}
	}
	/* The loop ends on "no start line" at the end of the file. */
	ERR_clear_error();
	if (!count) {
		attest_fail(err, "ek-ca %s: no PEM certificate", what);
		goto out;
	}
	rc = 0;
	goto out;
out_x:
	X509_free(x);
	attest_fail(err, "ek-ca %s: unable to store a certificate", what);
out:
	return rc;
}

int ekca_add_file(struct ekca *ca, const char *path, struct attest_err *err)
{
	BIO *bio = BIO_new_file(path, "r");
	int rc;

	if (!bio)
		return attest_fail(err, "ek-ca %s: unable to open", path);
	rc = ekca_add_bio(ca, bio, path, err);
	BIO_free(bio);
	return rc;
}

int ekca_add_pem(struct ekca *ca, const char *pem, size_t len, struct attest_err *err)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	int rc;

	if (!bio)
		return attest_fail(err, "ek-ca: out of memory");
	rc = ekca_add_bio(ca, bio, "(memory)", err);
	BIO_free(bio);
	return rc;
}

/* The certificate's key is the EK: RSA, 2048 bits, modulus equal to the
 * TPM2B_PUBLIC's unique, exponent 65537 (the template's 0). */
static int ekcert_key_matches(X509 *cert, const TPM2B_PUBLIC *ek, struct attest_err *err)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	BIGNUM *n = NULL, *e = NULL;
	uint8_t mod[256];
	int rc = -1;

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != 2048) {
		attest_fail(err, "ek-cert: key is not RSA 2048");
		goto out;
	}
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) ||
	    BN_bn2binpad(n, mod, sizeof mod) != (int)sizeof mod) {
		attest_fail(err, "ek-cert: unable to read the RSA key");
		goto out;
	}
	if (!BN_is_word(e, 65537) || memcmp(mod, ek->publicArea.unique.rsa.buffer, sizeof mod)) {
		attest_fail(err, "ek-cert: certified key is not attest-ek-public");
		goto out;
	}
	rc = 0;
out:
	BN_free(n);
	BN_free(e);
	return rc;
}

int ekcert_check(const struct ekca *ca, const uint8_t *der, size_t n, const TPM2B_PUBLIC *ek,
		 struct attest_err *err)
{
	const unsigned char *p = der;
	X509 *cert = d2i_X509(NULL, &p, (long)n);
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (!cert || p != der + n) {
		attest_fail(err, "ek-cert: not one DER X.509 certificate");
		goto out;
	}
	ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, ca->anchors, cert, ca->untrusted)) {
		attest_fail(err, "ek-cert: unable to set up verification");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		attest_fail(err, "ek-cert: does not chain to the EK CA certificates: %s",
			    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	rc = ekcert_key_matches(cert, ek, err);
out:
	X509_STORE_CTX_free(ctx);
	X509_free(cert);
	ERR_clear_error();
	return rc;
}
