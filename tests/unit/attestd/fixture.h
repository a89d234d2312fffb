/* fixture.h: a complete, valid enrollment made in software for the unit
 * tests and fuzz seeds: a CA, an EK certificate shaped like a TPM's
 * (critical SAN directoryName, EKU 2.23.133.8.1), the three TPM2B_PUBLICs
 * built as a TPM builds them, and a certify signed by the AK.  A test
 * changes one field and expects the check that names it to refuse. */
#ifndef ATTESTD_TEST_FIXTURE_H
#define ATTESTD_TEST_FIXTURE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

struct fx {
	EVP_PKEY *ca_key, *ek_key, *ak_key, *tls_key, *other_key;
	X509 *ca_cert;
	char ca_pem[4096];
	size_t ca_pem_len;
	uint8_t ek_der[ATTESTD_EKCERT_MAX];
	size_t ek_der_len;
	TPM2B_PUBLIC ek, ak, tls;
	TPMS_ATTEST attest;     /* name and extraData filled by fx_bundle unless keep_attest */
	int keep_attest;
	int flip_sig;           /* flip a byte of the signature's r */
	char node[ATTESTD_NODE_HEX + 1];
};

/* Fresh keys, certificates and structures (fresh CA if ca_key is NULL). */
void fx_init(struct fx *f);
void fx_free(struct fx *f);
/* Issues the EK certificate for key with the CA in f (or ca/ca_cert). */
size_t fx_ek_cert(EVP_PKEY *ca, X509 *ca_cert, EVP_PKEY *key, uint8_t *out, size_t cap);
/* A self-signed CA certificate (PEM into pem). */
X509 *fx_ca(EVP_PKEY *key, const char *cn, char *pem, size_t cap, size_t *len);
/* The bundle text for f's current structures, certify re-signed by ak_key. */
size_t fx_bundle(struct fx *f, char *out, size_t cap);
/* key's ECDSA-SHA256 signature over msg as a TPM marshals it. */
void fx_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, TPMT_SIGNATURE *sig);
/* Builds a TPM2B_PUBLIC for an ECC key with attrs. */
void fx_ecc_public(EVP_PKEY *key, TPMA_OBJECT attrs, TPM2B_PUBLIC *out);

#endif
