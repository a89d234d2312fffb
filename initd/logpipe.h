/* The log pipe (include/lethe_telemetry.h, docs/observability.md): one
 * pipe made at startup, before any service, that carries initd's own
 * lines and every service's (output.h) to lethe-telemetry, one record per
 * line:
 *
 *   UNIX_MS SOURCE: TEXT\n
 *
 * initd keeps both ends for its whole life: the agent gets the read end
 * as its standard input at every start, and while it is down or
 * restarting the lines wait in the pipe's buffer (never EPIPE).  Writes
 * never block: the write end is O_NONBLOCK and a record is at most
 * LETHE_LOGLINE_MAX bytes (< PIPE_BUF, so atomic); a full pipe drops the
 * record and counts it, and the next record that fits goes with a
 * "log: dropped N lines (pipe full)" record before it. */
#ifndef INITD_LOGPIPE_H
#define INITD_LOGPIPE_H

#include <stddef.h>
#include <stdint.h>

/* Makes the pipe (both ends close-on-exec and above fd 2; its buffer
 * LETHE_LOGPIPE_BYTES when the kernel allows).  Returns 0 or a negative
 * errno; without it, records go nowhere. */
int logpipe_open(void);

/* The read end (the agent's stdin), -1: no pipe. */
int logpipe_reader(void);

/* One record from source ("initd", or a service's name: "configpull",
 * "tor.NAME", ...; cut to LETHE_LOG_SOURCE_MAX bytes) with len bytes of text
 * (no newline): bytes outside printable ASCII become '?', and the text is
 * cut so that the record fits LETHE_LOGLINE_MAX. */
void logpipe_record(char const *source, char const *text, size_t len);

/* Records dropped since the last marker (tests). */
uint64_t logpipe_dropped(void);

#endif
