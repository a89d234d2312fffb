/* serve.h: the FastCGI responder of POST /v1/report and POST /v1/logs. */
#ifndef REPORTD_SERVE_H
#define REPORTD_SERVE_H

#include <sqlite3.h>

struct serve_conf {
	sqlite3 *db;
	const char *socket_path;
};

/* Answers requests one at a time until SIGTERM or SIGINT, then finishes
 * the current one and returns the exit code (0; 111 if the socket cannot
 * be opened). */
int serve_run(const struct serve_conf *conf);

#endif
