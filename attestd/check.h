/* check.h: every check of an enrollment's attestation, in one call. */
#ifndef ATTESTD_CHECK_H
#define ATTESTD_CHECK_H

#include <openssl/evp.h>

#include "bundle.h"
#include "ekcert.h"

struct check_result {
	uint8_t ak_name[ATTESTD_NAME_BYTES];
	TPM2B_PUBLIC ek, ak, tls;
};

/* The TLS key's node id: hex SHA-256 of its SubjectPublicKeyInfo DER. */
int check_node_id(EVP_PKEY *key, char out[ATTESTD_NODE_HEX + 1]);

/* The TPM-side checks, without the EK certificate: the three templates,
 * tls-public equal to tls_key whose SPKI hash is node, and the certify.
 * Split out so the fuzz harness reaches them without a CA. */
int check_tpm(const struct bundle *b, EVP_PKEY *tls_key, const char *node, struct check_result *out,
	      struct attest_err *err);

/* check_tpm, then the EK certificate against ca and attest-ek-public. */
int check_enroll(const struct bundle *b, const struct ekca *ca, EVP_PKEY *tls_key, const char *node,
		 struct check_result *out, struct attest_err *err);

#endif
