/* logcheck: which approvals' images are in the release transparency log
 * (docs/transparency.md).  An approval counts only if a proof, verified
 * offline against the log's key, shows an entry whose PCR values of one boot
 * path give the approval's PolicyPCR digest for its mask, with the same
 * approval epoch (v2) or "approval-epoch none" (v1).  Binding by content,
 * not by name: the TPM then checks the approval against the booted PCRs, so
 * an approval that unseals is one for a logged image. */
#ifndef TPMSEAL_LOGCHECK_H
#define TPMSEAL_LOGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define LOGCHECK_WHY 512

/* Reads the verifier key KEYFILE and the proofs file PROOFS, and sets
 * logged[i] for each of the N approvals AP.  A proofs file that is missing
 * or fails verification marks none (WHY says why, for the unseal error);
 * so does one that proves no entry matching an approval.  Returns 0, or a
 * tpmseal exit code with ERR set when KEYFILE cannot be used (a broken
 * image or command line, not the server's doing). */
int logcheck_mark(const char *keyfile, const char *proofs, const struct policy_approval *ap,
		  size_t n, uint8_t *logged, char why[LOGCHECK_WHY], char *err, size_t errlen);

/* Whether a release is approved and logged: reads KEYFILE and PROOFS as
 * logcheck_mark does, and sets *found when a verified proof carries an
 * entry with VERSION and approval-epoch EPOCH whose PCR values of one boot
 * path give the PCR policy of one of the N approvals AP (version 2 only,
 * each already checked by the caller: epoch EPOCH, signed by the operator
 * key).  Otherwise WHY names what is missing: no usable proofs, no entry of
 * VERSION with that epoch, or an entry whose PCRs none of AP names.
 * Returns 0, or a tpmseal exit code with ERR set (KEYFILE unusable). */
int logcheck_release(const char *keyfile, const char *proofs, const char *version, uint64_t epoch,
		     const struct policy_approval *ap, size_t n, int *found, char why[LOGCHECK_WHY],
		     char *err, size_t errlen);

#endif
