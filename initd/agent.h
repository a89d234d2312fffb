/* initd's side of lethe-telemetry (include/lethe_telemetry.h,
 * docs/observability.md): the log pipe and the status file wired to
 * initd's own lines and marks, and the agent as a supervised service
 * that reads the pipe. */
#ifndef INITD_AGENT_H
#define INITD_AGENT_H

#include "loop.h"

/* The agent's oom_score_adj (tor's is TOR_OOM_ADJ, 100): when memory runs
 * out the kernel kills the agent before any tor instance. */
#define AGENT_OOM_ADJ 500

/* Before any service: makes the log pipe, records the status for
 * status_path (NULL: no status file; status_attach and status_flush do
 * the rest) and hooks both to initd's log.  A pipe that cannot be made is
 * logged; initd runs on without it. */
void agent_setup(char const *status_path);

/* Adds the service "telemetry" running argv, its stdin the log pipe's read
 * end; restarts with tor's backoff (1 s doubling to 60 s), no crash-loop
 * verdict, stopped like every service.  Returns 0 or a negative errno
 * (loop_add). */
int agent_add(struct loop *l, char *const argv[]);

#endif
