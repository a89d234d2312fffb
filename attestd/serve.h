/* serve.h: the FastCGI responder nginx passes POST /v1/activate, the
 * attested pull's nonce and quote requests, and its gate to. */
#ifndef ATTESTD_SERVE_H
#define ATTESTD_SERVE_H

#include <sqlite3.h>

#include "releases.h"

struct serve_conf {
	sqlite3 *db;
	const char *socket_path;
	const char *pending_dir;
	const char *certs_dir;
	struct releases *releases; /* refreshed before each quote */
};

/* Answers requests one at a time until SIGTERM or SIGINT, then finishes
 * the current one and returns the exit code (0; 111 if the socket cannot
 * be opened). */
int serve_run(const struct serve_conf *conf);

#endif
