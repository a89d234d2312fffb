/* Platform profiles: what the firmware measures that an image does not
 * decide, recorded once per platform from a real event log.
 *
 *   # comment (also after the fields)
 *   <pcr> extend <sha256 hex>    an event the firmware extends into <pcr>
 *                                before the image's own events, in order
 *   <pcr> value <sha256 hex>     the final value of <pcr> (PCR 7: the
 *                                Secure Boot state and keys as observed)
 *
 * PCRs 0..23; at most PROFILE_EVENTS_MAX extends per PCR; a PCR is either
 * extended or has a value, not both; at most PROFILE_LINE_MAX bytes a line. */
#ifndef PCRPREDICT_PROFILE_H
#define PCRPREDICT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pcr.h"

#define PROFILE_PCRS 24u
#define PROFILE_EVENTS_MAX 32u
#define PROFILE_LINE_MAX 512u
#define PROFILE_BYTES_MAX (256u * 1024u)

struct profile_pcr {
	unsigned nevents;
	int has_value;
	uint8_t events[PROFILE_EVENTS_MAX][PCR_BYTES];
	uint8_t value[PCR_BYTES];
};

struct profile {
	struct profile_pcr pcr[PROFILE_PCRS];
};

/* Parses n bytes of profile text; errors name the line ("line 3: ...").
 * Returns 0 or LETHE_EXIT_USAGE. */
int profile_parse(const char *text, size_t n, struct profile *pr, struct tool_err *e);

/* The PCR's value after the profile's events (zero, or the fixed value). */
void profile_start(const struct profile *pr, unsigned pcr, uint8_t out[PCR_BYTES]);

#endif
