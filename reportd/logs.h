/* logs.h: a batch of log-pipe records (include/lethe_telemetry.h), as a
 * node POSTs them to /v1/logs: at most LETHE_LOGS_BATCH_MAX bytes of lines
 *
 *   UNIX_MS SOURCE: TEXT\n
 *
 * UNIX_MS decimal (no sign, no leading zero, at most 2^53), SOURCE
 * "initd", "telemetry" or "tor.NAME" (NAME 1-16 of [a-z0-9]), TEXT
 * printable ASCII (0x20-0x7e, may be empty), each line at most
 * LETHE_LOGLINE_MAX bytes with its newline, the last one included.  A
 * batch with one bad line is refused whole: nothing of it is kept. */
#ifndef REPORTD_LOGS_H
#define REPORTD_LOGS_H

#include <stddef.h>

#include "reportd.h"

/* 0 with *lines the number of lines of body (len bytes), or -1 with the
 * reason ("logs: line N: ...") in err. */
int logs_check(const char *body, size_t len, size_t *lines, struct reportd_err *err);

#endif
