/* X.509 certificates of the OS package signing scheme: decoding, the
 * signing root, and the two-level chain check stboot performs. */
#ifndef OSPKG_CERTCHK_H
#define OSPKG_CERTCHK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "buf.h"
#include "err.h"

#define CERT_MAX_BYTES 65536u
#define CERT_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define CERT_PEM_END "-----END CERTIFICATE-----"

/* Decodes p[0..n) as either PEM or DER.  PEM (recognised by its first
 * bytes "-----BEGIN "): exactly one CERTIFICATE block, no headers, base64
 * lines of any length, CRLF or LF, only whitespace after the END line.
 * DER: one certificate using every byte.  Returns 0 or LETHE_EXIT_USAGE
 * (LETHE_EXIT_TEMP if out of memory) with the reason in e. */
int cert_decode(const uint8_t *p, size_t n, X509 **out, struct tool_err *e);

/* Appends the PEM text of x as Go's pem.Encode and OpenSSL write it: BEGIN
 * line, base64 of the DER in 64-character lines, END line, each ending in
 * "\n".  -1 with errno on failure. */
int cert_pem(X509 *x, struct buf *out);

/* DER encoding of x into out (replacing its contents); -1 on failure. */
int cert_der(X509 *x, struct buf *out);

int cert_is_ed25519(X509 *x);

/* Raw 32-byte Ed25519 public key of x; -1 if not Ed25519. */
int cert_ed25519_pub(X509 *x, uint8_t pub[32]);

/* The signing root must have an Ed25519 key (stmgr only makes those, and
 * it is what signs the leaves), basicConstraints CA:TRUE (Go does not
 * require it for a pool root; every stmgr and scripts/ospkg-keys root has
 * it, so requiring it is a safe tightening) and no critical extension
 * OpenSSL does not understand. */
int cert_check_root(X509 *root, struct tool_err *e);

/* Reads, decodes and checks the signing root file. */
int cert_load_root(const char *path, X509 **out, struct tool_err *e);

/* The chain check for one descriptor certificate, as Go's
 * cert.Verify({Roots: {root}}) with stboot's settings and some safe
 * tightenings:
 *  - the leaf key is Ed25519;
 *  - either the leaf is the root itself (byte-equal DER), or it is issued
 *    by the root (issuer name, key identifiers, root keyUsage allows
 *    keyCertSign) and its signature verifies with the root key; nothing
 *    else, since stboot supports no intermediates;
 *  - root and leaf are valid at now (notBefore <= now <= notAfter, as Go);
 *  - the leaf carries no extended key usage list: Go would demand
 *    serverAuth in it, stmgr leaves have none, so we refuse any;
 *  - if the leaf has keyUsage it includes digitalSignature;
 *  - no invalid or unknown critical extensions (Go refuses those too).
 * Returns 0, or -1 with a one-line reason in why. */
int cert_check_chain(X509 *root, X509 *leaf, time_t now, char *why, size_t cap);

#endif
