/* The attested-enrollment contract between the node (configpull attest.c)
 * and the fleet's verifier (attestd), docs/attestation.md: defined here
 * once.  Plain constants: neither side needs the other's headers. */
#ifndef LETHE_ATTEST_H
#define LETHE_ATTEST_H

/* The RSA 2048 EK certificate (low range, TCG EK Credential Profile). */
#define LETHE_ATTEST_EK_CERT_NV 0x01C00002u

/* TCG template L-1 (RSA 2048 EK): fixedTPM|fixedParent|sensitiveDataOrigin|
 * adminWithPolicy|restricted|decrypt, authPolicy PolicySecret(ENDORSEMENT),
 * AES-128-CFB, 256 zero bytes of unique. */
#define LETHE_ATTEST_EK_ATTRS 0x000300b2u
#define LETHE_ATTEST_EK_POLICY                                                                  \
	{ 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, \
	  0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, \
	  0x69, 0xaa }

/* The AK: ECC P-256, ECDSA SHA-256, fixedTPM|fixedParent|
 * sensitiveDataOrigin|userWithAuth|restricted|sign, no policy. */
#define LETHE_ATTEST_AK_ATTRS 0x00050072u

/* TPM2_Certify's qualifying data: SHA-256(tag || the 64 hex of the node id). */
#define LETHE_ATTEST_QUALIFY_TAG "lethe-enroll:"

/* The bundle's lines, "NAME: BASE64", in the order enroll prints them. */
#define LETHE_ATTEST_LINE_EK_CERT "attest-ek-cert"
#define LETHE_ATTEST_LINE_EK_PUBLIC "attest-ek-public"
#define LETHE_ATTEST_LINE_AK_PUBLIC "attest-ak-public"
#define LETHE_ATTEST_LINE_TLS_PUBLIC "attest-tls-public"
#define LETHE_ATTEST_LINE_CERTIFY "attest-certify"
#define LETHE_ATTEST_LINE_CERTIFY_SIG "attest-certify-sig"

/* The credential's secret, and where the node gets and answers it: GET
 * CRED_PATH<node id>, then POST ACTIVATE_PATH "node ID\nsecret BASE64\n". */
#define LETHE_ATTEST_SECRET_BYTES 32
#define LETHE_ATTEST_CRED_PATH "/v1/credentials/"
#define LETHE_ATTEST_ACTIVATE_PATH "/v1/activate"

#endif
