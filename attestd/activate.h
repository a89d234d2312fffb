/* activate.h: POST /v1/activate, apart from FastCGI: the node proves it
 * recovered the credential's secret, and its certificate is published. */
#ifndef ATTESTD_ACTIVATE_H
#define ATTESTD_ACTIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "attestd.h"

#define ACTIVATE_BODY_MAX 1024

struct activate_req {
	char node[ATTESTD_NODE_HEX + 1];
	uint8_t secret[LETHE_ATTEST_SECRET_BYTES];
};

struct activate_reply {
	int status;         /* HTTP status */
	const char *reason; /* one line, no newline; shown on the node's console */
};

/* The body, exactly "node <64 hex>\nsecret <base64 of 32 bytes>\n".  0 or
 * -1. */
int activate_parse(const char *body, size_t len, struct activate_req *req);

/* Checks the secret against node's pending row and, if right, marks it
 * active and renames pending/ID.pem to certs/ID.pem, both or neither.
 * Only req->node's row and files are touched. */
void activate_run(sqlite3 *db, const char *pending_dir, const char *certs_dir, const struct activate_req *req,
		  time_t now, struct activate_reply *out);

#endif
