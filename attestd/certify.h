/* certify.h: TPM2_Certify of the TLS key by the AK, and the AK's ECDSA
 * signatures (certify and quote). */
#ifndef ATTESTD_CERTIFY_H
#define ATTESTD_CERTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

/* extraData the node must have passed: SHA-256("lethe-enroll:" || node). */
void certify_qualifying(const char node[ATTESTD_NODE_HEX + 1], uint8_t out[32]);

/* attest (a TPM2B_ATTEST) is a TPM-generated certify of the object named
 * name with extraData qualifying, and sig (a TPMT_SIGNATURE) is the AK's
 * ECDSA-SHA256 signature over its TPMS_ATTEST bytes. */
int certify_check(const uint8_t *attest, size_t attest_len, const uint8_t *sig, size_t sig_len,
		  const TPM2B_PUBLIC *ak, const uint8_t qualifying[32], const uint8_t name[ATTESTD_NAME_BYTES],
		  struct attest_err *err);

/* sig (a TPMT_SIGNATURE of exactly sig_len bytes) is ak's ECDSA-SHA256
 * signature over msg[0..len); a refusal reads "WHAT: ...". */
int certify_signature_check(const TPM2B_PUBLIC *ak, const uint8_t *msg, size_t len, const uint8_t *sig,
			    size_t sig_len, const char *what, struct attest_err *err);

/* The P-256 public key of point (04||x||y), or NULL if not on the curve. */
EVP_PKEY *certify_p256_key(const uint8_t point[65]);

/* Verifies an ECDSA-SHA256 (r, s) over msg with the P-256 point (04||x||y). */
int certify_ecdsa_verify(const uint8_t point[65], const uint8_t *msg, size_t len, const TPM2B_ECC_PARAMETER *r,
			 const TPM2B_ECC_PARAMETER *s);

#endif
