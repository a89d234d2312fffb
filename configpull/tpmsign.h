/* The TPM-resident node key for OpenSSL: public half read from the TPM,
 * ECDSA/SHA-256 signatures made by TPM2_Sign (tpmsign.c says why not the
 * tpm2 provider). */
#ifndef CONFIGPULL_TPMSIGN_H
#define CONFIGPULL_TPMSIGN_H

#include <openssl/evp.h>

#include "err.h"

/* The key at persistent HANDLE, through TCTI (a TCTI loader string, NULL:
 * the loader's default).  One per process; the TPM connection stays open
 * for its signatures.  NULL with ERR set. */
EVP_PKEY *tpmsign_load(unsigned handle, const char *tcti, struct cp_err *err);

#endif
