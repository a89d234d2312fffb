/* The Prometheus text format 0.0.4, line by line: what the agent passes on
 * from tor's MetricsPort.  The Pushgateway refuses a whole push for one bad
 * line, and for any timestamp; so every line that is not a valid "# HELP",
 * "# TYPE" or sample line is dropped, and a sample's timestamp is cut. */
#ifndef TELEMETRY_EXPO_H
#define TELEMETRY_EXPO_H

#include <stddef.h>

/* The length of S (N bytes, no newline) to keep if it is a valid HELP,
 * TYPE or sample line (a sample without its timestamp), 0 to drop it:
 * other comments, empty lines, tabs, bytes outside printable ASCII. */
size_t expo_line(const char *s, size_t n);

/* Filters BUF (LEN bytes) in place, line by line (a last line without a
 * newline is dropped).  The new length; *DROPPED the lines dropped. */
size_t expo_filter(char *buf, size_t len, size_t *dropped);

/* 1 if S (N bytes) is a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
int expo_name(const char *s, size_t n);

#endif
