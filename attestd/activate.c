/* activate.c: the second half of enrollment.  The node id comes from the
 * body only (no client certificate exists yet), so a request can only ever
 * name a row; what it may do to that row is gated by the secret, which only
 * the TPM holding the enrolled EK and AK could have recovered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "activate.h"
#include "tlog.h"
#include "db.h"
#include "srv_db.h"

#define NODE_PREFIX "node "
#define SECRET_PREFIX "\nsecret "
#define SECRET_B64 (4 * ((LETHE_ATTEST_SECRET_BYTES + 2) / 3)) /* padded base64 */

int activate_parse(const char *body, size_t len, struct activate_req *req)
{
	const size_t want = sizeof NODE_PREFIX - 1 + ATTESTD_NODE_HEX + sizeof SECRET_PREFIX - 1 + SECRET_B64 + 1;
	const char *p = body;
	size_t n = 0;

	memset(req, 0, sizeof *req);
	if (len != want || memcmp(p, NODE_PREFIX, sizeof NODE_PREFIX - 1))
		return -1;
	p += sizeof NODE_PREFIX - 1;
	memcpy(req->node, p, ATTESTD_NODE_HEX);
	req->node[ATTESTD_NODE_HEX] = '\0';
	if (attest_node_valid(req->node))
		return -1;
	p += ATTESTD_NODE_HEX;
	if (memcmp(p, SECRET_PREFIX, sizeof SECRET_PREFIX - 1))
		return -1;
	p += sizeof SECRET_PREFIX - 1;
	if (p[SECRET_B64] != '\n' || tlog_b64_decode(p, SECRET_B64, req->secret, sizeof req->secret, &n) ||
	    n != sizeof req->secret)
		return -1;
	return 0;
}

static void reply(struct activate_reply *out, int status, const char *reason)
{
	out->status = status;
	out->reason = reason;
}

/* Publishes the certificate: readable by nginx's workers, then renamed
 * into the served directory in one step. */
static int activate_publish(const char *pending_dir, const char *certs_dir, const char *node)
{
	char from[4096], to[4096];

	if ((size_t)snprintf(from, sizeof from, "%s/%s.pem", pending_dir, node) >= sizeof from ||
	    (size_t)snprintf(to, sizeof to, "%s/%s.pem", certs_dir, node) >= sizeof to)
		return -1;
	if (chmod(from, 0644) || rename(from, to)) {
		fprintf(stderr, "attestd: warning: unable to publish %s: %s\n", from, strerror(errno));
		return -1;
	}
	return 0;
}

/* Undoes activate_publish after a failed commit, so that the certificate is
 * served only if the database says active. */
static void activate_unpublish(const char *pending_dir, const char *certs_dir, const char *node)
{
	char from[4096], to[4096];

	snprintf(from, sizeof from, "%s/%s.pem", certs_dir, node);
	snprintf(to, sizeof to, "%s/%s.pem", pending_dir, node);
	if (rename(from, to))
		fprintf(stderr, "attestd: fatal: unable to take back %s after a failed commit: %s\n", from,
			strerror(errno));
}

void activate_run(sqlite3 *db, const char *pending_dir, const char *certs_dir, const struct activate_req *req,
		  time_t now, struct activate_reply *out)
{
	struct db_node row;
	uint8_t md[32];
	unsigned int mdlen = 0;
	int found;

	if (srv_db_begin(db)) {
		reply(out, 500, "internal error");
		return;
	}
	found = db_node_get(db, req->node, &row);
	if (found < 0) {
		reply(out, 500, "internal error");
		goto rollback;
	}
	if (!found) {
		reply(out, 403, "unknown node");
		goto rollback;
	}
	if (row.state != DB_PENDING) {
		reply(out, 403, "no pending enrollment");
		goto rollback;
	}
	if (!EVP_Digest(req->secret, sizeof req->secret, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof md) {
		reply(out, 500, "internal error");
		goto rollback;
	}
	if (CRYPTO_memcmp(md, row.secret_sha256, sizeof md)) {
		if (db_node_wrong(db, req->node, row.wrong + 1) || srv_db_commit(db)) {
			reply(out, 500, "internal error");
			goto rollback;
		}
		reply(out, 403, "wrong secret");
		return;
	}
	if (db_node_activate(db, req->node, now) || activate_publish(pending_dir, certs_dir, req->node)) {
		reply(out, 500, "internal error");
		goto rollback;
	}
	if (srv_db_commit(db)) {
		activate_unpublish(pending_dir, certs_dir, req->node);
		reply(out, 500, "internal error");
		goto rollback;
	}
	reply(out, 200, "activated");
	return;
rollback:
	srv_db_rollback(db);
}
