/* bundle.h: the attest-NAME: BASE64 lines of an enrollment (configpull
 * enroll's output), decoded but not yet checked. */
#ifndef ATTESTD_BUNDLE_H
#define ATTESTD_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

enum bundle_field {
	BUNDLE_EK_CERT,     /* DER X.509 from NV 0x01C00002 */
	BUNDLE_EK_PUBLIC,   /* TPM2B_PUBLIC */
	BUNDLE_AK_PUBLIC,   /* TPM2B_PUBLIC */
	BUNDLE_TLS_PUBLIC,  /* TPM2B_PUBLIC */
	BUNDLE_CERTIFY,     /* TPM2B_ATTEST */
	BUNDLE_CERTIFY_SIG, /* TPMT_SIGNATURE */
	BUNDLE_FIELDS
};

/* Each field's cap is the largest its type can marshal to, so a decoded
 * value never needs more room than the structure it will become. */
struct bundle {
	uint8_t ek_cert[ATTESTD_EKCERT_MAX];
	uint8_t ek_public[sizeof(TPM2B_PUBLIC)];
	uint8_t ak_public[sizeof(TPM2B_PUBLIC)];
	uint8_t tls_public[sizeof(TPM2B_PUBLIC)];
	uint8_t certify[sizeof(TPM2B_ATTEST)];
	uint8_t certify_sig[sizeof(TPMT_SIGNATURE)];
	size_t len[BUNDLE_FIELDS];
};

/* The line name of a field ("attest-ek-cert"). */
const char *bundle_field_name(enum bundle_field f);
/* The field's bytes in b. */
const uint8_t *bundle_field_bytes(const struct bundle *b, enum bundle_field f);

/* Parses text (at most ATTESTD_BUNDLE_MAX bytes, no NUL): every attest-*
 * line once, each a known name, all six present; other lines ignored.
 * 0 on success, else -1 with the reason in err. */
int bundle_parse(const char *text, size_t len, struct bundle *b, struct attest_err *err);

#endif
