/* ekcert.h: the EK certificate against the manufacturers' CA certificates. */
#ifndef ATTESTD_EKCERT_H
#define ATTESTD_EKCERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

struct ekca {
	X509_STORE *anchors;         /* the self-signed certificates */
	STACK_OF(X509) *untrusted;   /* the others: intermediates to build through */
};

/* Adds every certificate of the PEM file path: a self-signed one (its own
 * signature checked) becomes a trust anchor, any other an untrusted
 * intermediate.  -1 if the file cannot be read or holds no certificate. */
int ekca_add_file(struct ekca *ca, const char *path, struct attest_err *err);
/* The same from a PEM buffer (tests). */
int ekca_add_pem(struct ekca *ca, const char *pem, size_t len, struct attest_err *err);
int ekca_init(struct ekca *ca);
void ekca_free(struct ekca *ca);

/* The DER certificate chains to an anchor, is valid now, and certifies
 * exactly the RSA 2048 key of ek (modulus and exponent 65537). */
int ekcert_check(const struct ekca *ca, const uint8_t *der, size_t n, const TPM2B_PUBLIC *ek,
		 struct attest_err *err);

#endif
