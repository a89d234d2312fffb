/* lethe-telemetry's own numbers: every bound of the agent in one place (the
 * contract's are in include/lethe_telemetry.h).  The memory ceiling they
 * add up to is in docs/observability.md ("lethe-telemetry"). */
#ifndef TELEMETRY_H
#define TELEMETRY_H

#include "lethe_telemetry.h"

#define PROG "lethe-telemetry"

/* Integers in reports: 0 ... 2^53, exact in every JSON reader. */
#define TELEMETRY_INT_MAX 9007199254740992LL

/* The log ring: lines from standard input wait here for a 2xx.  One full
 * ring fits one batch. */
#define TELEMETRY_RING_BYTES LETHE_LOGS_BATCH_MAX
/* A batch leaves when this much waits, or this long after its oldest line. */
#define TELEMETRY_LOGS_SOON_BYTES 16384
#define TELEMETRY_LOGS_WAIT_MS 5000

/* Reports waiting for the server: the newest this many. */
#define TELEMETRY_QUEUE_REPORTS 8

/* Coalescing after a status change: a report at most once a second, a
 * metrics push at most once every 5 s. */
#define TELEMETRY_REPORT_GAP_MS 1000
#define TELEMETRY_METRICS_GAP_MS 5000

/* After a failed request: 1 s doubling to 300 s, each wait uniform in
 * [d/2, d]. */
#define TELEMETRY_BACKOFF_MIN_MS 1000
#define TELEMETRY_BACKOFF_MAX_MS 300000

/* SIGTERM or SIGINT: what is queued may leave within this, then exit 0. */
#define TELEMETRY_STOP_MS 2000

/* The node's own metrics, rendered (8 instances: about 6 KB). */
#define TELEMETRY_NODE_METRICS_MAX 16384

/* Requests: to the config server, and to tor's MetricsPort on loopback. */
#define TELEMETRY_CONNECT_TIMEOUT_S 10
#define TELEMETRY_TIMEOUT_S 30
#define TELEMETRY_SCRAPE_TIMEOUT_MS 2000
/* What is kept of a server's answer: its first line, for the console. */
#define TELEMETRY_REPLY_MAX 256

/* `tor --version`, run once at start. */
#define TELEMETRY_TOR_VERSION_MAX 64
#define TELEMETRY_TOR_VERSION_MS 5000

#endif
