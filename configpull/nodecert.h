/* The node's own certificate, fetched after enrollment: it is public, so it
 * comes over server-authenticated TLS (fleet CA, no client certificate)
 * from the config server, by node id. */
#ifndef CONFIGPULL_NODECERT_H
#define CONFIGPULL_NODECERT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"
#include "fetch.h"

#define NODECERT_SIZE_MAX ((size_t)16 << 10)

/* The certificate URL for DOC_URL (https://HOST[:PORT]/...): the same
 * origin, path /v1/certs/ID.pem.  1 ok, 0 with ERR set. */
int nodecert_url(const char *doc_url, const char *id, char *out, size_t outlen, struct cp_err *err);

/* Checks that PEM (LEN bytes) holds one certificate whose public key is
 * KEY's and which the fleet CA in CAFILE signed for TLS clients.  On
 * success *OUT gets a clean PEM re-encoding (malloc'd, *OUTLEN bytes), so
 * nothing the server added around it is kept.  Returns a CP_EXIT_* code. */
int nodecert_check(const char *pem, size_t len, EVP_PKEY *key, const char *cafile, char **out,
		   size_t *outlen, struct cp_err *err);

/* Fetches, checks and installs O->cert (atomically, 0640) for KEY.
 * Returns CP_EXIT_CHANGED when installed, else CP_EXIT_TLS (no
 * certificate for this node yet: *MISSING = 1; or the wrong one),
 * CP_EXIT_UNREACHABLE. */
int nodecert_get(const struct fetch_opts *o, EVP_PKEY *key, int *missing, struct cp_err *err);

#endif
