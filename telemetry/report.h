/* The report, version 1 (docs/observability.md, "Report"), from the status
 * file, the probe and the agent's counters: compact JSON of at most
 * LETHE_REPORT_MAX bytes, every value within the table's bounds (reportd
 * refuses the report for one value out of them). */
#ifndef TELEMETRY_REPORT_H
#define TELEMETRY_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"
#include "status.h"

#define REPORT_NODE_LEN 64

/* The agent's side of a report and of the node metrics. */
struct report_counts {
	uint64_t seq;             /* this report's */
	long long time_s;         /* realtime */
	uint64_t reports_dropped, lines_dropped, send_failures;
	uint64_t connections;     /* mTLS connections made (each one TPM signature) */
	long long rss_kib;        /* the agent's */
	int have_handshake;
	double handshake_s;       /* the newest TLS handshake */
};

/* The node's state as the report and metrics see it. */
struct report_in {
	const char *node;         /* 64 hex */
	const struct status *st;  /* NULL: no status file read yet */
	const struct probe *p;
	const char *tor_version;  /* "" unknown */
};

/* OUT (CAP bytes) := the report; *LEN its length.  0, or -1 with WHY: a
 * required key the agent could not read (status file, boot id, uptime,
 * image), or longer than CAP. */
int report_build(const struct report_in *in, const struct report_counts *c, char *out, size_t cap, size_t *len,
		 char *why, size_t whylen);

#endif
