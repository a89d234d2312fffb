/* The approvals file tpmseal unseals with (docs/updates.md): public and
 * unforgeable (each record is signed by the operator's policy key and
 * checked by the TPM), so it comes over server-authenticated TLS from the
 * document's origin, and the server can only withhold it. */
#ifndef CONFIGPULL_APPROVALS_H
#define CONFIGPULL_APPROVALS_H

#include <stddef.h>

#include "err.h"
#include "fetch.h"

/* tpmseal takes at most 64 records of at most 116 bytes. */
#define APPROVALS_SIZE_MAX ((size_t)8 << 10)
#define APPROVALS_FILE "approvals"

/* The approvals URL for DOC_URL (https://HOST[:PORT]/...): the same
 * origin, path /v1/approvals.  1 ok, 0 with ERR set. */
int approvals_url(const char *doc_url, char *out, size_t outlen, struct cp_err *err);

/* Fetches the approvals and keeps O->outdir/approvals (0640, group O->gid)
 * equal to them, replaced atomically.  404 means the server has none: the
 * file is removed.  Returns 1 when the file is in place (or rightly
 * absent), 0 with ERR set when it could not be fetched or written (the old
 * file, if any, is kept). */
int approvals_fetch(const struct fetch_opts *o, struct cp_err *err);

#endif
