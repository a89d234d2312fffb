/* tpmobj.h: TPM public areas from the bundle: strict unmarshalling, the
 * TPM name, and the template each key must have. */
#ifndef ATTESTD_TPMOBJ_H
#define ATTESTD_TPMOBJ_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

/* The EK and AK templates: include/lethe_attest.h, shared with the node. */
#include "lethe_attest.h"

/* Unmarshals a TPM2B_PUBLIC of exactly n bytes that re-marshals to the same
 * bytes (one encoding per key, so the name we compute is the TPM's), and
 * computes its name (nameAlg must be SHA-256).  what names the field in a
 * refusal. */
int tpmobj_load(const uint8_t *p, size_t n, const char *what, TPM2B_PUBLIC *pub,
		uint8_t name[ATTESTD_NAME_BYTES], struct attest_err *err);

/* Exactly the TCG L-1 RSA 2048 EK template apart from the modulus: a
 * credential made for any other key could be activated outside a TPM. */
int tpmobj_check_ek(const TPM2B_PUBLIC *pub, struct attest_err *err);
/* Exactly the AK template: restricted ECDSA-SHA256 P-256 signing key that
 * cannot leave its TPM. */
int tpmobj_check_ak(const TPM2B_PUBLIC *pub, struct attest_err *err);
/* The node's TLS key: P-256, signing, cannot leave its TPM. */
int tpmobj_check_tls(const TPM2B_PUBLIC *pub, struct attest_err *err);

/* The uncompressed point 04 || x || y of a P-256 key (checked above). */
void tpmobj_ecc_point(const TPM2B_PUBLIC *pub, uint8_t out[65]);

#endif
