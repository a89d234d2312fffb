/* pull.c: nonce, quote and gate against the database.  The order inside
 * pull_quote is the contract's: parse, the AK, the nonce (consumed in its
 * own transaction), then quote_verify; every verdict after the nonce is
 * recorded, and only a pass leaves the node a token. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "db.h"
#include "pcr.h"
#include "pull.h"
#include "quote.h"
#include "srv_db.h"
#include "tlog.h"
#include "tpmobj.h"

#define PULL_B64(n) (4 * (((n) + 2) / 3) + 1) /* padded base64 and its NUL */

/* The reply: status and a one-line reason, both the node's and the log's.
 * The reason is cut to ATTESTD_REASON_MAX and anything but printable ASCII
 * becomes '?', so that it stays one line wherever it is printed. */
static void pull_reply_set(struct pull_reply *out, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pull_reply_set(struct pull_reply *out, int status, const char *fmt, ...)
{
	va_list ap;
	char *c;

	va_start(ap, fmt);
	vsnprintf(out->log, sizeof out->log, fmt, ap);
	va_end(ap);
	for (c = out->log; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	memcpy(out->body, out->log, sizeof out->body);
	out->status = status;
}

static int pull_random(uint8_t *p, size_t n)
{
	return getrandom(p, n, 0) == (ssize_t)n ? 0 : -1;
}

/* The node's row inside the caller's transaction, or the reply why not:
 * 1 active (AK loaded into ak if asked), 0 refused, -1 error. */
static int pull_node(sqlite3 *db, const char *node, struct db_attest *a, TPM2B_PUBLIC *ak, struct pull_reply *out)
{
	uint8_t name[ATTESTD_NAME_BYTES];
	struct attest_err err;
	int found = db_attest_get(db, node, a);

	if (found < 0) {
		pull_reply_set(out, 500, "internal error");
		return -1;
	}
	if (!found) {
		pull_reply_set(out, 403, "unknown AK: node is not enrolled");
		return 0;
	}
	if (!a->active) {
		pull_reply_set(out, 403, "unknown AK: enrollment pending, no activated attestation key");
		return 0;
	}
	/* enroll-add checked it; a row changed behind attestd's back is
	 * still no AK to verify with. */
	if (ak && (tpmobj_load(a->ak_public, a->ak_len, "ak-public", ak, name, &err) || tpmobj_check_ak(ak, &err))) {
		pull_reply_set(out, 403, "unknown AK: the recorded AK is not valid (%s)", err.msg);
		return 0;
	}
	return 1;
}

void pull_nonce(sqlite3 *db, const char *node, time_t now, struct pull_reply *out)
{
	uint8_t nonce[LETHE_ATTEST_NONCE_BYTES];
	char b64[PULL_B64(LETHE_ATTEST_NONCE_BYTES)];
	struct db_attest a;

	if (srv_db_begin(db)) {
		pull_reply_set(out, 500, "internal error");
		return;
	}
	if (pull_node(db, node, &a, NULL, out) != 1)
		goto rollback;
	if (pull_random(nonce, sizeof nonce) || db_nonce_set(db, node, nonce, now + LETHE_ATTEST_NONCE_TTL)) {
		pull_reply_set(out, 500, "internal error");
		goto rollback;
	}
	if (srv_db_commit(db)) {
		pull_reply_set(out, 500, "internal error");
		goto rollback;
	}
	EVP_EncodeBlock((unsigned char *)b64, nonce, sizeof nonce);
	/* Nonces are public: the log may show it. */
	pull_reply_set(out, 200, "nonce %s", b64);
	return;
rollback:
	srv_db_rollback(db);
}

/* The nonce's check, after it was consumed: 0 fresh, or the reason. */
static int pull_nonce_fresh(const struct db_attest *a, const uint8_t *nonce, time_t now, struct attest_err *err)
{
	if (!a->has_nonce)
		return attest_fail(err, "stale nonce: none outstanding (already used, or never asked for)");
	if (CRYPTO_memcmp(a->nonce, nonce, sizeof a->nonce))
		return attest_fail(err, "stale nonce: not the node's outstanding nonce");
	if (now >= a->nonce_expires)
		return attest_fail(err, "stale nonce: expired %lld s ago", (long long)(now - a->nonce_expires));
	return 0;
}

/* Records the verdict and, on a pass, the token; the reply says so. */
static void pull_record(sqlite3 *db, const char *node, time_t now, const struct attest_err *refusal,
			const struct releases_match *m, struct pull_reply *out)
{
	uint8_t token[LETHE_ATTEST_TOKEN_BYTES], sha[32];
	char b64[PULL_B64(LETHE_ATTEST_TOKEN_BYTES)];
	struct db_quote q = {.at = now, .pass = !refusal};

	if (refusal) {
		pull_reply_set(out, 403, "%s", refusal->msg);
		q.reason = out->log;
	} else {
		if (pull_random(token, sizeof token)) {
			pull_reply_set(out, 500, "internal error");
			goto out;
		}
		pcr_sha256(token, sizeof token, sha);
		q.version = m->version;
		q.path = m->path;
		q.token_sha256 = sha;
		q.token_expires = now + LETHE_ATTEST_TOKEN_TTL;
	}
	if (srv_db_begin(db)) {
		pull_reply_set(out, 500, "internal error");
		goto out;
	}
	if (db_quote_record(db, node, &q) || srv_db_commit(db)) {
		srv_db_rollback(db);
		pull_reply_set(out, 500, "internal error");
		goto out;
	}
	if (!refusal) {
		EVP_EncodeBlock((unsigned char *)b64, token, sizeof token);
		pull_reply_set(out, 200, "ok %s %s", m->version, m->path);
		snprintf(out->body, sizeof out->body, "ok %s %s\ntoken %s", m->version, m->path, b64);
	}
out:
	explicit_bzero(token, sizeof token);
	explicit_bzero(b64, sizeof b64);
}

void pull_quote(sqlite3 *db, const struct releases *rel, const char *node, const char *body, size_t len,
		time_t now, struct pull_reply *out)
{
	struct quote_body *q = malloc(sizeof *q);
	struct releases_match m;
	struct attest_err err;
	struct db_attest a;
	TPM2B_PUBLIC ak;
	int refused;

	if (!q) {
		pull_reply_set(out, 500, "internal error");
		return;
	}
	if (quote_parse(body, len, q, &err)) {
		pull_reply_set(out, 400, "%s", err.msg);
		goto out;
	}
	if (srv_db_begin(db)) {
		pull_reply_set(out, 500, "internal error");
		goto out;
	}
	if (pull_node(db, node, &a, &ak, out) != 1) {
		srv_db_rollback(db);
		goto out;
	}
	/* Consumed and committed before anything else is looked at: whatever
	 * follows, this nonce answers no second quote. */
	if (db_nonce_set(db, node, NULL, 0) || srv_db_commit(db)) {
		srv_db_rollback(db);
		pull_reply_set(out, 500, "internal error");
		goto out;
	}
	refused = pull_nonce_fresh(&a, q->nonce, now, &err) || quote_verify(q, &ak, rel, &m, &err);
	pull_record(db, node, now, refused ? &err : NULL, &m, out);
out:
	free(q);
}

void pull_gate(sqlite3 *db, const char *node, const char *token, time_t now, struct pull_reply *out)
{
	uint8_t raw[LETHE_ATTEST_TOKEN_BYTES], sha[32];
	struct db_attest a;
	size_t n = 0;
	int found;

	if (!token || !*token) {
		pull_reply_set(out, 403, "no token");
		return;
	}
	if (tlog_b64_decode(token, strlen(token), raw, sizeof raw, &n) || n != sizeof raw) {
		pull_reply_set(out, 403, "malformed token");
		goto out;
	}
	pcr_sha256(raw, sizeof raw, sha);
	found = db_attest_get(db, node, &a);
	if (found < 0)
		pull_reply_set(out, 500, "internal error");
	else if (!found || !a.active)
		pull_reply_set(out, 403, "unknown AK: node not active");
	else if (!a.has_token)
		pull_reply_set(out, 403, "no token issued (last quote refused, or none)");
	else if (CRYPTO_memcmp(sha, a.token_sha256, sizeof sha))
		pull_reply_set(out, 403, "wrong token");
	else if (now >= a.token_expires)
		pull_reply_set(out, 403, "token expired");
	else
		pull_reply_set(out, 204, "token valid");
out:
	explicit_bzero(raw, sizeof raw);
}
