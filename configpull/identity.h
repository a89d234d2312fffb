/* The node's TLS identity: its private key (a file for tests, or the
 * TPM-resident key, signing through ESYS: tpmsign.h), its node id, its CSR. */
#ifndef CONFIGPULL_IDENTITY_H
#define CONFIGPULL_IDENTITY_H

#include <openssl/evp.h>

#include "err.h"

#define IDENTITY_HANDLE_DEFAULT 0x81000010u
#define IDENTITY_ID_LEN 64

/* Loads the key: from KEYFILE if not NULL, else from the TPM persistent
 * HANDLE (tpmsign_load) through TCTI (NULL: the TCTI loader's default,
 * /dev/tpmrm0 on the relay).  NULL with ERR set. */
EVP_PKEY *identity_load(const char *keyfile, unsigned handle, const char *tcti, struct cp_err *err);

/* The node id: lowercase hex sha256 of the DER SubjectPublicKeyInfo. */
int identity_node_id(EVP_PKEY *key, char out[IDENTITY_ID_LEN + 1], struct cp_err *err);

/* A PEM CSR with CN=node id, signed by KEY, written to stdout. */
int identity_csr(EVP_PKEY *key, const char *node_id, struct cp_err *err);

#endif
