/* reportd: the config server's end of the node telemetry of
 * docs/observability.md ("The operator's side"): nginx passes each node's
 * POST /v1/report and POST /v1/logs (mTLS, the node id from the verified
 * certificate as the FastCGI parameter LETHE_NODE); reportd checks them
 * against the contract of include/lethe_telemetry.h (report.c, logs.c),
 * keeps them in SQLite (db.c) and prints them for the operator and
 * scripts/fleet (status.c).  Metrics do not pass here: nginx forwards them
 * to the Pushgateway. */
#ifndef REPORTD_H
#define REPORTD_H

#include <stddef.h>

#include "lethe_telemetry.h"

#define REPORTD_NODE_HEX 64 /* node id: hex SHA-256 of the node key's SPKI */

/* Why an input was refused or an operation failed: one line of printable
 * ASCII, what the node reads in a 400 and the operator in the log. */
struct reportd_err {
	char msg[200];
};

/* Formats the reason into err (if any) and returns -1, so that a check
 * can `return reportd_fail(err, "...")`. */
int reportd_fail(struct reportd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 0 if s is exactly 64 lowercase hex digits (the one spelling of a node id:
 * nginx's map takes only that from the certificate's CN). */
int reportd_node_valid(const char *s);

/* 1 if c is printable ASCII (0x20-0x7e). */
static inline int reportd_printable(int c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Copies at most max bytes of s into out (max+1 bytes), '?' for every byte
 * that is not printable ASCII: for naming a node's key in a reason. */
void reportd_sanitize(const char *s, size_t max, char *out);

#endif
