/* The public files tpmseal unseals with, fetched next to the node document
 * (docs/updates.md, docs/transparency.md):
 *
 *   GET /v1/approvals   -> approvals   operator-signed approval records
 *   GET /v1/logproofs   -> logproofs   tlog-proof@v1 proofs that the approved
 *                                      images are in the transparency log
 *
 * Both are unforgeable (the TPM checks each approval's signature, tpmseal
 * each proof's against the log key in the image): the server can only
 * withhold them.  They come from the document's origin as the same client
 * as the document (mTLS, and the attestation token in a fleet that gates
 * them, docs/attestation.md); a fleet that does not attest serves them to
 * anyone. */
#ifndef CONFIGPULL_APPROVALS_H
#define CONFIGPULL_APPROVALS_H

#include <stddef.h>

#include "err.h"
#include "fetch.h"

/* tpmseal takes at most 64 records of at most 116 bytes. */
#define APPROVALS_SIZE_MAX ((size_t)8 << 10)

/* Fetches each file as CL and keeps O->outdir/NAME (0640, group O->gid)
 * equal to it, replaced atomically.  404 means the server has none: the
 * file is removed.  Returns 1 when every file is in place (or rightly
 * absent), 0 with ERR set for the first that could not be fetched or
 * written (its old file, if any, is kept; the others are still fetched). */
int approvals_fetch(const struct fetch_opts *o, const struct fetch_client *cl, struct cp_err *err);

#endif
