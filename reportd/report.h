/* report.h: a node's report, version 1 (docs/observability.md, "Report"),
 * checked strictly before reportd keeps it.
 *
 * The rules beyond the table's types and bounds:
 * - the body is one JSON object, no duplicate key, nothing after it;
 * - an unknown key, at any depth, is refused and named;
 * - required at the top: version, node, seq, time, boot_id, uptime_s,
 *   image, stage; every other top-level key may be left out (what the
 *   agent could not read), never sent with a made-up value;
 * - an object that is present has all its keys (marks: any of the mark
 *   names); every instance has all its keys, and instance names are
 *   unique;
 * - integers are JSON integers (5.0 is not one), 0 ... 2^53 unless the
 *   table says otherwise (pull.exit: -1 ... 255; rollout.wanted 0 ...
 *   2^31-1, rollout.done -1 ... 2^31-1); psi averages are numbers
 *   0 ... 100;
 * - epoch, rollout and tor_state (agents from the rollout-capable images
 *   on) are optional like the rest: an older agent's report has none;
 * - strings are printable ASCII (0x20-0x7e);
 * - image_mismatch, when sent with image_wanted, is exactly "image_wanted
 *   is set and differs from image". */
#ifndef REPORTD_REPORT_H
#define REPORTD_REPORT_H

#include <stddef.h>

#include "reportd.h"

/* What reportd keeps beside the body: the columns of the report table. */
struct report_meta {
	char node[REPORTD_NODE_HEX + 1];
	char boot_id[37];
	long long seq;
	long long time;
};

/* Checks body (len bytes, not NUL-terminated, at most LETHE_REPORT_MAX) as a
 * version 1 report.  0 with meta filled and *compact the report as one line
 * of compact JSON (keys in the node's order; free() it), or -1 with the
 * reason ("report: KEY: ...") in err and *compact NULL. */
int report_check(const char *body, size_t len, struct report_meta *meta, char **compact, struct reportd_err *err);

#endif
