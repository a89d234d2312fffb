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

/* --- The quote on every pull (docs/attestation.md, "Attestation on every
 * pull").  All three requests are mTLS: the node id is the verified client
 * certificate's CN, which nginx passes to attestd as the FastCGI parameter
 * LETHE_NODE; a request body never names a node.
 *
 * 1. POST NONCE_PATH, empty body: 200 "nonce BASE64\n" (NONCE_BYTES random
 *    bytes), replacing any nonce the node had; valid for NONCE_TTL seconds
 *    and for one quote.
 * 2. POST QUOTE_PATH, body (lines in this order, "\n"-terminated, BASE64 the
 *    standard alphabet with padding, HEX 64 lowercase digits):
 *      nonce BASE64         the nonce of step 1
 *      quote BASE64         TPMS_ATTEST, marshalled: TPM2_Quote by the AK
 *                           with qualifyingData = the nonce, over QUOTE_PCRS
 *                           of the SHA-256 bank
 *      signature BASE64     TPMT_SIGNATURE, marshalled: the AK's over it
 *      pcr N HEX            one per PCR of QUOTE_PCRS, ascending
 *      eventlog BASE64      the firmware's TCG2 (crypto-agile) event log,
 *                           /sys/kernel/security/tpm0/binary_bios_measurements,
 *                           at most EVENTLOG_MAX bytes
 *    200 "ok VERSION PATH\ntoken BASE64\n": the quote matched the logged
 *    release VERSION on boot path PATH; TOKEN_BYTES random bytes, valid for
 *    TOKEN_TTL seconds.  403 "REASON\n": refused, REASON one line (the node
 *    prints it); 400 malformed, 413 too large.
 * 3. Every gated request (the document, the approvals, the log proofs)
 *    carries "TOKEN_HEADER: BASE64"; nginx asks attestd (auth_request to
 *    GATE_PATH, internal) and serves the file only on its 204. */
/* Where Linux shows the firmware's event log (securityfs, mounted by initd). */
#define LETHE_ATTEST_EVENTLOG_PATH "/sys/kernel/security/tpm0/binary_bios_measurements"
#define LETHE_ATTEST_NONCE_PATH "/v1/attest/nonce"
#define LETHE_ATTEST_QUOTE_PATH "/v1/attest"
#define LETHE_ATTEST_GATE_PATH "/v1/attest/gate"
#define LETHE_ATTEST_TOKEN_HEADER "X-Lethe-Attest"
#define LETHE_ATTEST_NONCE_BYTES 32
#define LETHE_ATTEST_TOKEN_BYTES 32
/* A slow discrete TPM quotes in about a second; TCG-emulated guests are
 * slower still.  The token covers one pull (document, approvals, proofs). */
#define LETHE_ATTEST_NONCE_TTL 120
#define LETHE_ATTEST_TOKEN_TTL 300

/* The PCRs every quote covers, whatever the boot path: UEFI UKI 4, 7, 9, 11;
 * stboot 7, 12, 13, 14 (docs/attestation.md).  One selection for every
 * node, so that the verifier needs no hint of the path: it matches the
 * values against each path of each logged release. */
#define LETHE_ATTEST_QUOTE_PCRS 0x00007a90u /* 4, 7, 9, 11, 12, 13, 14 */
/* Extended by stboot (a Linux program, through the TPM directly), so in no
 * firmware event log: these may hold a value without events; every other
 * quoted PCR must equal its replay from the log (zero when no event
 * extends it). */
#define LETHE_ATTEST_UNLOGGED_PCRS 0x00007000u /* 12, 13, 14 */
/* Firmware logs are a few KiB (OVMF) to some tens of KiB (servers with
 * many option ROMs); 256 KiB bounds the largest we know with room. */
#define LETHE_ATTEST_EVENTLOG_MAX (256 * 1024)
#define LETHE_ATTEST_QUOTE_MAX 1024     /* TPMS_ATTEST of a quote: ~150 bytes */
#define LETHE_ATTEST_SIGNATURE_MAX 1024 /* TPMT_SIGNATURE: ~72 bytes for ECDSA P-256 */
/* The whole body: base64 of the log, plus the rest. */
#define LETHE_ATTEST_QUOTE_BODY_MAX ((LETHE_ATTEST_EVENTLOG_MAX + 2) / 3 * 4 + 8 * 1024)

#endif
