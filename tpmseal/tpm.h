/* tpm: the NV index that holds the bundle, through the tpm2-tss ESAPI.
 *
 * Index (owner range, away from Patela 0x01000000, stboot 0x01420001 and
 * the EK certificate range): ordinary, nameAlg SHA-256,
 * OWNERWRITE | POLICYREAD | NO_DA | READ_STCLEAR, size = the bundle.  Read
 * only through its policy, in a salted session with response encryption;
 * written (owner auth, command encryption) only by provision and import;
 * read-locked, once read, until the next TPM2_Startup(CLEAR): by
 * tpm_nv_readlock after the keys are written or failed to be, or by
 * tpm_close as a last resort.
 *
 * Every function returns a tpmseal exit code and, on failure, one line in
 * err (never a secret). */
#ifndef TPMSEAL_TPM_H
#define TPMSEAL_TPM_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "policy.h"

#define TPM_NV_INDEX_DEFAULT 0x01851E7Eu
/* The minimum image epoch (rollback): its own index, next to the bundle's
 * pair but fixed, since approvals name it (policy.h). */
#define TPM_EPOCH_INDEX_DEFAULT 0x01851E7Du
#define TPM_NV_OWNER_FIRST 0x01800000u
#define TPM_NV_OWNER_LAST 0x01BFFFFFu

struct tpm_held;

struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR salt;   /* transient primary in the NULL hierarchy: salts sessions */
	ESYS_TR enc;    /* salted HMAC session: parameter encryption */
	uint32_t nvbuf; /* TPM_PT_NV_BUFFER_MAX: bytes per NV_Read/NV_Write */
	uint32_t nvmax; /* TPM_PT_NV_INDEX_MAX */
	struct tpm_held *held; /* read by tpm_nv_unseal, not yet read-locked */
};

enum tpm_mode { TPM_MODE_AUTHORITY = 1, TPM_MODE_AUTHORIZED = 2 };

/* How the index's policy is satisfied. */
struct tpm_auth {
	enum tpm_mode mode;
	uint32_t mask;                 /* authority: the literal PolicyPCR's PCRs */
	EVP_PKEY *key;                 /* authorized: the operator's P-256 public key */
	const struct policy_approval *approvals;
	size_t n_approvals;
	uint32_t epoch_index;          /* authorized: what v2 approvals' PolicyNV names */
	/* --log-key: approval i counts only if logged[i] (logcheck.h); why
	 * not, for the error, in log_why */
	const uint8_t *logged;
	const char *log_why;
};

struct tpm_nvinfo {
	uint32_t attributes;
	uint16_t size;
	uint8_t policy[POLICY_DIGEST];
	uint16_t policy_len;
};

int tpm_open(struct tpm *t, const char *tcti, char *err, size_t errlen);
void tpm_close(struct tpm *t);

/* The index's public area; TPMSEAL_EXIT_NOBUNDLE when not defined. */
int tpm_nv_info(struct tpm *t, uint32_t index, struct tpm_nvinfo *info, char *err, size_t errlen);

/* The authPolicy a new index gets under A (authority: current PCR values). */
int tpm_policy_expected(struct tpm *t, const struct tpm_auth *a, uint8_t out[POLICY_DIGEST],
			char *err, size_t errlen);

/* Defines the index and writes DATA in chunks; undefines it again if any
 * step fails, so no half-written bundle is left. */
int tpm_nv_create(struct tpm *t, uint32_t index, const struct tpm_auth *a, const uint8_t *data,
		  size_t len, char *err, size_t errlen);

/* Reads the whole index through its policy into OUT (locked memory of cap
 * bytes); *len gets the index size.  On success the index stays held, its
 * policy session open: the caller uses the bytes, then calls
 * tpm_nv_readlock whatever came of them (tpm_close locks it otherwise).
 * A must outlive the hold.  On failure nothing is held and OUT is wiped. */
int tpm_nv_unseal(struct tpm *t, uint32_t index, const struct tpm_auth *a, uint8_t *out,
		  size_t cap, size_t *len, char *err, size_t errlen);

/* NV_ReadLock on the index tpm_nv_unseal holds (through its policy once
 * more), until the next TPM2_Startup(CLEAR); the hold is released either
 * way.  OK when nothing is held. */
int tpm_nv_readlock(struct tpm *t, char *err, size_t errlen);

/* The public-record index (pubinfo.h) sits next to the bundle's: readable
 * by anyone (AUTHREAD, empty auth), OWNERWRITE, NO_DA.  Writing replaces
 * any previous one. */
#define TPM_PUB_INDEX(bundle_index) ((bundle_index) + 1)
int tpm_pub_write(struct tpm *t, uint32_t index, const uint8_t *data, size_t len, char *err,
		  size_t errlen);
/* NOBUNDLE when absent. */
int tpm_pub_read(struct tpm *t, uint32_t index, uint8_t *out, size_t cap, size_t *len, char *err,
		 size_t errlen);
/* Undefines an index of ours (owner auth); used to roll back. */
void tpm_nv_remove(struct tpm *t, uint32_t index);

/* The minimum-epoch index (policy_epoch_public): created by provision and
 * import in authorized mode with the value INITIAL, through its first-write
 * branch; an existing one of ours is kept as it is (*created 0), a foreign
 * one refused (CORRUPT).  The TPM's name for it is checked against the one
 * approvals are signed for. */
int tpm_epoch_create(struct tpm *t, const struct tpm_auth *a, uint64_t initial, int *created,
		     char *err, size_t errlen);
/* The current minimum; NOBUNDLE when the index is absent or unwritten,
 * CORRUPT when it is not ours (A given) or malformed. */
int tpm_epoch_read(struct tpm *t, const struct tpm_auth *a, uint64_t *val, char *err, size_t errlen);
/* After an authorized unseal: finds the approval for the current PCRs (as
 * unseal does) and raises the minimum to its epoch through it.  *from and
 * *to get the minimum before and after; no write when they are equal. */
int tpm_epoch_advance(struct tpm *t, const struct tpm_auth *a, uint64_t *from, uint64_t *to,
		      char *err, size_t errlen);

/* The attributes every index of ours has (WRITTEN/READLOCKED aside). */
uint32_t tpm_nv_attributes(void);

#endif
