/* The telemetry contract (docs/observability.md), defined here once:
 *
 *   initd  --status file-->  lethe-telemetry  --mTLS-->  nginx --> reportd (reports, logs)
 *   initd  --log pipe--->    lethe-telemetry                   --> Pushgateway (metrics)
 *   tor    --MetricsPort (127.0.0.1)--> lethe-telemetry
 *
 * initd, lethe-telemetry, configpull (the MetricsPort it renders), reportd
 * and scripts/configserver/render-nginx all follow these numbers; a test
 * that needs one takes it from here or from the doc's table, never a copy. */
#ifndef LETHE_TELEMETRY_H
#define LETHE_TELEMETRY_H

/* ---- node side ------------------------------------------------------- */

/* initd's state for the agent: "KEY=VALUE\n" lines (keys below), written
 * whole to LETHE_STATUS ".tmp" and renamed over LETHE_STATUS on every state
 * change, 0640 root:root.  Values are printable ASCII (0x20-0x7e), at most
 * LETHE_STATUS_VALUE_MAX bytes; the whole file at most LETHE_STATUS_MAX. */
#define LETHE_STATUS "/run/lethe/status"
#define LETHE_STATUS_VERSION 1
#define LETHE_STATUS_MAX 8192
#define LETHE_STATUS_VALUE_MAX 256

/* The log pipe: initd makes it at boot (before any service), writes every
 * line of its own and of every service's stdout/stderr into it without
 * ever blocking (O_NONBLOCK; a full pipe drops the line and counts it; the
 * next line that fits is preceded by a "dropped N lines" marker), and
 * gives its read end to lethe-telemetry as standard input on every start.
 * The pipe's buffer is the node's first log ring: lines wait there while
 * the agent is down or restarting.
 *
 * One record per line: "UNIX_MS SOURCE: TEXT\n", UNIX_MS the realtime
 * clock in milliseconds (decimal), SOURCE who wrote the line: "initd", or
 * the name of the service whose output it is ("tor.NAME", "configpull",
 * "tpmseal", "repull", "network", "clock", "dhcp", "telemetry"): 1 to
 * LETHE_LOG_SOURCE_MAX of [a-z0-9.], a letter first, so that a reader
 * accepts a service added later; TEXT printable ASCII (other bytes are '?'), the whole line at
 * most LETHE_LOGLINE_MAX bytes with its newline (longer lines are cut).
 * Writes of at most PIPE_BUF bytes are atomic, so lines never interleave. */
#define LETHE_LOGPIPE_BYTES 65536
#define LETHE_LOGLINE_MAX 1024
#define LETHE_LOG_SOURCE_MAX 24
#define LETHE_LOG_DROPPED_FMT "log: dropped %llu lines (%s)"

/* The agent, started by initd after the first successful configpull (it
 * needs the node certificate) and supervised like tor. */
#define LETHE_TELEMETRY_BIN "/usr/bin/lethe-telemetry"

/* tor instance I's MetricsPort, owned by lethe: 127.0.0.1:BASE+I with
 * "MetricsPortPolicy accept 127.0.0.1" (configpull renders both before the
 * document's options); the document may not bind these ports.  Inside the
 * baseline's reserved range (net.ipv4.ip_local_reserved_ports 9000-9099),
 * so no outgoing connection takes them as its local port. */
#define LETHE_TOR_METRICS_PORT_BASE 9090

/* ---- the wire (node -> config server, mTLS) --------------------------- */

/* POST, application/json: one report (docs/observability.md, "Report"). */
#define LETHE_REPORT_PATH "/v1/report"
#define LETHE_REPORT_VERSION 1
#define LETHE_REPORT_MAX 16384
/* POST, text/plain: a batch of log-pipe records, oldest first. */
#define LETHE_LOGS_PATH "/v1/logs"
#define LETHE_LOGS_BATCH_MAX 65536
/* PUT, Prometheus text format 0.0.4, no timestamps: one Pushgateway group.
 * The node's own metrics under job "lethe", each tor instance's MetricsPort
 * under job "tor" with its instance name; nginx forwards only when NODE is
 * the node id of the verified client certificate. */
#define LETHE_METRICS_NODE_FMT "/v1/metrics/job/lethe/node/%s"
#define LETHE_METRICS_TOR_FMT "/v1/metrics/job/tor/node/%s/instance/%s"
#define LETHE_METRICS_PUSH_MAX 262144

/* ---- server side ------------------------------------------------------ */

/* reportd keeps per node the newest report, this many older ones, and this
 * many log lines (the oldest go first). */
#define LETHE_REPORT_HISTORY 64
#define LETHE_LOG_LINES_KEPT 20000

#endif
