/* The node's attestation identity (docs/attestation.md), bound at
 * enrollment: the TPM's Endorsement Key with its manufacturer certificate,
 * an Attestation Key (a restricted signing key: it signs only what the TPM
 * itself attests), and the AK's TPM2_Certify of the TLS key, proving that
 * key lives in this TPM.  Both EK and AK are primaries of the endorsement
 * hierarchy made from fixed templates: the same TPM always yields the same
 * keys, nothing is stored.
 *
 * The operator (scripts/fleet sign) checks the bundle and makes a
 * credential for the AK's name under the EK; the node activates it inside
 * the TPM (only the TPM holding both keys can) and hands the secret to the
 * fleet's verifier (attestd), which then publishes the node's certificate. */
#ifndef CONFIGPULL_ATTEST_H
#define CONFIGPULL_ATTEST_H

#include <tss2/tss2_esys.h>

#include "err.h"
#include "fetch.h"

/* The EK certificate's index, the templates, the bundle's lines, the
 * secret and the paths: include/lethe_attest.h, shared with attestd. */
#define ATTEST_EK_CERT_MAX 4096
/* A tpm2-tools credential file: magic, version, TPM2B_ID_OBJECT,
 * TPM2B_ENCRYPTED_SECRET (what tpm2_makecredential -o writes). */
#define ATTEST_CRED_MAX 1024

/* The TPM and the keys derived from it (the EK only when asked for). */
struct attest_tpm {
	TSS2_TCTI_CONTEXT *tc;
	ESYS_CONTEXT *esys;
	ESYS_TR ek, ak;
	TPM2B_PUBLIC *ekpub, *akpub;
};
/* Opens the TPM at TCTI and derives the AK, and the EK if WITH_EK.  1, or
 * 0 with ERR; attest_close in either case. */
int attest_open(struct attest_tpm *t, const char *tcti, int with_ek, struct cp_err *err);
void attest_close(struct attest_tpm *t);
/* ERR := "unable to WHAT: <the TSS's decoding of RC>"; returns 0. */
int attest_tss(TSS2_RC rc, const char *what, struct cp_err *err);

/* Prints the attest-* lines of the enrollment (ek-cert, ek-public,
 * ak-public, tls-public, certify, certify-sig; base64 of the marshalled TPM
 * structures) for the TLS key at HANDLE whose node id is NODE_ID.  A TPM
 * without an EK certificate prints none and says so on stderr: enrollment
 * goes on, a fleet that requires attestation refuses it.  1 ok, 0 with ERR
 * set. */
int attest_enroll(unsigned handle, const char *tcti, const char *node_id, struct cp_err *err);

/* The activation: GET /v1/credentials/NODE_ID (server-authenticated TLS);
 * none there (404) returns 0 with *pending = 0: the operator has not signed
 * yet.  Otherwise TPM2_ActivateCredential(AK, EK) recovers the secret, which
 * is POSTed to /v1/activate; returns 1 when the verifier accepted it (the
 * node certificate is then published), 0 with ERR (the server's reason
 * when it refused). */
int attest_activate(const struct fetch_opts *o, const char *node_id, int *pending, struct cp_err *err);

#endif
