/* quote.h: the body of POST /v1/attest (include/lethe_attest.h, "The quote
 * on every pull"), parsed strictly, and its checks: the AK's signature,
 * the quote's structure, the event log's replay, the logged release.  No
 * database here: the nonce's freshness and the token are pull.c's. */
#ifndef ATTESTD_QUOTE_H
#define ATTESTD_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"
#include "releases.h"

/* The decoded body: about 260 KiB, so callers allocate it on the heap. */
struct quote_body {
	uint8_t nonce[LETHE_ATTEST_NONCE_BYTES];
	uint8_t quote[LETHE_ATTEST_QUOTE_MAX]; /* TPMS_ATTEST, as signed */
	size_t quote_len;
	uint8_t sig[LETHE_ATTEST_SIGNATURE_MAX]; /* TPMT_SIGNATURE */
	size_t sig_len;
	uint8_t pcr[ATTESTD_PCRS][32]; /* only LETHE_ATTEST_QUOTE_PCRS' entries are set */
	uint8_t eventlog[LETHE_ATTEST_EVENTLOG_MAX];
	size_t eventlog_len;
};

/* Parses BODY[0..LEN): the lines nonce, quote, signature, one pcr line per
 * PCR of LETHE_ATTEST_QUOTE_PCRS in ascending order, eventlog; exactly
 * those, each "\n"-terminated, base64 by tlog_b64_decode.  0, or -1 with
 * "malformed quote: ..." in err. */
int quote_parse(const char *body, size_t len, struct quote_body *q, struct attest_err *err);

/* The checks after the nonce's, in order, each refusal's reason starting
 * with its name: "bad signature" (ECDSA-SHA256 by AK over the quote bytes),
 * "bad quote" (a TPM-generated quote over exactly q->nonce, one SHA-256
 * selection of LETHE_ATTEST_QUOTE_PCRS, digest of the pcr lines), "bad
 * event log" (the log replays to every quoted PCR it extends; a quoted PCR
 * it does not extend must be in LETHE_ATTEST_UNLOGGED_PCRS), "no matching
 * release" (releases_match).  0 and the release in *m, or -1 and err. */
int quote_verify(const struct quote_body *q, const TPM2B_PUBLIC *ak, const struct releases *rel,
		 struct releases_match *m, struct attest_err *err);

#endif
