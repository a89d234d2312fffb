/* The node's own metrics (docs/observability.md, "Node metrics"), in the
 * Prometheus text format 0.0.4: HELP and TYPE before each family, no
 * timestamps, label values escaped.  Families whose source the agent
 * could not read are left out. */
#ifndef TELEMETRY_METRICS_H
#define TELEMETRY_METRICS_H

#include <stddef.h>

#include "report.h"

/* OUT (CAP bytes) := the exposition; its length, 0 if it did not fit. */
size_t metrics_render(const struct report_in *in, const struct report_counts *c, char *out, size_t cap);

/* OUT (CAP bytes) := S with '\\', '"' and newlines escaped for a label
 * value, cut to fit. */
void metrics_escape(const char *s, char *out, size_t cap);

#endif
