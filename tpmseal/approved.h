/* approved: may this node reboot into release VERSION with approval epoch
 * E?  Answered offline, never by the TPM: the approvals are checked in
 * software against the operator key, the release against the transparency
 * log.  initd asks before a rollout's reboot (docs/rollouts.md), so that a
 * node leaves the image it runs only for one it can unseal under. */
#ifndef TPMSEAL_APPROVED_H
#define TPMSEAL_APPROVED_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "policy.h"

/* The records among the N approvals AP that are version 2 with epoch
 * EPOCH and whose signature verifies under KEY (the epoch index at
 * EPOCH_INDEX named for KEY, as every node defines it): copied to SIG
 * (room for N), *nsigned how many.  0, or a tpmseal exit code with ERR
 * set: STATE when none holds (ERR says whether none is for EPOCH or none
 * is signed), USAGE when KEY is not an ECDSA P-256 key. */
int approved_signed(EVP_PKEY *key, uint32_t epoch_index, const struct policy_approval *ap, size_t n,
		    uint64_t epoch, struct policy_approval *sig, size_t *nsigned, char *err,
		    size_t errlen);

/* The whole check: approved_signed, then a proof in LOG_PROOFS, verified
 * under LOG_KEY, of an entry with VERSION and approval-epoch EPOCH whose
 * PCR values give a signed record's PCR policy (logcheck_release: the
 * binding unseal uses).  0 approved; STATE with ERR naming why not; USAGE
 * with ERR for a key or log key that cannot be used (checked before any
 * refusal, as unseal does). */
int approved_check(EVP_PKEY *key, uint32_t epoch_index, const struct policy_approval *ap, size_t n,
		   const char *log_key, const char *log_proofs, const char *version, uint64_t epoch,
		   char *err, size_t errlen);

#endif
