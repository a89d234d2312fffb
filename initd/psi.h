/* Pressure stall information: a PSI trigger ("some 150000 1000000": 150 ms
 * of stall within any 1 s window) on /proc/pressure/{memory,cpu,io},
 * POLLPRI in the one event loop; when it fires initd logs a warning with
 * the avg10 values, at most once a minute per resource, and counts the
 * memory events for the status file.  Running from RAM
 * with no disk, memory pressure is the OOM killer's warning shot. */
#ifndef INITD_PSI_H
#define INITD_PSI_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define PSI_TRIGGER "some 150000 1000000"
#define PSI_WARN_EVERY_MS 60000
#define PSI_TEXT_BYTES 512
#define PSI_AVG_MAX 11

/* From a pressure file's text: the avg10 values of the "some" and "full"
 * lines ("0.00" style, at most PSI_AVG_MAX bytes, digits and one dot);
 * full is "-" when there is no full line (cpu before 5.13).  Returns 0,
 * or -1 when there is no valid "some" line. */
int psi_parse_avg10(char const *text, size_t len, char some[PSI_AVG_MAX + 1],
	char full[PSI_AVG_MAX + 1]);

/* Memory-pressure events since boot: each time the memory trigger
 * fired (the status file's pressure_events). */
uint64_t psi_memory_events(void);

/* Arms the triggers under dir (/proc/pressure) in l's poll.  Returns the
 * number of resources watched. */
int psi_open(struct loop *l, char const *dir);

#endif
