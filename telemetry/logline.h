/* Records from the log pipe (include/lethe_telemetry.h): "UNIX_MS SOURCE:
 * TEXT\n", cut into lines from whatever read() returns.  What leaves the
 * agent is always a record reportd accepts (reportd/logs.h): one bad line
 * would have the whole batch refused, so each line is made one here. */
#ifndef TELEMETRY_LOGLINE_H
#define TELEMETRY_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "lethe_telemetry.h"

/* The line being assembled, across reads. */
struct logline {
	char buf[LETHE_LOGLINE_MAX];
	size_t len; /* at most LETHE_LOGLINE_MAX - 1: the rest of a longer line is dropped */
};

typedef void logline_emit_fn(void *arg, const char *line, size_t len);

/* Feeds N bytes read from the pipe.  Each complete line goes to EMIT (with
 * its newline, at most LETHE_LOGLINE_MAX bytes): bytes outside printable
 * ASCII made '?', cut to LETHE_LOGLINE_MAX bytes, and a line that is not a
 * record framed as "NOW_MS telemetry: unframed: TEXT" (NOW_MS the
 * realtime clock); empty lines are dropped. */
void logline_feed(struct logline *l, const char *p, size_t n, uint64_t now_ms, logline_emit_fn *emit, void *arg);
/* At end of input: the last line if it had no newline. */
void logline_flush(struct logline *l, uint64_t now_ms, logline_emit_fn *emit, void *arg);

/* 1 if S (N bytes, no newline) is a record: UNIX_MS decimal (no leading
 * zero, at most 2^53), SOURCE 1 to LETHE_LOG_SOURCE_MAX of [a-z0-9.] with a
 * letter first, ": ", TEXT of printable ASCII; N + 1 <= LETHE_LOGLINE_MAX. */
int logline_valid(const char *s, size_t n);

/* OUT := "NOW_MS telemetry: TEXT\n" from FMT, cut to a record (OUT holds
 * LETHE_LOGLINE_MAX bytes).  Its length. */
size_t logline_make(char out[LETHE_LOGLINE_MAX], uint64_t now_ms, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
