/* policy: the TPM policy digests computed in software, and approvals.
 *
 * An approval says "the operator's policy key accepts these PCR values"
 * (version 1) or "... these PCR values, as long as the node's minimum
 * epoch is at most E" (version 2, rollback).  Records (docs/tpmseal.md),
 * big-endian:
 *
 *   v1 (108 bytes)                     v2 (116 bytes)
 *   0   4  magic "LTAP"                0   4  magic "LTAP"
 *   4   1  version 1                   4   1  version 2
 *   5   3  reserved, 0                 5   3  reserved, 0
 *   8   4  PCR mask (sha256 bank)      8   4  PCR mask
 *   12  32 PolicyPCR digest            12  8  epoch E (u64)
 *   44  32 ECDSA P-256 r               20  32 PolicyPCR digest
 *   76  32 ECDSA P-256 s               52  32 r     84  32 s
 *
 * The signature covers SHA-256(approved || policyRef), what
 * TPM2_VerifySignature checks and PolicyAuthorize requires.  The approved
 * policy is the PolicyPCR digest (v1), or that digest extended by
 * PolicyNV(epoch index, offset 0, E, UNSIGNED_LE) (v2): "PCRs = X and
 * minimum epoch <= E".  An approvals file is records back to back. */
#ifndef TPMSEAL_POLICY_H
#define TPMSEAL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#define POLICY_DIGEST 32
#define POLICY_REF "lethe/relay-id/v1"
#define POLICY_APPROVAL_V1_BYTES 108
#define POLICY_APPROVAL_V2_BYTES 116
#define POLICY_APPROVAL_MAX_BYTES POLICY_APPROVAL_V2_BYTES
#define POLICY_APPROVALS_MAX 64   /* records per unseal, over every file */
#define POLICY_PCR_MAX 24
#define POLICY_NAME_BYTES 34      /* nameAlg sha256 + digest */

/* The minimum-epoch NV index: 8 bytes, the epoch big-endian. */
#define POLICY_EPOCH_BYTES 8

struct policy_approval {
	uint8_t version;              /* 1 or 2 */
	uint32_t mask;
	uint64_t epoch;               /* v2 only, else 0 */
	uint8_t digest[POLICY_DIGEST];  /* PolicyPCR(mask, values) */
	uint8_t r[32], s[32];
};

/* PolicyPCR from the zero digest, sha256 bank, PCRs in MASK with VALUES
 * (one 32-byte value per set bit, lowest PCR first). */
int policy_pcr_digest(uint32_t mask, const uint8_t (*values)[32], uint8_t out[POLICY_DIGEST]);
/* PolicyAuthorize(keyName, POLICY_REF) from the zero digest. */
void policy_authorize_digest(const uint8_t *name, size_t nlen, uint8_t out[POLICY_DIGEST]);
/* SHA-256(approved || POLICY_REF): what the approval key signs. */
void policy_approval_hash(const uint8_t approved[POLICY_DIGEST], uint8_t out[32]);

/* IN extended by PolicyNV(index NAME, offset 0, operandB = EPOCH as 8
 * bytes big-endian, TPM_EO_UNSIGNED_LE). */
void policy_nv_le_digest(const uint8_t in[POLICY_DIGEST], uint64_t epoch, const uint8_t *name,
			 size_t nlen, uint8_t out[POLICY_DIGEST]);
/* PolicyCommandCode(NV_Write) then PolicyNvWritten(NO), from zero: the
 * epoch index's first-write branch. */
void policy_first_write_digest(uint8_t out[POLICY_DIGEST]);
/* PolicyOR(a, b) from zero. */
void policy_or_digest(const uint8_t a[POLICY_DIGEST], const uint8_t b[POLICY_DIGEST],
		      uint8_t out[POLICY_DIGEST]);

/* The epoch index's public area (without TPMA_NV_WRITTEN) for the operator
 * key whose PolicyAuthorize digest is AUTHORIZE, and its name once written
 * (what PolicyNV extends with). */
void policy_epoch_public(uint32_t index, const uint8_t authorize[POLICY_DIGEST], TPMS_NV_PUBLIC *pub);
int policy_epoch_name(uint32_t index, const uint8_t authorize[POLICY_DIGEST],
		      uint8_t name[POLICY_NAME_BYTES]);

/* The operator key as the TPM loads it (a fixed ECDSA-SHA256 P-256
 * template, so the name depends on the key alone), and that name. */
int policy_authkey_public(EVP_PKEY *key, TPM2B_PUBLIC *pub);
int policy_authkey_name(EVP_PKEY *key, uint8_t name[POLICY_NAME_BYTES]);

/* The name of the epoch index at INDEX as every node defines it for the
 * operator key KEY (PolicyAuthorize of the key's TPM name, then
 * policy_epoch_name): what a v2 approval signs, computed offline. */
int policy_key_epoch_name(EVP_PKEY *key, uint32_t index, uint8_t name[POLICY_NAME_BYTES]);

/* The policy A approves, given the epoch index's NAME (v2 only). */
void policy_approved(const struct policy_approval *a, const uint8_t name[POLICY_NAME_BYTES],
		     uint8_t out[POLICY_DIGEST]);

/* "7,13,14" -> mask; -1 on a bad list. */
int policy_mask_parse(const char *s, uint32_t *mask);
unsigned policy_mask_count(uint32_t mask);

/* Renders A; returns its length (108 or 116). */
size_t policy_approval_render(const struct policy_approval *a, uint8_t out[POLICY_APPROVAL_MAX_BYTES]);
/* Parses exactly one record of n bytes. */
int policy_approval_parse(const uint8_t *p, size_t n, struct policy_approval *a);
/* Parses n bytes of records back to back into OUT (room for cap); *count
 * gets how many.  -1 if any record is malformed, or more than cap. */
int policy_approvals_parse(const uint8_t *p, size_t n, struct policy_approval *out, size_t cap,
			   size_t *count);
/* Signs A with an ECDSA P-256 private key, NAME the epoch index's (v2);
 * fills r and s. */
int policy_approval_sign(struct policy_approval *a, EVP_PKEY *key,
			 const uint8_t name[POLICY_NAME_BYTES]);

/* Whether A's r, s verify under the P-256 public KEY over
 * SHA-256(approved || POLICY_REF), NAME the epoch index's (v2): in
 * software, the check TPM2_VerifySignature makes when unsealing.  0 yes,
 * -1 no (a bad signature, or a key that is not P-256). */
int policy_approval_verify(const struct policy_approval *a, EVP_PKEY *key,
			   const uint8_t name[POLICY_NAME_BYTES]);

/* An ECDSA P-256 key's affine coordinates, 32 bytes each. */
int policy_p256_xy(EVP_PKEY *key, uint8_t x[32], uint8_t y[32]);

#endif
