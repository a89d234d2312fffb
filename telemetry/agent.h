/* lethe-telemetry run: one poll loop over standard input (the log pipe),
 * an inotify watch on the status file's directory, a signalfd, the
 * request in flight, and deadlines (report, metrics, logs, backoff, stop). */
#ifndef TELEMETRY_AGENT_H
#define TELEMETRY_AGENT_H

#include "fetch.h"
#include "probe.h"

struct agent_opts {
	const char *url;              /* the node document's URL: requests go to its origin */
	struct fetch_opts fo;         /* ca, key file or TPM handle, tcti, timeouts */
	struct probe_paths paths;
	unsigned metrics_base;        /* instance I's MetricsPort: 127.0.0.1:BASE+I */
	long interval_s;              /* report and metrics at least this often */
	const char *tor;              /* run once with --version */
	int stdin_open;               /* standard input was open at start */
};

/* Runs until SIGTERM or SIGINT: LETHE_EXIT_OK, or LETHE_EXIT_TEMP when it
 * cannot start (the CA, the key, libcurl, the loop's descriptors), said on
 * stderr. */
int agent_run(const struct agent_opts *o);

/* lethe-telemetry show: prints the report and the node metrics it would
 * send now, sends nothing.  LETHE_EXIT_OK or LETHE_EXIT_TEMP. */
int agent_show(const struct agent_opts *o);

#endif
