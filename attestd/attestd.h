/* attestd: shared limits and the refusal buffer every check writes into.
 *
 * attestd runs on the config server (never in the image): check-enroll
 * verifies a node's attestation bundle, enroll-add/status keep the
 * enrollment database, serve answers the node's POST /v1/activate and, on
 * every pull, its nonce and quote requests and nginx's gate (include/
 * lethe_attest.h): the quote is checked against the node's AK, its nonce,
 * the firmware's event log (eventlog.h) and the releases of the
 * transparency log (releases.h), and a pass opens the gate for a token's
 * lifetime. */
#ifndef ATTESTD_H
#define ATTESTD_H

#include <stddef.h>
#include <stdint.h>

/* The contract with the node (templates, bundle lines, secret, paths). */
#include "lethe_attest.h"

#define ATTESTD_NODE_HEX 64          /* node id: hex SHA-256 of the TLS SPKI */
#define ATTESTD_NAME_BYTES 34        /* TPM name: 000b || SHA-256 */
#define ATTESTD_BUNDLE_MAX (64 * 1024)
#define ATTESTD_EKCERT_MAX 8192      /* DER; real EK certificates are 1-2 KiB */
#define ATTESTD_PCRS 24              /* PCR indices a quote or a record may name */
/* A refusal's reason as the node prints it and the operator reads it: one
 * line of printable ASCII. */
#define ATTESTD_REASON_MAX 200

/* Why a check refused: one line naming the check, for the operator. */
struct attest_err {
	char msg[256];
};

/* attest_fail: formats the reason into err (if any) and returns -1, so a
 * check can `return attest_fail(err, "...")`. */
int attest_fail(struct attest_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void attest_hex(const uint8_t *p, size_t n, char *out);
/* 0 if s is exactly 64 lowercase hex digits. */
int attest_node_valid(const char *s);
/* Strict hex decode of exactly 2n digits; 0 on success. */
int attest_unhex(const char *s, uint8_t *out, size_t n);

/* Reads all of path if it holds at most max bytes (buf has max+1): 0,
 * -1 with errno, or -2 if larger. */
int attest_read_file(const char *path, void *buf, size_t max, size_t *len);

#endif
