/* policy: the TPM policy digests computed in software, and approvals.
 *
 * An approval says "the operator's policy key accepts these PCR values".
 * It is a fixed 108-byte record (docs/tpmseal.md):
 *
 *   0   4   magic "LTAP"
 *   4   1   version (1)
 *   5   3   reserved, 0
 *   8   4   PCR mask (sha256 bank, bit n = PCR n, PCRs 0..23), big-endian
 *   12  32  approved policy = PolicyPCR(mask, values) digest
 *   44  32  ECDSA P-256 r, big-endian
 *   76  32  ECDSA P-256 s
 *
 * The signature covers SHA-256(approved policy || policyRef), which is what
 * TPM2_VerifySignature checks and PolicyAuthorize requires. */
#ifndef TPMSEAL_POLICY_H
#define TPMSEAL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define POLICY_DIGEST 32
#define POLICY_REF "lethe/relay-id/v1"
#define POLICY_APPROVAL_BYTES 108
#define POLICY_PCR_MAX 24

struct policy_approval {
	uint32_t mask;
	uint8_t digest[POLICY_DIGEST];
	uint8_t r[32], s[32];
};

/* PolicyPCR from the zero digest, sha256 bank, PCRs in MASK with VALUES
 * (one 32-byte value per set bit, lowest PCR first). */
int policy_pcr_digest(uint32_t mask, const uint8_t (*values)[32], uint8_t out[POLICY_DIGEST]);
/* PolicyAuthorize(keyName, POLICY_REF) from the zero digest. */
void policy_authorize_digest(const uint8_t *name, size_t nlen, uint8_t out[POLICY_DIGEST]);
/* SHA-256(approved || POLICY_REF): what the approval key signs. */
void policy_approval_hash(const uint8_t approved[POLICY_DIGEST], uint8_t out[32]);

/* "7,13,14" -> mask; -1 on a bad list. */
int policy_mask_parse(const char *s, uint32_t *mask);
unsigned policy_mask_count(uint32_t mask);

void policy_approval_render(const struct policy_approval *a, uint8_t out[POLICY_APPROVAL_BYTES]);
int policy_approval_parse(const uint8_t *p, size_t n, struct policy_approval *a);
/* Signs A->digest with an ECDSA P-256 private key; fills r and s. */
int policy_approval_sign(struct policy_approval *a, EVP_PKEY *key);

/* An ECDSA P-256 key's affine coordinates, 32 bytes each. */
int policy_p256_xy(EVP_PKEY *key, uint8_t x[32], uint8_t y[32]);

#endif
