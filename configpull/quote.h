/* Attestation on every pull (docs/attestation.md, include/lethe_attest.h):
 * before the document, the node asks the fleet's verifier for a nonce,
 * has its AK quote the PCRs of every boot path over that nonce, and sends
 * the quote with the PCR values and the firmware's event log.  The
 * verifier answers a token for this pull, which the server's gate asks
 * for on the document, the approvals and the log proofs. */
#ifndef CONFIGPULL_QUOTE_H
#define CONFIGPULL_QUOTE_H

#include "err.h"
#include "fetch.h"

/* The verifier's reply to a quote: "ok VERSION PATH\ntoken BASE64\n". */
#define QUOTE_REPLY_MAX 512

/* One attestation as CL (mTLS with the TPM key at O's handle and TCTI).
 * CP_EXIT_CHANGED: attested (CL's token header set; the matched release
 * printed on stderr), or the server does not attest pulls (404 for the
 * nonce: CL unchanged).  CP_EXIT_UNATTESTED: the verifier refused (ERR
 * holds its reason), CP_EXIT_UNREACHABLE: the server or the TPM failed
 * (a retry may help), CP_EXIT_TLS: the handshake failed. */
int quote_attest(const struct fetch_opts *o, struct fetch_client *cl, struct cp_err *err);

/* The parse of a 200 reply: *VERSION and *PATH point into REPLY (NUL-
 * terminated there), TOKEN gets the token's bytes.  1, or 0 if the reply
 * is not exactly that (then nothing is trusted).  Exposed for the tests. */
int quote_reply_parse(char *reply, size_t n, const char **version, const char **path,
		      unsigned char token[LETHE_ATTEST_TOKEN_BYTES]);

#endif
