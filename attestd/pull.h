/* pull.h: the three requests of an attested pull (include/lethe_attest.h,
 * "The quote on every pull"), apart from FastCGI: POST /v1/attest/nonce,
 * POST /v1/attest, and nginx's gate on the document, the approvals and the
 * log proofs.  NODE is always the id of the client certificate nginx
 * verified (LETHE_NODE, checked by the caller): every read and write is of
 * that node's row, never another's.  Times are given, never read, so the
 * tests can move the clock. */
#ifndef ATTESTD_PULL_H
#define ATTESTD_PULL_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "attestd.h"
#include "releases.h"

struct pull_reply {
	int status;                      /* HTTP status: 200, 204, 400, 403, 500 */
	char body[ATTESTD_REASON_MAX + 1]; /* what the node reads, without the final newline */
	char log[ATTESTD_REASON_MAX + 1];  /* what the log says: the reason, never a token */
};

/* A fresh nonce for an active node, replacing its previous one: 200
 * "nonce BASE64"; 403 "unknown AK: ..." if the node has no activated AK. */
void pull_nonce(sqlite3 *db, const char *node, time_t now, struct pull_reply *out);

/* The quote in BODY[0..LEN) (quote.h): 400 "malformed quote: ..." if it
 * does not parse; 403 "unknown AK: ..." if the node has no activated AK.
 * Otherwise the node's nonce is consumed (committed before any other
 * check, so a refused quote cannot be retried with it), then checked:
 * 403 "stale nonce: ..." unless it is the body's and unexpired; then
 * quote_verify against the node's AK and rel.  A pass: 200 "ok VERSION
 * PATH\ntoken BASE64" with a new token whose SHA-256 alone is stored,
 * valid LETHE_ATTEST_TOKEN_TTL seconds; a refusal deletes the node's
 * token.  Either is recorded in the node's row and history. */
void pull_quote(sqlite3 *db, const struct releases *rel, const char *node, const char *body, size_t len,
		time_t now, struct pull_reply *out);

/* nginx's auth_request: 204 if TOKEN (the header's base64, NULL if none)
 * is the active node's unexpired token, else 403. */
void pull_gate(sqlite3 *db, const char *node, const char *token, time_t now, struct pull_reply *out);

#endif
